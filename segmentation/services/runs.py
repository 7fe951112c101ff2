"""Scoring runs: start, re-score (idempotent, crash-safe), publish a draft, score new doctors; the tenant's schedule."""

from __future__ import annotations

import hashlib
import logging
import time

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm import stats
from crm.permissions import SCORECARD_ROLES
from crm.tenancy import tenant_id_of
from hospitals.models import Doctor
from segmentation import progress
from segmentation.models import (
    RunKind,
    RunStatus,
    RunTrigger,
    ScorecardVersion,
    ScoringRun,
    SegmentationSettings,
    Tier,
    TierAssignment,
    VersionStatus,
    period_of,
    previous_period,
    validate_period,
)
from segmentation.services._shared import _require, _same_tenant
from segmentation.services.scorecards import version_check

logger = logging.getLogger(__name__)


# --- scoring runs -------------------------------------------------------------------------------


def default_period(today=None) -> str:
    """The quarter a scheduled run scores: the one that just ended (data are complete)."""
    return previous_period(period_of(today or timezone.localdate()))


@transaction.atomic
def run_start(*, tenant, by, period=None, version=None, trigger=RunTrigger.ON_DEMAND) -> ScoringRun:
    """Create a scoring run and enqueue it after commit (product managers, on demand).

    ``version``: default the active version of the primary scorecard. ``period``: default the
    current quarter. Refused while another run of the same period is waiting or running.
    """
    from segmentation.selectors import active_version
    from segmentation.tasks import rescore

    _require(by, SCORECARD_ROLES)
    period = period or period_of(timezone.localdate())
    validate_period(period)
    if version is None:
        version = active_version(tenant=tenant)
        if version is None:
            raise ValidationError(_("There is no active version of the primary scorecard to score with."))
    _same_tenant(tenant, version)
    if version.status == VersionStatus.DRAFT:
        raise ValidationError(_("Activate the version before running it (use what-if to preview a draft)."))
    version_check(version)
    busy = ScoringRun.objects.for_tenant(tenant).filter(
        period=period, status__in=[RunStatus.PENDING, RunStatus.RUNNING]
    )
    if busy.filter(status=RunStatus.RUNNING).exists() and _lock_free(tenant_id_of(tenant), period):
        # "Running" but nobody holds the period's lock: its worker died. Mark it so; the same
        # run would also finish if its task were delivered again.
        busy.filter(status=RunStatus.RUNNING).update(
            status=RunStatus.FAILED, error="interrupted: the worker stopped during the run", finished_at=timezone.now()
        )
    if busy.exists():
        raise ValidationError(_("A run for %(period)s is already under way.") % {"period": period})
    run = ScoringRun(tenant_id=tenant_id_of(tenant), version=version, period=period, trigger=trigger, started_by=by)
    run.full_clean()
    run.save()
    rescore.delay_on_commit(tenant_id=tenant_id_of(tenant), period=period, run_id=run.pk)
    return run


