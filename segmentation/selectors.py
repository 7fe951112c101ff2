"""Reads of segmentation: current tiers, tier settings, history, distributions and movement.

The *current tier* of a doctor: the tier of their newest :class:`TierAssignment` (the latest
period they were scored in), replaced by the newest :class:`TierOverride` in force (not revoked,
not expired). Doctors never scored and without an override have no tier (absent / NULL).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from crm.tenancy import tenant_id_of
from segmentation.models import (
    DEFAULT_TIER_SETTINGS,
    TIER_ORDER,
    Adoption,
    RunStatus,
    Scorecard,
    ScorecardVersion,
    ScoringRun,
    Tier,
    TierAssignment,
    TierOverride,
    TierSetting,
    VersionStatus,
)

# --- tier settings ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TierSettingLike:
    """A tier's visit frequency and channel: a stored TierSetting or the default."""

    tier: str
    visits_per_month: int
    preferred_channel: str
    online_allowed: bool
    is_default: bool = False


def tier_settings(*, tenant) -> dict[str, TierSettingLike]:
    """Tier → settings for every tier A–D; defaults fill the tiers the tenant has not set."""
    stored = {s.tier: s for s in TierSetting.objects.for_tenant(tenant)}
    result = {}
    for tier in Tier.values:
        if tier in stored:
            s = stored[tier]
            result[tier] = TierSettingLike(tier, s.visits_per_month, s.preferred_channel, s.online_allowed)
        else:
            result[tier] = TierSettingLike(tier, **DEFAULT_TIER_SETTINGS[tier], is_default=True)
    return result


# --- current tier -----------------------------------------------------------------------------


def overrides_in_force(*, tenant, on=None) -> QuerySet[TierOverride]:
    """Overrides of the tenant neither revoked nor expired (newest first)."""
    return TierOverride.objects.for_tenant(tenant).in_force(on)


def _override_subquery(on=None):
    return Subquery(
        TierOverride.objects.in_force(on)
        .filter(doctor_id=OuterRef("pk"))
        .order_by("-created_at", "-id")
        .values("tier")[:1]
    )


def _assigned_subquery():
    return Subquery(TierAssignment.objects.filter(doctor_id=OuterRef("pk")).order_by("-period").values("tier")[:1])


def doctor_tier_queryset(*, tenant):
    """A subquery expression giving the current tier of ``OuterRef("pk")`` (a doctor), override applied.

    Use in ``Doctor.objects.annotate(tier=doctor_tier_queryset(tenant=t))``; see
    :func:`annotate_current_tier` for the ready-made annotation.
    """
    return Coalesce(_override_subquery(), _assigned_subquery())


def annotate_current_tier(queryset, *, tenant=None, name: str = "current_tier"):
    """Doctors ``queryset`` annotated with their current tier (``None`` when never scored).

    One query, no N+1: two correlated subqueries served by the (tenant, doctor, …) indexes.
    """
    return queryset.annotate(**{name: doctor_tier_queryset(tenant=tenant)})


def latest_period(*, tenant) -> str | None:
    """The newest period with a finished scoring run (None before the first run)."""
    return (
        ScoringRun.objects.for_tenant(tenant)
        .filter(status=RunStatus.DONE)
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )


def filter_doctors_by_tier(queryset, *, tenant, tiers, on=None):
    """Doctors of ``queryset`` whose current tier is one of ``tiers`` ("A".."D").

    Set-based for big lists: doctors scored into ``tiers`` in the latest period and without an
    override in force, plus doctors whose override in force is in ``tiers``. (A doctor not scored
    in the latest period — e.g. inactive since — counts by override only.)
    """
    tiers = [t for t in tiers if t in TIER_ORDER]
    if not tiers:
        return queryset
    overrides = overrides_in_force(tenant=tenant, on=on)
    # The newest override in force decides; DISTINCT ON picks it per doctor.
    newest = overrides.order_by("doctor_id", "-created_at", "-id").distinct("doctor_id")
    overridden_into = TierOverride.objects.filter(pk__in=newest.values("pk"), tier__in=tiers).values("doctor_id")
    period = latest_period(tenant=tenant)
    condition = Q(pk__in=overridden_into)
    if period:
        scored = (
            TierAssignment.objects.for_tenant(tenant)
            .filter(period=period, tier__in=tiers)
            .exclude(doctor_id__in=overrides.values("doctor_id"))
            .values("doctor_id")
        )
        condition |= Q(pk__in=scored)
    return queryset.filter(condition)


