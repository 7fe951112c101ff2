"""Demo fees for one tenant (``manage.py seed_demo``): a rate card, compliance settings, and
clean and flagged cases of every kind — a clean 科室会 with a paid lecture and meals per attendee,
a fee waiting for review, a doctor over the annual cap, a reused sign-in photo (re-saved copy), a
resort meeting with twenty minutes of content, an empty and an inflated meeting, a lecture without
hospital approval, a duplicate payment, a fee above the card. Events are written through the
models (fees depend only on the events models). Idempotent: a second run finds the demo
engagements and stops."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
import zlib
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.models import Role, User
from events.fees import flags, services
from events.fees.models import (
    AttendanceDenial,
    ComplianceSettings,
    Engagement,
    FeeFlag,
    FeeRecord,
    RateCard,
    RateCardLine,
    VenueCapacity,
)
from events.fees.vocabulary import ServiceType
from events.models import AgendaItem, Attendee, Event, EventPhoto, EventProduct, Expense
from hospitals.models import Doctor, Product
from hospitals.models.experts import AcademicLevel

RATES = {
    AcademicLevel.NATIONAL: (Decimal("3000"), Decimal("10000")),
    AcademicLevel.PROVINCIAL: (Decimal("2000"), Decimal("6000")),
    AcademicLevel.CITY: (Decimal("1500"), Decimal("4000")),
    AcademicLevel.LOCAL: (Decimal("1000"), Decimal("3000")),
}
SERVICE_FACTOR = {
    "lecture": 1,
    "chair": Decimal("0.8"),
    "panel": Decimal("0.6"),
    "consulting": Decimal("1.2"),
    "advisory": Decimal("1.2"),
    "training": 1,
    "review": Decimal("0.5"),
}
MARK = "【合规演示】"


def _say(stdout, text):
    if stdout is not None:
        stdout.write(text)


def _pdf(name):
    return ContentFile(b"%PDF-1.4 demo", name=name)


def _jpeg(seed, quality=90, resize=None):
    from PIL import Image, ImageDraw

    rnd = random.Random(seed)
    img = Image.new("RGB", (480, 360), (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)))
    draw = ImageDraw.Draw(img)
    for _ in range(16):
        x, y = rnd.randrange(480), rnd.randrange(360)
        draw.rectangle(
            [x, y, x + rnd.randrange(20, 200), y + rnd.randrange(20, 150)],
            fill=(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)),
        )
    if resize:
        img = img.resize((int(480 * resize), int(360 * resize)))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return out.getvalue()


def seed(*, tenant, stdout=None) -> None:
    """Create the demo fees of ``tenant`` (inside its tenant context), or find them there."""
    if not RateCard.objects.for_tenant(tenant).exists():
        card = RateCard.objects.create(tenant=tenant, name="2025 标准劳务费标准", valid_from=dt.date(2025, 1, 1))
        bulk_create_with_history(
            [
                RateCardLine(
                    tenant=tenant,
                    rate_card=card,
                    service_type=s,
                    academic_level=level,
                    hourly_rate=(rate * SERVICE_FACTOR[s]).quantize(Decimal("1")),
                    max_per_engagement=(cap * SERVICE_FACTOR[s]).quantize(Decimal("1")),
                )
                for s in ServiceType.values
                for level, (rate, cap) in RATES.items()
            ],
            RateCardLine,
        )
    ComplianceSettings.objects.for_tenant(tenant).get_or_create(
        tenant=tenant, defaults={"annual_cap": Decimal("12000"), "discloses_abroad": tenant.code == "huakang"}
    )
    if Engagement.objects.for_tenant(tenant).exists():
        _say(stdout, f"tenant {tenant.code}: fees already seeded")
        return
    users = User.objects.in_tenant(tenant).filter(is_active=True)
    rep = users.filter(role=Role.REP).order_by("username").first()
    compliance = users.filter(role=Role.COMPLIANCE).order_by("username").first()
    product = Product.objects.for_tenant(tenant).order_by("id").first()
    doctors = list(Doctor.objects.for_tenant(tenant).select_related("hospital").order_by("id")[:40])
    if not (rep and compliance and len(doctors) >= 30):
        _say(stdout, f"tenant {tenant.code}: fees skipped (no rep, compliance or doctors)")
        return
    rng = random.Random(zlib.crc32(f"fees-{tenant.code}".encode()))
    rng.shuffle(doctors)
    host = doctors[0].hospital
    today = timezone.localdate()
    ev = _EventMaker(tenant, rep, product, host)

    def paid_lecture(doctor, event, days_ago, hours="2"):
        service_day = today - dt.timedelta(days=days_ago)
        e = services.engagement_request(
            tenant=tenant,
            by=rep,
            doctor=doctor,
            service_type="lecture",
            event=event,
            service_date=service_day,
            planned_hours=Decimal(hours),
            description="学术讲课",
            contract_file=_pdf("contract.pdf"),
            contract_signed_on=service_day - dt.timedelta(days=12),
            hospital_approval_file=_pdf("approval.pdf"),
            hospital_approval_on=service_day - dt.timedelta(days=10),
        )
        fee = FeeRecord.objects.for_tenant(tenant).get(engagement=e, kind="fee")
        services.fee_approve(tenant=tenant, by=compliance, fee=fee)
        FeeRecord.objects.for_tenant(tenant).filter(pk=fee.pk).update(
            approved_at=timezone.make_aware(dt.datetime.combine(service_day - dt.timedelta(days=7), dt.time(10)))
        )
        services.engagement_deliver(
            tenant=tenant,
            by=rep,
            engagement=e,
            evidence_attendance=True,
            evidence_recording_url="https://example.com/recordings/demo",
        )
        delivered = timezone.make_aware(dt.datetime.combine(service_day, dt.time(18)))
        Engagement.objects.for_tenant(tenant).filter(pk=e.pk).update(delivered_at=delivered)
        FeeRecord.objects.for_tenant(tenant).filter(pk=fee.pk).update(delivered_at=delivered)
        services.fee_request_payment(tenant=tenant, by=rep, fee=fee)
        services.fee_pay(
            tenant=tenant,
            by=compliance,
            fee=fee,
            payer_entity=f"{tenant.name}",
            channel="doctor_bank",
            paid_on=min(today, service_day + dt.timedelta(days=7)),
        )
        return e

    # 1. Clean: a 科室会 with a paid lecture, eight attendees, meals per attendee.
    clean = ev.make("心内科科室会：血脂管理新进展", days_ago=20, attendees=doctors[1:9])
    ev.agenda(clean, doctors[0], 60)
    ev.catering(clean, "960")
    paid_lecture(doctors[0], clean, 20)
    services.tov_post_event_meals(tenant=tenant, event=clean)
    # 2. Waiting for review: the rep's request for an upcoming meeting.
    upcoming = ev.make("内分泌科科室会：糖脂共管", days_ago=-5, status="approved", attendees=[])
    ev.agenda(upcoming, doctors[9], 45)
    services.engagement_request(
        tenant=tenant,
        by=rep,
        doctor=doctors[9],
        service_type="lecture",
        event=upcoming,
        service_date=upcoming.starts_at.date(),
        planned_hours=Decimal("1.5"),
        contract_file=_pdf("c.pdf"),
        contract_signed_on=today,
        hospital_approval_file=_pdf("a.pdf"),
        hospital_approval_on=today,
    )
    # 3. Over the annual cap: four paid lectures and a fifth requested.
    for i, days in enumerate((80, 60, 40, 30)):
        m = ev.make(f"社区医院学术交流会 {i + 1}", days_ago=days, attendees=doctors[20:27])
        ev.agenda(m, doctors[10], 90)
        paid_lecture(doctors[10], m, days, hours="3")
    services.engagement_request(
        tenant=tenant,
        by=rep,
        doctor=doctors[10],
        service_type="consulting",
        service_date=today + dt.timedelta(days=10),
        planned_hours=Decimal("2"),
        description="产品咨询",
        contract_file=_pdf("c.pdf"),
        contract_signed_on=today,
    )
    # 4. A reused sign-in photo: the same sheet, re-saved smaller, at another meeting.
    a = ev.make("呼吸科科室会", days_ago=45, attendees=doctors[11:18])
    b = ev.make("呼吸科病例讨论会", days_ago=15, attendees=doctors[11:18])
    ev.agenda(a, None, 60)
    ev.agenda(b, None, 60)
    sheet = _jpeg(zlib.crc32(tenant.code.encode()))
    ev.photo(a, sheet, "signin_sheet")
    ev.photo(b, _jpeg(zlib.crc32(tenant.code.encode()), quality=60, resize=0.75), "signin_sheet")
    ev.photo(a, _jpeg(7), "photo")
    # 5. A resort meeting with twenty minutes of content.
    resort = ev.make(
        "温泉度假村学术研讨会",
        days_ago=25,
        venue_kind="resort",
        hours=5,
        attendees=doctors[18:26],
        venue_name="温泉度假村",
    )
    ev.agenda(resort, doctors[12], 20)
    ev.agenda(resort, None, 180, academic=False, topic="自由活动")
    # 6. An empty meeting and an inflated one.
    ev.make("心内科晨会", days_ago=12, attendees=[])
    small = ev.make("药学部小型研讨会", days_ago=6, attendees=doctors[36:38])
    ev.agenda(small, None, 60)
    inflated = ev.make("基层医生培训会", days_ago=8, attendees=doctors[26:29])
    ev.agenda(inflated, None, 60)
    for d in doctors[29:36]:
        Attendee.objects.create(
            tenant=tenant,
            event=inflated,
            doctor=d,
            rsvp="walk_in",
            signed_in_at=inflated.starts_at,
            signin_method="rep",
            signed_in_by=rep,
        )
    # 7. A lecture without the hospital's approval, a week past its date.
    past = ev.make("肾内科科室会", days_ago=9, attendees=doctors[1:7])
    ev.agenda(past, doctors[13], 50)
    services.engagement_request(
        tenant=tenant,
        by=rep,
        doctor=doctors[13],
        service_type="lecture",
        event=past,
        service_date=past.starts_at.date(),
        planned_hours=Decimal("1"),
        contract_file=_pdf("c.pdf"),
        contract_signed_on=past.starts_at.date() - dt.timedelta(days=3),
    )
    # 8. A duplicate payment request (lecture and chair, same doctor, event and amount), and a fee above the card.
    dup = ev.make("消化科科室会", days_ago=-8, status="approved", attendees=[])
    for service, hours in (("lecture", "1"), ("chair", "1.25")):  # 1 000 each: same doctor, event, amount
        services.engagement_request(
            tenant=tenant,
            by=rep,
            doctor=doctors[14],
            service_type=service,
            event=dup,
            service_date=dup.starts_at.date(),
            planned_hours=Decimal(hours),
        )
    services.engagement_request(
        tenant=tenant,
        by=rep,
        doctor=doctors[15],
        service_type="training",
        event=dup,
        service_date=dup.starts_at.date(),
        planned_hours=Decimal("2"),
        amount=Decimal("4500"),
        exception_reason="国际会议讲者，市场价格更高",
    )
    # The venue of the inflated meeting seats six; a doctor of the kidney meeting said at follow-up
    # that they were not there.
    VenueCapacity.objects.create(tenant=tenant, event=inflated, capacity=6)
    denied = Attendee.objects.for_tenant(tenant).filter(event=past).order_by("id").first()
    AttendanceDenial.objects.create(
        tenant=tenant, attendee=denied, event=past, noted_by=rep, note="医生表示当天在门诊，未参会"
    )
    services.photos_fingerprint_missing(tenant=tenant)
    result = flags.flags_refresh(tenant=tenant)
    # Compliance has cleared one of the two duplicate-payment flags and drawn a first sample.
    first_dup = (
        FeeFlag.objects.for_tenant(tenant).filter(rule="duplicate_payment", status="open").order_by("id").first()
    )
    if first_dup:
        services.flags_clear(tenant=tenant, by=compliance, flags=[first_dup], reason="主持与讲课为两项不同服务，已核实")
    sample = services.audit_sample_draw(
        tenant=tenant,
        by=compliance,
        kind="events",
        size=5,
        seed=2026,
        period_from=today - dt.timedelta(days=90),
        period_until=today,
    )
    item = sample.items.order_by("position").first()
    if item:
        services.audit_item_review(tenant=tenant, by=compliance, item=item, outcome="ok", note="签到表、照片、议程齐全")
    _say(stdout, f"tenant {tenant.code}: fees seeded ({result['found']} flags)")


class _EventMaker:
    def __init__(self, tenant, rep, product, host):
        self.tenant, self.rep, self.product, self.host = tenant, rep, product, host

    def make(self, title, *, days_ago, attendees, status="held", venue_kind="hospital", hours=2, venue_name=""):
        start = timezone.now().replace(hour=14, minute=0, second=0, microsecond=0) - dt.timedelta(days=days_ago)
        e = Event.objects.create(
            tenant=self.tenant,
            title=MARK + title,
            type="department_meeting",
            host_hospital=self.host,
            venue_kind=venue_kind,
            venue_name=venue_name,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=hours),
            owner=self.rep,
            status=status,
            expected_attendees=len(attendees) or 8,
            held_at=start + dt.timedelta(hours=hours) if status == "held" else None,
        )
        if self.product:
            EventProduct.objects.create(tenant=self.tenant, event=e, product=self.product)
        for d in attendees:
            Attendee.objects.create(
                tenant=self.tenant,
                event=e,
                doctor=d,
                rsvp="accepted",
                invited_by=self.rep,
                signed_in_at=start if status == "held" else None,
                signin_method="rep" if status == "held" else "",
                signed_in_by=self.rep if status == "held" else None,
            )
        return e

    def agenda(self, event, speaker, minutes, academic=True, topic="学术专题"):
        order = AgendaItem.objects.for_tenant(self.tenant).filter(event=event).count()
        return AgendaItem.objects.create(
            tenant=self.tenant,
            event=event,
            order=order,
            topic=topic,
            speaker_doctor=speaker,
            minutes=minutes,
            is_academic=academic,
        )

    def catering(self, event, amount):
        Expense.objects.create(
            tenant=self.tenant,
            event=event,
            category="catering",
            amount=Decimal(amount),
            spent_on=event.starts_at.date(),
            description="工作餐",
            created_by=self.rep,
        )

    def photo(self, event, data, kind):
        p = EventPhoto(
            tenant=self.tenant, event=event, kind=kind, uploaded_by=self.rep, sha256=hashlib.sha256(data).hexdigest()
        )
        p.file.save("signin.jpg", ContentFile(data), save=False)
        p.save()
        return p
