"""Isolation cases of the visits API (run by tests/test_isolation.py)."""

import datetime

from django.urls import reverse
from django.utils import timezone

from crm.tenancy import tenant_context
from tests.isolation import IsolationCase, isolation_case
from tests.visits.factories import ContentItemFactory, FollowUpTaskFactory, VisitFactory, VisitPlanFactory, field_team
from visits.models import (
    CyclePlan,
    CyclePlanLine,
    FollowUpRule,
    MedicalInquiry,
    VisitAmendment,
    VisitSettings,
)


def _case(basename, user, own, foreign, payload=None, writable=True):
    return IsolationCase(
        user=user,
        own=own,
        foreign=foreign,
        list_url=reverse(f"{basename}-list"),
        detail_url=lambda o: reverse(f"{basename}-detail", args=[o.pk]),
        update_payload=payload,
        writable=writable,
    )


def _teams(tenant, other_tenant):
    return field_team(tenant, "I"), field_team(other_tenant, "J")


@isolation_case("visit")
def visit_api(tenant, other_tenant, make_user):
    mine, theirs = _teams(tenant, other_tenant)
    own = VisitFactory(doctor=mine.doctor, rep=mine.rep)
    foreign = VisitFactory(doctor=theirs.doctor, rep=theirs.rep)
    payload = {"doctor": mine.doctor.pk, "visited_at": timezone.now().isoformat(), "feedback": "篡改"}
    return _case("visit", mine.rep, [own], [foreign], payload)


@isolation_case("visit-amendment")
def visit_amendment_api(tenant, other_tenant, make_user):
    mine, theirs = _teams(tenant, other_tenant)
    amendments = []
    for team in (mine, theirs):
        visit = VisitFactory(doctor=team.doctor, rep=team.rep, status="submitted")
        with tenant_context(team.tenant):
            amendments.append(
                VisitAmendment.objects.create(tenant=team.tenant, visit=visit, by=team.rep, reason="更正")
            )
    return _case("visit-amendment", mine.rep, [amendments[0]], [amendments[1]], writable=False)


@isolation_case("visit-plan")
def visit_plan_api(tenant, other_tenant, make_user):
    mine, theirs = _teams(tenant, other_tenant)
    own = VisitPlanFactory(doctor=mine.doctor, rep=mine.rep)
    foreign = VisitPlanFactory(doctor=theirs.doctor, rep=theirs.rep)
    payload = {"doctor": mine.doctor.pk, "planned_at": timezone.now().isoformat(), "objective": "篡改"}
    return _case("visit-plan", mine.rep, [own], [foreign], payload)


def _plans(mine, theirs):
    plans, lines = [], []
    for team in (mine, theirs):
        with tenant_context(team.tenant):
            plan = CyclePlan.objects.create(tenant=team.tenant, rep=team.rep, month=timezone.localdate().replace(day=1))
            lines.append(CyclePlanLine.objects.create(tenant=team.tenant, plan=plan, doctor=team.doctor, target=2))
            plans.append(plan)
    return plans, lines


@isolation_case("cycle-plan")
def cycle_plan_api(tenant, other_tenant, make_user):
    mine, theirs = _teams(tenant, other_tenant)
    plans, _ = _plans(mine, theirs)
    return _case("cycle-plan", mine.manager, [plans[0]], [plans[1]], writable=False)


@isolation_case("cycle-plan-line")
def cycle_plan_line_api(tenant, other_tenant, make_user):
    mine, theirs = _teams(tenant, other_tenant)
    _, lines = _plans(mine, theirs)
    return _case("cycle-plan-line", mine.rep, [lines[0]], [lines[1]], writable=False)


@isolation_case("followup-task")
def followup_task_api(tenant, other_tenant, make_user):
    mine, theirs = _teams(tenant, other_tenant)
    own = FollowUpTaskFactory(doctor=mine.doctor, assignee=mine.rep)
    foreign = FollowUpTaskFactory(doctor=theirs.doctor, assignee=theirs.rep)
    return _case("followup-task", mine.rep, [own], [foreign], writable=False)


@isolation_case("medical-inquiry")
def medical_inquiry_api(tenant, other_tenant, make_user):
    mine, theirs = _teams(tenant, other_tenant)
    inquiries = []
    for team in (mine, theirs):
        with tenant_context(team.tenant):
            inquiries.append(
                MedicalInquiry.objects.create(
                    tenant=team.tenant,
                    doctor=team.doctor,
                    question="剂量调整？",
                    due_date=timezone.localdate() + datetime.timedelta(days=5),
                )
            )
    return _case("medical-inquiry", mine.medical, [inquiries[0]], [inquiries[1]], writable=False)


@isolation_case("content-item")
def content_item_api(tenant, other_tenant, make_user):
    own = ContentItemFactory(tenant=tenant)
    foreign = ContentItemFactory(tenant=other_tenant)
    payload = {"kind": "brochure", "title": "篡改", "url": "https://example.cn/x.pdf"}
    return _case("content-item", make_user(tenant, "medical_affairs"), [own], [foreign], payload)


@isolation_case("followup-rule")
def followup_rule_api(tenant, other_tenant, make_user):
    rules = []
    for t in (tenant, other_tenant):
        with tenant_context(t):
            rules.append(FollowUpRule.objects.create(tenant=t, trigger="event_invitation", assignee="visit_rep"))
    payload = {"trigger": "event_invitation", "assignee": "compliance", "due_hours": 1}
    return _case("followup-rule", make_user(tenant, "tenant_admin"), [rules[0]], [rules[1]], payload)


@isolation_case("visit-settings")
def visit_settings_api(tenant, other_tenant, make_user):
    rows = []
    for t in (tenant, other_tenant):
        with tenant_context(t):
            rows.append(VisitSettings.objects.create(tenant=t))
    return _case("visit-settings", make_user(tenant, "tenant_admin"), [rows[0]], [rows[1]], writable=False)
