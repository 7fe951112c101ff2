"""The monthly KPI rollup (:class:`analytics.models.KpiMonth`): how it is computed and kept fresh.

The scorecard of 2,000 reps over a quarter read some 1.25 M visits at random from the heap
(16–26 s at 10 M visits); it now reads ≤ 2,000 × 6 rows of this rollup. The rollup is a
derived table, always rebuildable from the sources:

* **What**: one row per (tenant, rep, month) holding every fact of
  :data:`analytics.kpis.FACT_COLUMNS`, exactly what :func:`analytics.kpis.kpi_facts_live`
  computes for that rep and month (the same code, so the rollup cannot drift from the live
  definition).
* **How**: :func:`kpi_rollup_refresh` computes the facts of the chosen reps and months set-based
  (a handful of queries for any number of reps) and writes them with one
  ``INSERT … SELECT … FROM unnest(…) ON CONFLICT (tenant, rep, month) DO UPDATE``: running it
  twice gives the same rows (idempotent), rows of reps without any fact are written as zeros,
  so a fact that disappears (a visit deleted) is overwritten, never left behind. One refresh per
  tenant at a time (a transaction-scoped advisory lock), statistics refreshed after the commit
  (``crm.stats.analyze_on_commit``).
* **When**:

  - *after the writes that change it*: :func:`connect_signals` (``AnalyticsConfig.ready``)
    watches the saves and deletes of visits, event follow-up plans, cycle plans and their lines,
    adoption history, sales records, territory assignments and doctor alignments. Each
    transaction collects the (rep, month) cells it touched and, **on commit**, enqueues one
    ``analytics.kpi_rollup_refresh`` Celery task for them (a visit also re-reads the reps whose
    plan that month holds the doctor: their frequency counts it). Signals are the right tool
    here: the rollup is a cache of the other apps' rows, which must not know about analytics.
  - *nightly* (beat, 03:10 Asia/Shanghai: ``analytics.kpi_rollup_nightly``): every active
    tenant's last :data:`WINDOW_MONTHS` months for every field user, one month per transaction.
    This catches what no signal sees: bulk writes (``bulk_create``, COPY imports, SQL jobs), a
    doctor re-aligned by an import (sales follow the current alignment, as the live query does).

A row is at most one commit + one task old for row-by-row writes, and at most a night old for
bulk writes; the scorecard page shows the time of the refresh it read.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from analytics.kpis import FACT_COLUMNS, kpi_facts_live
from crm import stats
from crm.permissions import FIELD_ROLES
from crm.tenancy import tenant_id_of
from visits.selectors import add_months

logger = logging.getLogger(__name__)

# The nightly refresh: a year, which covers the current and the previous quarter with the
# 6-month history of each (the scorecards people open); older months are filled on first read.
WINDOW_MONTHS = 12
_LOCK = 0x4B50_4D4F  # "KPMO": the advisory lock class of rollup refreshes (one per tenant)

_INT_COLUMNS = [c for c in FACT_COLUMNS if c != "sales"]

# Built from the constant column names above (no input): one upsert from the arrays of facts.
_UPSERT_SQL = f"""
INSERT INTO analytics_kpimonth (tenant_id, rep_id, month, {", ".join(FACT_COLUMNS)}, refreshed_at)
SELECT %(tenant)s, f.rep_id, f.month, {", ".join(f"f.{c}" for c in FACT_COLUMNS)}, %(now)s
FROM unnest(%(rep_id)s::bigint[], %(month)s::date[],
            {", ".join(f"%({c})s::int[]" for c in _INT_COLUMNS)}, %(sales)s::numeric[])
     AS f(rep_id, month, {", ".join(_INT_COLUMNS)}, sales)
ON CONFLICT (tenant_id, rep_id, month) DO UPDATE SET
    {", ".join(f"{c} = EXCLUDED.{c}" for c in FACT_COLUMNS)}, refreshed_at = EXCLUDED.refreshed_at
"""  # noqa: S608

_PLAN_REPS_SQL = """
SELECT DISTINCT p.rep_id
FROM visits_cycleplanline l JOIN visits_cycleplan p ON p.id = l.plan_id
WHERE p.tenant_id = %(tenant)s AND l.tenant_id = %(tenant)s
  AND p.month = ANY(%(months)s::date[]) AND l.doctor_id = ANY(%(doctors)s::bigint[])
"""


def month_of(value) -> datetime.date:
    """The first day of the (local) month of a date or an aware datetime."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return value.replace(day=1)


