"""Writes of segmentation: scorecards and versions, scoring runs, overrides, tier settings,
adoption and imported dimension values (the what-if is in segmentation.whatif). One function
per use case, keyword-only, ``tenant`` first, the acting user ``by``; validated; Django
``ValidationError`` / ``PermissionDenied`` on refusal.

Scoring runs (:func:`tier_rescore`) are idempotent and crash-safe:

* the run row is claimed in its own short transaction (status guard: a finished run is a no-op),
  so its "running" state and live progress (cache) are visible while it works;
* everything else — reading inputs, scoring, writing every assignment, freezing the version and
  recording the outcome — happens in ONE transaction under a PostgreSQL advisory lock per tenant
  and period. A worker killed in the middle leaves nothing behind; running the same run again
  gives exactly the result of an uninterrupted run, and a run of the same period and version
  that finds the same inputs changes no row.

Tiers of record (issue 15): the first result of a period becomes its record (TierAssignment,
what plans, reports and fees read) as it is written. A later run of that period never touches
the record: when its result differs, it is kept as a *draft* (TierResult rows) to compare and
publish explicitly with a reason (:func:`run_publish`); the record it replaces is copied into
TierResult under its own run first, so history is kept. Doctors added since the record are
"unscored" until :func:`tier_score_new_doctors` scores them against the record's cut-offs.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm import stats
from crm.permissions import ADOPTION_ROLES, SCORECARD_ROLES
from crm.tenancy import tenant_id_of
from hospitals.models import Doctor, Product
from segmentation import progress
from segmentation.models import (
    Adoption,
    ImportedDimension,
    ImportedValue,
    RunKind,
    RunStatus,
    RunTrigger,
    Scorecard,
    ScorecardDimension,
    ScorecardVersion,
    ScoringRun,
    SegmentationSettings,
    Tier,
    TierAssignment,
    TierOverride,
    TierSetting,
    VersionFrozenError,
    VersionStatus,
    period_of,
    previous_period,
    validate_period,
)

logger = logging.getLogger(__name__)


def _require(by, roles):
    """Refuse a user without one of ``roles`` (``by=None``: system work such as the scheduler)."""
    if by is not None and getattr(by, "role", None) not in roles:
        raise PermissionDenied(_("You may not change this."))


def _same_tenant(tenant, obj):
    if obj is not None and obj.tenant_id != tenant_id_of(tenant):
        raise ValidationError(_("Select a valid choice."))


# --- scorecards and versions ------------------------------------------------------------------

SCORECARD_FIELDS = frozenset({"name", "product", "description"})
VERSION_FIELDS = frozenset(
    {"tier_rule", "cutoff_a", "cutoff_b", "cutoff_c", "quota_a", "quota_b", "quota_c", "missing_data", "notes"}
)


@transaction.atomic
def scorecard_create(*, tenant, by, is_primary=None, **fields) -> Scorecard:
    """A new scorecard; the tenant's first one is primary."""
    _require(by, SCORECARD_ROLES)
    unknown = set(fields) - SCORECARD_FIELDS
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    scorecard = Scorecard(tenant_id=tenant_id_of(tenant), created_by=by, **fields)
    if is_primary is None:
        is_primary = not Scorecard.objects.for_tenant(tenant).exists()
    if is_primary:
        Scorecard.objects.for_tenant(tenant).filter(is_primary=True).update(is_primary=False)
    scorecard.is_primary = bool(is_primary)
    scorecard.full_clean()
    scorecard.save()
    return scorecard


@transaction.atomic
def scorecard_update(*, tenant, by, scorecard, is_primary=None, **fields) -> Scorecard:
    """Rename or re-describe a scorecard; ``is_primary=True`` makes it the tier of record."""
    _require(by, SCORECARD_ROLES)
    _same_tenant(tenant, scorecard)
    for name, value in fields.items():
        if name not in SCORECARD_FIELDS:
            raise ValidationError(_("Unknown fields: %(f)s") % {"f": name})
        setattr(scorecard, name, value)
    if is_primary:
        Scorecard.objects.for_tenant(tenant).filter(is_primary=True).exclude(pk=scorecard.pk).update(is_primary=False)
        scorecard.is_primary = True
    scorecard.full_clean()
    scorecard.save()
    return scorecard


