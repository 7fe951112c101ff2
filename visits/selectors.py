"""Reads of visits: role visibility in one place, the pages' data, set-based aggregates.

Who sees what (DESIGN.md §3, issue 5):

* rep / distributor rep: their own reports (drafts included) and the *submitted* reports of
  the doctors they see (``hospitals.selectors.visible_doctors``) — the doctor's history;
* manager: the reports of their team (``accounts.selectors.team_members``) and their own,
  and the submitted reports of the doctors they see;
* head office (product manager, medical affairs, compliance, administrator): every submitted
  report, read-only;
* a draft is only ever visible to its author.

Follow-up tasks land in inboxes (``assignee_role``): a person sees the tasks assigned to them
and the unassigned tasks of their inbox; a manager also their team's tasks; administrators
and product managers read all. Medical inquiries: medical affairs those assigned to them or
unassigned; the rep the ones they raised or of doctors they see; compliance, administrators
and product managers read all.

Tiers and call frequencies come from ``segmentation`` (an unscored doctor counts as tier C);
event attendees to follow up from the events app, through :mod:`visits.hooks`.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Role, User
from accounts.selectors import team_members, user_territories
from crm.inbox import notification_list, unread_notification_count  # noqa: F401  (the kernel's, kept here)
from crm.permissions import (
    CONTENT_ALL_READERS,
    FIELD_ROLES,
    HEAD_OFFICE_ROLES,
    INQUIRY_ALL_READERS,
    TASK_ALL_READERS,
)
from crm.tenancy import tenant_id_of
from hospitals.models import Doctor, DoctorTerritory, KeyMessage
from hospitals.selectors import visible_doctors
from segmentation.selectors import current_tiers, tier_settings
from visits import hooks
from visits.models import (
    Assignee,
    ContentItem,
    CyclePlan,
    CyclePlanLine,
    FollowUpRule,
    FollowUpTask,
    FollowUpTrigger,
    MedicalInquiry,
    TaskStatus,
    Visit,
    VisitAmendment,
    VisitChannel,
    VisitPlan,
    VisitPlanSource,
    VisitSettings,
    VisitStatus,
    month_start,
)

# Call frequency per tier when segmentation has no setting for a tier.
DEFAULT_TIER_FREQUENCY = {"A": 4, "B": 2, "C": 1, "D": 0}
DEFAULT_TIER = "C"

# The inboxes of each role (FollowUpTask.assignee_role).
ROLE_INBOXES = {
    Role.REP: (Assignee.VISIT_REP,),
    Role.DISTRIBUTOR_REP: (Assignee.VISIT_REP,),
    Role.MANAGER: (Assignee.MANAGER,),
    Role.MEDICAL_AFFAIRS: (Assignee.MEDICAL_AFFAIRS, Assignee.PHARMACOVIGILANCE),
    Role.COMPLIANCE: (Assignee.COMPLIANCE,),
}


def _same_tenant(tenant, user) -> bool:
    return getattr(user, "tenant_id", None) == tenant_id_of(tenant)


def local_day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of the local calendar day ``day`` as aware datetimes."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of the local calendar month containing ``month``."""
    first = month_start(month)
    nxt = (first + datetime.timedelta(days=32)).replace(day=1)
    return (
        timezone.make_aware(datetime.datetime.combine(first, datetime.time.min)),
        timezone.make_aware(datetime.datetime.combine(nxt, datetime.time.min)),
    )


def add_months(month: datetime.date, n: int) -> datetime.date:
    """The first day of the month ``n`` months after ``month`` (negative: before)."""
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


# --- settings and tiers --------------------------------------------------------------------


def visit_settings(*, tenant) -> VisitSettings:
    """The tenant's visit settings, or an unsaved instance holding the defaults."""
    found = VisitSettings.objects.for_tenant(tenant).first()
    return found or VisitSettings(tenant_id=tenant_id_of(tenant))


def tier_frequencies(*, tenant) -> dict[str, int]:
    """Target visits per month per tier ("A".."D"), from segmentation's tier settings."""
    frequencies = dict(DEFAULT_TIER_FREQUENCY)
    for tier, setting in tier_settings(tenant=tenant).items():
        frequencies[str(tier)] = int(getattr(setting, "visits_per_month", frequencies.get(str(tier), 0)))
    return frequencies