def current_tiers(*, tenant, doctor_ids=None) -> dict[int, str]:
    """Doctor id → current tier ("A".."D"), overrides in force applied; never-scored doctors absent."""
    assignments = TierAssignment.objects.for_tenant(tenant)
    overrides = overrides_in_force(tenant=tenant)
    if doctor_ids is not None:
        doctor_ids = list(doctor_ids)
        assignments = assignments.filter(doctor_id__in=doctor_ids)
        overrides = overrides.filter(doctor_id__in=doctor_ids)
    result = dict(assignments.order_by("doctor_id", "-period").distinct("doctor_id").values_list("doctor_id", "tier"))
    result.update(
        overrides.order_by("doctor_id", "-created_at", "-id").distinct("doctor_id").values_list("doctor_id", "tier")
    )
    return result


def doctor_current_tier(*, tenant, doctor) -> dict | None:
    """What a doctor's page shows: current tier, whether by override, and the latest assignment."""
    doctor_id = getattr(doctor, "pk", doctor)
    assignment = (
        TierAssignment.objects.for_tenant(tenant)
        .filter(doctor_id=doctor_id)
        .select_related("version__scorecard")
        .order_by("-period")
        .first()
    )
    override = overrides_in_force(tenant=tenant).filter(doctor_id=doctor_id).select_related("created_by").first()
    if assignment is None and override is None:
        return None
    return {
        "tier": override.tier if override else assignment.tier,
        "override": override,
        "assignment": assignment,
    }


def tier_history(*, tenant, doctor) -> QuerySet[TierAssignment]:
    """A doctor's assignments, newest period first (the tier history)."""
    return TierAssignment.objects.for_tenant(tenant).for_doctor(doctor).select_related("version__scorecard")


def override_history(*, tenant, doctor) -> QuerySet[TierOverride]:
    """Every override ever set for a doctor, newest first, with who set and revoked it."""
    return (
        TierOverride.objects.for_tenant(tenant)
        .filter(doctor_id=getattr(doctor, "pk", doctor))
        .select_related("created_by", "revoked_by")
    )


def score_breakdown(*, tenant, assignment) -> list[dict]:
    """The contributions of an assignment as rows (label, weight, contribution), biggest first."""
    dims = {d.key: d for d in assignment.version.dimensions.select_related("imported_dimension")}
    rows = []
    for key, contribution in (assignment.breakdown or {}).items():
        dim = dims.get(key)
        rows.append(
            {
                "key": key,
                "label": dim.label if dim else key,
                "weight": float(dim.weight) if dim else None,
                "contribution": contribution,
            }
        )
    rows.sort(key=lambda r: -(r["contribution"] or 0))
    return rows


# --- scorecards and runs ----------------------------------------------------------------------


def scorecard_list(*, tenant) -> QuerySet[Scorecard]:
    """Scorecards of the tenant, primary first."""
    return Scorecard.objects.for_tenant(tenant).select_related("product")


def active_version(*, tenant, scorecard=None) -> ScorecardVersion | None:
    """The active version of ``scorecard`` (default: the primary scorecard)."""
    qs = ScorecardVersion.objects.for_tenant(tenant).filter(status=VersionStatus.ACTIVE)
    if scorecard is not None:
        qs = qs.filter(scorecard_id=getattr(scorecard, "pk", scorecard))
    else:
        qs = qs.filter(scorecard__is_primary=True)
    return qs.select_related("scorecard").first()


def run_list(*, tenant) -> QuerySet[ScoringRun]:
    """Scoring runs, newest first."""
    return ScoringRun.objects.for_tenant(tenant).select_related("version__scorecard", "started_by")


def run_progress(*, tenant, run) -> dict:
    """Rows scored / total of a run while it runs (cache), or its final figures."""
    from segmentation import progress

    run_id = getattr(run, "pk", run)
    live = progress.get(run_id)
    if live is not None:
        return live
    run = ScoringRun.objects.for_tenant(tenant).get(pk=run_id)
    return {"status": run.status, "done": run.doctors_total, "total": run.doctors_total, "phase": run.status}


