"""Isolation cases of the visit pages (run by tests/test_isolation.py): another tenant's reports,
plans, tasks, inquiries and cycle plans are neither listed nor reachable (404 on GET and POST)."""

import datetime

from django.urls import reverse
from django.utils import timezone

from crm.tenancy import tenant_context
from tests.isolation import IsolationCase, isolation_case
from tests.visits.factories import FollowUpTaskFactory, VisitFactory, VisitPlanFactory, field_team
from visits import services
from visits.models import MedicalInquiry


def _teams(tenant, other_tenant):
    return field_team(tenant, "PI"), field_team(other_tenant, "PJ")


def _marker(attr):
    return lambda obj: f'{attr}="{obj.pk}"'


@isolation_case("page:visit_detail")
def visit_pages(tenant, other_tenant, make_user):
    mine, theirs = _teams(tenant, other_tenant)
    with tenant_context(tenant):
        own = VisitFactory(doctor=mine.doctor, rep=mine.rep)
    with tenant_context(other_tenant):
        foreign = [
            VisitFactory(doctor=theirs.doctor, rep=theirs.rep),
            VisitFactory(doctor=theirs.doctor, rep=theirs.rep, status="submitted"),
        ]
    return IsolationCase(
        kind="page",
        user=mine.rep,
        own=[own],
        foreign=foreign,
        list_url=reverse("my_day"),  # drafts to submit
        detail_url=lambda v: reverse("visit_detail", args=[v.pk]),
        text=_marker("data-visit-id"),
    )


@isolation_case("page:visit_plan_detail")
def visit_plan_pages(tenant, other_tenant, make_user):
    mine, theirs = _teams(tenant, other_tenant)
    at = timezone.now() + datetime.timedelta(minutes=10)
    with tenant_context(tenant):
        own = VisitPlanFactory(doctor=mine.doctor, rep=mine.rep, planned_at=at)
    with tenant_context(other_tenant):
        foreign = VisitPlanFactory(doctor=theirs.doctor, rep=theirs.rep, planned_at=at)
    day = timezone.localtime(at).date()
    monday = day - datetime.timedelta(days=day.weekday())
    return IsolationCase(
        kind="page",
        user=mine.rep,
        own=[own],
        foreign=[foreign],
        list_url=reverse("visit_week") + f"?start={monday.isoformat()}",
        detail_url=lambda p: reverse("visit_plan_detail", args=[p.pk]),
        text=_marker("data-plan-id"),
    )


@isolation_case("page:task_detail")
def task_pages(tenant, other_tenant, make_user):
    mine, theirs = _teams(tenant, other_tenant)
    with tenant_context(tenant):
        own = FollowUpTaskFactory(doctor=mine.doctor, assignee_role="medical_affairs")
    with tenant_context(other_tenant):
        foreign = FollowUpTaskFactory(doctor=theirs.doctor, assignee_role="medical_affairs")
    return IsolationCase(
        kind="page",
        user=mine.medical,
        own=[own],
        foreign=[foreign],
        list_url=reverse("task_inbox") + "?tab=due",
        detail_url=lambda t: reverse("task_detail", args=[t.pk]),
        text=_marker("data-task-id"),
    )


def _inquiry(team):
    with tenant_context(team.tenant):
        return MedicalInquiry.objects.create(
            tenant=team.tenant,
            doctor=team.doctor,
            question="与他汀联用的安全性？",
            asked_by=team.rep,
            due_date=timezone.localdate() + datetime.timedelta(days=5),
        )


@isolation_case("page:inquiry_detail")
def inquiry_pages(tenant, other_tenant, make_user):
    mine, theirs = _teams(tenant, other_tenant)
    return IsolationCase(
        kind="page",
        user=mine.medical,
        own=[_inquiry(mine)],
        foreign=[_inquiry(theirs)],
        list_url=reverse("inquiry_list"),
        detail_url=lambda i: reverse("inquiry_detail", args=[i.pk]),
        text=_marker("data-inquiry-id"),
    )


@isolation_case("page:cycle_plan_detail")
def cycle_plan_pages(tenant, other_tenant, make_user):
    mine, theirs = _teams(tenant, other_tenant)
    month = timezone.localdate()
    with tenant_context(tenant):
        own = services.cycle_plan_generate(tenant=tenant, rep=mine.rep, month=month)
    with tenant_context(other_tenant):
        foreign = services.cycle_plan_generate(tenant=other_tenant, rep=theirs.rep, month=month)
    return IsolationCase(
        kind="page",
        user=mine.rep,
        own=[own],
        foreign=[foreign],
        list_url=reverse("cycle_plan_list"),
        detail_url=lambda p: reverse("cycle_plan_detail", args=[p.pk]),
        text=_marker("data-plan-id"),
    )


@isolation_case("page:team_rep")
def team_rep_pages(tenant, other_tenant, make_user):
    """A manager's drill-down: another tenant's reps are not in the team list and 404 (issue 15)."""
    mine, theirs = _teams(tenant, other_tenant)
    return IsolationCase(
        kind="page",
        user=mine.manager,
        own=[mine.rep],
        foreign=[theirs.rep],
        list_url=reverse("team"),
        detail_url=lambda u: reverse("team_rep", args=[u.pk]),
        text=lambda u: reverse("team_rep", args=[u.pk]),
    )


@isolation_case("page:visit_report_list")
def report_list_pages(tenant, other_tenant, make_user):
    """The team reports list shows none of another tenant's reports (issue 15)."""
    mine, theirs = _teams(tenant, other_tenant)
    with tenant_context(tenant):
        own = VisitFactory(doctor=mine.doctor, rep=mine.rep, status="submitted")
    with tenant_context(other_tenant):
        foreign = VisitFactory(doctor=theirs.doctor, rep=theirs.rep, status="submitted")
    return IsolationCase(
        kind="page",
        user=mine.manager,
        own=[own],
        foreign=[foreign],
        list_url=reverse("visit_report_list"),
        detail_url=lambda v: reverse("visit_detail", args=[v.pk]),
        text=_marker("data-visit-id"),
    )
