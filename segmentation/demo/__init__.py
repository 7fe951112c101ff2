"""Demo data of segmentation (``manage.py seed_demo``): a primary scorecard with an active version
and a draft to preview, an imported KOL index, scoring runs for the last two finished quarters
(so the dashboard shows movement), a few overrides, tier settings and adoption stages.

Idempotent: what exists is found and kept; runs already done are not repeated.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from accounts.models import Role, User
from hospitals.models import Doctor, Product
from segmentation import services
from segmentation.models import (
    AdoptionStage,
    ImportedDimension,
    ImportedValue,
    RunStatus,
    Scorecard,
    ScorecardVersion,
    ScoringRun,
    TierOverride,
    VersionStatus,
    period_of,
    previous_period,
)

SCORECARD = "全产品医生分级"
DIMENSIONS = [
    {"kind": "academic_influence", "weight": 30},
    {"kind": "prescribing_potential", "weight": 25},
    {"kind": "business_contribution", "weight": 25},
    {"kind": "willingness", "weight": 5},
    {"kind": "digital_acceptance", "weight": 5},
    {"kind": "imported", "weight": 10},
]
SETTINGS = [
    ("A", 4, "in_person", False),
    ("B", 2, "in_person", False),
    ("C", 1, "wechat", True),
    ("D", 0, "online_meeting", True),
]
OVERRIDE_REASONS = [
    ("A", "新当选省医学会心血管分会副主委，产品部决定提前按A级覆盖"),
    ("B", "科室主任调任行政岗位，临床处方量下降，本季度降为B级"),
    ("D", "医生已退休返聘，仅保留线上沟通"),
]
ADOPTION_SPREAD = [
    (AdoptionStage.UNAWARE, 10),
    (AdoptionStage.AWARE, 14),
    (AdoptionStage.TRIAL, 10),
    (AdoptionStage.REGULAR, 8),
    (AdoptionStage.LOYAL, 5),
    (AdoptionStage.ADVOCATE, 3),
]


def _say(stdout, text):
    if stdout:
        stdout.write(f"  segmentation: {text}")


def seed(*, tenant, stdout=None) -> None:
    """Create or complete the segmentation demo of ``tenant`` (inside its tenant context)."""
    pm = User.objects.in_tenant(tenant).with_role(Role.PRODUCT_MANAGER).order_by("pk").first()
    rep = User.objects.in_tenant(tenant).with_role(Role.REP).order_by("pk").first()
    if not Doctor.objects.for_tenant(tenant).exists():
        _say(stdout, "no doctors, skipped")
        return
    rng = random.Random(f"segmentation-{tenant.code}")
    today = timezone.localdate()
    latest = previous_period(period_of(today))
    periods = [previous_period(latest), latest]

    for name, visits, channel, online in SETTINGS:
        services.tier_setting_set(
            tenant=tenant, by=pm, tier=name, visits_per_month=visits, preferred_channel=channel, online_allowed=online
        )

    kol = ImportedDimension.objects.for_tenant(tenant).filter(code="kol-index").first()
    if kol is None:
        kol = services.imported_dimension_create(
            tenant=tenant, by=pm, code="kol-index", name="第三方KOL影响力指数", description="外部数据供应商季度KOL评分"
        )
    doctor_ids = list(
        Doctor.objects.for_tenant(tenant).filter(is_active=True).order_by("pk").values_list("pk", flat=True)
    )
    for period in periods:
        if not ImportedValue.objects.for_tenant(tenant).filter(dimension=kol, period=period).exists():
            picked = doctor_ids[: len(doctor_ids) * 3 // 5]
            ImportedValue.objects.bulk_create(
                [
                    ImportedValue(
                        tenant=tenant, dimension=kol, doctor_id=pk, period=period, value=round(rng.gauss(50, 18), 1)
                    )
                    for pk in picked
                ],
                batch_size=5000,
            )

    scorecard = Scorecard.objects.for_tenant(tenant).filter(name=SCORECARD).first()
    if scorecard is None:
        scorecard = services.scorecard_create(
            tenant=tenant,
            by=pm,
            name=SCORECARD,
            is_primary=True,
            description="学术影响力、处方潜力与业务贡献为主，辅以合作意愿、数字化接受度和第三方KOL指数。",
        )
    dims = [dict(d, imported_dimension=kol.pk) if d["kind"] == "imported" else d for d in DIMENSIONS]
    active = ScorecardVersion.objects.for_tenant(tenant).filter(scorecard=scorecard, number=1).first()
    if active is None:
        active = services.version_create(
            tenant=tenant, by=pm, scorecard=scorecard, dimensions=dims, notes="首个正式版本：A 10%，B 20%，C 30%"
        )
    if active.status == VersionStatus.DRAFT:
        active = services.version_activate(tenant=tenant, by=pm, version=active)
    if not ScorecardVersion.objects.for_tenant(tenant).filter(scorecard=scorecard, number=2).exists():
        services.version_create(
            tenant=tenant,
            by=pm,
            scorecard=scorecard,
            copy_from=active,
            quota_a=15,
            quota_b=25,
            quota_c=30,
            notes="草稿：扩大A/B级覆盖，激活前先做模拟（what-if）",
        )

    for period in periods:
        if ScoringRun.objects.for_tenant(tenant).filter(period=period, status=RunStatus.DONE).exists():
            continue
        run = ScoringRun.objects.create(tenant=tenant, version=active, period=period, started_by=pm)
        run = services.tier_rescore(tenant=tenant, period=period, run_id=run.pk)
        _say(
            stdout,
            f"{period}: {run.doctors_total} doctors tiered {run.tier_counts}, {run.moved_up} up, {run.moved_down} down",
        )

    if not TierOverride.objects.for_tenant(tenant).exists():
        sample = rng.sample(doctor_ids, min(len(doctor_ids), len(OVERRIDE_REASONS)))
        for doctor_id, (tier, reason) in zip(sample, OVERRIDE_REASONS, strict=False):
            services.tier_override_set(
                tenant=tenant,
                by=pm,
                doctor=Doctor.objects.get(pk=doctor_id),
                tier=tier,
                reason=reason,
                expires_on=today + datetime.timedelta(days=rng.choice([45, 90, 180])),
            )

    product = Product.objects.for_tenant(tenant).filter(is_own=True).order_by("name").first()
    if product is not None:
        from hospitals.selectors import visible_doctors

        field_doctors = list(visible_doctors(tenant=tenant, user=rep).order_by("pk")[:60]) if rep else []
        pool = field_doctors or list(Doctor.objects.for_tenant(tenant).order_by("pk")[:60])
        by = rep if field_doctors else pm
        index = 0
        for stage, count in ADOPTION_SPREAD:
            for doctor in pool[index : index + count]:
                services.adoption_set(tenant=tenant, by=by, doctor=doctor, product=product, stage=stage)
            index += count
    _record_demo(tenant, pm, active, kol, latest, rng, stdout)
    _say(stdout, f"scorecard “{SCORECARD}” v{active.number} active, runs for {', '.join(periods)}")
    from segmentation.demo.kol import seed_kol

    seed_kol(tenant=tenant, stdout=stdout)


def _record_demo(tenant, pm, active, kol, latest, rng, stdout):
    """Tiers of record (issue 15): the re-score schedule as a tenant setting; the KOL vendor
    re-delivers the latest quarter with corrections, and the re-run waits as a draft to compare
    (never published here: the published quarter stays as it was)."""
    from segmentation.models import SegmentationSettings

    SegmentationSettings.objects.for_tenant(tenant).get_or_create(tenant=tenant)
    if ScoringRun.objects.for_tenant(tenant).filter(period=latest, is_draft=True).exists():
        return
    values = list(ImportedValue.objects.for_tenant(tenant).filter(dimension=kol, period=latest).order_by("pk")[:400])
    for value in rng.sample(values, min(len(values), 60)):
        value.value = round(value.value + rng.choice([-25, 25]), 1)
    ImportedValue.objects.bulk_update(values, ["value"], batch_size=1000)
    run = ScoringRun.objects.create(tenant=tenant, version=active, period=latest, started_by=pm)
    run = services.tier_rescore(tenant=tenant, period=latest, run_id=run.pk)
    _say(stdout, f"{latest}: corrected KOL data re-run, {run.changed_rows} doctors differ (a draft, not published)")
