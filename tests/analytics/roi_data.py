"""A program with its events, attendees, similar doctors who did not attend, and their adoption
and usage history: the data of the ROI tests and the e2e test."""

from __future__ import annotations

import datetime
import types
from decimal import Decimal

from django.utils import timezone

from crm.tenancy import tenant_context
from events.models import Attendee, BudgetLine, Event, EventFollowUp, Expense, Program, ProgramProduct, Question
from hospitals.models import UsageShare
from segmentation.models import Adoption
from tests.factories import UserFactory
from tests.hospitals.factories import DepartmentFactory, DoctorFactory, HospitalFactory, ProductFactory
from visits.selectors import add_months

HistoricalAdoption = Adoption.history.model


def _aware(d: datetime.date, hour=10):
    return timezone.make_aware(datetime.datetime.combine(d, datetime.time(hour)))


def _history(tenant, rows):
    ids = dict(Adoption.objects.filter(tenant=tenant).values_list("doctor_id", "pk"))  # per doctor: one product
    HistoricalAdoption.objects.bulk_create(
        [
            HistoricalAdoption(
                id=ids[d],
                tenant_id=tenant.pk,
                doctor_id=d,
                product_id=p,
                stage=stage,
                note="",
                updated_at=_aware(day),
                history_date=_aware(day),
                history_type="~",
                updated_by_id=None,
            )
            for d, p, stage, day in rows
        ]
    )


def program_with_effect(
    tenant,
    *,
    name="甲状腺大师班",
    attendees=40,
    controls=80,
    moved=30,
    controls_moved=8,
    event_month=datetime.date(2026, 1, 1),
):
    """A held masterclass in ``event_month`` with ``attendees`` signed-in doctors, ``controls``
    similar doctors who did not attend (same grade, department, no tier, stage "aware"), and 20
    doctors of another hospital grade (never controls). ``moved`` attendees and ``controls_moved``
    controls reach "trial" the month after the event; attendees' usage share doubles."""
    with tenant_context(tenant):
        pm = UserFactory(tenant=tenant, role="product_manager")
        product = ProductFactory(tenant=tenant, name=f"{name}-优甲乐")
        hospital = HospitalFactory(tenant=tenant, grade="3A")
        dept = DepartmentFactory(hospital=hospital, name="内分泌科", standard_code="endocrinology")
        other = HospitalFactory(tenant=tenant, grade="2A")
        other_dept = DepartmentFactory(hospital=other, name="内分泌科", standard_code="endocrinology")
        att = [DoctorFactory(hospital=hospital, department=dept) for _ in range(attendees)]
        ctl = [DoctorFactory(hospital=hospital, department=dept) for _ in range(controls)]
        far = [DoctorFactory(hospital=other, department=other_dept) for _ in range(20)]
        program = Program.objects.create(
            tenant=tenant,
            name=name,
            owner=pm,
            starts_on=event_month,
            ends_on=add_months(event_month, 11),
            budget=100000,
        )
        ProgramProduct.objects.create(tenant=tenant, program=program, product=product)
        start = _aware(event_month.replace(day=15), 14)
        event = Event.objects.create(
            tenant=tenant,
            program=program,
            title=f"{name} 第一期",
            type="masterclass",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=3),
            owner=pm,
            status="closed",
        )
        BudgetLine.objects.create(tenant=tenant, event=event, category="venue", amount=Decimal("30000"))
        Expense.objects.create(
            tenant=tenant,
            event=event,
            category="venue",
            amount=Decimal("24000"),
            spent_on=event_month.replace(day=15),
            created_by=pm,
        )
        rows = [
            Attendee(tenant=tenant, event=event, doctor=d, rsvp="accepted", signed_in_at=start, signin_method="rep")
            for d in att
        ]
        Attendee.objects.bulk_create(rows)
        rows = list(Attendee.objects.filter(event=event).order_by("id"))
        for i, a in enumerate(rows[:10]):
            done = start + datetime.timedelta(days=2 if i < 8 else 6)
            EventFollowUp.objects.create(
                tenant=tenant,
                event=event,
                attendee=a,
                doctor_id=a.doctor_id,
                assignee=pm,
                purposes=["A"],
                due_date=(start + datetime.timedelta(days=3)).date(),
                status="done",
                done_at=done,
            )
        Question.objects.create(
            tenant=tenant, event=event, text="剂量如何调整?", answered_on_spot=False, answer="", recorded_by=pm
        )
        base_day = add_months(event_month, -3)
        move_day = add_months(event_month, 1).replace(day=10)
        Adoption.objects.bulk_create(
            [Adoption(tenant=tenant, doctor=d, product=product, stage="aware") for d in att + ctl + far]
        )
        history = [(d.pk, product.pk, "aware", base_day) for d in att + ctl + far]
        history += [(d.pk, product.pk, "trial", move_day) for d in att[:moved]]
        history += [(d.pk, product.pk, "trial", move_day) for d in ctl[:controls_moved]]
        _history(tenant, history)
        usage = []
        for m in range(-2, 8):
            month = add_months(event_month, m)
            for d in att:
                usage.append(
                    UsageShare(tenant=tenant, doctor=d, product=product, period=month, share=10 if m < 1 else 20)
                )
            for d in ctl:
                usage.append(UsageShare(tenant=tenant, doctor=d, product=product, period=month, share=10))
        UsageShare.objects.bulk_create(usage)
    return types.SimpleNamespace(
        program=program, event=event, product=product, attendees=att, controls=ctl, far=far, pm=pm
    )
