"""The KPI scorecard: values from the facts, the score's arithmetic, ranking, visibility, settings."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from analytics import kpis, services
from analytics.models import Kpi
from crm.tenancy import tenant_context
from tests.analytics.helpers import scored_team

MONTH = datetime.date(2026, 5, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(datetime.datetime(2026, 6, 10, 12, 0), tick=True):
        yield


def _card(team, user, period="2026-05", **kw):
    with tenant_context(team.tenant):
        return kpis.scorecard(tenant=team.tenant, user=user, period=kpis.parse_period(period), **kw)


def test_parse_period():
    assert kpis.parse_period("2026Q2") == kpis.Period(datetime.date(2026, 4, 1), 3)
    assert kpis.parse_period("2026-05") == kpis.Period(datetime.date(2026, 5, 1), 1)
    assert kpis.parse_period("2026-13", today=datetime.date(2026, 11, 30)) == kpis.Period(datetime.date(2026, 10, 1), 3)
    assert kpis.Period(datetime.date(2026, 10, 1), 3).code == "2026Q4"


def test_values_and_score_explained(tenant, clock):
    team = scored_team(tenant, month=MONTH)
    card = _card(team, team.admin)
    by_rep = {r.rep.pk: r for r in card.reps}
    rep, rep2 = by_rep[team.rep.pk], by_rep[team.rep2.pk]
    # rep: 5 calls (4 plan visits + the event follow-up), A coverage 2/2, frequency min(3,2)+2+0 = 4 of 5
    assert rep.line(Kpi.CALLS).value == 5
    assert rep.line(Kpi.AB_COVERAGE).value == 100.0
    assert rep.line(Kpi.FREQUENCY).value == 80.0
    assert rep.line(Kpi.TIMELINESS).value == 80.0  # 4 of 5 on time
    assert rep.line(Kpi.EVENT_FOLLOWUP).value == 100.0
    assert rep2.line(Kpi.EVENT_FOLLOWUP).value == 0.0
    assert rep2.line(Kpi.AB_COVERAGE).value == 0.0
    # No sales data in the tenant: sales attainment is not applicable, not zero.
    assert rep.line(Kpi.SALES).value is None and rep.line(Kpi.SALES).points is None
    # The score is Σ points / Σ weights of the KPIs that apply, out of 100.
    applicable = [line for line in rep.lines if line.points is not None and line.weight]
    expected = round(sum(line.points for line in applicable) / sum(line.weight for line in applicable) * 100, 1)
    assert rep.score == expected
    assert rep.rank == 1 and rep2.rank == 2 and rep.score > rep2.score
    assert {b.kpi for b in rep2.behind} >= {Kpi.AB_COVERAGE, Kpi.EVENT_FOLLOWUP}
    assert Kpi.AB_COVERAGE not in {b.kpi for b in rep.behind}
    # Team: the district above both reps' territories.
    assert [t["reps"] for t in card.teams] == [2]


def test_history_months_and_reproducible(tenant, clock):
    team = scored_team(tenant, month=MONTH)
    first = _card(team, team.admin)
    again = _card(team, team.admin)
    assert [(r.rep.pk, r.score) for r in first.reps] == [(r.rep.pk, r.score) for r in again.reps]
    rep = next(r for r in first.reps if r.rep.pk == team.rep.pk)
    assert first.history_labels[-1] == "2026-05" and len(first.history_labels) == kpis.HISTORY_MONTHS
    assert rep.history[-1] == ("2026-05", rep.score)  # a one-month period: the last month is the score
    # A month without plan or visit: the rates do not apply, the counts are zero, so is the score.
    assert rep.history[0][1] == 0.0


def test_targets_and_weights_change_the_score(tenant, clock):
    team = scored_team(tenant, month=MONTH)
    before = next(r for r in _card(team, team.admin).reps if r.rep.pk == team.rep2.pk).score
    with tenant_context(tenant):
        for kpi in Kpi.values:
            services.kpi_target_set(tenant=tenant, by=team.admin, kpi=kpi, weight=0, target=1)
        services.kpi_target_set(tenant=tenant, by=team.admin, kpi=Kpi.CALLS, weight=10, target=1)
    after = next(r for r in _card(team, team.admin).reps if r.rep.pk == team.rep2.pk)
    assert before < 100 and after.score == 100.0  # only calls count, and 1 call a month meets it
    assert after.line(Kpi.TIMELINESS).points == 0.0 and after.line(Kpi.TIMELINESS).weight == 0


def test_sales_attainment_from_the_hospitals_of_the_reps_doctors(tenant, clock):
    from tests.hospitals.factories import DistributorFactory, SalesRecordFactory

    team = scored_team(tenant, month=MONTH)
    with tenant_context(tenant):
        SalesRecordFactory(
            distributor=DistributorFactory(tenant=tenant),
            hospital=team.hospital,
            product=team.product,
            month=MONTH,
            sell_out_value=50000,
        )
    card = _card(team, team.admin)
    rep = next(r for r in card.reps if r.rep.pk == team.rep.pk)
    assert rep.line(Kpi.SALES).value == 50000.0 and rep.line(Kpi.SALES).attainment == 0.5


def test_new_adopters_credited_to_the_rep_who_recorded_them(tenant, clock):
    from segmentation import services as seg_services

    team = scored_team(tenant, month=MONTH)
    with time_machine.travel(datetime.datetime(2026, 5, 20, 12, 0), tick=False), tenant_context(tenant):
        for stage in ("trial", "regular", "loyal"):
            seg_services.adoption_set(tenant=tenant, by=team.rep, doctor=team.doctor, product=team.product, stage=stage)
    rep = next(r for r in _card(team, team.admin).reps if r.rep.pk == team.rep.pk)
    assert rep.line(Kpi.NEW_ADOPTERS).value == 1.0  # the first move to "regular", counted once


def test_a_manager_sees_their_team_only(tenant, make_user, clock):
    team = scored_team(tenant, month=MONTH)
    other = scored_team(tenant, "Q", month=MONTH)
    mine = {r.rep.pk for r in _card(team, team.manager).reps}
    assert mine == {team.rep.pk, team.rep2.pk}
    assert {r.rep.pk for r in _card(team, team.admin).reps} >= mine | {other.rep.pk}
    assert _card(team, team.rep).reps == []


def test_pages_and_export(client, tenant, clock):
    team = scored_team(tenant, month=MONTH)
    client.force_login(team.manager)
    page = client.get(reverse("kpi_scorecard") + "?period=2026-05")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-rep-id="{team.rep.pk}"' in html and f'data-rep-id="{team.rep2.pk}"' in html
    detail = client.get(reverse("kpi_rep", args=[team.rep2.pk]) + "?period=2026-05")
    assert detail.status_code == 200 and 'data-kpi="ab_coverage"' in detail.content.decode()
    csv = b"".join(client.get(reverse("kpi_export", args=["csv"]) + "?period=2026-05").streaming_content).decode(
        "utf-8-sig"
    )
    lines = csv.strip().splitlines()
    assert len(lines) == 3 and lines[1].startswith("1,")
    xlsx = client.get(reverse("kpi_export", args=["xlsx"]) + "?period=2026-05")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")
    assert client.get(reverse("kpi_export", args=["pdf"])).status_code == 400
    other = scored_team(tenant, "Q", month=MONTH)
    assert client.get(reverse("kpi_rep", args=[other.rep.pk])).status_code == 404  # not in the team
    client.force_login(team.rep)
    assert client.get(reverse("kpi_scorecard")).status_code == 403