def _set_dimensions(tenant, version, dimensions):
    """Replace the version's dimensions with ``dimensions`` (dicts: kind, weight, normalisation,
    imported_dimension)."""
    ScorecardDimension.objects.for_tenant(tenant).filter(version=version).delete()
    for order, spec in enumerate(dimensions):
        spec = dict(spec)
        imported = spec.pop("imported_dimension", None)
        if imported is not None and not isinstance(imported, ImportedDimension):
            imported = ImportedDimension.objects.for_tenant(tenant).filter(pk=imported).first()
            if imported is None:
                raise ValidationError({"dimensions": _("Unknown imported dimension.")})
        dim = ScorecardDimension(
            tenant_id=tenant_id_of(tenant),
            version=version,
            kind=spec.get("kind"),
            weight=Decimal(str(spec.get("weight", 0))),
            normalisation=spec.get("normalisation") or "percentile",
            imported_dimension=imported,
            order=spec.get("order", order),
        )
        dim.full_clean()
        dim.save()


def version_check(version) -> None:
    """Refuse a version that cannot score: no dimension, weights not adding up to 100 %."""
    dims = list(version.dimensions.all())
    if not dims:
        raise ValidationError({"dimensions": _("Add at least one dimension.")})
    total = sum((d.weight for d in dims), Decimal(0))
    if total != Decimal(100):
        raise ValidationError(
            {"dimensions": _("Weights must add up to 100%% (they add up to %(total)s%%).") % {"total": total}}
        )
    keys = [d.key for d in dims]
    if len(set(keys)) != len(keys):
        raise ValidationError({"dimensions": _("Each dimension may appear once.")})


@transaction.atomic
def version_create(*, tenant, by, scorecard, dimensions=None, copy_from=None, **fields) -> ScorecardVersion:
    """A new draft version of ``scorecard`` (next number), optionally copied from another version."""
    _require(by, SCORECARD_ROLES)
    _same_tenant(tenant, scorecard)
    Scorecard.objects.for_tenant(tenant).select_for_update().filter(pk=scorecard.pk).first()
    number = (
        ScorecardVersion.objects.for_tenant(tenant).filter(scorecard=scorecard).aggregate(n=Max("number"))["n"] or 0
    ) + 1
    base = {}
    if copy_from is not None:
        _same_tenant(tenant, copy_from)
        base = {name: getattr(copy_from, name) for name in VERSION_FIELDS}
        if dimensions is None:
            dimensions = [
                {
                    "kind": d.kind,
                    "weight": d.weight,
                    "normalisation": d.normalisation,
                    "imported_dimension": d.imported_dimension,
                }
                for d in copy_from.dimensions.all()
            ]
    unknown = set(fields) - VERSION_FIELDS
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    version = ScorecardVersion(
        tenant_id=tenant_id_of(tenant), scorecard=scorecard, number=number, created_by=by, **{**base, **fields}
    )
    version.full_clean()
    version.save()
    if dimensions:
        _set_dimensions(tenant, version, dimensions)
    return version


@transaction.atomic
def version_update(*, tenant, by, version, dimensions=None, **fields) -> ScorecardVersion:
    """Change a version that no run has used yet (its tier rule, cut-offs, quotas, dimensions)."""
    _require(by, SCORECARD_ROLES)
    _same_tenant(tenant, version)
    version = ScorecardVersion.objects.for_tenant(tenant).select_for_update().get(pk=version.pk)
    if version.is_frozen:
        raise VersionFrozenError(
            _("Version %(number)s was used by a scoring run and cannot change; create a new version.")
            % {"number": version.number}
        )
    for name, value in fields.items():
        if name not in VERSION_FIELDS:
            raise ValidationError(_("Unknown fields: %(f)s") % {"f": name})
        setattr(version, name, value)
    version.full_clean()
    version.save()
    if dimensions is not None:
        _set_dimensions(tenant, version, dimensions)
    return version


@transaction.atomic
def version_activate(*, tenant, by, version) -> ScorecardVersion:
    """Make ``version`` the active one of its scorecard (the previously active one retires)."""
    _require(by, SCORECARD_ROLES)
    _same_tenant(tenant, version)
    version = ScorecardVersion.objects.for_tenant(tenant).select_for_update().get(pk=version.pk)
    if version.status == VersionStatus.ACTIVE:
        return version
    version_check(version)
    ScorecardVersion.objects.for_tenant(tenant).filter(
        scorecard_id=version.scorecard_id, status=VersionStatus.ACTIVE
    ).update(status=VersionStatus.RETIRED)
    version.status = VersionStatus.ACTIVE
    version.activated_at = timezone.now()
    version.save(update_fields=["status", "activated_at"])
    return version


