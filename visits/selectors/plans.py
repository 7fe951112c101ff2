"""Reads of plans: cycle plans with actual and remaining per doctor, doctors behind their call
frequency, visit plans, their defaults, and the rep's suggested week (with events' attendees
through visits.hooks)."""

from __future__ import annotations

import dataclasses
import datetime
import time

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, IntegerField, Q, QuerySet, Value
from django.utils import timezone

from accounts.models import Role, TerritoryAssignment
from crm.permissions import (
    FIELD_ROLES,
    HEAD_OFFICE_ROLES,
)
from crm.tenancy import tenant_id_of
from hospitals.models import Doctor, DoctorTerritory, KeyMessage
from segmentation.selectors import tier_settings
from visits import hooks
from visits.models import (
    CyclePlan,
    CyclePlanLine,
    FollowUpTask,
    FollowUpTrigger,
    Visit,
    VisitChannel,
    VisitPlan,
    VisitPlanSource,
    month_start,
)
from visits.selectors.common import (
    DEFAULT_TIER,
    _same_tenant,
    doctor_tiers,
    local_day_bounds,
    month_bounds,
    objective_template,
    rep_doctors,
    team_user_ids,
    tier_frequencies,
)
from visits.selectors.content import content_item_list

# --- cycle plans ---------------------------------------------------------------------------


def cycle_plan_list(*, tenant, user) -> QuerySet[CyclePlan]:
    """Cycle plans ``user`` may see: a rep their own, a manager their team's, head office all."""
    plans = CyclePlan.objects.for_tenant(tenant).select_related("rep", "reviewed_by")
    if not _same_tenant(tenant, user):
        return plans.none()
    if user.role in FIELD_ROLES:
        return plans.filter(rep=user)
    if user.role == Role.MANAGER:
        return plans.filter(Q(rep=user) | Q(rep_id__in=team_user_ids(tenant=tenant, manager=user)))
    if user.role in HEAD_OFFICE_ROLES:
        return plans
    return plans.none()


# Submitted visits to the line's doctor within the local-time month of the line's plan (by anyone).
_LINE_ACTUAL_SQL = """
(SELECT count(*) FROM visits_visit v, visits_cycleplan p
  WHERE p.id = visits_cycleplanline.plan_id
    AND v.tenant_id = visits_cycleplanline.tenant_id AND v.doctor_id = visits_cycleplanline.doctor_id
    AND v.status = 'submitted'
    AND v.visited_at >= (p.month::timestamp AT TIME ZONE %s)
    AND v.visited_at < ((p.month + interval '1 month')::timestamp AT TIME ZONE %s))
"""


def _with_actual(lines: QuerySet) -> QuerySet:
    from django.db.models.expressions import RawSQL
    from django.db.models.functions import Greatest

    tz = settings.TIME_ZONE
    actual = RawSQL(_LINE_ACTUAL_SQL, [tz, tz], output_field=IntegerField())  # noqa: S611  (constant SQL)
    return lines.annotate(actual=actual).annotate(remaining=Greatest(F("target") - F("actual"), Value(0)))


def cycle_plan_lines(*, tenant, plan) -> QuerySet[CyclePlanLine]:
    """The lines of ``plan`` with ``actual`` (submitted visits to the doctor in the month, by
    anyone) and ``remaining`` = max(target − actual, 0) annotated; one query."""
    lines = CyclePlanLine.objects.for_tenant(tenant).filter(plan=plan).select_related("doctor", "doctor__hospital")
    return _with_actual(lines).order_by("tier", "doctor__name", "doctor_id")


def cycle_plan_line_list(*, tenant, user) -> QuerySet[CyclePlanLine]:
    """Lines of the cycle plans ``user`` may see, with ``actual`` and ``remaining``."""
    plans = cycle_plan_list(tenant=tenant, user=user).values("pk")
    return _with_actual(CyclePlanLine.objects.for_tenant(tenant).filter(plan_id__in=plans).select_related("doctor"))


@dataclasses.dataclass
class PlanTotals:
    """Totals of a cycle plan."""

    doctors: int
    target: int
    planned: int
    actual: int
    remaining: int


def cycle_plan_totals(*, tenant, plan) -> PlanTotals:
    """Sum of target, planned, actual (capped at target per doctor is *not* applied) and remaining."""
    rows = list(cycle_plan_lines(tenant=tenant, plan=plan).values_list("target", "planned", "actual", "remaining"))
    return PlanTotals(
        doctors=len(rows),
        target=sum(r[0] for r in rows),
        planned=sum(r[1] for r in rows),
        actual=sum(r[2] for r in rows),
        remaining=sum(r[3] for r in rows),
    )


# --- doctor targets and "behind frequency" -------------------------------------------------


