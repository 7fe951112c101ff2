"""Demo events for one tenant (``manage.py seed_demo``): settings, the product managers of the
products, a program ("甲状腺外科大师班"-style masterclass series) and about 40 events over the
last six months and the next weeks, in every state — drafts, submitted, approved, held, closed,
one cancelled, one rejected, and the masterclass of the KOL story (events.demo.kol) — with
agenda, budget and expenses, attendees signed in by the rep
or by the QR page (one walk-in waiting for review), questions, follow-ups in all states (some
done late, some overdue), recall and trial answers, and insights answered and open.

Made through the app's services (so the audit trail, outbox and follow-ups are the real ones),
then dated back: an event held five months ago has its transitions, follow-ups and answers at
that time. Deterministic (``random`` seeded from the tenant code) and idempotent: a tenant that
has events is left alone.
"""

from __future__ import annotations

import datetime
import random
import zlib

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import Role, User
from events import services
from events.models import (
    Attendee,
    Event,
    EventFollowUp,
    EventSettings,
    EventTransition,
    Insight,
    ProductManagerAssignment,
)
from hospitals.models import Doctor, KeyMessage, Product
from visits.selectors import rep_doctors

TOPICS = ["{p} 最新循证医学证据", "{p} 真实世界研究解读", "指南更新与临床路径", "典型病例讨论", "{p} 安全性数据回顾"]
QUESTIONS = [
    "肾功能不全患者是否需要调整剂量？",
    "与华法林联用有无相互作用？",
    "老年患者的起始剂量？",
    "妊娠期用药安全性数据？",
    "与竞品相比肝毒性如何？",
]
TYPES = ["department_meeting"] * 6 + ["city_meeting", "masterclass", "webinar", "free_clinic"]


def _signin_sheet(rng) -> bytes:
    """A small PNG of its own per event: the fees audit flags a sign-in sheet seen at two events
    (by file hash and by perceptual hash), so demo events must not share one picture."""
    import io

    from PIL import Image

    image = Image.new("L", (64, 64))
    image.putdata([rng.randrange(256) for _ in range(64 * 64)])
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _say(stdout, text):
    if stdout is not None:
        stdout.write(text)