@transaction.atomic
def version_retire(*, tenant, by, version) -> ScorecardVersion:
    """Retire a version (it stays in the history of the runs that used it)."""
    _require(by, SCORECARD_ROLES)
    _same_tenant(tenant, version)
    version.status = VersionStatus.RETIRED
    version.save(update_fields=["status"])
    return version


# --- imported dimensions ----------------------------------------------------------------------


@transaction.atomic
def imported_dimension_create(*, tenant, by, code, name, description="") -> ImportedDimension:
    """A new imported dimension (values come from files, per period)."""
    _require(by, SCORECARD_ROLES)
    dim = ImportedDimension(tenant_id=tenant_id_of(tenant), code=code, name=name, description=description)
    dim.full_clean()
    dim.save()
    return dim


@dataclass
class ValuesImport:
    """Outcome of an upload of imported values: counts, or the per-row errors (nothing written)."""

    rows: int = 0
    written: int = 0
    removed: int = 0
    errors: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


DOCTOR_HEADERS = {"doctor_id", "doctor", "医生id", "医生编号", "id"}
EXTERNAL_HEADERS = {"external_id", "外部编号", "外部id", "external id"}
VALUE_HEADERS = {"value", "score", "值", "分值", "得分"}


def imported_values_import(*, tenant, by, dimension, period, data: bytes, filename: str, replace=True) -> ValuesImport:
    """Load the values of ``dimension`` for ``period`` from a CSV/XLSX file, all or nothing.

    Columns: ``doctor_id`` (our id) or ``external_id`` (the doctor's external id), and ``value``
    (a number). Every row is checked first (unknown doctor, a doctor twice, a value that is not a
    finite number); with any error nothing is written and every error is reported with its row.
    With ``replace`` the period's values not in the file are removed (the file is the full set).
    """
    from django.utils.translation import gettext_noop as N_

    from hospitals.imports.errors import Invalid, RowError
    from hospitals.imports.reading import read_rows

    _require(by, SCORECARD_ROLES)
    _same_tenant(tenant, dimension)
    validate_period(period)
    outcome = ValuesImport()
    try:
        rows = read_rows(data, filename)
    except Invalid as exc:
        outcome.errors.append(RowError.from_invalid(0, "", exc).as_json())
        return outcome
    if not rows:
        outcome.errors.append(RowError(0, "", N_("the file is empty")).as_json())
        return outcome
    header_row, *body = rows
    headers = [h.strip().lower() for h in header_row[1]]
    by_doctor = next((i for i, h in enumerate(headers) if h in DOCTOR_HEADERS), None)
    by_external = next((i for i, h in enumerate(headers) if h in EXTERNAL_HEADERS), None)
    value_col = next((i for i, h in enumerate(headers) if h in VALUE_HEADERS), None)
    if value_col is None or (by_doctor is None and by_external is None):
        outcome.errors.append(
            RowError(0, "", N_("the file needs a column “value” and a column “doctor_id” or “external_id”")).as_json()
        )
        return outcome
    key_col = by_doctor if by_doctor is not None else by_external
    key_header = header_row[1][key_col]
    value_header = header_row[1][value_col]
    parsed = []
    for number, cells in body:
        key = cells[key_col].strip() if key_col < len(cells) else ""
        text = cells[value_col].strip() if value_col < len(cells) else ""
        if not key:
            outcome.errors.append(RowError(number, key_header, N_("a doctor is required")).as_json())
            continue
        if by_doctor is not None and not key.isdigit():
            outcome.errors.append(
                RowError(number, key_header, N_("“%(value)s” is not a doctor id"), {"value": key}).as_json()
            )
            continue
        try:
            value = float(text.replace(",", ""))
            if not math.isfinite(value):
                raise ValueError
        except ValueError:
            outcome.errors.append(
                RowError(number, value_header, N_("“%(value)s” is not a number"), {"value": text}).as_json()
            )
            continue
        parsed.append((number, key, value))
    outcome.rows = len(body)
    # Resolve doctors set-based, in chunks.
    keys = list({key for _n, key, _v in parsed})
    resolved = {}
    doctors = Doctor.objects.for_tenant(tenant)
    for start in range(0, len(keys), 10_000):
        chunk = keys[start : start + 10_000]
        if by_doctor is not None:
            found = doctors.filter(pk__in=[int(k) for k in chunk]).values_list("pk", "pk")
        else:
            found = doctors.filter(external_id__in=chunk).values_list("external_id", "pk")
        resolved.update({str(k): pk for k, pk in found})
    seen = {}
    values = {}
    for number, key, value in parsed:
        doctor_id = resolved.get(key)
        if doctor_id is None:
            outcome.errors.append(RowError(number, key_header, N_("no doctor “%(value)s”"), {"value": key}).as_json())
            continue
        if doctor_id in seen:
            outcome.errors.append(
                RowError(
                    number,
                    key_header,
                    N_("doctor “%(value)s” is also on row %(row)s"),
                    {"value": key, "row": seen[doctor_id]},
                ).as_json()
            )
            continue
        seen[doctor_id] = number
        values[doctor_id] = value
    if outcome.errors:
        outcome.errors.sort(key=lambda e: e["row"])
        return outcome
    with transaction.atomic():
        existing = ImportedValue.objects.for_tenant(tenant).filter(dimension=dimension, period=period)
        if replace:
            # The file is the period's full set: what it does not list goes.
            outcome.removed = existing.exclude(doctor_id__in=list(values)).count() if values else existing.count()
            existing.delete()
        objs = [
            ImportedValue(tenant_id=tenant_id_of(tenant), dimension=dimension, period=period, doctor_id=d, value=v)
            for d, v in values.items()
        ]
        ImportedValue.objects.bulk_create(
            objs,
            batch_size=5000,
            update_conflicts=not replace,
            unique_fields=["tenant", "dimension", "period", "doctor"] if not replace else None,
            update_fields=["value"] if not replace else None,
        )
        outcome.written = len(objs)
        stats.analyze_on_commit()  # a bulk load of values (crm/stats.py)
    return outcome


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