def doctor_tiers(*, tenant, doctor_ids=None) -> dict[int, str]:
    """Doctor id → current tier, from segmentation (unscored doctors absent)."""
    return {int(k): str(v) for k, v in current_tiers(tenant=tenant, doctor_ids=doctor_ids).items()}


def objective_template(*, tenant, tier: str | None, settings_obj: VisitSettings | None = None) -> str:
    """The objective to pre-fill for a doctor of ``tier`` (tenant template, else the default)."""
    return (settings_obj or visit_settings(tenant=tenant)).objective_for(tier or DEFAULT_TIER)


# --- visibility ----------------------------------------------------------------------------


def rep_doctors(*, tenant, rep) -> QuerySet[Doctor]:
    """Doctors aligned to the territories ``rep`` covers (the cycle plan's population)."""
    territories = user_territories(tenant=tenant, user=rep).values("pk")
    aligned = DoctorTerritory.objects.for_tenant(tenant).filter(territory_id__in=territories).values("doctor_id")
    return Doctor.objects.for_tenant(tenant).active().filter(pk__in=aligned)


def team_user_ids(*, tenant, manager) -> QuerySet:
    """Ids (a values queryset) of ``manager``'s team members."""
    return team_members(tenant=tenant, manager=manager).order_by().values("pk")


def visit_list(*, tenant, user) -> QuerySet[Visit]:
    """The visit reports ``user`` may see (module docstring), newest first."""
    visits = Visit.objects.for_tenant(tenant).select_related("doctor", "doctor__hospital", "rep")
    if not _same_tenant(tenant, user):
        return visits.none()
    role = user.role
    submitted = Q(status=VisitStatus.SUBMITTED)
    if role in FIELD_ROLES:
        doctors = visible_doctors(tenant=tenant, user=user).values("pk")
        return visits.filter(Q(rep=user) | (submitted & Q(doctor_id__in=doctors)))
    if role == Role.MANAGER:
        doctors = visible_doctors(tenant=tenant, user=user).values("pk")
        team = team_user_ids(tenant=tenant, manager=user)
        return visits.filter(Q(rep=user) | (submitted & (Q(rep_id__in=team) | Q(doctor_id__in=doctors))))
    if role in HEAD_OFFICE_ROLES:
        return visits.filter(submitted)
    return visits.none()


def can_edit_visit(*, user, visit) -> bool:
    """Only the author edits (while a draft) or submits their report."""
    return visit.rep_id == user.pk


def can_amend_visit(*, tenant, user, visit) -> bool:
    """The author, or the author's manager, may amend a submitted report."""
    if visit.rep_id == user.pk:
        return True
    if user.role == Role.MANAGER:
        return team_members(tenant=tenant, manager=user).filter(pk=visit.rep_id).exists()
    return False


def doctor_timeline(*, tenant, user, doctor) -> QuerySet[Visit]:
    """The submitted visits of ``doctor`` (newest first) for a user who may see the doctor; with
    key messages and reactions prefetched. Empty when the user does not see the doctor."""
    doctor_id = getattr(doctor, "pk", doctor)
    if not visible_doctors(tenant=tenant, user=user).filter(pk=doctor_id).exists():
        return Visit.objects.for_tenant(tenant).none()
    return (
        Visit.objects.for_tenant(tenant)
        .submitted()
        .filter(doctor_id=doctor_id)
        .select_related("rep")
        .prefetch_related("key_messages__key_message", "amendments")
        .order_by("-visited_at", "-id")
    )


def visit_detail(*, tenant, user, pk) -> Visit | None:
    """One visit ``user`` may see, with its children, or None."""
    return (
        visit_list(tenant=tenant, user=user)
        .prefetch_related("key_messages__key_message", "products", "content_items", "amendments__by")
        .filter(pk=pk)
        .first()
    )