def last_two_periods(*, tenant) -> tuple[str | None, str | None]:
    """(previous, latest) periods with finished runs."""
    periods = list(
        ScoringRun.objects.for_tenant(tenant)
        .filter(status=RunStatus.DONE)
        .order_by("-period")
        .values_list("period", flat=True)
        .distinct()[:2]
    )
    latest = periods[0] if periods else None
    previous = periods[1] if len(periods) > 1 else None
    return previous, latest


# --- distribution and movement ----------------------------------------------------------------

DISTRIBUTION_DIMENSIONS = {
    "province": "doctor__hospital__province",
    "city": "doctor__hospital__city",
    "grade": "doctor__hospital__grade",
    "department": "doctor__department__standard_code",
}


def tier_distribution(*, tenant, period=None, by="province", doctors=None) -> dict:
    """Doctors per tier across ``by`` (province, city, grade or department) for ``period``.

    Returns ``{"period", "by", "tiers", "rows": [{"key", "counts": {tier: n}, "total",
    "percent": {tier: %}}], "totals": {...}}``, rows by total descending. One GROUP BY query.
    ``doctors``: an optional doctor queryset to restrict to (filters of the dashboard).
    Uses scored tiers of the period (overrides are shown separately, they do not rewrite history).
    """
    from django.db.models import Count

    period = period or latest_period(tenant=tenant)
    field = DISTRIBUTION_DIMENSIONS[by]
    qs = TierAssignment.objects.for_tenant(tenant).filter(period=period)
    if doctors is not None:
        qs = qs.filter(doctor_id__in=doctors.values("pk"))
    grouped = qs.values(key=F(field), tier_value=F("tier")).annotate(n=Count("id")).order_by()
    rows: dict = {}
    totals = dict.fromkeys(Tier.values, 0)
    for item in grouped:
        key = item["key"] or ""
        row = rows.setdefault(key, {"key": key, "counts": dict.fromkeys(Tier.values, 0)})
        row["counts"][item["tier_value"]] += item["n"]
        totals[item["tier_value"]] += item["n"]
    result_rows = []
    for row in rows.values():
        row["total"] = sum(row["counts"].values())
        row["percent"] = {t: _pct(n, row["total"]) for t, n in row["counts"].items()}
        result_rows.append(row)
    result_rows.sort(key=lambda r: (-r["total"], r["key"]))
    grand = sum(totals.values())
    return {
        "period": period,
        "by": by,
        "tiers": list(Tier.values),
        "rows": result_rows,
        "totals": {"counts": totals, "total": grand, "percent": {t: _pct(n, grand) for t, n in totals.items()}},
    }


def _pct(n, total) -> float:
    return round(100.0 * n / total, 1) if total else 0.0


def movement_matrix(*, tenant, from_period=None, to_period=None, doctors=None) -> dict:
    """Doctors counted by (tier in ``from_period``, tier in ``to_period``) — default the last two periods.

    ``matrix[from_tier][to_tier]``; doctors present in only one period are counted under "new"
    (from) or "gone" (to). Also ``up``, ``down`` and ``same`` totals. One SQL query.
    """
    if from_period is None or to_period is None:
        from_period, to_period = last_two_periods(tenant=tenant)
    tiers = list(Tier.values)
    keys_from = tiers + ["new"]
    keys_to = tiers + ["gone"]
    matrix = {f: dict.fromkeys(keys_to, 0) for f in keys_from}
    result = {"from_period": from_period, "to_period": to_period, "tiers": tiers, "matrix": matrix}
    result.update(up=0, down=0, same=0)
    if not (from_period and to_period):
        return result
    from django.db import connection

    restrict, dparams = "", ()
    if doctors is not None:
        sql, dparams = doctors.values("pk").query.sql_with_params()
        restrict = f" AND doctor_id IN ({sql})"
    table = TierAssignment._meta.db_table
    # Only the table name and a compiled Django subquery are formatted in; values are parameters.
    query = (
        f"SELECT a.tier, b.tier, count(*) FROM "  # noqa: S608
        f"(SELECT doctor_id, tier FROM {table} WHERE tenant_id = %s AND period = %s{restrict}) a "
        f"FULL OUTER JOIN "
        f"(SELECT doctor_id, tier FROM {table} WHERE tenant_id = %s AND period = %s{restrict}) b "
        f"USING (doctor_id) GROUP BY 1, 2"
    )
    tid = tenant_id_of(tenant)
    params = [tid, from_period, *dparams, tid, to_period, *dparams]
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        for tier_from, tier_to, n in cursor.fetchall():
            matrix[tier_from or "new"][tier_to or "gone"] += n
            if tier_from and tier_to:
                delta = TIER_ORDER[tier_to] - TIER_ORDER[tier_from]
                key = "same" if delta == 0 else ("up" if delta < 0 else "down")
                result[key] += n
    return result


