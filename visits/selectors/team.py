"""Reads behind the rep's day and the manager's team view: set-based, a bounded number of queries."""

from __future__ import annotations

import dataclasses
import datetime

from django.conf import settings
from django.db import connection
from django.db.models import Count, QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.selectors import team_members
from crm.inbox import unread_notification_count
from crm.permissions import (
    FIELD_ROLES,
)
from crm.tenancy import tenant_id_of
from visits.models import (
    FollowUpTask,
    Visit,
    VisitPlan,
    month_start,
)
from visits.selectors.common import (
    add_months,
    local_day_bounds,
    month_bounds,
    visit_settings,
)
from visits.selectors.followups import followup_task_list
from visits.selectors.plans import doctors_behind_frequency

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
    capacity: int = 0  # visits the rep can make in the month (the plan's)
    over_capacity_ab: int = 0  # A/B doctors whose frequency did not fit the capacity
    unfitted_visits: int = 0

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
    -- ideal: the tier frequency (lines from before capacity planning have only the target)
    SELECT p.rep_id, p.month, l.doctor_id, l.tier, l.target, GREATEST(l.ideal, l.target) AS ideal
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
       (count(*) FILTER (WHERE l.tier IN ('A', 'B') AND l.ideal > 0))::int,
       (count(*) FILTER (WHERE l.tier IN ('A', 'B') AND l.ideal > 0 AND COALESCE(a.n, 0) >= l.ideal))::int
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
    from visits.models import CyclePlan

    for rep_id, month, capacity, short_ab, unfitted in (
        CyclePlan.objects.for_tenant(tenant)
        .filter(rep_id__in=rep_ids, month__gte=first, month__lte=this_month)
        .values_list("rep_id", "month", "capacity", "over_capacity_ab", "unfitted_visits")
    ):
        c = cell(rep_id, month)
        if c:
            c.capacity, c.over_capacity_ab, c.unfitted_visits = capacity, short_ab, unfitted
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