def amendment_list(*, tenant, user) -> QuerySet[VisitAmendment]:
    """Amendments of the visits ``user`` may see."""
    visible = visit_list(tenant=tenant, user=user).values("pk")
    return VisitAmendment.objects.for_tenant(tenant).filter(visit_id__in=visible).select_related("by")


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


def doctors_behind_frequency(*, tenant, rep, on: datetime.date | None = None, limit=None) -> list[DoctorBehind]:
    """The rep's doctors with fewer submitted visits this month than their target, highest tier
    and largest gap first. Three queries whatever the number of doctors."""
    on = on or timezone.localdate()
    targets = {d: tt for d, tt in doctor_targets(tenant=tenant, rep=rep, month=on).items() if tt[1] > 0}
    start, end = month_bounds(on)
    counts = visit_counts(tenant=tenant, doctor_ids=targets.keys(), start=start, end=end)
    behind = [(d, tier, target, counts.get(d, 0)) for d, (tier, target) in targets.items() if counts.get(d, 0) < target]
    behind.sort(key=lambda r: (r[1], -(r[2] - r[3]), r[0]))
    if limit is not None:
        behind = behind[:limit]
    doctors = Doctor.objects.for_tenant(tenant).select_related("hospital", "department").in_bulk([r[0] for r in behind])
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
    out: list[Suggestion] = []
    # The month whose frequency counts: today's when the week holds today, else the week's start.
    today = timezone.localdate()
    on = today if week_start <= today < week_end else week_start
    for b in doctors_behind_frequency(tenant=tenant, rep=rep, on=on):
        if b.doctor.pk not in seen:
            seen.add(b.doctor.pk)
            out.append(
                Suggestion(
                    doctor=b.doctor,
                    reason=VisitPlanSource.BEHIND_FREQUENCY,
                    tier=b.tier,
                    target=b.target,
                    actual=b.actual,
                )
            )
    tasks = (
        FollowUpTask.objects.for_tenant(tenant)
        .open()
        .filter(assignee=rep, kind=FollowUpTrigger.NEXT_STEP, doctor__isnull=False, due_at__lt=end)
        .select_related("doctor", "doctor__hospital")
        .order_by("due_at", "id")
    )
    tiers = None
    for task in tasks:
        if task.doctor_id in seen:
            continue
        if tiers is None:
            tiers = doctor_tiers(tenant=tenant, doctor_ids=[t.doctor_id for t in tasks])
        seen.add(task.doctor_id)
        out.append(
            Suggestion(
                doctor=task.doctor,
                reason=VisitPlanSource.FOLLOW_UP,
                tier=tiers.get(task.doctor_id, DEFAULT_TIER),
                due=timezone.localtime(task.due_at).date(),
                task_id=task.pk,
            )
        )
    for s in event_followup_suggestions(tenant=tenant, rep=rep, week_start=week_start):
        if s.doctor.pk not in seen:
            seen.add(s.doctor.pk)
            out.append(s)
    return out


def event_followup_suggestions(*, tenant, rep, week_start) -> list[Suggestion]:
    """Attendees of the rep's events to follow up this week, from the events app through
    :func:`visits.hooks.register_event_followups` (none until an app registers)."""
    return [
        Suggestion(doctor=doctor, reason=VisitPlanSource.EVENT, tier=DEFAULT_TIER, due=due)
        for doctor, due in hooks.event_followups(tenant=tenant, rep=rep, week_start=week_start)
    ]


# --- tasks, inquiries, notifications -------------------------------------------------------


def followup_task_list(*, tenant, user) -> QuerySet[FollowUpTask]:
    """Tasks ``user`` may see (module docstring), urgent and due first."""
    tasks = FollowUpTask.objects.for_tenant(tenant).select_related("doctor", "assignee", "done_by", "visit")
    if not _same_tenant(tenant, user):
        return tasks.none()
    role = user.role
    if role in TASK_ALL_READERS:
        return tasks
    mine = Q(assignee=user) | Q(assignee__isnull=True, assignee_role__in=ROLE_INBOXES.get(role, ()))
    if role == Role.MANAGER:
        mine |= Q(assignee_id__in=team_user_ids(tenant=tenant, manager=user))
    return tasks.filter(mine)