@dataclasses.dataclass
class DoctorBehind:
    """A doctor visited less often than their tier asks this month."""

    doctor: Doctor
    tier: str
    target: int
    actual: int

    @property
    def remaining(self) -> int:
        return max(self.target - self.actual, 0)


def doctor_targets(*, tenant, rep, month: datetime.date) -> dict[int, tuple[str, int]]:
    """Doctor id → (tier, monthly target) for ``rep`` in ``month``: from the cycle plan when it
    exists, else computed from the current tiers of the rep's aligned doctors."""
    plan = CyclePlan.objects.for_tenant(tenant).filter(rep=rep, month=month_start(month)).first()
    if plan is not None:
        return {
            d: (t, n)
            for d, t, n in CyclePlanLine.objects.for_tenant(tenant)
            .filter(plan=plan)
            .values_list("doctor_id", "tier", "target")
        }
    ids = list(rep_doctors(tenant=tenant, rep=rep).values_list("pk", flat=True))
    tiers = doctor_tiers(tenant=tenant, doctor_ids=ids)
    freq = tier_frequencies(tenant=tenant)
    return {d: (tiers.get(d, DEFAULT_TIER), freq.get(tiers.get(d, DEFAULT_TIER), 0)) for d in ids}


def visit_counts(*, tenant, doctor_ids, start, end) -> dict[int, int]:
    """Doctor id → submitted visits in [start, end), one GROUP BY query."""
    return dict(
        Visit.objects.for_tenant(tenant)
        .submitted()
        .filter(doctor_id__in=list(doctor_ids), visited_at__gte=start, visited_at__lt=end)
        .order_by()
        .values_list("doctor_id")
        .annotate(n=Count("*"))
        .values_list("doctor_id", "n")
    )


# The rows behind frequency are read by the rep's home (My day), their week and the plan form,
# the pages a rep opens most; each computation reads the rep's whole book (targets, tiers,
# visits of the month: ~200 ms for a book of a few thousand doctors among 10 M visits). They are
# kept per rep and month under two generations, read in one round trip:
#
# * the rep's generation (:func:`behind_frequency_changed` with ``rep_ids``), bumped by a saved
#   or deleted visit for the reps whose book holds its doctor (:func:`reps_behind_affected_by`:
#   the visit's rep, the reps whose cycle plan of the visit's month lists the doctor, the field
#   users covering a territory the doctor is aligned to) and by a saved cycle plan or line for
#   its rep (visits.apps). A visit by one rep no longer throws away the cached rows of the
#   tenant's 2,000 others: only the few reps sharing the doctor recompute;
# * the tenant's generation (no ``rep_ids``), bumped by what reshapes many books at once: tier
#   overrides and assignments, doctor alignments, territory assignments.
#
# A bulk write that sends no signal (a scoring run, a queryset update()) is seen within the TTL.
BEHIND_TTL = 300
# A generation outlives every row cached under the one before it (a forgotten generation reads
# as 0 again, which no row younger than the TTL can carry).
_GENERATION_TTL = 24 * 3600


def _behind_generation_key(tenant, rep_id=None) -> str:
    if rep_id is None:
        return f"visits:behind:gen:{tenant_id_of(tenant)}"
    return f"visits:behind:gen:{tenant_id_of(tenant)}:rep:{rep_id}"


def behind_frequency_changed(tenant, *, rep_ids=None) -> None:
    """Forget the cached rows behind frequency of ``rep_ids`` (their new generation), or of every
    rep of ``tenant`` when ``rep_ids`` is None (a new tenant generation)."""
    now = time.time_ns()
    if rep_ids is None:
        cache.set(_behind_generation_key(tenant), now, timeout=_GENERATION_TTL)
    elif rep_ids:
        cache.set_many({_behind_generation_key(tenant, r): now for r in set(rep_ids)}, timeout=_GENERATION_TTL)


def reps_behind_affected_by(*, tenant, doctor_id, month: datetime.date) -> set[int]:
    """The users whose rows behind frequency of ``month`` may count a visit to ``doctor_id``: the
    reps whose cycle plan of that month lists the doctor, and the users assigned to a territory
    the doctor is aligned to or to its district or region (a book without a plan is the aligned
    doctors of the covered territories). Two indexed queries."""
    reps = set(
        CyclePlanLine.objects.for_tenant(tenant)
        .filter(doctor_id=doctor_id, plan__month=month_start(month))
        .values_list("plan__rep_id", flat=True)
    )
    nodes = set()
    for row in (
        DoctorTerritory.objects.for_tenant(tenant)
        .filter(doctor_id=doctor_id)
        .values_list("territory_id", "territory__parent_id", "territory__parent__parent_id")
    ):
        nodes.update(n for n in row if n is not None)
    if nodes:
        reps.update(
            TerritoryAssignment.objects.for_tenant(tenant)
            .filter(territory_id__in=nodes)
            .values_list("user_id", flat=True)
        )
    return reps