def _lock_free(tenant_id: int, period: str) -> bool:
    """True when no run of the tenant and period holds its advisory lock (taken until commit)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_lock_key(tenant_id, period)])
        return bool(cursor.fetchone()[0])


def _lock_key(tenant_id: int, period: str) -> int:
    digest = hashlib.blake2b(f"segmentation.rescore:{tenant_id}:{period}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _scheduled_run(*, tenant, period) -> ScoringRun | None:
    """The scheduled run of ``period`` (created once; None when there is no active version)."""
    from segmentation.selectors import active_version

    existing = (
        ScoringRun.objects.for_tenant(tenant)
        .filter(period=period, trigger=RunTrigger.SCHEDULE)
        .exclude(status=RunStatus.FAILED)
        .first()
    )
    if existing:
        return existing
    version = active_version(tenant=tenant)
    if version is None:
        return None
    return ScoringRun.objects.create(
        tenant_id=tenant_id_of(tenant), version=version, period=period, trigger=RunTrigger.SCHEDULE
    )


def tier_rescore(*, tenant, period, run_id=None) -> ScoringRun | None:
    """Score every active doctor of ``tenant`` for ``period`` (the body of the rescore task).

    ``run_id``: the run to carry out (its version); without it, the scheduled run of the period
    (created if needed, with the primary scorecard's active version). Returns the run, or None
    when the tenant has nothing to score with. A finished run is returned as it is.
    """
    validate_period(period)
    tid = tenant_id_of(tenant)
    if run_id is None:
        run = _scheduled_run(tenant=tenant, period=period)
        if run is None:
            return None
        run_id = run.pk
    claimed = (
        ScoringRun.objects.for_tenant(tenant)
        .filter(pk=run_id, period=period, status__in=[RunStatus.PENDING, RunStatus.RUNNING, RunStatus.FAILED])
        .update(status=RunStatus.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1, error="")
    )
    if not claimed:
        return ScoringRun.objects.for_tenant(tenant).filter(pk=run_id).first()
    started = time.monotonic()
    progress.set(run_id, phase="waiting", done=0, total=0)
    try:
        run = _score_and_write(tenant_id=tid, period=period, run_id=run_id, started=started)
    except Exception as exc:
        ScoringRun.objects.for_tenant(tenant).filter(pk=run_id).exclude(status=RunStatus.DONE).update(
            status=RunStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        progress.clear(run_id)
        raise
    progress.clear(run_id)
    return run


def _score_and_write(*, tenant_id: int, period: str, run_id: int, started: float) -> ScoringRun:
    from segmentation.dimensions import load_raw_inputs
    from segmentation.scoring import (
        movement_counts,
        previous_tiers,
        score_frame,
        specs_of,
        write_assignments,
        write_draft,
    )

    with transaction.atomic():
        with connection.cursor() as cursor:
            # Two runs of one tenant and period never overlap; the second waits, then finds its
            # work done (status) or the same inputs (0 changed rows).
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_key(tenant_id, period)])
        run = ScoringRun.objects.select_for_update().select_related("version__scorecard").get(pk=run_id)
        if run.status == RunStatus.DONE:
            return run
        version = run.version
        dimensions = list(version.dimensions.select_related("imported_dimension"))
        timings = {"lock": time.monotonic() - started}
        expected = Doctor.objects.for_tenant(tenant_id).filter(is_active=True).count()
        progress.set(run_id, phase="reading", done=0, total=expected)
        mark = time.monotonic()
        raw = load_raw_inputs(
            tenant_id=tenant_id, period=period, dimensions=dimensions, product_id=version.scorecard.product_id
        )
        total = len(raw)
        progress.set(run_id, phase="scoring", done=0, total=total)
        dims, rule = specs_of(version)
        timings["read"], mark = time.monotonic() - mark, time.monotonic()
        scored = score_frame(raw, dims, rule)
        previous = previous_tiers(tenant_id=tenant_id, period=previous_period(period))
        moves = movement_counts(scored["tier"], previous)
        timings["score"], mark = time.monotonic() - mark, time.monotonic()
        progress.set(run_id, phase="writing", done=0, total=total)
        now = timezone.now()
        on_progress = lambda done, n: progress.set(run_id, phase="writing", done=done, total=n)  # noqa: E731
        has_record = TierAssignment.objects.filter(tenant_id=tenant_id, period=period).exists()
        if run.kind == RunKind.NEW_DOCTORS:
            changed = _score_new_doctors(tenant_id, period, version, scored, dims, previous)
            run.published_at = now
        elif has_record:
            # A published period is frozen: this run is a draft to compare and publish, or, when
            # it finds exactly the record, nothing at all.
            changed = write_draft(
                tenant_id=tenant_id,
                period=period,
                run_id=run.pk,
                version_id=version.pk,
                scored=scored,
                dim_keys=[d.key for d in dims],
                previous=previous,
                on_progress=on_progress,
            )
            run.is_draft = changed > 0
        else:
            changed = write_assignments(
                tenant_id=tenant_id,
                period=period,
                version_id=version.pk,
                scored=scored,
                dim_keys=[d.key for d in dims],
                previous=previous,
                on_progress=on_progress,
            )
            run.published_at = now  # the period's first result is its record
        timings["write"] = time.monotonic() - mark
        ScorecardVersion.objects.filter(pk=version.pk, used_at__isnull=True).update(used_at=now)
        counts = scored["tier"].value_counts()
        run.status = RunStatus.DONE
        run.doctors_total = total
        run.tier_counts = {tier: int(counts.get(tier, 0)) for tier in Tier.values}
        run.moved_up = moves["up"]
        run.moved_down = moves["down"]
        run.new_count = moves["new"]
        run.changed_rows = changed
        run.error = ""
        run.finished_at = now
        run.duration_s = round(time.monotonic() - started, 3)
        run.save()
        stats.analyze_on_commit()  # tier assignments changed in bulk (crm/stats.py)
        mark = time.monotonic()
    timings["commit"] = time.monotonic() - mark
    logger.info("scoring run %s: %s doctors, %s rows changed, seconds %s", run_id, total, changed, timings)
    return run


def _score_new_doctors(tenant_id, period, version, scored, dims, previous) -> int:
    """Add the doctors the period's record lacks, tiered by the record's cut-offs (the lowest
    score of each tier in force); no row of the record changes."""
    from segmentation.scoring import TIERS, add_to_record, record_thresholds

    in_record = set(
        TierAssignment.objects.filter(tenant_id=tenant_id, period=period).values_list("doctor_id", flat=True)
    )
    new = scored.loc[~scored.index.isin(list(in_record))].copy()
    if new.empty:
        return 0
    thresholds = record_thresholds(tenant_id=tenant_id, period=period)
    if version.tier_rule == "cutoffs" or thresholds is None:
        thresholds = (float(version.cutoff_a), float(version.cutoff_b), float(version.cutoff_c))
    a, b, c = thresholds
    scores = new["score"].to_numpy()
    import numpy as np

    new["tier"] = TIERS[np.where(scores >= a, 0, np.where(scores >= b, 1, np.where(scores >= c, 2, 3)))]
    return add_to_record(
        tenant_id=tenant_id,
        period=period,
        version_id=version.pk,
        scored=new,
        dim_keys=[d.key for d in dims],
        previous=previous,
    )


@transaction.atomic
def run_publish(*, tenant, by, run, reason: str) -> ScoringRun:
    """Publish a draft run: it becomes its period's record (plans, reports and fees read it); the
    record it replaces is kept in history. A product manager or administrator, with a reason."""
    from segmentation.scoring import archive_record, publish_draft

    _require(by, SCORECARD_ROLES)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why this result replaces the published one.")})
    tid = tenant_id_of(tenant)
    run = ScoringRun.objects.for_tenant(tenant).select_for_update().get(pk=getattr(run, "pk", run))
    if not (run.is_draft and run.status == RunStatus.DONE and run.published_at is None):
        raise ValidationError(_("Only a finished draft can be published."))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_key(tid, run.period)])
    now = timezone.now()
    record = record_run(tenant=tenant, period=run.period)
    if record is not None:
        archive_record(tenant_id=tid, period=run.period, run_id=record.pk)
        ScoringRun.objects.for_tenant(tenant).filter(pk=record.pk).update(superseded_at=now)
    changed = publish_draft(tenant_id=tid, period=run.period, run_id=run.pk, version_id=run.version_id)
    run.is_draft = False
    run.published_at = now
    run.published_by = by
    run.publish_reason = reason
    run.changed_rows = changed
    run.save(update_fields=["is_draft", "published_at", "published_by", "publish_reason", "changed_rows"])
    stats.analyze_on_commit()
    logger.info("scoring run %s published by %s for %s: %s rows changed", run.pk, by.pk, run.period, changed)
    return run


def record_run(*, tenant, period) -> ScoringRun | None:
    """The full run whose result is the period's record now (None before any)."""
    runs = ScoringRun.objects.for_tenant(tenant).filter(
        period=period, status=RunStatus.DONE, kind=RunKind.FULL, is_draft=False, superseded_at__isnull=True
    )
    return (
        runs.filter(published_at__isnull=False).order_by("-published_at", "-id").first()
        or runs.filter(published_at__isnull=True).order_by("-finished_at", "-id").first()
    )


@transaction.atomic
def tier_score_new_doctors(*, tenant, by, period=None) -> ScoringRun:
    """Score the doctors added since the record of ``period`` (default: the latest) against its
    cut-offs, with the record's version; enqueued like any run. No other doctor's tier moves."""
    from segmentation.selectors import latest_period
    from segmentation.tasks import rescore

    _require(by, SCORECARD_ROLES)
    period = period or latest_period(tenant=tenant)
    if period is None:
        raise ValidationError(_("No published tiers yet: run the scoring first."))
    record = record_run(tenant=tenant, period=period)
    version = record.version if record is not None else None
    if version is None:
        version = (
            TierAssignment.objects.for_tenant(tenant).filter(period=period).select_related("version").first().version
        )
    busy = ScoringRun.objects.for_tenant(tenant).filter(
        period=period, status__in=[RunStatus.PENDING, RunStatus.RUNNING]
    )
    if busy.exists():
        raise ValidationError(_("A run for %(period)s is already under way.") % {"period": period})
    run = ScoringRun.objects.create(
        tenant_id=tenant_id_of(tenant), version=version, period=period, kind=RunKind.NEW_DOCTORS, started_by=by
    )
    rescore.delay_on_commit(tenant_id=tenant_id_of(tenant), period=period, run_id=run.pk)
    return run


# --- the tenant's schedule -----------------------------------------------------------------------


@transaction.atomic
def segmentation_settings_update(*, tenant, by, rescore_enabled: bool, rescore_day: int) -> SegmentationSettings:
    """Move (or switch off) the tenant's quarterly re-score (administrators and product managers)."""
    _require(by, SCORECARD_ROLES)
    obj = SegmentationSettings.objects.for_tenant(tenant).select_for_update().first() or SegmentationSettings(
        tenant_id=tenant_id_of(tenant)
    )
    obj.rescore_enabled = bool(rescore_enabled)
    obj.rescore_day = rescore_day
    obj.updated_by = by
    obj.full_clean()
    obj._history_user = by
    obj.save()
    return obj