def seed(*, tenant, stdout=None) -> None:
    """Create the demo events of ``tenant`` (inside its tenant context) unless it has some."""
    if Event.objects.for_tenant(tenant).exists():
        _say(stdout, f"tenant {tenant.code}: events already seeded")
        return
    rng = random.Random(zlib.crc32(f"events-{tenant.code}".encode()))
    users = {u.role: u for u in User.objects.in_tenant(tenant).filter(is_active=True).order_by("-pk")}
    reps = list(User.objects.in_tenant(tenant).filter(is_active=True, role=Role.REP).order_by("username"))
    pm, manager, drep = users.get(Role.PRODUCT_MANAGER), users.get(Role.MANAGER), users.get(Role.DISTRIBUTOR_REP)
    products = list(Product.objects.for_tenant(tenant).filter(is_own=True).order_by("pk")[:3])
    if not (pm and reps and products):
        _say(stdout, f"tenant {tenant.code}: no events (needs a PM, reps and products)")
        return
    EventSettings.objects.for_tenant(tenant).get_or_create(
        tenant=tenant, defaults={"flagged_venue_kinds": ["resort", "scenic_area"]}
    )
    for p in products:
        ProductManagerAssignment.objects.for_tenant(tenant).get_or_create(tenant=tenant, product=p, user=pm)
    today = timezone.localdate()
    product = products[0]
    kms = list(
        KeyMessage.objects.for_tenant(tenant).filter(product=product, is_active=True).order_by("order", "pk")[:3]
    )
    program = services.program_create(
        tenant=tenant,
        by=pm,
        name=f"{product.name} 专家大师班 {today.year}",
        objective="把核心专家从偶尔使用变为忠实用户",
        starts_on=today - datetime.timedelta(days=200),
        ends_on=today + datetime.timedelta(days=165),
        budget=600000,
        products=[product],
        target_tiers=["A", "B"],
        target_doctors=list(Doctor.objects.for_tenant(tenant).order_by("pk").values_list("pk", flat=True)[:5]),
    )
    n = 0
    for i in range(40):
        rep = reps[i % len(reps)]
        doctors = list(rep_doctors(tenant=tenant, rep=rep).order_by("pk")[:400])
        if len(doctors) < 6:
            continue
        days_ago = 180 - i * 4.6  # 40 events over six months, the last ones still to come
        start = timezone.make_aware(
            datetime.datetime.combine(today - datetime.timedelta(days=int(days_ago)), datetime.time(12 + i % 6, 30))
        )
        p = products[i % len(products)]
        event = services.event_create(
            tenant=tenant,
            by=rep,
            title=f"{rep.name or rep.username} · {p.name} 科室会 #{i + 1}",
            type=TYPES[i % len(TYPES)],
            host_hospital=doctors[0].hospital,
            program=program if i % 3 == 0 else None,
            venue_kind="hospital",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=1, minutes=30),
            expected_attendees=12,
            products=[p],
            key_messages=kms if p == product else [],
        )
        for k, topic in enumerate(rng.sample(TOPICS, 2)):
            services.agenda_item_create(
                tenant=tenant, by=rep, event=event, topic=topic.format(p=p.name), minutes=30 + k * 15
            )
        services.budget_line_set(
            tenant=tenant, by=rep, event=event, category="catering", amount=rng.choice([800, 1200, 1500])
        )
        services.budget_line_set(tenant=tenant, by=rep, event=event, category="materials", amount=300)
        chosen = rng.sample(doctors, min(len(doctors), rng.randint(6, 12)))
        services.attendees_invite(tenant=tenant, by=rep, event=event, doctors=chosen)
        n += 1
        if i == 38:
            continue  # a draft
        services.event_submit(tenant=tenant, by=rep, event=event)
        if i == 37:
            continue  # waiting for approval
        if i in (35, 36):
            try:  # one rejected by the manager, one cancelled by the rep
                if i == 36 and manager:
                    services.event_reject(tenant=tenant, by=manager, event=event, reason="预算说明不足")
                else:
                    services.event_cancel(tenant=tenant, by=rep, event=event, reason="科室主任临时出差")
            except ValidationError:
                services.event_cancel(tenant=tenant, by=rep, event=event, reason="科室主任临时出差")
            continue
        event.refresh_from_db()
        if event.status == "submitted" and manager:
            services.event_approve(tenant=tenant, by=manager, event=event)
        event.refresh_from_db()
        if event.status != "approved" or start > timezone.now():
            continue  # upcoming: approved
        _hold(tenant, rep, event, chosen, rng, i, product, kms, pm)
    from events.demo.kol import seed_masterclass

    seed_masterclass(tenant=tenant, pm=pm, product=product, program=program, stdout=stdout)
    if drep:
        _say(stdout, f"tenant {tenant.code}: distributor rep {drep.username} follows up agency hospitals' attendees")
    _say(stdout, f"tenant {tenant.code}: a program and {n} events with attendees, follow-ups and insights")


