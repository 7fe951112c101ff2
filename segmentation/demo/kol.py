"""The key-opinion-leader demo story of a tenant (called by segmentation.demo.seed): 李振华, chief
of cardiology at a grade-3A hospital of the demo rep's territory, vice chair of a national
society, an occasional user (trial) of the tenant's first product. Two classmates already trust
the product: one directly (an advocate), one through a classmate in between (loyal). The
product manager's plan: loyal in 12 months, started three months ago, with a team, actions, a
milestone and a review; his usage share rises month by month; an invitation list of his
classmates for a masterclass he would chair. Idempotent: nothing is added once the plan exists.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from accounts.models import Role, User
from hospitals import services as hospital_services
from hospitals.demo.data import PRODUCTS
from hospitals.models import (
    AcademicTitle,
    AdminPost,
    ClinicalTitle,
    Doctor,
    DoctorRelation,
    HospitalGrade,
    Product,
    SocietyLevel,
    SocietyPosition,
    SocietyRole,
    SpeakerQualification,
    TeachingPost,
    UsageShare,
)
from hospitals.selectors import visible_doctors
from segmentation import services as segmentation_services
from segmentation.kol import services
from segmentation.models import AccountPlan

TARGET_NAME = "李振华"
PLAN_TITLE = "李振华主任：12个月成为忠实用户"


def _month(day, delta):
    index = day.year * 12 + day.month - 1 + delta
    return datetime.date(index // 12, index % 12 + 1, 1)


def seed_kol(*, tenant, stdout=None) -> None:
    """Write the story (see the module docstring) unless its plan exists."""
    if AccountPlan.objects.for_tenant(tenant).filter(title=PLAN_TITLE).exists():
        return
    spec = PRODUCTS.get(tenant.code, PRODUCTS["huakang"])[0]
    product = Product.objects.for_tenant(tenant).filter(name=spec[0]).first()
    users = User.objects.in_tenant(tenant)
    pm = users.with_role(Role.PRODUCT_MANAGER).order_by("pk").first()
    rep = users.with_role(Role.REP).order_by("pk").first()
    medical = users.with_role(Role.MEDICAL_AFFAIRS).order_by("pk").first()
    admin = users.with_role(Role.TENANT_ADMIN).order_by("pk").first()
    if product is None or pm is None or rep is None:
        return
    book = (
        visible_doctors(tenant=tenant, user=rep)
        .filter(is_active=True, department__standard_code__in=spec[4], hospital__grade=HospitalGrade.G3A)
        .exclude(clinical_title=ClinicalTitle.RESIDENT)
        .order_by("pk")
    )
    pool = list(book[:40])
    if len(pool) < 4:
        pool = list(Doctor.objects.for_tenant(tenant).filter(is_active=True).order_by("pk")[:40])
    target = next((d for d in pool if d.clinical_title == ClinicalTitle.CHIEF), pool[0])
    others = [d for d in pool if d.pk != target.pk]
    loyal, between, advocate = others[0], others[1], others[2]
    today = timezone.localdate()

    # 1. the target: titles, a national post (the academic level follows), his expert profile
    # (saved directly: demo phone numbers from Faker are not all valid Chinese mobiles)
    target.name, target.clinical_title = TARGET_NAME, ClinicalTitle.CHIEF
    target.academic_title, target.admin_post = AcademicTitle.PROFESSOR, AdminPost.DIRECTOR
    target.interests = "带教青年医生、马拉松"
    target.pain_points = "门诊量大，复杂病例多；关注真实世界证据和长期安全性"
    target._history_user = admin
    target.save()
    society = "中华医学会心血管病学分会"
    if not SocietyPosition.objects.for_tenant(tenant).filter(doctor=target, society=society).exists():
        hospital_services.society_position_create(
            tenant=tenant, by=admin, doctor=target, society=society, level=SocietyLevel.NATIONAL,
            position=SocietyRole.VICE_CHAIR, since=2019,
        )  # fmt: skip
    profile = hospital_services.academic.profile_for(tenant=tenant, doctor=target)
    hospital_services.expert_profile_update(
        tenant=tenant, by=medical, profile=profile, publications_count=86, guideline_count=4,
        research_interests=["冠心病二级预防", "血脂管理", "真实世界研究"], therapeutic_areas=[spec[2]],
        teaching_posts=[TeachingPost.DOCTORAL_SUPERVISOR, TeachingPost.MASTER_SUPERVISOR], languages=["中文", "英语"],
        lectures_given=24, preferred_times="周二下午门诊后；微信约时间",
    )  # fmt: skip
    if not SpeakerQualification.objects.for_tenant(tenant).filter(doctor=target, product=product).exists():
        hospital_services.speaker_qualification_create(
            tenant=tenant, by=medical, doctor=target, product=product, topic="血脂管理指南解读",
            approved_on=today - datetime.timedelta(days=200),
        )  # fmt: skip

    # 2. the company's friends among his classmates, and the classmate in between
    for doctor, stage in ((loyal, "loyal"), (advocate, "advocate"), (between, "regular"), (target, "trial")):
        segmentation_services.adoption_set(tenant=tenant, by=pm, doctor=doctor, product=product, stage=stage,
                                           note="演示：KOL 故事")  # fmt: skip
    for a, b, strength in ((loyal, between, 5), (between, target, 5), (advocate, target, 4)):
        low, high = sorted((a, b), key=lambda d: d.pk)
        if not DoctorRelation.objects.for_tenant(tenant).filter(from_doctor=low, to_doctor=high,
                                                                kind="classmate").exists():  # fmt: skip
            hospital_services.doctor_relation_create(
                tenant=tenant, by=admin, from_doctor=low, to_doctor=high, kind="classmate", strength=strength,
                source="同届同学（校友录）",
            )  # fmt: skip

    # 3. his usage share of the product: an occasional user, rising since the plan started
    months = [_month(today, -i) for i in range(11, -1, -1)]
    UsageShare.objects.for_tenant(tenant).filter(doctor=target, product=product).delete()
    UsageShare.objects.bulk_create(
        [
            UsageShare(tenant=tenant, doctor=target, product=product, period=month,
                       share=Decimal(8 + (0 if i < 9 else (i - 8) * 5)), volume=Decimal(300 * (8 + i) // 100))
            for i, month in enumerate(months)
        ]
    )  # fmt: skip

    # 4. the plan, three months ago, with its team, actions, milestone and first review
    start = today - datetime.timedelta(days=91)
    plan = services.account_plan_create(
        tenant=tenant, by=pm, doctor=target, product=product, title=PLAN_TITLE, target_stage="loyal",
        target_share=Decimal(40), start=start, end=start + datetime.timedelta(days=365),
        objectives="从偶尔使用到忠实用户：每月固定处方；主持一次区域大师班；参与一项真实世界研究",
        needs="门诊量大、时间紧；希望有长期安全性和真实世界数据；希望带教团队有学术平台",
        career_direction="冲击学会主任委员；带领科室申报国家级临床重点专科",
        members=[(rep, "rep"), *([(medical, "medical")] if medical else [])],
    )  # fmt: skip
    plan.start_share = Decimal(8)
    plan.save(update_fields=["start_share"])
    for kind, title, objective, due, done in (
        ("introduction", "请同学王主任引荐", "由忠实用户的同学引荐产品经理", start + datetime.timedelta(days=10), True),
        ("visit", "拜访：长期安全性数据", "递送真实世界研究摘要，了解顾虑", start + datetime.timedelta(days=20), True),
        (
            "scientific_exchange",
            "医学部学术交流",
            "医学联络官讨论血脂管理新证据",
            start + datetime.timedelta(days=60),
            True,
        ),
        ("chairing", "邀请主持区域大师班", "李主任担任大师班主席", today + datetime.timedelta(days=30), False),
        ("event_invitation", "邀请其同学参加大师班", "用网络邀请名单", today + datetime.timedelta(days=30), False),
    ):
        action = services.plan_action_create(tenant=tenant, by=pm, plan=plan, kind=kind, title=title,
                                             objective=objective, due=due, assignee=rep)  # fmt: skip
        if done:
            services.plan_action_update(tenant=tenant, by=pm, action=action, status="done", done_on=due)
    services.plan_milestone_create(tenant=tenant, by=pm, plan=plan, title="常规用户", stage="regular",
                                   due=start + datetime.timedelta(days=180))  # fmt: skip
    services.plan_milestone_create(tenant=tenant, by=pm, plan=plan, title="忠实用户", stage="loyal",
                                   due=start + datetime.timedelta(days=365))  # fmt: skip
    # a quarter in: he moved up a step, and the team reviewed the plan
    segmentation_services.adoption_set(tenant=tenant, by=pm, doctor=target, product=product, stage="regular",
                                       note="每月固定处方")  # fmt: skip
    services.plan_review_create(tenant=tenant, by=pm, plan=plan, reviewed_on=today - datetime.timedelta(days=2),
                                rating="on_track", notes="已成为常规用户，份额从8%升至23%；下一步：大师班",
                                next_steps="确定大师班日期；邀请其同学")  # fmt: skip

    # 5. the masterclass invitation list: his classmates
    services.invitation_list_create(
        tenant=tenant, by=pm, center=target, name="区域大师班（李振华主任主持）", purpose="大师班", product=product,
        plan=plan, hops=1,
    )  # fmt: skip
    if stdout is not None:
        stdout.write(f"  segmentation: KOL story — {TARGET_NAME} (doctor {target.pk}), plan {plan.pk}")
