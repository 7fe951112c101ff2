"""The monthly KPI rollup: equal to the live computation, idempotent, refreshed on commit and
nightly, walled per tenant."""

import datetime

import pytest
import time_machine
from django.db import connection, transaction

from analytics import kpis, rollup, tasks
from analytics.models import KpiMonth
from crm.tenancy import tenant_context
from tests.analytics.helpers import at, scored_team
from tests.factories import WITH_PLATFORM_COMMITTED
from tests.visits.factories import VisitFactory, VisitPlanFactory

MAY, JUNE = datetime.date(2026, 5, 1), datetime.date(2026, 6, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(datetime.datetime(2026, 6, 10, 12, 0), tick=True):
        yield


def _rollup_rows(tenant):
    fields = ["rep_id", "month", *kpis.FACT_COLUMNS]
    with tenant_context(tenant):
        return sorted(KpiMonth.objects.for_tenant(tenant).values_list(*fields))


def _team_committed(tenant, monkeypatch, capture):
    """``scored_team`` as if its transaction had committed (its refresh callbacks run, the task
    calls dropped): what follows starts with nothing pending."""
    monkeypatch.setattr(tasks.kpi_rollup_refresh, "delay", lambda **kw: None)
    with capture(execute=True):
        team = scored_team(tenant, month=MAY)
    monkeypatch.undo()
    return team


def _both(team, first=MAY, last=JUNE):
    reps = [team.rep.pk, team.rep2.pk]
    with tenant_context(team.tenant):
        stored = kpis.kpi_facts(tenant=team.tenant, rep_ids=reps, first=first, last=last)
        live = kpis.kpi_facts_live(tenant=team.tenant, rep_ids=reps, first=first, last=last)
    return stored, live


def test_rollup_equals_the_live_computation_after_new_visits_and_events_and_a_rerun(tenant, clock):
    team = scored_team(tenant, month=MAY)
    stored, live = _both(team)
    assert stored.equals(live)
    assert stored.loc[(team.rep.pk, MAY), "calls"] == 5  # positive control: there are facts to compare
    with tenant_context(tenant):
        # New visits (one late, one on another rep's planned doctor) and an event follow-up done in time.
        VisitFactory(doctor=team.doctors[2], rep=team.rep, visited_at=at(MAY.replace(day=20)), status="submitted")
        VisitFactory(doctor=team.other_doctor, rep=team.rep, visited_at=at(MAY.replace(day=21)), status="submitted")
        VisitFactory(
            doctor=team.doctor, rep=team.rep, visited_at=at(JUNE.replace(day=2)), status="submitted", is_late=True
        )
        plan = VisitPlanFactory(doctor=team.doctors[1], rep=team.rep, source="event", planned_at=at(JUNE))
        VisitFactory(doctor=team.doctors[1], rep=team.rep, plan=plan, visited_at=at(JUNE), status="submitted")
    stored, live = _both(team)
    assert stored.equals(live)
    assert stored.loc[(team.rep.pk, MAY), "calls"] == 7
    assert stored.loc[(team.rep2.pk, MAY), "plan_covered"] == 2  # rep's visit to rep2's planned doctor counts
    assert stored.loc[(team.rep.pk, JUNE), ["calls", "late", "evt_total", "evt_done"]].tolist() == [2, 1, 1, 1]
    # Re-running the refresh (the nightly job, twice) changes nothing.
    before = _rollup_rows(tenant)
    with tenant_context(tenant):
        rollup.kpi_rollup_rebuild(tenant=tenant)
        rollup.kpi_rollup_rebuild(tenant=tenant)
    assert _rollup_rows(tenant) == before
    assert len(before) == 2 * rollup.WINDOW_MONTHS  # one row per field rep and month of the window


def test_a_fact_that_disappears_is_overwritten(tenant, clock):
    from visits.models import CyclePlanLine

    team = scored_team(tenant, month=MAY)
    with tenant_context(tenant):
        assert KpiMonth.objects.get(rep=team.rep, month=MAY).plan_target == 5
        CyclePlanLine.objects.get(plan__rep=team.rep, doctor=team.doctors[2]).delete()
        assert KpiMonth.objects.get(rep=team.rep, month=MAY).plan_target == 4


def test_the_refresh_is_enqueued_once_per_transaction_on_commit(
    tenant, clock, rollup_on_commit, monkeypatch, django_capture_on_commit_callbacks
):
    team = _team_committed(tenant, monkeypatch, django_capture_on_commit_callbacks)
    sent = []
    monkeypatch.setattr(tasks.kpi_rollup_refresh, "delay", lambda **kw: sent.append(kw))
    with (
        tenant_context(tenant),
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        transaction.atomic(),
    ):
        VisitFactory(doctor=team.doctor, rep=team.rep, visited_at=at(JUNE), status="submitted")
        VisitFactory(doctor=team.doctors[1], rep=team.rep, visited_at=at(JUNE, 11), status="submitted")
    assert sent == []  # nothing before the commit
    ours = [c for c in callbacks if getattr(c, "__qualname__", "").startswith("mark_dirty")]
    assert len(ours) == 1  # two visits, one refresh
    ours[0]()
    assert sent == [
        {
            "tenant_id": tenant.pk,
            "months": ["2026-05-01", "2026-06-01"],
            "rep_ids": [team.rep.pk],
            "doctor_ids": sorted([team.doctor.pk, team.doctors[1].pk]),
            "territory_ids": [],
        }
    ]
    # The enqueued task brings the rollup up to date.
    with tenant_context(tenant):
        assert KpiMonth.objects.get(rep=team.rep, month=JUNE).calls == 0  # not refreshed yet
        tasks.kpi_rollup_refresh.apply(kwargs=sent[0], throw=True)
        assert KpiMonth.objects.get(rep=team.rep, month=JUNE).calls == 2


def test_nothing_is_enqueued_for_a_rolled_back_write(
    tenant, clock, rollup_on_commit, monkeypatch, django_capture_on_commit_callbacks
):
    team = _team_committed(tenant, monkeypatch, django_capture_on_commit_callbacks)
    with tenant_context(tenant), django_capture_on_commit_callbacks(execute=False) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            VisitFactory(doctor=team.doctor, rep=team.rep, visited_at=at(JUNE), status="submitted")
            raise RuntimeError("rolled back")
        assert not [c for c in callbacks if getattr(c, "__qualname__", "").startswith("mark_dirty")]
        # The next write after the rollback is still enqueued (no stale state left behind).
        VisitFactory(doctor=team.doctor, rep=team.rep2, visited_at=at(JUNE), status="submitted")
    assert len([c for c in callbacks if getattr(c, "__qualname__", "").startswith("mark_dirty")]) == 1


def test_a_sales_record_refreshes_every_rep_of_its_month(tenant, clock):
    from tests.hospitals.factories import DistributorFactory, SalesRecordFactory

    team = scored_team(tenant, month=MAY)
    with tenant_context(tenant):
        SalesRecordFactory(
            distributor=DistributorFactory(tenant=tenant),
            hospital=team.hospital,
            product=team.product,
            month=MAY,
            sell_out_value=1234,
        )
        rows = dict(KpiMonth.objects.filter(month=MAY).values_list("rep_id", "sales"))
    assert rows[team.rep.pk] == 1234 and rows[team.rep2.pk] == 1234  # the hospital of both reps' doctors


def test_a_month_the_rollup_does_not_hold_is_computed_live_and_filled(tenant, clock, monkeypatch):
    team = scored_team(tenant, month=MAY)
    with tenant_context(tenant):
        KpiMonth.objects.filter(month=MAY).delete()
    sent = []
    monkeypatch.setattr(tasks.kpi_rollup_refresh, "delay_on_commit", lambda **kw: sent.append(kw))
    stored, live = _both(team, MAY, MAY)
    assert stored.equals(live) and stored.loc[(team.rep.pk, MAY), "calls"] == 5
    assert sent == [{"tenant_id": tenant.pk, "months": ["2026-05-01"], "rep_ids": None}]


def test_the_nightly_job_is_scheduled_in_beat_idempotently():
    from django_celery_beat.models import PeriodicTask

    from analytics.schedule import ensure_periodic_tasks
    from crm.celery import app

    ensure_periodic_tasks()
    ensure_periodic_tasks()  # idempotent
    entry = PeriodicTask.objects.get(task="analytics.kpi_rollup_nightly")
    assert PeriodicTask.objects.filter(task="analytics.kpi_rollup_nightly").count() == 1
    assert entry.enabled and "analytics.kpi_rollup_nightly" in app.tasks and "analytics.kpi_rollup_window" in app.tasks
    assert (entry.crontab.minute, entry.crontab.hour) == ("10", "3") and str(entry.crontab.timezone) == "Asia/Shanghai"


@WITH_PLATFORM_COMMITTED
def test_the_nightly_job_fans_out_one_window_per_active_tenant(tenant, other_tenant, monkeypatch):
    sent, strata = [], []
    monkeypatch.setattr(tasks.kpi_rollup_window, "delay", lambda **kw: sent.append(kw["tenant_id"]))
    monkeypatch.setattr(tasks.doctor_strata_refresh, "delay", lambda **kw: strata.append(kw["tenant_id"]))
    assert tasks.kpi_rollup_nightly.apply(throw=True).get() >= 2
    assert {tenant.pk, other_tenant.pk} <= set(sent)
    assert {tenant.pk, other_tenant.pk} <= set(strata)  # the ROI's doctor strata too (analytics.strata)


def test_the_rollup_is_walled_per_tenant(tenant, other_tenant, clock):
    mine = scored_team(tenant, month=MAY)
    theirs = scored_team(other_tenant, "W", month=MAY)
    with tenant_context(tenant), connection.cursor() as cur:
        cur.execute("SELECT DISTINCT tenant_id FROM analytics_kpimonth")  # raw SQL: only RLS applies
        assert [r[0] for r in cur.fetchall()] == [tenant.pk]
        cur.execute("SELECT count(*) FROM analytics_kpimonth WHERE rep_id = %s", [theirs.rep.pk])
        assert cur.fetchone()[0] == 0
        cur.execute("SELECT count(*) FROM analytics_kpimonth WHERE rep_id = %s", [mine.rep.pk])
        assert cur.fetchone()[0] == rollup.WINDOW_MONTHS  # positive control
        # A refresh in this tenant cannot write the other tenant's rows (the policy's WITH CHECK).
        with pytest.raises(Exception, match="row-level security"), transaction.atomic():
            cur.execute(
                "INSERT INTO analytics_kpimonth (tenant_id, rep_id, month, calls, plan_target, plan_covered,"
                " ab_doctors, ab_at_target, on_time, late, evt_total, evt_done, new_adopters, sales, refreshed_at)"
                " VALUES (%s, %s, '2026-05-01', 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, now())",
                [other_tenant.pk, theirs.rep.pk],
            )
    with tenant_context(other_tenant):
        assert KpiMonth.objects.filter(rep=theirs.rep).count() == rollup.WINDOW_MONTHS
