"""Reads of follow-up: the task inboxes of each role, who may complete a task, rules, counts."""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import Role
from crm.permissions import (
    TASK_ALL_READERS,
)
from visits.models import (
    Assignee,
    FollowUpRule,
    FollowUpTask,
    TaskStatus,
)
from visits.selectors.common import (
    _same_tenant,
    team_user_ids,
)

# The inboxes of each role (FollowUpTask.assignee_role).
ROLE_INBOXES = {
    Role.REP: (Assignee.VISIT_REP,),
    Role.DISTRIBUTOR_REP: (Assignee.VISIT_REP,),
    Role.MANAGER: (Assignee.MANAGER,),
    Role.MEDICAL_AFFAIRS: (Assignee.MEDICAL_AFFAIRS, Assignee.PHARMACOVIGILANCE),
    Role.COMPLIANCE: (Assignee.COMPLIANCE,),
}


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


def followup_rule_list(*, tenant) -> QuerySet[FollowUpRule]:
    return FollowUpRule.objects.for_tenant(tenant).order_by("trigger")


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
