"""CRUD and role matrix of the visits API (run by tests/test_api_cases.py).

The rows hang off a doctor of a field book (tests/hospitals/api_cases.py ``field_world``): the
matrix's rep, manager and distributor rep are put on it so that they see the doctor; a row that
is a user's own (a visit plan, a cycle plan) is handed to the matrix's user when that user may
own one. Submitted reports are locked (docs/visits.md): 409 to every visiting role.
"""

import datetime

from django.utils import timezone

from crm import permissions as p
from crm.roles import Role
from crm.tenancy import tenant_context
from tests.api_cases import APICase, api_case
from tests.factories import TerritoryAssignmentFactory
from tests.hospitals.api_cases import field_world
from tests.visits.factories import ContentItemFactory, FollowUpTaskFactory, VisitFactory, VisitPlanFactory
from visits import services
from visits.models import CyclePlanLine, FollowUpRule, VisitSettings

SOON = timezone.now() + datetime.timedelta(days=2)
AN_HOUR_AGO = timezone.now() - datetime.timedelta(hours=1)


def _author(tenant, make_user, world):
    """The rep who wrote the report or owns the plan: on the world's territory."""
    author = make_user(tenant, "rep")
    TerritoryAssignmentFactory(territory=world.territory, user=author)
    return author


def _hand_over(obj, user, field="rep"):
    """``obj`` becomes ``user``'s own (saved, and changed in memory for the matrix's checks)."""
    setattr(obj, field, user)
    with tenant_context(obj.tenant_id):
        obj.save(update_fields=[field])


@api_case("content-item")
def content_item(tenant, make_user):
    obj = ContentItemFactory(tenant=tenant, title="降脂指南解读")

    def withdrawn(item):
        with tenant_context(item.tenant_id):
            return type(item).objects.get(pk=item.pk).approved_at is None

    return APICase(
        obj=obj,
        create={"kind": "brochure", "title": "患者手册", "url": "https://example.com/a.pdf", "product": None},
        update={"description": "2026 版"},
        delete=True,
        deleted=withdrawn,  # DELETE withdraws the approval; the item stays (visits used it)
        writers=p.CONTENT_EDITORS,
    )


@api_case("followup-rule")
def followup_rule(tenant, make_user):
    with tenant_context(tenant):
        services.followup_rules_ensure(tenant=tenant)
        obj = FollowUpRule.objects.order_by("id").first()
    return APICase(obj=obj, update={"due_hours": 48}, delete=True, writers=p.ADMIN_ROLES)


@api_case("visit")
def visit(tenant, make_user):
    w = field_world(tenant, "VI")
    obj = VisitFactory(doctor=w.doctor, rep=_author(tenant, make_user, w), status="submitted")
    return APICase(
        obj=obj,
        create={"doctor": w.peer.pk, "visited_at": timezone.now().isoformat(), "channel": "in_person"},
        update={"feedback": "补记：医生询问了肾功能不全患者的剂量"},
        delete=True,
        locked=True,  # a submitted report: 409 to PATCH and DELETE, corrected by an amendment
        writers=p.VISITING_ROLES,
        prepare_user=w.prepare_user,  # head office sees every submitted report; the field, its doctors'
    )


@api_case("visit-amendment")
def visit_amendment(tenant, make_user):
    w = field_world(tenant, "VA")
    author = _author(tenant, make_user, w)
    visit = VisitFactory(doctor=w.doctor, rep=author, status="submitted")
    with tenant_context(tenant):
        obj = services.visit_amend(
            tenant=tenant, by=author, visit=visit, reason="笔误", feedback="医生对新适应证很感兴趣"
        )
    return APICase(obj=obj, prepare_user=w.prepare_user)  # read-only: amend through the visit