def behind_frequency_rows(*, tenant, rep, on: datetime.date | None = None) -> list[tuple[int, str, int, int]]:
    """(doctor id, tier, target, actual) of the rep's doctors behind their call frequency this
    month, highest tier and largest gap first: plain tuples (a rep's book holds thousands of
    doctors; a page shows the head of the list, :func:`load_doctors` reads only those)."""
    on = on or timezone.localdate()
    rep_id = getattr(rep, "pk", rep)
    tenant_key, rep_key = _behind_generation_key(tenant), _behind_generation_key(tenant, rep_id)
    generations = cache.get_many([tenant_key, rep_key])
    key = (
        f"visits:behind:{tenant_id_of(tenant)}:{generations.get(tenant_key, 0)}:{generations.get(rep_key, 0)}"
        f":{rep_id}:{month_start(on):%Y-%m}"
    )
    rows = cache.get(key)
    if rows is None:
        rows = _read_behind_frequency_rows(tenant=tenant, rep=rep, on=on)
        cache.set(key, rows, timeout=BEHIND_TTL)
    return rows


def _read_behind_frequency_rows(*, tenant, rep, on: datetime.date) -> list[tuple[int, str, int, int]]:
    targets = {d: tt for d, tt in doctor_targets(tenant=tenant, rep=rep, month=on).items() if tt[1] > 0}
    start, end = month_bounds(on)
    counts = visit_counts(tenant=tenant, doctor_ids=targets.keys(), start=start, end=end)
    behind = [(d, tier, target, counts.get(d, 0)) for d, (tier, target) in targets.items() if counts.get(d, 0) < target]
    behind.sort(key=lambda r: (r[1], -(r[2] - r[3]), r[0]))
    return behind


def load_doctors(*, tenant, ids) -> dict[int, Doctor]:
    """Doctor id → doctor with hospital and department, for the rows a page shows."""
    return Doctor.objects.for_tenant(tenant).select_related("hospital", "department").in_bulk(list(ids))


def doctors_behind_frequency(*, tenant, rep, on: datetime.date | None = None, limit=None) -> list[DoctorBehind]:
    """The rep's doctors with fewer submitted visits this month than their target, highest tier
    and largest gap first. Four queries whatever the number of doctors; only the ``limit``
    doctors returned are read as model instances."""
    behind = behind_frequency_rows(tenant=tenant, rep=rep, on=on)
    if limit is not None:
        behind = behind[:limit]
    doctors = load_doctors(tenant=tenant, ids=[r[0] for r in behind])
    return [DoctorBehind(doctor=doctors[d], tier=t, target=n, actual=a) for d, t, n, a in behind if d in doctors]


# --- visit plans ---------------------------------------------------------------------------


def visit_plan_list(*, tenant, user) -> QuerySet[VisitPlan]:
    """Visit plans ``user`` may see: their own; a manager also their team's; head office all."""
    plans = VisitPlan.objects.for_tenant(tenant).select_related("doctor", "doctor__hospital", "product", "rep")
    if not _same_tenant(tenant, user):
        return plans.none()
    if user.role in FIELD_ROLES:
        return plans.filter(rep=user)
    if user.role == Role.MANAGER:
        return plans.filter(Q(rep=user) | Q(rep_id__in=team_user_ids(tenant=tenant, manager=user)))
    if user.role in HEAD_OFFICE_ROLES:
        return plans
    return plans.none()


def approved_key_messages(*, tenant, product=None) -> QuerySet[KeyMessage]:
    """Approved, current key messages (of ``product`` when given), in their order."""
    qs = KeyMessage.objects.for_tenant(tenant).filter(is_active=True, product__is_active=True)
    if product is not None:
        qs = qs.filter(product_id=getattr(product, "pk", product))
    return qs.select_related("product").order_by("product_id", "order", "id")


@dataclasses.dataclass
class VisitPlanDefaults:
    """What to pre-fill when planning a visit to a doctor."""

    tier: str
    channel: str
    objective: str
    key_messages: list
    content_items: list


def visit_plan_defaults(*, tenant, rep, doctor, product=None) -> VisitPlanDefaults:
    """Pre-filled objective (tier template), channel (tier's preferred, else the doctor's), the
    product's approved key messages and usable content items."""
    doctor_id = getattr(doctor, "pk", doctor)
    tier = doctor_tiers(tenant=tenant, doctor_ids=[doctor_id]).get(doctor_id, DEFAULT_TIER)
    channel = VisitChannel.IN_PERSON
    preferred = getattr(tier_settings(tenant=tenant).get(tier), "preferred_channel", None)
    if preferred in VisitChannel.values:
        channel = preferred
    kms = list(approved_key_messages(tenant=tenant, product=product)) if product is not None else []
    content = list(content_item_list(tenant=tenant, user=rep).filter(product=product)[:10]) if product else []
    return VisitPlanDefaults(
        tier=tier,
        channel=channel,
        objective=objective_template(tenant=tenant, tier=tier),
        key_messages=kms,
        content_items=content,
    )