def movers(*, tenant, direction="up", from_period=None, to_period=None, doctors=None) -> QuerySet[TierAssignment]:
    """Assignments of ``to_period`` whose tier went ``up`` or ``down`` from ``from_period``.

    Rows carry ``tier`` (new) and ``previous_tier`` (old: the stored tier of the period before,
    which is ``from_period`` when the two are consecutive quarters), doctor and hospital joined.
    """
    if from_period is None or to_period is None:
        from_period, to_period = last_two_periods(tenant=tenant)
    qs = TierAssignment.objects.for_tenant(tenant).filter(period=to_period or "")
    old = Subquery(
        TierAssignment.objects.filter(period=from_period or "", doctor_id=OuterRef("doctor_id")).values("tier")[:1]
    )
    qs = qs.annotate(from_tier=old).exclude(from_tier__isnull=True)
    # "A" < "B": a smaller letter is a better tier.
    qs = qs.filter(tier__lt=F("from_tier")) if direction == "up" else qs.filter(tier__gt=F("from_tier"))
    if doctors is not None:
        qs = qs.filter(doctor_id__in=doctors.values("pk"))
    return qs.select_related("doctor__hospital", "doctor__department").order_by("tier", "-score", "doctor_id")


def tier_counts(*, tenant, period=None) -> dict[str, int]:
    """Doctors per tier in ``period`` (default the latest)."""
    from django.db.models import Count

    period = period or latest_period(tenant=tenant)
    counts = dict(
        TierAssignment.objects.for_tenant(tenant)
        .filter(period=period)
        .values_list("tier")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("tier", "n")
    )
    return {t: counts.get(t, 0) for t in Tier.values}


# --- adoption -----------------------------------------------------------------------------------


def adoption_list(*, tenant, doctors=None, product=None) -> QuerySet[Adoption]:
    """Adoption stages, optionally of some doctors and one product."""
    qs = Adoption.objects.for_tenant(tenant).select_related("doctor", "product", "updated_by")
    if doctors is not None:
        qs = qs.filter(doctor_id__in=doctors.values("pk"))
    if product is not None:
        qs = qs.filter(product_id=getattr(product, "pk", product))
    return qs


def adoption_counts(*, tenant, product=None, doctors=None) -> dict[str, int]:
    """Doctors per adoption stage (for one product or all), every stage present."""
    from django.db.models import Count

    from segmentation.models import AdoptionStage

    qs = adoption_list(tenant=tenant, doctors=doctors, product=product)
    counts = dict(qs.values_list("stage").annotate(n=Count("id")).order_by().values_list("stage", "n"))
    return {stage: counts.get(stage, 0) for stage in AdoptionStage.values}


def filter_doctors_by_adoption(queryset, *, tenant, stages, product=None):
    """Doctors of ``queryset`` at one of ``stages`` (for ``product``, or for any product)."""
    qs = Adoption.objects.for_tenant(tenant).filter(stage__in=list(stages))
    if product is not None:
        qs = qs.filter(product_id=getattr(product, "pk", product))
    return queryset.filter(pk__in=qs.values("doctor_id"))


def today():
    return timezone.localdate()


# --- tiers of record, unscored doctors, the re-score schedule (issue 15) -----------------------


def draft_runs(*, tenant) -> QuerySet[ScoringRun]:
    """Finished runs waiting to be compared and published (a published period is frozen)."""
    return (
        ScoringRun.objects.for_tenant(tenant)
        .filter(status=RunStatus.DONE, is_draft=True, published_at__isnull=True)
        .select_related("version__scorecard", "started_by")
        .order_by("-period", "-id")
    )


