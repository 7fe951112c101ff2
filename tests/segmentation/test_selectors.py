"""Current tiers (overrides applied), the doctor-list tier filter, distribution, movement, settings."""

import datetime

import pytest
from django.utils import timezone

from crm.tenancy import tenant_context
from hospitals.models import Doctor
from segmentation import selectors, services, whatif
from segmentation.models import ScoringRun, TierOverride
from tests.hospitals.factories import DoctorFactory, UsageShareFactory
from tests.segmentation.factories import make_doctors, make_version

pytestmark = pytest.mark.django_db


def scored(tenant, period="2026Q1", n=10):
    doctors, product = make_doctors(tenant, n)
    version = make_version(tenant)
    with tenant_context(tenant):
        run = ScoringRun.objects.create(tenant=tenant, version=version, period=period)
        services.tier_rescore(tenant=tenant, period=period, run_id=run.pk)
    return doctors, product, version


def test_current_tier_is_the_latest_assignment_unless_an_override_is_in_force(tenant):
    doctors, _, _ = scored(tenant)
    worst, best = doctors[0], doctors[-1]
    never_scored = DoctorFactory(hospital__tenant=tenant, is_active=False)
    today = timezone.localdate()
    with tenant_context(tenant):
        services.tier_override_set(
            tenant=tenant, by=None, doctor=worst, tier="A", reason="新任省学会主委", expires_on=today
        )
        expired = services.tier_override_set(
            tenant=tenant, by=None, doctor=best, tier="D", reason="离职", expires_on=today
        )
        TierOverride.objects.filter(pk=expired.pk).update(expires_on=today - datetime.timedelta(days=1))

        tiers = selectors.current_tiers(tenant=tenant)
        annotated = dict(selectors.annotate_current_tier(Doctor.objects.all()).values_list("pk", "current_tier"))
        only_a = set(
            selectors.filter_doctors_by_tier(Doctor.objects.all(), tenant=tenant, tiers=["A"]).values_list(
                "pk", flat=True
            )
        )

    assert tiers[worst.pk] == "A"  # override in force
    assert tiers[best.pk] == "A"  # expired override ignored: scored tier
    assert never_scored.pk not in tiers and annotated[never_scored.pk] is None
    assert {pk: t for pk, t in annotated.items() if t} == tiers
    assert only_a == {worst.pk, best.pk}


def test_revoked_override_no_longer_counts(tenant):
    doctors, _, _ = scored(tenant)
    with tenant_context(tenant):
        override = services.tier_override_set(
            tenant=tenant, by=None, doctor=doctors[0], tier="A", reason="试点", expires_on=timezone.localdate()
        )
        services.tier_override_revoke(tenant=tenant, by=None, override=override)
        assert selectors.current_tiers(tenant=tenant, doctor_ids=[doctors[0].pk]) == {doctors[0].pk: "D"}
        assert override.history.count() == 2  # set, then revoked: who and when kept


def test_distribution_by_province_counts_and_percentages(tenant):
    scored(tenant)
    with tenant_context(tenant):
        result = selectors.tier_distribution(tenant=tenant, by="province")
    rows = {r["key"]: r for r in result["rows"]}
    assert set(rows) == {"上海市", "北京市"}
    assert result["totals"]["total"] == 10
    assert result["totals"]["counts"] == {"A": 1, "B": 2, "C": 3, "D": 4}
    assert sum(rows["上海市"]["counts"].values()) == 5
    assert sum(rows["北京市"]["percent"].values()) == pytest.approx(100, abs=0.2)


def test_movement_matrix_and_movers_between_the_last_two_periods(tenant):
    doctors, product, version = scored(tenant, "2026Q1")
    for i, doctor in enumerate(doctors):  # Q2: usage reversed
        UsageShareFactory(
            doctor=doctor, product=product, period=datetime.date(2026, 4, 1), volume=100 - i, share=50 - i
        )
    with tenant_context(tenant):
        v2 = services.version_create(
            tenant=tenant,
            by=None,
            scorecard=version.scorecard,
            dimensions=[{"kind": "business_contribution", "weight": 100}],
        )
        services.version_activate(tenant=tenant, by=None, version=v2)
        run = ScoringRun.objects.create(tenant=tenant, version=v2, period="2026Q2")
        q2 = services.tier_rescore(tenant=tenant, period="2026Q2", run_id=run.pk)
        matrix = selectors.movement_matrix(tenant=tenant)
        up = list(selectors.movers(tenant=tenant, direction="up"))
        down = list(selectors.movers(tenant=tenant, direction="down"))
    assert (matrix["from_period"], matrix["to_period"]) == ("2026Q1", "2026Q2")
    assert matrix["matrix"]["D"]["A"] == 1  # the worst doctor of Q1 is the best of Q2
    assert matrix["up"] == q2.moved_up == len(up)
    assert matrix["down"] == q2.moved_down == len(down)
    assert sum(sum(row.values()) for row in matrix["matrix"].values()) == 10
    assert doctors[0].pk in {a.doctor_id for a in up}


def test_tier_settings_fill_defaults(tenant):
    with tenant_context(tenant):
        services.tier_setting_set(
            tenant=tenant, by=None, tier="B", visits_per_month=3, preferred_channel="wechat", online_allowed=True
        )
        settings = selectors.tier_settings(tenant=tenant)
    assert (
        settings["A"].visits_per_month == 4
        and settings["A"].preferred_channel == "in_person"
        and settings["A"].is_default
    )
    assert (settings["B"].visits_per_month, settings["B"].preferred_channel, settings["B"].is_default) == (
        3,
        "wechat",
        False,
    )
    assert settings["C"].online_allowed and settings["D"].visits_per_month == 0


def test_whatif_previews_a_draft_without_writing(tenant):
    doctors, _, version = scored(tenant)
    with tenant_context(tenant):
        draft = services.version_create(
            tenant=tenant, by=None, scorecard=version.scorecard, copy_from=version, quota_a=30, quota_b=20, quota_c=20
        )
        before = list(selectors.tier_history(tenant=tenant, doctor=doctors[0]).values_list("tier", "score"))
        result = whatif.version_whatif(tenant=tenant, version=draft, period="2026Q1")
        after = list(selectors.tier_history(tenant=tenant, doctor=doctors[0]).values_list("tier", "score"))
        draft.refresh_from_db()
    assert result["distribution"]["A"] == {"count": 3, "percent": 30.0}
    assert result["baseline_distribution"]["A"]["count"] == 1
    assert result["matrix"]["A"]["A"] == 1 and result["matrix"]["B"]["A"] == 2
    assert result["up"] == 5 and result["down"] == 0  # B→A ×2, C→B ×2, D→C
    assert before == after and draft.used_at is None and draft.status == "draft"


def test_whatif_says_how_many_doctors_are_not_scored_yet(tenant):
    doctors, _, version = scored(tenant)
    DoctorFactory.create_batch(3, hospital=doctors[0].hospital)  # imported after the run
    DoctorFactory(hospital=doctors[0].hospital, is_active=False)  # inactive: not scored at all
    progress = []
    with tenant_context(tenant):
        result = whatif.version_whatif(
            tenant=tenant, version=version, period="2026Q1", on_progress=lambda *step: progress.append(step)
        )
    assert result["total"] == 13 and result["unscored"] == 3
    assert result["new"] == 3 and sum(result["matrix"]["new"].values()) == 3  # baseline: the stored tiers
    assert [phase for phase, _done, _total in progress] == ["reading", "scoring", "baseline", "comparing"]
    assert progress[0][2] == 13 and all(done <= total for _phase, done, total in progress)
