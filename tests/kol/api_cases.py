"""CRUD and role matrix of the key-opinion-leader API: the expert database (hospitals) and account
plans, invitation lists and the network (segmentation.kol). Run by tests/test_api_cases.py."""

import datetime

from crm import permissions as p
from crm.roles import Role
from crm.tenancy import tenant_context
from hospitals import services as hospital_services
from hospitals.models import AcademicLevelRule, ClinicalTitle, ExpertProfile, SpeakerQualification
from segmentation.kol import services
from tests.api_cases import APICase, api_case
from tests.hospitals.factories import DoctorFactory, ProductFactory

INVITATION_WRITERS = frozenset({Role.PRODUCT_MANAGER, Role.TENANT_ADMIN, Role.MEDICAL_AFFAIRS})
START = datetime.date(2026, 1, 1)


def _doctor(tenant):
    return DoctorFactory(hospital__tenant=tenant, clinical_title=ClinicalTitle.CHIEF)


@api_case("expert-profile")
def expert_profile(tenant, make_user):
    with tenant_context(tenant):
        doctor = _doctor(tenant)
        hospital_services.academic_levels_refresh(tenant=tenant, doctor_ids=[doctor.pk])
        obj = ExpertProfile.objects.get(doctor=doctor)
    return APICase(
        obj=obj,
        update={"publications_count": 42},
        readers=p.EXPERT_ROLES,
        visible_to=p.HEAD_OFFICE_ROLES,  # the field sees only the doctors of its territories
        writers=p.EXPERT_PROFILE_EDITORS,
    )


@api_case("academic-level-change")
def academic_level_change(tenant, make_user):
    with tenant_context(tenant):
        doctor = _doctor(tenant)
        hospital_services.academic_level_override(
            tenant=tenant, by=None, doctor=doctor, level="national", reason="指南牵头人"
        )
        from hospitals.models import AcademicLevelChange

        obj = AcademicLevelChange.objects.filter(doctor=doctor).first()
    return APICase(obj=obj, readers=p.ACADEMIC_HISTORY_READERS)


@api_case("academic-level-rule")
def academic_level_rule(tenant, make_user):
    with tenant_context(tenant):
        obj = AcademicLevelRule.objects.create(tenant=tenant, level="city", clinical_titles=["chief"])
    return APICase(
        obj=obj,
        create={"level": "provincial", "clinical_titles": ["chief"], "academic_titles": ["professor"]},
        update={"note": "主任医师即市级"},
        delete=True,
        readers=p.HEAD_OFFICE_ROLES,
        writers=p.ACADEMIC_LEVEL_EDITORS,
    )


@api_case("speaker-qualification")
def speaker_qualification(tenant, make_user):
    with tenant_context(tenant):
        doctor = _doctor(tenant)
        product = ProductFactory(tenant=tenant)
        obj = SpeakerQualification.objects.create(
            tenant=tenant, doctor=doctor, product=product, topic="指南解读", approved_on=START
        )
    return APICase(
        obj=obj,
        create={"doctor": doctor.pk, "product": product.pk, "topic": "真实世界研究", "approved_on": "2026-02-01"},
        update={"topic": "围手术期管理"},
        delete=True,
        readers=p.EXPERT_ROLES,
        visible_to=p.HEAD_OFFICE_ROLES,
        writers=p.SPEAKER_APPROVERS,
    )


def _plan(tenant, make_user):
    with tenant_context(tenant):
        doctor = _doctor(tenant)
        product = ProductFactory(tenant=tenant)
        owner = make_user(tenant, "product_manager")
        plan = services.account_plan_create(
            tenant=tenant, by=owner, doctor=doctor, product=product, title="一年计划", target_stage="loyal",
            start=START, end=START + datetime.timedelta(days=365),
        )  # fmt: skip
    return plan