@dataclasses.dataclass
class Suggestion:
    """A doctor suggested for the rep's week, with why."""

    doctor: Doctor
    reason: str  # a VisitPlanSource value
    tier: str
    target: int = 0
    actual: int = 0
    due: datetime.date | None = None
    task_id: int | None = None


def suggested_week(*, tenant, rep, week_start: datetime.date) -> list[Suggestion]:
    """Who ``rep`` should see in the week starting ``week_start``, most urgent first:

    1. doctors behind their call frequency this month (highest tier, largest gap first),
    2. doctors with an open next-step task of the rep due by the end of the week,
    3. event attendees to follow up (:func:`event_followup_suggestions`, a hook for events/).

    Doctors already planned that week are left out; each doctor appears once.
    """
    return suggested_week_head(tenant=tenant, rep=rep, week_start=week_start)[0]


def suggested_week_head(
    *, tenant, rep, week_start: datetime.date, limit: int | None = None
) -> tuple[list[Suggestion], int]:
    """The first ``limit`` suggestions of :func:`suggested_week` (all when None) and how many
    there are in all. Doctors behind frequency are counted from plain rows; only the shown ones
    are read as model instances (a rep's book: thousands of doctors, a page: fifty)."""
    week_end = week_start + datetime.timedelta(days=7)
    start, _ = local_day_bounds(week_start)
    end, _ = local_day_bounds(week_end)
    planned = set(
        VisitPlan.objects.for_tenant(tenant)
        .open()
        .filter(rep=rep, planned_at__gte=start, planned_at__lt=end)
        .values_list("doctor_id", flat=True)
    )
    seen = set(planned)
    # (doctor id, suggestion); a behind-frequency suggestion gets its doctor once it is shown.
    out: list[tuple[int, Suggestion]] = []
    # The month whose frequency counts: today's when the week holds today, else the week's start.
    today = timezone.localdate()
    on = today if week_start <= today < week_end else week_start
    for doctor_id, tier, target, actual in behind_frequency_rows(tenant=tenant, rep=rep, on=on):
        if doctor_id not in seen:
            seen.add(doctor_id)
            suggestion = Suggestion(
                doctor=None, reason=VisitPlanSource.BEHIND_FREQUENCY, tier=tier, target=target, actual=actual
            )
            out.append((doctor_id, suggestion))
    # Due next steps as plain rows too (a rep may have hundreds open): doctor and tier are read
    # for the shown ones only.
    tasks = (
        FollowUpTask.objects.for_tenant(tenant)
        .open()
        .filter(assignee=rep, kind=FollowUpTrigger.NEXT_STEP, doctor__isnull=False, due_at__lt=end)
        .order_by("due_at", "id")
        .values_list("pk", "doctor_id", "due_at")
    )
    for task_id, doctor_id, due_at in tasks:
        if doctor_id in seen:
            continue
        seen.add(doctor_id)
        suggestion = Suggestion(
            doctor=None,
            reason=VisitPlanSource.FOLLOW_UP,
            tier=None,
            due=timezone.localtime(due_at).date(),
            task_id=task_id,
        )
        out.append((doctor_id, suggestion))
    for s in event_followup_suggestions(tenant=tenant, rep=rep, week_start=week_start):
        if s.doctor.pk not in seen:
            seen.add(s.doctor.pk)
            out.append((s.doctor.pk, s))
    head = out if limit is None else out[:limit]
    doctors = load_doctors(tenant=tenant, ids=[d for d, s in head if s.doctor is None])
    untiered = [d for d, s in head if s.tier is None]
    tiers = doctor_tiers(tenant=tenant, doctor_ids=untiered) if untiered else {}
    for doctor_id, s in head:
        if s.tier is None:
            s.tier = tiers.get(doctor_id, DEFAULT_TIER)
    shown = []
    for doctor_id, s in head:
        if s.doctor is None:
            s.doctor = doctors.get(doctor_id)
            if s.doctor is None:  # gone since the rows were read
                continue
        shown.append(s)
    return shown, len(out)


def event_followup_suggestions(*, tenant, rep, week_start) -> list[Suggestion]:
    """Attendees of the rep's events to follow up this week, from the events app through
    :func:`visits.hooks.register_event_followups` (none until an app registers)."""
    return [
        Suggestion(doctor=doctor, reason=VisitPlanSource.EVENT, tier=DEFAULT_TIER, due=due)
        for doctor, due in hooks.event_followups(tenant=tenant, rep=rep, week_start=week_start)
    ]