def _field_user_ids(tenant) -> list[int]:
    return list(User.objects.in_tenant(tenant).filter(role__in=FIELD_ROLES).values_list("pk", flat=True))


def _affected_reps(*, tenant, months, rep_ids, doctor_ids, territory_ids) -> list[int]:
    reps = {int(r) for r in rep_ids}
    with connection.cursor() as cur:
        if doctor_ids:
            cur.execute(
                _PLAN_REPS_SQL, {"tenant": tenant_id_of(tenant), "months": list(months), "doctors": list(doctor_ids)}
            )
            reps.update(r for (r,) in cur.fetchall())
    field = User.objects.in_tenant(tenant).filter(role__in=FIELD_ROLES)
    if territory_ids:
        reps.update(
            field.filter(territory_assignments__territory_id__in=list(territory_ids)).values_list("pk", flat=True)
        )
    # Only field users are scored (a manager's own assignment changes nothing of the rollup).
    return sorted(field.filter(pk__in=reps).values_list("pk", flat=True)) if reps else []


def kpi_rollup_refresh(
    *,
    tenant,
    months: Iterable[datetime.date],
    rep_ids: Iterable[int] | None = None,
    doctor_ids: Iterable[int] = (),
    territory_ids: Iterable[int] = (),
) -> int:
    """Recompute the rollup rows of ``months`` for ``rep_ids`` (None: every field user of the
    tenant), plus the reps whose cycle plan in those months holds one of ``doctor_ids`` and the
    field users of ``territory_ids``. Idempotent; returns the rows written."""
    months = sorted({month_of(m) for m in months})
    if not months:
        return 0
    tid = tenant_id_of(tenant)
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK, tid])
        if rep_ids is None:
            reps = _field_user_ids(tid)
        else:
            reps = _affected_reps(
                tenant=tid, months=months, rep_ids=rep_ids, doctor_ids=doctor_ids, territory_ids=territory_ids
            )
        if not reps:
            return 0
        facts = kpi_facts_live(tenant=tid, rep_ids=reps, first=months[0], last=months[-1])
        facts = facts[facts.index.get_level_values("month").isin(months)].reset_index()
        params = {
            "tenant": tid,
            "now": timezone.now(),
            "rep_id": [int(r) for r in facts["rep_id"]],
            "month": list(facts["month"]),
            "sales": [str(round(float(v), 2)) for v in facts["sales"]],
        }
        for column in _INT_COLUMNS:
            params[column] = [int(round(v)) for v in facts[column]]
        with connection.cursor() as cur:
            cur.execute(_UPSERT_SQL, params)
            written = cur.rowcount
        stats.analyze_on_commit()
    logger.info("KPI rollup of tenant %s: %s rows (%s reps, %s months)", tid, written, len(reps), len(months))
    return written


def kpi_rollup_rebuild(*, tenant, today: datetime.date | None = None, months: int = WINDOW_MONTHS) -> int:
    """The nightly refresh: the last ``months`` months (this one included) for every field user,
    one month per transaction (each statement bounded, the lock held for one month at a time)."""
    last = month_of(today or timezone.localdate())
    return sum(kpi_rollup_refresh(tenant=tenant, months=[add_months(last, -i)]) for i in range(months))


# --- freshness: what changed in this transaction, refreshed after its commit ----------------

_STATE = "_analytics_kpi_rollup_dirty"


class _Dirty:
    """The cells one transaction touched, per tenant; flushed (enqueued) once, on commit."""

    def __init__(self):
        self.cells: dict[int, dict] = {}
        self.flush_queued = None

    def add(self, tenant_id, months, *, reps=(), doctors=(), territories=(), all_reps=False):
        cell = self.cells.setdefault(
            int(tenant_id), {"months": set(), "reps": set(), "doctors": set(), "territories": set(), "all": set()}
        )
        months = {month_of(m) for m in months if m is not None}
        if all_reps:
            cell["all"].update(months)
            return
        cell["months"].update(months)
        cell["reps"].update(int(r) for r in reps if r)
        cell["doctors"].update(int(d) for d in doctors if d)
        cell["territories"].update(int(t) for t in territories if t)

    def flush(self):
        from analytics.tasks import kpi_rollup_refresh as task

        for tenant_id, cell in self.cells.items():
            if cell["all"]:
                task.delay(tenant_id=tenant_id, months=sorted(m.isoformat() for m in cell["all"]), rep_ids=None)
            if cell["months"] and (cell["reps"] or cell["doctors"] or cell["territories"]):
                task.delay(
                    tenant_id=tenant_id,
                    months=sorted(m.isoformat() for m in cell["months"]),
                    rep_ids=sorted(cell["reps"]),
                    doctor_ids=sorted(cell["doctors"]),
                    territory_ids=sorted(cell["territories"]),
                )
        self.cells = {}


