"""Capacity-aware cycle plans (issue 15): the month's plan fits the rep's month (working days
without leave × visits per day); targets fill from the highest tier and the doctors furthest
behind; what does not fit is counted for the manager; the week suggests at most its capacity."""

import datetime

import pytest
from django.utils import timezone

from crm.tenancy import tenant_context
from segmentation.models import TierAssignment
from tests.hospitals.factories import DoctorFactory, DoctorTerritoryFactory
from tests.segmentation.factories import make_version
from tests.visits.factories import field_team
from visits import pages, selectors, services
from visits.models import CyclePlanLine, RepCapacity, RepLeave, VisitSettings

MONTH = datetime.date(2026, 6, 1)  # 22 weekdays


@pytest.fixture
def team(tenant):
    return field_team(tenant, "K")


def _world(team, *, a=4, b=6, c=10):
    """The rep's doctors tiered A/B/C in the latest period (the team's own first doctors are C)."""
    version = make_version(team.tenant)
    tiers = ["A"] * a + ["B"] * b + ["C"] * c
    doctors = []
    with tenant_context(team.tenant):
        for tier in tiers:
            doctor = DoctorFactory(hospital=team.hospital)
            DoctorTerritoryFactory(doctor=doctor, territory=team.t1)
            TierAssignment.objects.create(
                tenant=team.tenant, doctor=doctor, period="2026Q1", version=version, tier=tier, score=50, breakdown={}
            )
            doctors.append((doctor, tier))
    return doctors


def _plan(team):
    with tenant_context(team.tenant):
        plan = services.cycle_plan_generate(tenant=team.tenant, rep=team.rep, month=MONTH)
        lines = {line.doctor_id: line for line in CyclePlanLine.objects.filter(plan=plan)}
    return plan, lines


def test_the_month_plan_fits_the_reps_month_and_counts_what_does_not(team):
    doctors = _world(team)  # default frequencies: A 4, B 2, C 1 → ideal 16 + 12 + 13 = 41 visits
    with tenant_context(team.tenant):
        VisitSettings.objects.create(tenant=team.tenant, visits_per_day=1)
        RepLeave.objects.create(tenant=team.tenant, rep=team.rep, start=MONTH, end=MONTH + datetime.timedelta(days=6))
        june = selectors.working_days(tenant=team.tenant, start=MONTH, end=datetime.date(2026, 7, 1))
        leave = selectors.working_days(tenant=team.tenant, start=MONTH, end=datetime.date(2026, 6, 8))
    plan, lines = _plan(team)
    # The month's working days (the calendar's) less the rep's leave, × 1 visit a day.
    expected = len(june) - len(leave)
    assert 15 <= expected <= 17 and (plan.working_days, plan.capacity) == (expected, expected)
    assert sum(line.target for line in lines.values()) == expected
    # A doctors get their full frequency first; then B.
    ideal = {d.pk: lines[d.pk].ideal for d, _t in doctors}
    for doctor, tier in doctors:
        if tier == "A":
            assert lines[doctor.pk].target == ideal[doctor.pk]
    b_targets = [lines[d.pk].target for d, t in doctors if t == "B"]
    assert sum(b_targets) == expected - sum(ideal[d.pk] for d, t in doctors if t == "A")
    assert all(lines[d.pk].target == 0 for d, t in doctors if t == "C")
    short_b = sum(1 for d, t in doctors if t == "B" and lines[d.pk].target < ideal[d.pk])
    assert plan.over_capacity_ab == short_b > 0
    assert (
        plan.unfitted_visits
        == sum(ideal.values()) + sum(line.ideal for d, line in lines.items() if d not in ideal) - expected
    )


def test_a_rep_with_enough_capacity_gets_every_frequency(team):
    _world(team)
    with tenant_context(team.tenant):
        RepCapacity.objects.create(tenant=team.tenant, rep=team.rep, visits_per_day=10)
    plan, lines = _plan(team)
    with tenant_context(team.tenant):
        days = selectors.working_days(tenant=team.tenant, start=MONTH, end=datetime.date(2026, 7, 1))
    assert plan.capacity == 10 * len(days)
    assert all(line.target == line.ideal for line in lines.values())
    assert plan.over_capacity_ab == 0 and plan.unfitted_visits == 0


def test_within_a_tier_the_doctors_furthest_behind_come_first(team):
    doctors = _world(team, a=0, b=3, c=0)
    (seen, _), (unseen1, _), (unseen2, _) = doctors
    with tenant_context(team.tenant):
        VisitSettings.objects.create(tenant=team.tenant, visits_per_day=1)
        # On leave until the 24th: 4 working days left (25, 26, 29, 30 June); the team's own doctors are C.
        RepLeave.objects.create(tenant=team.tenant, rep=team.rep, start=MONTH, end=datetime.date(2026, 6, 24))
        from tests.visits.factories import VisitFactory

        for days in (10, 40):
            VisitFactory(
                tenant=team.tenant,
                doctor=seen,
                rep=team.rep,
                status="submitted",
                visited_at=timezone.make_aware(datetime.datetime(2026, 5, 1, 10)) - datetime.timedelta(days=days),
            )
    plan, lines = _plan(team)
    assert plan.capacity == 4
    assert lines[unseen1.pk].target == 2 and lines[unseen2.pk].target == 2 and lines[seen.pk].target == 0


def test_the_manager_sees_who_is_over_capacity(team):
    _world(team)
    with tenant_context(team.tenant):
        VisitSettings.objects.create(tenant=team.tenant, visits_per_day=1)
        plan = services.cycle_plan_generate(tenant=team.tenant, rep=team.rep, month=timezone.localdate())
        data = selectors.manager_adherence(tenant=team.tenant, manager=team.manager)
    current = data[team.rep.pk][-1]
    assert current.capacity == plan.capacity and current.over_capacity_ab == plan.over_capacity_ab
    assert data[team.rep2.pk][-1].over_capacity_ab == 0  # positive control: no plan, nothing over


def test_the_week_suggests_at_most_its_capacity(team):
    _world(team, a=10, b=10, c=0)
    with tenant_context(team.tenant):
        VisitSettings.objects.create(tenant=team.tenant, visits_per_day=1)
        monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
        context = pages.week_context(team.rep, week_start=monday)
    assert context["week_capacity"].visits <= 5
    assert len(context["suggestions"]) <= context["week_room"] <= 5
    assert context["suggestion_total"] > len(context["suggestions"])  # the rest is not hidden: counted