# --- overrides ----------------------------------------------------------------------------------


@transaction.atomic
def tier_override_set(*, tenant, by, doctor, tier, reason, expires_on) -> TierOverride:
    """Set a doctor's tier by hand until ``expires_on`` (inclusive); wins over the scored tier."""
    _require(by, SCORECARD_ROLES)
    _same_tenant(tenant, doctor)
    if tier not in Tier.values:
        raise ValidationError({"tier": _("Choose a tier.")})
    if expires_on is None or expires_on < timezone.localdate():
        raise ValidationError({"expires_on": _("The expiry date must be today or later.")})
    override = TierOverride(
        tenant_id=tenant_id_of(tenant),
        doctor=doctor,
        tier=tier,
        reason=(reason or "").strip(),
        expires_on=expires_on,
        created_by=by,
    )
    override.full_clean()
    override._history_user = by
    override.save()
    return override


@transaction.atomic
def tier_override_revoke(*, tenant, by, override) -> TierOverride:
    """End an override now (it stays in the history with who revoked it and when)."""
    _require(by, SCORECARD_ROLES)
    _same_tenant(tenant, override)
    if override.revoked_at is None:
        override.revoked_at = timezone.now()
        override.revoked_by = by
        override._history_user = by
        override.save(update_fields=["revoked_at", "revoked_by"])
    return override


# --- tier settings ------------------------------------------------------------------------------


@transaction.atomic
def tier_setting_set(*, tenant, by, tier, visits_per_month, preferred_channel, online_allowed=False) -> TierSetting:
    """Set a tier's target visits per month and preferred channel (history kept)."""
    _require(by, SCORECARD_ROLES)
    setting = TierSetting.objects.for_tenant(tenant).filter(tier=tier).first() or TierSetting(
        tenant_id=tenant_id_of(tenant), tier=tier
    )
    setting.visits_per_month = visits_per_month
    setting.preferred_channel = preferred_channel
    setting.online_allowed = online_allowed
    setting.full_clean()
    setting._history_user = by
    setting.save()
    return setting


# --- adoption -----------------------------------------------------------------------------------