def draft_comparison(*, tenant, run) -> dict:
    """A draft against its period's record: tier counts of both and the tier-to-tier moves
    (``moves[(from, to)] = n``; ``from`` None: not in the record, ``to`` None: not in the draft)."""
    from django.db import connection

    from segmentation.models import TierResult

    run_id = getattr(run, "pk", run)
    run = ScoringRun.objects.for_tenant(tenant).get(pk=run_id)
    tid = tenant_id_of(tenant)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT e.tier, r.tier, count(*) FROM "  # noqa: S608 (table names only)
            f"(SELECT doctor_id, tier FROM {TierResult._meta.db_table} WHERE tenant_id = %s AND run_id = %s) r "
            f"FULL JOIN (SELECT doctor_id, tier FROM {TierAssignment._meta.db_table} "
            "WHERE tenant_id = %s AND period = %s) e ON e.doctor_id = r.doctor_id GROUP BY 1, 2",
            [tid, run.pk, tid, run.period],
        )
        moves = {(a, b): n for a, b, n in cursor.fetchall()}
    record = {t: sum(n for (a, _b), n in moves.items() if a == t) for t in TIER_ORDER}
    draft = {t: sum(n for (_a, b), n in moves.items() if b == t) for t in TIER_ORDER}
    changed = sum(n for (a, b), n in moves.items() if a != b)
    rows = [
        {"from": a or "—", "to": b or "—", "count": n}
        for (a, b), n in sorted(moves.items(), key=lambda kv: (-kv[1], str(kv[0])))
        if a != b
    ]
    return {"run": run, "record": record, "draft": draft, "changed": changed, "moves": rows}


def run_history(*, tenant, period) -> QuerySet[ScoringRun]:
    """Every full run of a period that was its record, newest first (the one in force unsuperseded)."""
    return (
        ScoringRun.objects.for_tenant(tenant)
        # A run from before publishing existed has no published_at, but was the record if replaced.
        .filter(Q(published_at__isnull=False) | Q(superseded_at__isnull=False), period=period)
        .select_related("published_by", "started_by", "version__scorecard")
        .order_by(F("published_at").desc(nulls_last=True), "-id")
    )


def unscored_doctors(*, tenant, period=None):
    """Active doctors without a tier in the record of ``period`` (default: the latest period)."""
    from hospitals.models import Doctor

    period = period or latest_period(tenant=tenant)
    doctors = Doctor.objects.for_tenant(tenant).filter(is_active=True)
    if period is None:
        return doctors
    return doctors.exclude(pk__in=TierAssignment.objects.for_tenant(tenant).filter(period=period).values("doctor_id"))


def segmentation_settings(*, tenant):
    """The tenant's re-score schedule (an unsaved default row when never set)."""
    from segmentation.models import SegmentationSettings

    return SegmentationSettings.objects.for_tenant(tenant).first() or SegmentationSettings(
        tenant_id=tenant_id_of(tenant)
    )


QUARTER_FIRST_MONTHS = (1, 4, 7, 10)


def next_rescore_date(*, settings_obj, today=None):
    """The next day the quarterly re-score runs for the tenant (None when switched off)."""
    import datetime

    if not settings_obj.rescore_enabled:
        return None
    today = today or timezone.localdate()
    year = today.year
    for _ in range(6):
        for month in QUARTER_FIRST_MONTHS:
            day = datetime.date(year, month, settings_obj.rescore_day)
            if day >= today:
                return day
        year += 1
    return None


def last_scheduled_run(*, tenant) -> ScoringRun | None:
    """The latest run started by the quarterly schedule, with its result."""
    from segmentation.models import RunTrigger

    return (
        ScoringRun.objects.for_tenant(tenant)
        .filter(trigger=RunTrigger.SCHEDULE)
        .select_related("version__scorecard")
        .order_by("-created_at", "-id")
        .first()
    )


def tenants_due_for_rescore(*, day) -> list[int]:
    """Active tenants whose quarterly re-score day is ``day`` (platform scope: the beat's fan-out).
    A tenant without settings runs on the 1st of the quarter's first month."""
    from accounts.models import Tenant
    from segmentation.models import SegmentationSettings

    if day.month not in QUARTER_FIRST_MONTHS:
        return []
    settings_by_tenant = {s.tenant_id: s for s in SegmentationSettings.objects.all()}
    due = []
    for tenant_id in Tenant.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True):
        s = settings_by_tenant.get(tenant_id)
        if s is None:
            if day.day == 1:
                due.append(tenant_id)
        elif s.rescore_enabled and s.rescore_day == day.day:
            due.append(tenant_id)
    return due
