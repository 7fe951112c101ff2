"""The demo's ROI story: the masterclass program's attendees and similar doctors who did not
attend, with an adoption history and usage share of the program's product over the months
around their events — so that a product manager opening the program's ROI sees attendees move
up the adoption ladder more than their matched non-attendees (and the chart shows it).

The history is written as past rows (the demo needs months that have already happened; reps
record stages one at a time through segmentation.services). Idempotent: a tenant whose program
product already has the story's adoption rows is left alone.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from analytics.models import DoctorStratum
from events.models import Attendee, Program, ProgramProduct
from hospitals.models import UsageShare
from segmentation.models import Adoption
from visits.selectors import add_months

NOTE = "ROI demo"
CONTROLS_PER_ATTENDEE = 3


def _at(month: datetime.date, day: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(month.replace(day=day), datetime.time(10)))


def seed(*, tenant, stdout=None) -> int:
    """Write the story for the tenant's demo masterclass program; returns the doctors written."""
    program = Program.objects.for_tenant(tenant).filter(name__contains="专家大师班").order_by("pk").first()
    link = ProgramProduct.objects.for_tenant(tenant).filter(program=program).order_by("pk").first() if program else None
    product = link.product if link else None  # the ROI's default product: the program's first
    if product is None or Adoption.objects.for_tenant(tenant).filter(product=product, note=NOTE).exists():
        return 0
    this_month = timezone.localdate().replace(day=1)
    first = {}
    for doctor_id, starts_at in (
        Attendee.objects.for_tenant(tenant)
        .filter(event__program=program, event__status__in=["held", "closed"], signed_in_at__isnull=False)
        .order_by("event__starts_at", "pk")
        .values_list("doctor_id", "event__starts_at")
    ):
        first.setdefault(doctor_id, timezone.localtime(starts_at).date().replace(day=1))
    taken = set(Adoption.objects.for_tenant(tenant).filter(product=product).values_list("doctor_id", flat=True))
    attendees = {d: m for d, m in first.items() if d not in taken}
    # Controls: non-attendees of each attendee's stratum (tier, grade, department), by draw.
    strata = {s.doctor_id: (s.tier, s.grade, s.dept) for s in DoctorStratum.objects.for_tenant(tenant)}
    pools: dict[tuple, list[int]] = {}
    for s in DoctorStratum.objects.for_tenant(tenant).filter(is_active=True).order_by("draw", "doctor_id"):
        if s.doctor_id not in first and s.doctor_id not in taken:
            pools.setdefault((s.tier, s.grade, s.dept), []).append(s.doctor_id)
    controls: dict[int, datetime.date] = {}
    for doctor_id, month in sorted(attendees.items()):
        pool = pools.get(strata.get(doctor_id), [])
        for _ in range(CONTROLS_PER_ATTENDEE):
            if pool:
                controls[pool.pop(0)] = month
    adoptions, history, usage = [], [], []
    for group, members in (("attendee", attendees), ("control", controls)):
        for i, (doctor_id, month) in enumerate(sorted(members.items())):
            # Attendees: 6 in 10 try the product the month after their event, 3 in 10 use it
            # regularly two months later; non-attendees: 2 in 10 try it two months later.
            steps = [("aware", add_months(month, -4))]
            if group == "attendee" and i % 10 < 6:
                steps.append(("trial", add_months(month, 1)))
                if i % 10 < 3:
                    steps.append(("regular", add_months(month, 3)))
            elif group == "control" and i % 10 < 2:
                steps.append(("trial", add_months(month, 2)))
            steps = [(stage, when) for stage, when in steps if when <= this_month]
            adoptions.append(
                (Adoption(tenant=tenant, doctor_id=doctor_id, product=product, stage=steps[-1][0], note=NOTE), steps)
            )
            moved = len(steps) > 1
            for offset in range(-3, 7):
                period = add_months(month, offset)
                if period >= this_month:
                    break
                share = 8 + doctor_id % 7 + (6 if moved and offset >= 1 else 0) + (4 if moved and offset >= 3 else 0)
                usage.append(
                    UsageShare(tenant=tenant, doctor_id=doctor_id, product=product, period=period, share=share)
                )
    Adoption.objects.bulk_create([a for a, _ in adoptions])
    model = Adoption.history.model
    for adoption, steps in adoptions:
        history += [
            model(
                id=adoption.pk,
                tenant_id=tenant.pk,
                doctor_id=adoption.doctor_id,
                product_id=product.pk,
                stage=stage,
                note=NOTE,
                updated_at=_at(when, 10),
                history_date=_at(when, 10),
                history_type="+" if n == 0 else "~",
                updated_by_id=None,
            )
            for n, (stage, when) in enumerate(steps)
        ]
    model.objects.bulk_create(history)
    UsageShare.objects.bulk_create(usage, ignore_conflicts=True)
    if stdout is not None:
        stdout.write(f"  analytics: ROI story of {program.name}: {len(attendees)} attendees, {len(controls)} controls")
    return len(adoptions)