def can_complete_task(*, tenant, user, task) -> bool:
    """The assignee, or (unassigned task) anyone of the inbox's role."""
    if task.assignee_id is not None:
        return task.assignee_id == user.pk
    return task.assignee_role in ROLE_INBOXES.get(user.role, ())


@dataclasses.dataclass
class Inbox:
    """A task inbox split the way the pages show it."""

    overdue: list
    due: list
    done: list


def task_inbox(*, tenant, user, now=None, done_limit=20) -> Inbox:
    """``user``'s tasks: overdue, open (due later), and the latest done ones. Three queries."""
    now = now or timezone.now()
    tasks = followup_task_list(tenant=tenant, user=user)
    return Inbox(
        overdue=list(tasks.overdue(now).order_by("priority", "due_at", "id")),
        due=list(tasks.open().filter(due_at__gte=now).order_by("priority", "due_at", "id")[:200]),
        done=list(tasks.done().order_by("-done_at", "-id")[:done_limit]),
    )


def medical_inquiry_list(*, tenant, user) -> QuerySet[MedicalInquiry]:
    """Inquiries ``user`` may see (module docstring)."""
    qs = MedicalInquiry.objects.for_tenant(tenant).select_related("doctor", "product", "asked_by", "assignee")
    if not _same_tenant(tenant, user):
        return qs.none()
    role = user.role
    if role in INQUIRY_ALL_READERS:
        return qs
    if role == Role.MEDICAL_AFFAIRS:
        return qs.filter(Q(assignee=user) | Q(assignee__isnull=True))
    if role in FIELD_ROLES:
        return qs.filter(Q(asked_by=user) | Q(doctor_id__in=visible_doctors(tenant=tenant, user=user).values("pk")))
    if role == Role.MANAGER:
        return qs.filter(
            Q(asked_by=user)
            | Q(asked_by_id__in=team_user_ids(tenant=tenant, manager=user))
            | Q(doctor_id__in=visible_doctors(tenant=tenant, user=user).values("pk"))
        )
    return qs.none()


# --- content library -----------------------------------------------------------------------


def content_item_list(*, tenant, user, search: str = "") -> QuerySet[ContentItem]:
    """Library items: medical affairs and administrators all; everyone else only approved,
    currently valid items. ``search`` matches title, tag or product name."""
    items = ContentItem.objects.for_tenant(tenant).select_related("product", "approved_by")
    if not _same_tenant(tenant, user):
        return items.none()
    if user.role not in CONTENT_ALL_READERS:
        items = items.usable()
    search = (search or "").strip()
    if search:
        items = items.filter(
            Q(title__icontains=search) | Q(tags__contains=[search]) | Q(product__name__icontains=search)
        )
    return items


def content_usage(*, tenant, item_ids=None) -> dict[int, int]:
    """Content item id → number of submitted visit reports that used it (one query)."""
    from visits.models import VisitContent

    qs = VisitContent.objects.for_tenant(tenant).filter(visit__status=VisitStatus.SUBMITTED)
    if item_ids is not None:
        qs = qs.filter(content_item_id__in=list(item_ids))
    return dict(qs.order_by().values_list("content_item_id").annotate(n=Count("*")).values_list("content_item_id", "n"))


def with_usage(items: QuerySet[ContentItem]) -> QuerySet[ContentItem]:
    """``items`` annotated with ``use_count``: submitted visit reports that used each item."""
    from visits.models import VisitContent

    uses = (
        VisitContent.objects.filter(content_item_id=OuterRef("pk"), visit__status=VisitStatus.SUBMITTED)
        .order_by()
        .values("content_item_id")
        .annotate(n=Count("*"))
        .values("n")[:1]
    )
    return items.annotate(use_count=Coalesce(Subquery(uses, output_field=IntegerField()), Value(0)))


def followup_rule_list(*, tenant) -> QuerySet[FollowUpRule]:
    return FollowUpRule.objects.for_tenant(tenant).order_by("trigger")


# --- pages ---------------------------------------------------------------------------------


