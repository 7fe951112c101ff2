"""Demo visits for one tenant (``manage.py seed_demo``): settings and follow-up rules, a content
library, cycle plans for the last six months and this one, about seven months of visit reports
of every field user (key messages with reactions, content used, signals, next steps; a few
late, a few drafts waiting), their follow-up tasks and medical inquiries (older ones worked
off), this week's visit plans and today's reminders.

Deterministic (``random`` seeded from the tenant code) and idempotent: a second run finds the
demo visits and only completes what is missing (rules, settings, content, plans). Bulk writes:
visits and their children with multi-row INSERTs (drafts first, then one UPDATE submits them,
which the lock trigger allows), history rows with simple-history's bulk helper.
"""

from __future__ import annotations

import datetime
import random
import zlib

from django.db import connection
from django.utils import timezone
from psycopg2.extras import Json

from accounts.models import Role, User
from accounts.selectors import team_members
from hospitals.models import KeyMessage, Product
from visits import selectors, services
from visits.models import (
    ContentItem,
    ContentKind,
    CyclePlan,
    CyclePlanLine,
    FollowUpTask,
    InquiryStatus,
    MedicalInquiry,
    PlanStatus,
    RepCapacity,
    RepLeave,
    Signal,
    Visit,
    VisitChannel,
    VisitContent,
    VisitKeyMessage,
    VisitProduct,
    VisitSettings,
)

MONTHS_BACK = 6
OBJECTIVES = {"A": "讨论临床研究数据", "B": "介绍新适应证", "C": "建立产品认知", "D": "线上保持联系"}
FEEDBACK = [
    "对降脂达标率数据认可，希望看到亚洲人群亚组分析",
    "关注医保报销范围和患者自付比例",
    "担心与他汀联用的肌肉不良反应",
    "科室正在更新诊疗路径，愿意参考最新指南",
    "目前主要使用竞品，对转换持观望态度",
    "对每日一次给药的依从性优势印象深刻",
    "希望安排科室会介绍真实世界研究结果",
    "门诊量大，时间有限，约下次详谈",
]
NEXT_STEPS = ["送最新指南解读", "约科室会时间", "带临床研究摘要再访", "跟进处方情况", "邀请参加学术沙龙"]
QUESTIONS = ["肾功能不全患者是否需要调整剂量？", "与华法林联用的相互作用？", "妊娠期用药安全性数据？"]
CONTENT = [
    (ContentKind.SLIDE_DECK, "{p} 产品介绍幻灯片", ["产品", "介绍"]),
    (ContentKind.CLINICAL_SUMMARY, "{p} III 期临床研究摘要", ["临床研究", "证据"]),
    (ContentKind.BROCHURE, "{p} 患者教育手册", ["患者教育"]),
    (ContentKind.GUIDELINE, "{p} 相关指南解读（2025 版）", ["指南"]),
    (ContentKind.COMPETITOR_ANALYSIS, "{p} 竞品对比分析", ["竞品"]),
    (ContentKind.CASE_VIDEO, "{p} 典型病例分享视频", ["病例", "视频"]),
]


def _say(stdout, text):
    if stdout is not None:
        stdout.write(text)


def seed(*, tenant, stdout=None) -> None:
    """Create the demo visits of ``tenant`` (inside its tenant context), or complete them."""
    rng = random.Random(zlib.crc32(f"visits-{tenant.code}".encode()))
    users = {u.role: u for u in User.objects.in_tenant(tenant).order_by("pk")}
    medical = users.get(Role.MEDICAL_AFFAIRS)
    VisitSettings.objects.for_tenant(tenant).get_or_create(
        tenant=tenant, defaults={"objective_templates": OBJECTIVES, "pv_assignee": medical}
    )
    services.followup_rules_ensure(tenant=tenant)
    content = _content(tenant, medical)
    reps = list(User.objects.in_tenant(tenant).filter(is_active=True, role=Role.REP).order_by("username"))
    today = timezone.localdate()
    this_month = today.replace(day=1)
    _capacity(tenant, reps, this_month)
    for rep in reps:
        for back in range(MONTHS_BACK, -1, -1):
            services.cycle_plan_generate(tenant=tenant, rep=rep, month=selectors.add_months(this_month, -back))
    if Visit.objects.for_tenant(tenant).exists():
        _say(stdout, f"tenant {tenant.code}: visits already seeded")
        return
    _review_plans(tenant, reps, this_month, rng)
    visit_ids = _visits(tenant, reps, content, rng)
    _followups(tenant, rng)
    for rep in reps:
        week_start = today - datetime.timedelta(days=today.weekday())
        chosen = [s.doctor.pk for s in selectors.suggested_week(tenant=tenant, rep=rep, week_start=week_start)[:8]]
        services.visit_plans_from_suggestions(tenant=tenant, by=rep, week_start=week_start, doctor_ids=chosen)
        _today_plans(tenant, rep, rng)
    services.reminders_send(tenant=tenant)
    _say(stdout, f"tenant {tenant.code}: {len(visit_ids)} visit reports, plans, tasks, inquiries, content")