@api_case("visit-plan")
def visit_plan(tenant, make_user):
    w = field_world(tenant, "VP")
    obj = VisitPlanFactory(doctor=w.doctor, rep=_author(tenant, make_user, w), planned_at=SOON)

    def prepare_user(user):
        w.prepare_user(user)
        if user.role in p.VISITING_ROLES:
            _hand_over(obj, user)  # a visiting role changes its own plans only

    def cancelled(plan):
        with tenant_context(plan.tenant_id):
            return type(plan).objects.get(pk=plan.pk).status == "cancelled"

    return APICase(
        obj=obj,
        create={"doctor": w.peer.pk, "planned_at": SOON.isoformat()},
        update={"objective": "介绍真实世界研究结果"},
        delete=True,
        deleted=cancelled,  # DELETE cancels the plan
        writers=p.VISITING_ROLES,
        prepare_user=prepare_user,  # head office reads every plan
    )


def _cycle_plan(tenant, make_user, prefix):
    w = field_world(tenant, prefix)
    with tenant_context(tenant):
        plan = services.cycle_plan_generate(
            tenant=tenant, rep=_author(tenant, make_user, w), month=timezone.localdate().replace(day=1)
        )
    return w, plan


@api_case("cycle-plan")
def cycle_plan(tenant, make_user):
    _w, plan = _cycle_plan(tenant, make_user, "CP")
    # Read-only (generate, submit, approve and return are actions): the rep and their manager
    # see it (neither is the matrix's user), head office every plan.
    return APICase(obj=plan, visible_to=p.HEAD_OFFICE_ROLES)


@api_case("cycle-plan-line")
def cycle_plan_line(tenant, make_user):
    _w, plan = _cycle_plan(tenant, make_user, "CL")
    with tenant_context(tenant):
        obj = CyclePlanLine.objects.filter(plan=plan).order_by("id").first()

    def prepare_user(user):
        if user.role in p.CYCLE_PLAN_ROLES:
            _hand_over(plan, user)  # the rep sets ``planned`` on their own plan

    return APICase(
        obj=obj,
        update={"planned": obj.planned + 2},
        writers=p.CYCLE_PLAN_ROLES,  # distributor reps have no cycle plan (docs/visits.md)
        visible_to=p.HEAD_OFFICE_ROLES | p.CYCLE_PLAN_ROLES,
        prepare_user=prepare_user,
    )


@api_case("followup-task")
def followup_task(tenant, make_user):
    w = field_world(tenant, "FT")
    obj = FollowUpTaskFactory(doctor=w.doctor, kind="compliance_question", assignee_role="compliance")
    # Read-only (complete and reopen are actions): an unassigned task of the compliance inbox.
    return APICase(obj=obj, visible_to=p.TASK_ALL_READERS | {Role.COMPLIANCE})


@api_case("medical-inquiry")
def medical_inquiry(tenant, make_user):
    w = field_world(tenant, "MI")
    with tenant_context(tenant):
        obj = services.medical_inquiry_create(
            tenant=tenant, by=_author(tenant, make_user, w), doctor=w.doctor, question="肾功能不全患者如何调整剂量？"
        )
    return APICase(
        obj=obj,
        create={"doctor": w.peer.pk, "question": "与华法林合用是否需要监测INR？"},
        creators=p.INQUIRY_RAISERS,  # no update or delete: answered, assigned, sent back by actions
        # Medical affairs the unassigned ones, the field its doctors', the all-readers every one;
        # quality and pharmacovigilance none.
        visible_to=p.ALL_ROLES - {Role.QUALITY, Role.PHARMACOVIGILANCE},
        prepare_user=w.prepare_user,
    )


@api_case("visit-settings")
def visit_settings(tenant, make_user):
    with tenant_context(tenant):
        obj = services.visit_settings_update(tenant=tenant, by=None)
    assert isinstance(obj, VisitSettings)
    # One row per tenant, read by all (the pages use it), changed by administrators (no POST or DELETE).
    return APICase(obj=obj, update={"visits_per_day": 11}, writers=p.ADMIN_ROLES)
