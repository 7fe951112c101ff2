"""Isolation cases of the key-opinion-leader API and pages (run by tests/test_isolation.py)."""

import datetime

from django.urls import reverse

from crm.tenancy import tenant_context
from hospitals import services as hospital_services
from hospitals.models import (
    AcademicLevelChange,
    AcademicLevelRule,
    ClinicalTitle,
    DoctorRelation,
    ExpertProfile,
    SpeakerQualification,
)
from segmentation.kol import services
from tests.hospitals.factories import DoctorFactory, ProductFactory
from tests.isolation import IsolationCase, isolation_case

START = datetime.date(2026, 1, 1)


def _world(tenant, name):
    """A target with a classmate, an override of its level, a rule line, a speaker qualification."""
    with tenant_context(tenant):
        target = DoctorFactory(hospital__tenant=tenant, clinical_title=ClinicalTitle.CHIEF, name=name)
        peer = DoctorFactory(hospital__tenant=target.hospital.tenant, hospital=target.hospital)
        a, b = sorted([target, peer], key=lambda d: d.pk)
        DoctorRelation.objects.create(tenant=tenant, from_doctor=a, to_doctor=b, kind="classmate", strength=5)
        product = ProductFactory(tenant=tenant, name=f"{name}之药")
        hospital_services.academic_level_override(tenant=tenant, by=None, doctor=target, level="national",
                                                  reason="isolation")  # fmt: skip
        rule = AcademicLevelRule.objects.create(tenant=tenant, level="city", clinical_titles=["chief"], note=name)
        qualification = SpeakerQualification.objects.create(tenant=tenant, doctor=target, product=product,
                                                             topic=f"{name}讲题", approved_on=START)  # fmt: skip
    return {"target": target, "peer": peer, "product": product, "rule": rule, "qualification": qualification}


def _plan(tenant, make_user, name):
    with tenant_context(tenant):
        w = _world(tenant, name)
        owner = make_user(tenant, "product_manager")
        plan = services.account_plan_create(
            tenant=tenant, by=owner, doctor=w["target"], product=w["product"], title=f"{name}的计划",
            target_stage="loyal", start=START, end=START + datetime.timedelta(days=365),
        )  # fmt: skip
        w["plan"] = plan
        w["member"] = services.account_plan_member_add(
            tenant=tenant, by=owner, plan=plan, user=make_user(tenant, "rep")
        )
        w["action"] = services.plan_action_create(tenant=tenant, by=owner, plan=plan, kind="visit", title=f"{name}拜访")
        w["milestone"] = services.plan_milestone_create(tenant=tenant, by=owner, plan=plan, title=f"{name}里程碑",
                                                        due=START + datetime.timedelta(days=90))  # fmt: skip
        w["review"] = services.plan_review_create(tenant=tenant, by=owner, plan=plan, rating="on_track")
        w["invitation"] = services.invitation_list_create(
            tenant=tenant, by=owner, center=w["target"], name=f"{name}大师班", hops=1, product=w["product"]
        )
        w["profile"] = ExpertProfile.objects.get(doctor=w["target"])
        w["change"] = AcademicLevelChange.objects.filter(doctor=w["target"]).first()
    return w


def _pair(tenant, other_tenant, make_user):
    return _plan(tenant, make_user, "李主任"), _plan(other_tenant, make_user, "王主任")


def _api(name, key, role, payload=None, writable=True):
    @isolation_case(name)
    def case(tenant, other_tenant, make_user):
        own, foreign = _pair(tenant, other_tenant, make_user)
        return IsolationCase(
            user=make_user(tenant, role),
            own=[own[key]],
            foreign=[foreign[key]],
            list_url=reverse(f"{name}-list"),
            detail_url=lambda o: reverse(f"{name}-detail", args=[o.pk]),
            update_payload=payload,
            writable=writable,
        )

    return case


_api("expert-profile", "profile", "medical_affairs", {"publications_count": 99})
_api("academic-level-change", "change", "compliance", writable=False)
_api("academic-level-rule", "rule", "compliance", {"note": "被篡改"})
_api("speaker-qualification", "qualification", "medical_affairs", {"topic": "被篡改"})
_api("account-plan", "plan", "product_manager", {"title": "被篡改"})
_api("account-plan-member", "member", "product_manager", {"role": "kam"})
_api("account-plan-action", "action", "product_manager", {"title": "被篡改"})
_api("account-plan-milestone", "milestone", "product_manager", {"title": "被篡改"})
_api("account-plan-review", "review", "product_manager", writable=False)
_api("invitation-list", "invitation", "product_manager", {"name": "被篡改"})
_api("kol-doctor", "target", "product_manager", writable=False)


def _page(url_name, key, role, text=str, extra=()):
    @isolation_case(f"page:{url_name}")
    def case(tenant, other_tenant, make_user):
        own, foreign = _pair(tenant, other_tenant, make_user)
        return IsolationCase(
            user=make_user(tenant, role),
            own=[own[key]],
            foreign=[foreign[key]],
            detail_url=lambda o: reverse(url_name, args=[o.pk, *extra]),
            kind="page",
            text=text,
        )

    return case


_page("academic_level_edit", "target", "compliance")
_page("expert_profile_edit", "target", "medical_affairs")
_page("speaker_qualification_new", "target", "medical_affairs")
_page("plan_new", "target", "product_manager")
_page("plan_detail", "plan", "product_manager")
_page("intro_paths", "target", "product_manager")
_page("network_json", "target", "product_manager")
_page("invitation_new", "target", "product_manager")
_page("invitation_detail", "invitation", "product_manager")
_page("invitation_export", "invitation", "product_manager", extra=("csv",))


@isolation_case("page:plan_list")
def plan_list_page(tenant, other_tenant, make_user):
    own, foreign = _pair(tenant, other_tenant, make_user)
    return IsolationCase(
        user=make_user(tenant, "product_manager"), own=[own["plan"]], foreign=[foreign["plan"]],
        list_url=reverse("plan_list"), detail_url=lambda o: reverse("plan_detail", args=[o.pk]), kind="page",
        text=lambda o: o.title,
    )  # fmt: skip


@isolation_case("page:expert_list")
def expert_list_page(tenant, other_tenant, make_user):
    own, foreign = _pair(tenant, other_tenant, make_user)
    return IsolationCase(
        user=make_user(tenant, "product_manager"), own=[own["target"]], foreign=[foreign["target"]],
        list_url=reverse("expert_list"), detail_url=lambda o: reverse("doctor_detail", args=[o.pk]), kind="page",
        text=lambda o: o.name,
    )  # fmt: skip
_page("event_invite_network", "invitation", "product_manager")