def _content(tenant, medical) -> list[ContentItem]:
    now = timezone.now()
    items = []
    for product in Product.objects.for_tenant(tenant).filter(is_own=True).order_by("pk")[:4]:
        for i, (kind, title, tags) in enumerate(CONTENT):
            item, _ = ContentItem.objects.for_tenant(tenant).get_or_create(
                tenant=tenant,
                title=title.format(p=product.name),
                defaults={
                    "kind": kind,
                    "product": product,
                    "url": f"https://content.example.cn/{tenant.code}/{product.pk}/{i}",
                    "tags": tags,
                    "approved_by": medical if i != 5 else None,  # the video awaits approval
                    "approved_at": now if i != 5 else None,
                    "valid_from": timezone.localdate() - datetime.timedelta(days=240),
                    "valid_until": timezone.localdate() + datetime.timedelta(days=365),
                },
            )
            items.append(item)
    return [i for i in items if i.approved_at]


def _review_plans(tenant, reps, this_month, rng):
    """Past months approved by the manager, this month's plans submitted (one returned)."""
    manager = User.objects.in_tenant(tenant).filter(role=Role.MANAGER).order_by("pk").first()
    team = set(team_members(tenant=tenant, manager=manager).values_list("pk", flat=True)) if manager else set()
    now = timezone.now()
    for plan in CyclePlan.objects.for_tenant(tenant).filter(rep__in=reps):
        reviewer = manager if plan.rep_id in team else None
        if plan.month < this_month:
            status, note = PlanStatus.APPROVED, "同意"
        elif plan.rep_id in team and rng.random() < 0.5:
            status, note = PlanStatus.SUBMITTED, ""
            reviewer = None
        else:
            status, note = PlanStatus.DRAFT, ""
            reviewer = None
        CyclePlan.objects.for_tenant(tenant).filter(pk=plan.pk).update(
            status=status,
            submitted_at=now if status != PlanStatus.DRAFT else None,
            reviewed_by=reviewer,
            reviewed_at=now if reviewer else None,
            review_note=note,
        )


def _visit_time(rng, day: datetime.date, now) -> datetime.datetime | None:
    if day.weekday() >= 5:
        day -= datetime.timedelta(days=day.weekday() - 4)
    at = timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(rng.randint(8, 17), rng.choice([0, 15, 30, 45])))
    )
    return at if at < now - datetime.timedelta(hours=1) else None