def _hold(tenant, rep, event, chosen, rng, i, product, kms, pm):
    """Sign in, questions, expenses, held and its follow-ups — then dated back to the event."""
    attendees = list(Attendee.objects.for_tenant(tenant).filter(event=event).select_related("doctor"))
    for a in attendees[: max(3, int(len(attendees) * 0.8))]:
        services.attendee_sign_in(tenant=tenant, by=rep, attendee=a)
    if i % 7 == 0:  # a doctor signs in on the QR page, another's typing needs review
        last = attendees[-1]
        services.self_sign_in(
            tenant=tenant,
            event=event,
            name=last.doctor.name,
            hospital_text=last.doctor.hospital.name,
            phone_last4=(last.doctor.phone or "0000")[-4:],
            now=event.starts_at,
        )
        services.self_sign_in(
            tenant=tenant,
            event=event,
            name="张医生",
            hospital_text="区中心医院",
            phone_last4="5521",
            now=event.starts_at,
        )
    signed = list(Attendee.objects.for_tenant(tenant).filter(event=event, signed_in_at__isnull=False))
    for a in rng.sample(signed, min(2, len(signed))):
        answered = rng.random() < 0.4
        services.question_record(
            tenant=tenant,
            by=rep,
            event=event,
            attendee=a,
            text=rng.choice(QUESTIONS),
            answered_on_spot=answered,
            answer="现场已解答" if answered else "",
        )
    services.expense_add(
        tenant=tenant,
        by=rep,
        event=event,
        category="catering",
        amount=rng.choice([700, 1100, 1600]),
        spent_on=timezone.localdate(event.starts_at),
        receipt=ContentFile(b"%PDF-1.4 demo receipt", name="receipt.pdf"),
    )
    services.photo_add(
        tenant=tenant, by=rep, event=event, file=ContentFile(_signin_sheet(rng), name="signin.png"), kind="signin_sheet"
    )
    services.event_mark_held(tenant=tenant, by=rep, event=event)
    services.event_followups_create(tenant=tenant, event_id=event.pk)
    if i % 2 == 0:
        services.event_close(tenant=tenant, by=rep, event=event)
    if i == 3:
        services.event_correct(
            tenant=tenant, by=rep, event=event, reason="会议名称笔误", title=event.title + "（更正）"
        )
    # Back to the event's own time: held at its end, follow-ups due three days later.
    held = event.ends_at
    Event.objects.for_tenant(tenant).filter(pk=event.pk).update(
        held_at=held, closed_at=held + datetime.timedelta(days=5) if i % 2 == 0 else None
    )
    EventTransition.objects.for_tenant(tenant).filter(event=event).update(at=held)
    Attendee.objects.for_tenant(tenant).filter(event=event, signed_in_at__isnull=False).update(
        signed_in_at=event.starts_at
    )
    due = timezone.localdate(held) + datetime.timedelta(days=3)
    followups = EventFollowUp.objects.for_tenant(tenant).filter(event=event)
    followups.update(due_date=due, created_at=held)
    recent = held > timezone.now() - datetime.timedelta(days=6)
    for f in followups:
        if recent and rng.random() < 0.6:
            continue  # still open (some overdue)
        if not recent and rng.random() < 0.1:
            continue  # overdue and never done
        f.refresh_from_db()
        services.followup_complete(
            tenant=tenant,
            by=f.assignee,
            followup=f,
            trial=rng.choice(["none", "none", "started", "good"]),
            recalls=[
                {
                    "key_message": k.pk,
                    "recall": rng.choice(["remembered", "partly", "not"]),
                    "reaction": rng.choice(["accepted", "neutral", "doubt"]),
                }
                for k in kms
            ]
            if f.event.key_messages.exists()
            else [],
        )
        late = rng.random() < 0.2
        done_at = held + datetime.timedelta(days=rng.choice([5, 7]) if late else rng.uniform(0.5, 2.8))
        EventFollowUp.objects.for_tenant(tenant).filter(pk=f.pk).update(done_at=min(done_at, timezone.now()))
    for insight in Insight.objects.for_tenant(tenant).filter(event=event):
        Insight.objects.for_tenant(tenant).filter(pk=insight.pk).update(created_at=held)
        if not recent and rng.random() < 0.7:
            services.insight_answer(
                tenant=tenant, by=pm, insight=insight, answer="请参考说明书及最新指南相应章节，已附文献"
            )
            Insight.objects.for_tenant(tenant).filter(pk=insight.pk).update(
                answered_at=held + datetime.timedelta(hours=rng.randint(6, 96))
            )
