"""Data for the analytics tests: a field team with a month of plans, visits and sales."""

from __future__ import annotations

import datetime

from django.utils import timezone

from analytics.rollup import kpi_rollup_rebuild
from crm.tenancy import tenant_context
from tests.visits.factories import VisitFactory, VisitPlanFactory, field_team
from visits.models import CyclePlan, CyclePlanLine


def rollup_inline(monkeypatch):
    """Run the KPI rollup's on-commit refresh at once, in process (the test's transaction never
    commits): the receivers, the task and the upsert are the production ones."""
    from analytics import rollup, tasks

    monkeypatch.setattr(rollup, "_after_commit", lambda fn: fn())
    monkeypatch.setattr(
        tasks.kpi_rollup_refresh, "delay", lambda **kw: tasks.kpi_rollup_refresh.apply(kwargs=kw, throw=True)
    )


def at(day: datetime.date, hour=10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def scored_team(tenant, prefix="K", *, month: datetime.date):
    """``field_team`` plus, in ``month``: rep's cycle plan (two A doctors target 2, one C target 1),
    rep visits every A doctor twice (one report late) and misses the C doctor; rep2 plans their
    one B doctor at 2 and visits once, late. One event follow-up each: rep's done in 2 days,
    rep2's never."""
    team = field_team(tenant, prefix)
    with tenant_context(tenant):
        plan = CyclePlan.objects.create(tenant=tenant, rep=team.rep, month=month, status="approved")
        a1, a2, c = team.doctors
        for doctor, tier, target in ((a1, "A", 2), (a2, "A", 2), (c, "C", 1)):
            CyclePlanLine.objects.create(
                tenant=tenant, plan=plan, doctor=doctor, tier=tier, target=target, planned=target
            )
        plan2 = CyclePlan.objects.create(tenant=tenant, rep=team.rep2, month=month, status="approved")
        CyclePlanLine.objects.create(tenant=tenant, plan=plan2, doctor=team.other_doctor, tier="B", target=2, planned=2)
        day = month.replace(day=3)
        for i, doctor in enumerate((a1, a1, a2, a2)):
            VisitFactory(
                doctor=doctor,
                rep=team.rep,
                visited_at=at(day + datetime.timedelta(days=i)),
                status="submitted",
                is_late=(i == 0),
            )
        VisitFactory(doctor=team.other_doctor, rep=team.rep2, visited_at=at(day), status="submitted", is_late=True)
        p1 = VisitPlanFactory(doctor=a1, rep=team.rep, source="event", planned_at=at(day))
        type(p1).objects.filter(pk=p1.pk).update(created_at=at(day, 9))
        VisitFactory(
            doctor=a1, rep=team.rep, plan=p1, visited_at=at(day + datetime.timedelta(days=2)), status="submitted"
        )
        p2 = VisitPlanFactory(doctor=team.other_doctor, rep=team.rep2, source="event", planned_at=at(day))
        type(p2).objects.filter(pk=p2.pk).update(created_at=at(day, 9))
        # A queryset update is a bulk write no receiver sees: the nightly refresh picks it up.
        kpi_rollup_rebuild(tenant=tenant)
    return team