def _visits(tenant, reps, content, rng) -> list[int]:
    from hospitals.demo import _insert

    now = timezone.now()
    kms_by_product: dict[int, list[int]] = {}
    for km_id, product_id in (
        KeyMessage.objects.for_tenant(tenant)
        .filter(is_active=True, product__is_own=True)
        .values_list("pk", "product_id")
    ):
        kms_by_product.setdefault(product_id, []).append(km_id)
    products = sorted(kms_by_product)
    content_by_product: dict[int, list[int]] = {}
    for item in content:
        content_by_product.setdefault(item.product_id, []).append(item.pk)
    if not products:
        return []
    visits, children = [], []  # children: (index, products, [(km, reaction, note)], [content])
    for rep in reps:
        for plan in CyclePlan.objects.for_tenant(tenant).filter(rep=rep).order_by("month"):
            lines = list(
                CyclePlanLine.objects.for_tenant(tenant).filter(plan=plan).values_list("doctor_id", "tier", "target")
            )
            rng.shuffle(lines)
            budget = 180  # a rep's visits in a month, at most
            month_days = (selectors.add_months(plan.month, 1) - plan.month).days
            for doctor_id, tier, target in lines:
                if budget <= 0:
                    break
                if tier == "A":
                    n = rng.randint(min(2, target), target)
                elif tier == "B":
                    n = rng.randint(1, max(target, 1))
                else:
                    n = 1 if rng.random() < (0.35 if target else 0.03) else 0
                for _ in range(n):
                    at = _visit_time(rng, plan.month + datetime.timedelta(days=rng.randrange(month_days)), now)
                    if at is None:
                        continue
                    budget -= 1
                    channel = (
                        rng.choice([VisitChannel.IN_PERSON] * 5 + [VisitChannel.DEPARTMENT_MEETING])
                        if tier in ("A", "B")
                        else rng.choice(
                            [VisitChannel.WECHAT, VisitChannel.PHONE, VisitChannel.IN_PERSON, VisitChannel.VIDEO]
                        )
                    )
                    signals = [s for s, p in _SIGNAL_ODDS if rng.random() < p]
                    notes = {}
                    if Signal.MEDICAL_QUESTION in signals:
                        notes[Signal.MEDICAL_QUESTION] = rng.choice(QUESTIONS)
                    if Signal.ADVERSE_EVENT in signals:
                        notes[Signal.ADVERSE_EVENT] = "患者服药两周后诉轻度肌痛，已停药观察"
                    next_step = rng.choice(NEXT_STEPS) if rng.random() < 0.3 else ""
                    late = rng.random() < 0.08
                    recent = now - at < datetime.timedelta(hours=30)
                    draft = recent and rng.random() < 0.3
                    visits.append(
                        Visit(
                            tenant=tenant,
                            rep=rep,
                            doctor_id=doctor_id,
                            channel=channel,
                            visited_at=at,
                            duration_minutes=rng.choice([5, 10, 15, 20, 30, 45]),
                            objective=OBJECTIVES.get(tier, OBJECTIVES["C"]),
                            objective_achieved=rng.choices(["yes", "partly", "no"], [5, 3, 1])[0],
                            feedback=rng.choice(FEEDBACK),
                            questions_raised=notes.get(Signal.MEDICAL_QUESTION, ""),
                            signals=signals,
                            signal_notes=Json(notes),  # the raw multi-row INSERT adapts it
                            next_step=next_step,
                            next_step_due=(at + datetime.timedelta(days=7)).date() if next_step else None,
                            status="draft",
                            submitted_at=None if draft else min(at + datetime.timedelta(hours=30 if late else 3), now),
                            is_late=late and not draft,
                            created_at=at,
                            updated_at=at,
                        )
                    )
                    product = rng.choice(products)
                    kms = rng.sample(kms_by_product[product], min(len(kms_by_product[product]), rng.randint(1, 2)))
                    reactions = []
                    for km in kms:
                        r = rng.choices(["accepted", "neutral", "objection"], [5, 3, 1])[0]
                        reactions.append((km, r, "价格和医保顾虑" if r == "objection" else ""))
                    used = content_by_product.get(product, [])
                    used = rng.sample(used, 1) if used and rng.random() < 0.4 else []
                    children.append((product, reactions, used))
    _insert(Visit, visits, returning=True)
    rows_p, rows_k, rows_c = [], [], []
    for visit, (product, reactions, used) in zip(visits, children, strict=True):
        rows_p.append(VisitProduct(tenant=tenant, visit=visit, product_id=product))
        rows_k.extend(
            VisitKeyMessage(tenant=tenant, visit=visit, key_message_id=k, reaction=r, note=n) for k, r, n in reactions
        )
        rows_c.extend(VisitContent(tenant=tenant, visit=visit, content_item_id=c) for c in used)
    _insert(VisitProduct, rows_p)
    _insert(VisitKeyMessage, rows_k)
    _insert(VisitContent, rows_c)
    with connection.cursor() as cur:  # submit (draft → submitted: allowed by the lock trigger)
        cur.execute(
            "UPDATE visits_visit SET status = 'submitted' WHERE tenant_id = %s AND submitted_at IS NOT NULL",
            [tenant.pk],
        )
    # One history row per report (its submitted state), as a submit through the app writes.
    Historical = Visit.history.model
    fields = [f.attname for f in Visit._meta.concrete_fields if f.attname != "updated_at"]
    history = []
    for row in Visit.objects.for_tenant(tenant).values(*fields):
        history.append(
            Historical(
                **row,
                history_date=row["submitted_at"] or row["created_at"],
                history_type="+",
                history_user_id=row["rep_id"],
            )
        )
    Historical.objects.bulk_create(history, batch_size=2000)
    return [v.pk for v in visits]


