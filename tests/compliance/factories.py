"""Test data of fees: a compliance world (users, doctors, a rate card, a 科室会 with agenda and
attendees) made through the models (the events services are another helper's; fees depend only
on the events models), and photos for the reuse rule."""

from __future__ import annotations

import datetime as dt
import io
import types
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from crm.tenancy import tenant_context
from events.fees.models import RateCard, RateCardLine
from events.fees.vocabulary import ServiceType
from events.models import AgendaItem, Attendee, Event, EventPhoto, EventProduct, Expense
from hospitals.models.experts import AcademicLevel
from tests.factories import TerritoryAssignmentFactory, UserFactory, territory_tree
from tests.hospitals.factories import DoctorFactory, DoctorTerritoryFactory, HospitalFactory, ProductFactory

RATES = {  # hourly rate, maximum per engagement, by academic level
    AcademicLevel.NATIONAL: (Decimal("3000"), Decimal("10000")),
    AcademicLevel.PROVINCIAL: (Decimal("2000"), Decimal("6000")),
    AcademicLevel.CITY: (Decimal("1500"), Decimal("4000")),
    AcademicLevel.LOCAL: (Decimal("1000"), Decimal("3000")),
}


def rate_card(tenant, valid_from=dt.date(2020, 1, 1), factor=Decimal("1")):
    with tenant_context(tenant):
        card = RateCard.objects.create(tenant=tenant, name=f"标准 {valid_from}", valid_from=valid_from)
        RateCardLine.objects.bulk_create(
            [
                RateCardLine(
                    tenant=tenant,
                    rate_card=card,
                    service_type=s,
                    academic_level=level,
                    hourly_rate=rate * factor,
                    max_per_engagement=cap * factor,
                )
                for s in ServiceType.values
                for level, (rate, cap) in RATES.items()
            ]
        )
    return card


def event(
    w, *, title="心内科科室会", days_ago=0, status="approved", venue_kind="hospital", hours=2, owner=None, product=None
):
    start = timezone.now().replace(hour=14, minute=0, second=0, microsecond=0) - dt.timedelta(days=days_ago)
    with tenant_context(w.tenant):
        ev = Event.objects.create(
            tenant=w.tenant,
            title=title,
            type="department_meeting",
            host_hospital=w.hospital,
            venue_kind=venue_kind,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=hours),
            owner=owner or w.rep,
            status=status,
            expected_attendees=10,
        )
        EventProduct.objects.create(tenant=w.tenant, event=ev, product=product or w.product)
    return ev


def agenda(w, ev, *, speaker=None, minutes=40, academic=True, topic="血脂管理新进展", order=0):
    with tenant_context(w.tenant):
        return AgendaItem.objects.create(
            tenant=w.tenant,
            event=ev,
            order=order,
            topic=topic,
            speaker_doctor=speaker,
            minutes=minutes,
            is_academic=academic,
        )


def attendees(w, ev, doctors, *, signed=True, rsvp="accepted"):
    rows = []
    with tenant_context(w.tenant):
        for d in doctors:
            rows.append(
                Attendee.objects.create(
                    tenant=w.tenant,
                    event=ev,
                    doctor=d,
                    rsvp=rsvp,
                    invited_by=w.rep,
                    signed_in_at=ev.starts_at if signed else None,
                    signin_method="rep" if signed else "",
                    signed_in_by=w.rep if signed else None,
                )
            )
    return rows


def catering(w, ev, amount):
    with tenant_context(w.tenant):
        return Expense.objects.create(
            tenant=w.tenant,
            event=ev,
            category="catering",
            amount=Decimal(amount),
            spent_on=ev.starts_at.date(),
            created_by=w.rep,
        )


def jpeg(seed: int, *, size=(320, 240), quality=90, resize=None, crop=None) -> bytes:
    """A synthetic photo (random blocks and gradients from ``seed``), optionally re-saved at
    another quality, resized or cropped by a share on each side."""
    import random

    from PIL import Image, ImageDraw

    rnd = random.Random(seed)
    img = Image.new("RGB", size, (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)))
    draw = ImageDraw.Draw(img)
    for _ in range(14):
        x0, y0 = rnd.randrange(size[0]), rnd.randrange(size[1])
        x1, y1 = x0 + rnd.randrange(20, size[0] // 2), y0 + rnd.randrange(20, size[1] // 2)
        draw.rectangle([x0, y0, x1, y1], fill=(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)))
        ex, ey = rnd.randrange(size[0]), rnd.randrange(size[1])
        draw.ellipse(
            [ex, ey, ex + rnd.randrange(10, 80), ey + rnd.randrange(10, 80)],
            fill=(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)),
        )
    if crop:
        w, h = img.size
        dx, dy = int(w * crop), int(h * crop)
        img = img.crop((dx, dy, w - dx, h - dy))
    if resize:
        img = img.resize((int(img.size[0] * resize), int(img.size[1] * resize)))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return out.getvalue()


def photo(w, ev, data: bytes, *, kind="photo"):
    import hashlib

    with tenant_context(w.tenant):
        p = EventPhoto(tenant=w.tenant, event=ev, kind=kind, uploaded_by=w.rep, sha256=hashlib.sha256(data).hexdigest())
        p.file.save("photo.jpg", ContentFile(data), save=False)
        p.save()
        return p


def world(tenant, prefix="c"):
    """Users of every fee role, a hospital with doctors, a product and the rate card."""
    hospital = HospitalFactory(tenant=tenant)
    w = types.SimpleNamespace(
        tenant=tenant,
        hospital=hospital,
        rep=UserFactory(tenant=tenant, role="rep", username=f"{prefix}-rep"),
        rep2=UserFactory(tenant=tenant, role="rep", username=f"{prefix}-rep2"),
        compliance=UserFactory(tenant=tenant, role="compliance", username=f"{prefix}-comp"),
        compliance2=UserFactory(tenant=tenant, role="compliance", username=f"{prefix}-comp2"),
        pm=UserFactory(tenant=tenant, role="product_manager", username=f"{prefix}-pm"),
        admin=UserFactory(tenant=tenant, role="tenant_admin", username=f"{prefix}-admin"),
        doctors=[DoctorFactory(hospital=hospital) for _ in range(8)],
        product=ProductFactory(tenant=tenant),
    )
    w.doctor = w.doctors[0]
    _region, _district, t1, t2 = territory_tree(tenant, prefix.upper())
    TerritoryAssignmentFactory(user=w.rep, territory=t1)
    TerritoryAssignmentFactory(user=w.rep2, territory=t2)
    for d in w.doctors:
        DoctorTerritoryFactory(doctor=d, territory=t1)
    w.card = rate_card(tenant)
    return w