@transaction.atomic
def adoption_set(*, tenant, by, doctor, product, stage, note="") -> Adoption:
    """Set where ``doctor`` stands on the adoption ladder of ``product``.

    Field roles may set it only for doctors they see (hospitals.selectors.visible_doctors).
    """
    from hospitals.selectors import can_see_doctor

    _require(by, ADOPTION_ROLES)
    _same_tenant(tenant, doctor)
    _same_tenant(tenant, product)
    if by is not None and not can_see_doctor(tenant=tenant, user=by, doctor=doctor):
        raise PermissionDenied(_("You may not change this."))
    if isinstance(product, Product) and not product.is_own:
        raise ValidationError({"product": _("The adoption ladder is for our own products.")})
    adoption = Adoption.objects.for_tenant(tenant).select_for_update().filter(doctor=doctor, product=product).first()
    if adoption is None:
        adoption = Adoption(tenant_id=tenant_id_of(tenant), doctor=doctor, product=product)
    elif adoption.stage == stage and adoption.note == note:
        return adoption
    adoption.stage = stage
    adoption.note = note
    adoption.updated_by = by
    adoption.full_clean()
    adoption._history_user = by
    adoption.save()
    return adoption


# --- deletions (only what nothing depends on) -------------------------------------------------


@transaction.atomic
def scorecard_delete(*, tenant, by, scorecard) -> None:
    """Delete a scorecard none of whose versions was ever used by a run."""
    _require(by, SCORECARD_ROLES)
    _same_tenant(tenant, scorecard)
    if ScorecardVersion.objects.for_tenant(tenant).filter(scorecard=scorecard, used_at__isnull=False).exists():
        raise ValidationError(_("This scorecard has scored doctors; retire its versions instead."))
    ScorecardDimension.objects.for_tenant(tenant).filter(version__scorecard=scorecard).delete()
    ScorecardVersion.objects.for_tenant(tenant).filter(scorecard=scorecard).delete()
    scorecard.delete()


@transaction.atomic
def version_delete(*, tenant, by, version) -> None:
    """Delete a version that no run has used (a discarded draft)."""
    _require(by, SCORECARD_ROLES)
    _same_tenant(tenant, version)
    if version.is_frozen or ScoringRun.objects.for_tenant(tenant).filter(version=version).exists():
        raise ValidationError(_("This version was used by a scoring run; retire it instead."))
    if version.status == VersionStatus.ACTIVE:
        raise ValidationError(_("Activate another version before deleting the active one."))
    ScorecardDimension.objects.for_tenant(tenant).filter(version=version).delete()
    version.delete()


@transaction.atomic
def imported_dimension_update(*, tenant, by, dimension, **fields) -> ImportedDimension:
    """Rename or re-describe an imported dimension."""
    _require(by, SCORECARD_ROLES)
    _same_tenant(tenant, dimension)
    for name in ("code", "name", "description"):
        if name in fields:
            setattr(dimension, name, fields[name])
    dimension.full_clean()
    dimension.save()
    return dimension


@transaction.atomic
def imported_dimension_delete(*, tenant, by, dimension) -> None:
    """Delete an imported dimension that no scorecard version uses, with its values."""
    _require(by, SCORECARD_ROLES)
    _same_tenant(tenant, dimension)
    if ScorecardDimension.objects.for_tenant(tenant).filter(imported_dimension=dimension).exists():
        raise ValidationError(_("A scorecard version uses this dimension."))
    ImportedValue.objects.for_tenant(tenant).filter(dimension=dimension).delete()
    dimension.delete()


@transaction.atomic
def tier_setting_reset(*, tenant, by, setting) -> None:
    """Back to the default for the tier (the row goes; history keeps it)."""
    _require(by, SCORECARD_ROLES)
    _same_tenant(tenant, setting)
    setting._history_user = by
    setting.delete()


@transaction.atomic
def adoption_delete(*, tenant, by, adoption) -> None:
    """Remove a doctor's stage for a product (history keeps it)."""
    from hospitals.selectors import can_see_doctor

    _require(by, ADOPTION_ROLES)
    _same_tenant(tenant, adoption)
    if by is not None and not can_see_doctor(tenant=tenant, user=by, doctor=adoption.doctor_id):
        raise PermissionDenied(_("You may not change this."))
    adoption._history_user = by
    adoption.delete()