def _after_commit(fn):
    """``transaction.on_commit`` (a seam: the tests of the scorecard run it at once)."""
    transaction.on_commit(fn)


def mark_dirty(tenant_id, months, **cells) -> None:
    """Note (rep, month) cells changed by the current transaction; one refresh task per
    transaction is enqueued when it commits (none if it rolls back)."""
    if tenant_id is None:
        return
    conn = transaction.get_connection()
    dirty = getattr(conn, _STATE, None)
    # A dirty set whose flush is no longer queued belonged to a transaction that rolled back.
    queued = dirty is not None and any(fn is dirty.flush_queued for _sids, fn, _robust in conn.run_on_commit)
    if not queued:
        dirty = _Dirty()
        setattr(conn, _STATE, dirty)
    dirty.add(tenant_id, months, **cells)
    if not queued:

        def flush():
            if getattr(conn, _STATE, None) is dirty:
                delattr(conn, _STATE)
            dirty.flush()

        dirty.flush_queued = flush
        _after_commit(flush)


# --- signal receivers -------------------------------------------------------------------------


def _visit_changed(sender, instance, **kwargs):
    month = month_of(instance.visited_at) if instance.visited_at else None
    if month is None:
        return
    reps = {instance.rep_id}
    if instance.plan_id:
        # An event follow-up is counted in the month its plan was created (maybe the one before).
        from visits.models import VisitPlan

        plan = (
            VisitPlan.objects.for_tenant(instance.tenant_id)
            .filter(pk=instance.plan_id)
            .values_list("rep_id", flat=True)
            .first()
        )
        reps.add(plan)
    mark_dirty(instance.tenant_id, [month, add_months(month, -1)], reps=reps, doctors=[instance.doctor_id])


def _visit_plan_changed(sender, instance, **kwargs):
    if instance.source == "event" and instance.created_at:
        mark_dirty(instance.tenant_id, [month_of(instance.created_at)], reps=[instance.rep_id])


def _cycle_plan_changed(sender, instance, **kwargs):
    mark_dirty(instance.tenant_id, [instance.month], reps=[instance.rep_id])


def _cycle_plan_line_changed(sender, instance, **kwargs):
    from visits.models import CyclePlan

    plan = (
        CyclePlan.objects.for_tenant(instance.tenant_id)
        .filter(pk=instance.plan_id)
        .values_list("rep_id", "month")
        .first()
    )
    if plan:
        mark_dirty(instance.tenant_id, [plan[1]], reps=[plan[0]])


def _adoption_history_changed(sender, instance, **kwargs):
    if instance.updated_by_id and instance.history_date:
        mark_dirty(instance.tenant_id, [month_of(instance.history_date)], reps=[instance.updated_by_id])


def _sales_changed(sender, instance, **kwargs):
    mark_dirty(instance.tenant_id, [instance.month], all_reps=True)


def _window():
    last = month_of(timezone.localdate())
    return [add_months(last, -i) for i in range(WINDOW_MONTHS)]


def _assignment_changed(sender, instance, **kwargs):
    mark_dirty(instance.tenant_id, _window(), reps=[instance.user_id])


def _alignment_changed(sender, instance, **kwargs):
    mark_dirty(instance.tenant_id, _window(), territories=[instance.territory_id])


def connect_signals() -> None:
    """Connect the receivers that keep the rollup fresh (``AnalyticsConfig.ready``)."""
    from django.db.models.signals import post_delete, post_save

    from accounts.models import TerritoryAssignment
    from hospitals.models import DoctorTerritory, SalesRecord
    from segmentation.models import Adoption
    from visits.models import CyclePlan, CyclePlanLine, Visit, VisitPlan

    receivers = [
        (Visit, _visit_changed),
        (VisitPlan, _visit_plan_changed),
        (CyclePlan, _cycle_plan_changed),
        (CyclePlanLine, _cycle_plan_line_changed),
        (Adoption.history.model, _adoption_history_changed),
        (SalesRecord, _sales_changed),
        (TerritoryAssignment, _assignment_changed),
        (DoctorTerritory, _alignment_changed),
    ]
    for model, receiver in receivers:
        uid = f"analytics_rollup_{model._meta.label_lower}"
        post_save.connect(receiver, sender=model, dispatch_uid=f"{uid}_save", weak=False)
        post_delete.connect(receiver, sender=model, dispatch_uid=f"{uid}_delete", weak=False)