@api_case("account-plan")
def account_plan(tenant, make_user):
    plan = _plan(tenant, make_user)
    return APICase(
        obj=plan,
        create={
            "doctor": plan.doctor_id,
            "product": plan.product_id,
            "title": "第二个计划",
            "target_stage": "advocate",
            "start": "2026-03-01",
            "end": "2027-03-01",
        },  # fmt: skip
        update={"objectives": "成为大师班主席"},
        readers=p.PLAN_ROLES,
        visible_to=p.PLAN_ALL_READERS,  # others: the plans they own or are on (none here)
        writers=p.PLAN_ALL_READERS,
    )


@api_case("account-plan-member")
def account_plan_member(tenant, make_user):
    plan = _plan(tenant, make_user)
    with tenant_context(tenant):
        member = services.account_plan_member_add(tenant=tenant, by=None, plan=plan, user=make_user(tenant, "rep"))
    return APICase(
        obj=member,
        create={"plan": plan.pk, "user": make_user(tenant, "medical_affairs").pk, "role": "medical"},
        update={"role": "kam"},
        delete=True,
        readers=p.PLAN_ROLES,
        visible_to=p.PLAN_ALL_READERS,
        writers=p.PLAN_ALL_READERS,
    )


@api_case("account-plan-action")
def account_plan_action(tenant, make_user):
    plan = _plan(tenant, make_user)
    with tenant_context(tenant):
        obj = services.plan_action_create(tenant=tenant, by=None, plan=plan, kind="visit", title="拜访李主任")
    return APICase(
        obj=obj,
        create={"plan": plan.pk, "kind": "chairing", "title": "邀请担任大师班主席"},
        update={"status": "done"},
        delete=True,
        readers=p.PLAN_ROLES,
        visible_to=p.PLAN_ALL_READERS,
        writers=p.PLAN_ALL_READERS,
    )


@api_case("account-plan-milestone")
def account_plan_milestone(tenant, make_user):
    plan = _plan(tenant, make_user)
    with tenant_context(tenant):
        obj = services.plan_milestone_create(tenant=tenant, by=None, plan=plan, title="成为常规用户",
                                             due=START + datetime.timedelta(days=180), stage="regular")  # fmt: skip
    return APICase(
        obj=obj,
        create={"plan": plan.pk, "title": "忠实用户", "due": "2026-12-01", "stage": "loyal"},
        update={"title": "成为忠实用户"},
        delete=True,
        readers=p.PLAN_ROLES,
        visible_to=p.PLAN_ALL_READERS,
        writers=p.PLAN_ALL_READERS,
    )


@api_case("account-plan-review")
def account_plan_review(tenant, make_user):
    plan = _plan(tenant, make_user)
    with tenant_context(tenant):
        obj = services.plan_review_create(tenant=tenant, by=None, plan=plan, rating="on_track", notes="顺利")
    return APICase(
        obj=obj,
        create={"plan": plan.pk, "rating": "at_risk", "notes": "竞品活动多"},
        readers=p.PLAN_ROLES,
        visible_to=p.PLAN_ALL_READERS,
        writers=p.PLAN_ALL_READERS,
    )


@api_case("invitation-list")
def invitation_list(tenant, make_user):
    from hospitals.models import DoctorRelation

    with tenant_context(tenant):
        center, peer = _doctor(tenant), DoctorFactory(hospital__tenant=tenant)
        DoctorRelation.objects.create(tenant=tenant, from_doctor=min(center, peer, key=lambda d: d.pk),
                                      to_doctor=max(center, peer, key=lambda d: d.pk), kind="classmate")  # fmt: skip
        obj = services.invitation_list_create(tenant=tenant, by=None, center=center, name="大师班", hops=1)
    return APICase(
        obj=obj,
        create={"center": center.pk, "name": "科室培训", "hops": 1},
        update={"purpose": "masterclass"},
        readers=INVITATION_WRITERS | {Role.MANAGER},
        visible_to=INVITATION_WRITERS,
        writers=INVITATION_WRITERS,
    )


@api_case("kol-doctor")
def kol_doctor(tenant, make_user):
    with tenant_context(tenant):
        doctor = _doctor(tenant)
    return APICase(obj=doctor, readers=p.NETWORK_ROLES, visible_to=p.HEAD_OFFICE_ROLES)