_SIGNAL_ODDS = [
    (Signal.LITERATURE_REQUEST, 0.06),
    (Signal.MEDICAL_QUESTION, 0.03),
    (Signal.COMPLIANCE_QUESTION, 0.01),
    (Signal.ADVERSE_EVENT, 0.005),
    (Signal.EVENT_INVITATION, 0.04),
    (Signal.SAMPLE_REQUEST, 0.03),
]


def _capacity(tenant, reps, this_month):
    """Capacity (issue 15): the newest rep ramps up at 6 visits a day; the first rep takes three
    days of leave next month (the tenant default is 9 a day)."""
    if len(reps) >= 3:
        RepCapacity.objects.for_tenant(tenant).get_or_create(
            tenant=tenant, rep=reps[-1], defaults={"visits_per_day": 6, "note": "新入职，爬坡期"}
        )
    if reps:
        start = selectors.add_months(this_month, 1) + datetime.timedelta(days=9)
        RepLeave.objects.for_tenant(tenant).get_or_create(
            tenant=tenant,
            rep=reps[0],
            start=start,
            defaults={"end": start + datetime.timedelta(days=2), "note": "年假"},
        )


def _followups(tenant, rng):
    """Follow-up tasks of the last three weeks' reports (the job's own service); older work done."""
    since = timezone.now() - datetime.timedelta(days=21)
    for visit_id in (
        Visit.objects.for_tenant(tenant)
        .submitted()
        .filter(visited_at__gte=since)
        .exclude(signals=[], next_step="")
        .values_list("pk", flat=True)
    ):
        services.visit_followups_create(tenant=tenant, visit_id=visit_id)
    now = timezone.now()
    medical = User.objects.in_tenant(tenant).filter(role=Role.MEDICAL_AFFAIRS).order_by("pk").first()
    for inquiry in MedicalInquiry.objects.for_tenant(tenant).filter(received_at__lt=now - datetime.timedelta(days=7)):
        if medical and rng.random() < 0.7:
            services.medical_inquiry_answer(
                tenant=tenant, by=medical, inquiry=inquiry, answer="根据说明书及最新研究数据，建议……（详见附件）"
            )
            if rng.random() < 0.8:
                MedicalInquiry.objects.for_tenant(tenant).filter(pk=inquiry.pk).update(
                    status=InquiryStatus.SENT, sent_back_channel="rep", sent_back_at=now
                )
    # A task of a medical inquiry is done when the inquiry is answered (above), never on its own.
    old_tasks = (
        FollowUpTask.objects.for_tenant(tenant)
        .open()
        .filter(due_at__lt=now - datetime.timedelta(days=3), inquiry__isnull=True)
    )
    for task in old_tasks:
        if rng.random() < 0.85:
            FollowUpTask.objects.for_tenant(tenant).filter(pk=task.pk).update(
                status="done",
                done_by_id=task.assignee_id or (medical.pk if medical else None),
                done_at=task.due_at - datetime.timedelta(hours=rng.randint(1, 48)),
                answer="已完成",
            )


def _today_plans(tenant, rep, rng):
    """Two visits planned for later today, so "My day" has something to show."""
    doctors = list(selectors.rep_doctors(tenant=tenant, rep=rep).order_by("pk").values_list("pk", flat=True)[:40])
    if not doctors:
        return
    now = timezone.localtime()
    for i, doctor_id in enumerate(rng.sample(doctors, min(2, len(doctors)))):
        at = now.replace(minute=0, second=0, microsecond=0) + datetime.timedelta(hours=i + 1)
        product = Product.objects.for_tenant(tenant).filter(is_own=True).order_by("pk").first()
        services.visit_plan_create(tenant=tenant, by=rep, doctor=doctor_id, planned_at=at, product=product)
