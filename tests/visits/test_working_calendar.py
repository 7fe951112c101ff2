"""Deadlines in China's working calendar (issue 15): an inquiry due over the National Day holiday
is due after it, make-up working days count, and a tenant's own day moves the deadline."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from crm.models import WorkdayOverride
from crm.tenancy import tenant_context
from tests.visits.factories import field_team
from visits import selectors, services


@pytest.fixture
def team(tenant):
    return field_team(tenant, "W")


def _at(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


def test_an_inquiry_received_before_national_day_is_due_after_the_holiday(team):
    # 2026-09-29 (Tue) + 5 working days: 30 Sep, 8 Oct, 9 Oct, 10 Oct (a Saturday worked: 调休),
    # 12 Oct. Monday–Friday counting would have said 6 Oct, in the middle of the holiday.
    with time_machine.travel(_at(datetime.date(2026, 9, 29)), tick=False), tenant_context(team.tenant):
        inquiry = services.medical_inquiry_create(
            tenant=team.tenant, by=team.rep, doctor=team.doctor, question="国庆期间能否联合用药？"
        )
    assert inquiry.due_date == datetime.date(2026, 10, 12)
    assert inquiry.due_date > datetime.date(2026, 10, 7)


def test_a_tenants_own_rest_day_moves_the_deadline(team):
    with tenant_context(team.tenant):
        WorkdayOverride.objects.create(tenant=team.tenant, date=datetime.date(2026, 10, 12), is_workday=False)
    with time_machine.travel(_at(datetime.date(2026, 9, 29)), tick=False), tenant_context(team.tenant):
        inquiry = services.medical_inquiry_create(tenant=team.tenant, by=team.rep, doctor=team.doctor, question="问题")
    assert inquiry.due_date == datetime.date(2026, 10, 13)


def test_an_inquiry_from_a_visit_report_uses_the_calendar_too(team):
    with time_machine.travel(_at(datetime.date(2026, 9, 29)), tick=False), tenant_context(team.tenant):
        visit = services.visit_create(
            tenant=team.tenant,
            by=team.rep,
            doctor=team.doctor,
            visited_at=timezone.now() - datetime.timedelta(hours=1),
            objective_achieved="yes",
            signals=["medical_question"],
            questions_raised="肾功能不全如何调整剂量？",
            submit=True,
        )
        services.visit_followups_create(tenant=team.tenant, visit_id=visit.pk)
        inquiry = visit.inquiries.get()
    assert inquiry.due_date == datetime.date(2026, 10, 12)


def test_a_cycle_plan_month_counts_the_calendars_working_days(team):
    with tenant_context(team.tenant):
        october = selectors.working_days(
            tenant=team.tenant, start=datetime.date(2026, 10, 1), end=datetime.date(2026, 11, 1)
        )
    # 22 weekdays, 5 of them National Day holidays, plus the worked Saturday 10 Oct.
    assert len(october) == 18 and datetime.date(2026, 10, 10) in october
    assert datetime.date(2026, 10, 1) not in october