@dataclasses.dataclass
class MyDay:
    """The rep's home page."""

    today: datetime.date
    plans: list  # today's open VisitPlans
    reports_to_submit: list  # own drafts (oldest first), with .overdue set
    tasks_due: list  # own open tasks due by the end of today (overdue included)
    behind: list  # DoctorBehind, top of the list
    unread_notifications: int


def my_day(*, tenant, rep, today: datetime.date | None = None, behind_limit=10) -> MyDay:
    """Today's plans, reports to submit, tasks due and doctors behind frequency (a bounded number
    of queries whatever the rep's volume)."""
    today = today or timezone.localdate()
    _, end_of_day = local_day_bounds(today)
    settings_obj = visit_settings(tenant=tenant)
    plans = list(
        VisitPlan.objects.for_tenant(tenant)
        .open()
        .on_day(today)
        .filter(rep=rep)
        .select_related("doctor", "doctor__hospital", "product")
        .order_by("planned_at", "id")
    )
    drafts = list(
        Visit.objects.for_tenant(tenant)
        .drafts()
        .filter(rep=rep)
        .select_related("doctor", "doctor__hospital")
        .order_by("visited_at", "id")[:50]
    )
    limit = timezone.now() - datetime.timedelta(hours=settings_obj.submit_window_hours)
    for v in drafts:
        v.overdue = v.visited_at < limit
    tasks = list(
        followup_task_list(tenant=tenant, user=rep).due_by(end_of_day).order_by("priority", "due_at", "id")[:50]
    )
    return MyDay(
        today=today,
        plans=plans,
        reports_to_submit=drafts,
        tasks_due=tasks,
        behind=doctors_behind_frequency(tenant=tenant, rep=rep, on=today, limit=behind_limit),
        unread_notifications=unread_notification_count(tenant=tenant, user=rep),
    )


@dataclasses.dataclass
class RepAdherence:
    """One rep in one month, for the manager view."""

    rep_id: int
    month: datetime.date
    target: int = 0
    covered: int = 0  # visits counted towards targets (each doctor capped at their target)
    ab_doctors: int = 0
    ab_at_target: int = 0
    on_time: int = 0
    late: int = 0
    overdue_drafts: int = 0
    overdue_tasks: int = 0
    has_plan: bool = False

    @property
    def plan_adherence(self) -> float | None:
        """Share of the month's target visits done (0–1), None without a plan/target."""
        return round(self.covered / self.target, 4) if self.target else None

    @property
    def on_time_rate(self) -> float | None:
        total = self.on_time + self.late
        return round(self.on_time / total, 4) if total else None

    @property
    def ab_coverage(self) -> float | None:
        return round(self.ab_at_target / self.ab_doctors, 4) if self.ab_doctors else None


_ADHERENCE_SQL = """
WITH lines AS (
    SELECT p.rep_id, p.month, l.doctor_id, l.tier, l.target
    FROM visits_cycleplanline l
    JOIN visits_cycleplan p ON p.id = l.plan_id
    WHERE p.tenant_id = %(tenant)s AND l.tenant_id = %(tenant)s
      AND p.rep_id = ANY(%(reps)s) AND p.month >= %(first)s AND p.month <= %(last)s
), actuals AS (
    SELECT v.doctor_id, date_trunc('month', v.visited_at AT TIME ZONE %(tz)s)::date AS month, count(*) AS n
    FROM visits_visit v
    WHERE v.tenant_id = %(tenant)s AND v.status = 'submitted'
      AND v.visited_at >= %(start)s AND v.visited_at < %(end)s
      AND v.doctor_id IN (SELECT doctor_id FROM lines)
    GROUP BY 1, 2
)
SELECT l.rep_id, l.month,
       sum(l.target)::int,
       sum(LEAST(COALESCE(a.n, 0), l.target))::int,
       (count(*) FILTER (WHERE l.tier IN ('A', 'B') AND l.target > 0))::int,
       (count(*) FILTER (WHERE l.tier IN ('A', 'B') AND l.target > 0 AND COALESCE(a.n, 0) >= l.target))::int
FROM lines l LEFT JOIN actuals a ON a.doctor_id = l.doctor_id AND a.month = l.month
GROUP BY 1, 2
"""

_TIMELINESS_SQL = """
SELECT v.rep_id, date_trunc('month', v.visited_at AT TIME ZONE %(tz)s)::date AS month,
       (count(*) FILTER (WHERE v.status = 'submitted' AND NOT v.is_late))::int,
       (count(*) FILTER (WHERE v.status = 'submitted' AND v.is_late))::int,
       (count(*) FILTER (WHERE v.status = 'draft' AND v.visited_at < %(overdue_before)s))::int
FROM visits_visit v
WHERE v.tenant_id = %(tenant)s AND v.rep_id = ANY(%(reps)s)
  AND v.visited_at >= %(start)s AND v.visited_at < %(end)s
GROUP BY 1, 2
"""


def manager_adherence(
    *, tenant, manager=None, rep_ids=None, months: int = 7, today: datetime.date | None = None
) -> dict[int, list[RepAdherence]]:
    """Rep id → one :class:`RepAdherence` per month, oldest first, for this month and the
    ``months - 1`` before it: plan adherence, reports on time vs late, A/B doctors at target
    frequency, overdue tasks (the current month only: overdue is a now-state).

    Three set-based queries for the whole team, whatever the number of reps or visits.
    """
    today = today or timezone.localdate()
    if rep_ids is None:
        rep_ids = list(
            team_members(tenant=tenant, manager=manager).filter(role__in=FIELD_ROLES).values_list("pk", flat=True)
        )
    rep_ids = [int(r) for r in rep_ids]
    this_month = month_start(today)
    first = add_months(this_month, -(months - 1))
    start, _ = month_bounds(first)
    _, end = month_bounds(this_month)
    result = {r: [RepAdherence(rep_id=r, month=add_months(first, i)) for i in range(months)] for r in rep_ids}
    if not rep_ids:
        return result

    def cell(rep_id, month):
        index = (month.year - first.year) * 12 + month.month - first.month
        return result[rep_id][index] if 0 <= index < months else None

    now = timezone.now()
    window = visit_settings(tenant=tenant).submit_window_hours
    params = {
        "tenant": tenant_id_of(tenant),
        "reps": rep_ids,
        "first": first,
        "last": this_month,
        "start": start,
        "end": end,
        "tz": settings.TIME_ZONE,
        "overdue_before": now - datetime.timedelta(hours=window),
    }
    with connection.cursor() as cur:
        cur.execute(_ADHERENCE_SQL, params)
        for rep_id, month, target, covered, ab, ab_ok in cur.fetchall():
            c = cell(rep_id, month)
            if c:
                c.target, c.covered, c.ab_doctors, c.ab_at_target, c.has_plan = target, covered, ab, ab_ok, True
        cur.execute(_TIMELINESS_SQL, params)
        for rep_id, month, on_time, late, drafts in cur.fetchall():
            c = cell(rep_id, month)
            if c:
                c.on_time, c.late, c.overdue_drafts = on_time, late, drafts
    overdue = (
        FollowUpTask.objects.for_tenant(tenant)
        .overdue(now)
        .filter(assignee_id__in=rep_ids)
        .order_by()
        .values_list("assignee_id")
        .annotate(n=Count("*"))
        .values_list("assignee_id", "n")
    )
    for rep_id, n in overdue:
        result[rep_id][-1].overdue_tasks = n
    return result


def team_reps(*, tenant, manager) -> QuerySet[User]:
    """The field reps of ``manager``'s team."""
    return team_members(tenant=tenant, manager=manager).filter(role__in=FIELD_ROLES)


def task_counts_by_status(*, tenant, user) -> dict[str, int]:
    """Open/overdue/done counts of ``user``'s inbox (one query)."""
    now = timezone.now()
    qs = followup_task_list(tenant=tenant, user=user).order_by()
    agg = qs.aggregate(
        open=Count("pk", filter=Q(status=TaskStatus.OPEN)),
        overdue=Count("pk", filter=Q(status=TaskStatus.OPEN, due_at__lt=now)),
        done=Count("pk", filter=Q(status=TaskStatus.DONE)),
    )
    return defaultdict(int, agg)
