"""Isolation cases of the analytics API and pages (run by tests/test_isolation.py)."""

from django.urls import reverse

from analytics import services
from crm.tenancy import tenant_context
from tests.isolation import IsolationCase, isolation_case
from tests.visits.factories import field_team


@isolation_case("kpi-target")
def kpi_target_api(tenant, other_tenant, make_user):
    with tenant_context(tenant):
        own = services.kpi_target_set(tenant=tenant, by=None, kpi="calls", weight=20, target=50)
    with tenant_context(other_tenant):
        foreign = services.kpi_target_set(tenant=other_tenant, by=None, kpi="calls", weight=30, target=70)
    return IsolationCase(
        user=make_user(tenant, "tenant_admin"),
        own=[own],
        foreign=[foreign],
        list_url=reverse("kpi-target-list"),
        detail_url=lambda o: reverse("kpi-target-detail", args=[o.pk]),
        update_payload={"weight": "5"},
    )


@isolation_case("kpi-score")
def kpi_score_api(tenant, other_tenant, make_user):
    mine, theirs = field_team(tenant, "I"), field_team(other_tenant, "J")
    return IsolationCase(
        user=mine.admin,
        own=[mine.rep, mine.rep2],
        foreign=[theirs.rep, theirs.rep2],
        list_url=reverse("kpi-score-list"),
        detail_url=lambda o: reverse("kpi-score-detail", args=[o.pk]),
        writable=False,
    )


@isolation_case("page:kpi_rep")
def kpi_rep_page(tenant, other_tenant, make_user):
    mine, theirs = field_team(tenant, "I"), field_team(other_tenant, "J")
    return IsolationCase(
        kind="page",
        user=mine.manager,
        own=[mine.rep],
        foreign=[theirs.rep],
        list_url=reverse("kpi_scorecard"),
        detail_url=lambda u: reverse("kpi_rep", args=[u.pk]),
        text=lambda u: f'data-rep-id="{u.pk}"',
    )


@isolation_case("page:kpi_scorecard_rollup")
def kpi_scorecard_rollup_page(tenant, other_tenant, make_user):
    """Both tenants hold rows of the KPI rollup (analytics.KpiMonth) for the same month: the
    ranking lists this tenant's reps only, and the other's rep page is a 404."""
    import datetime

    from tests.analytics.helpers import scored_team

    mine = scored_team(tenant, "I", month=datetime.date(2026, 5, 1))
    theirs = scored_team(other_tenant, "J", month=datetime.date(2026, 5, 1))
    return IsolationCase(
        kind="page",
        user=mine.admin,
        own=[mine.rep, mine.rep2],
        foreign=[theirs.rep, theirs.rep2],
        list_url=reverse("kpi_scorecard") + "?period=2026-05",
        detail_url=lambda u: reverse("kpi_rep", args=[u.pk]) + "?period=2026-05",
        text=lambda u: f'data-rep-id="{u.pk}"',
    )


def _programs(tenant, other_tenant):
    from tests.analytics.roi_data import program_with_effect

    mine = program_with_effect(tenant, name="本租户项目", attendees=3, controls=3, moved=1, controls_moved=0)
    theirs = program_with_effect(other_tenant, name="他租户项目", attendees=3, controls=3, moved=1, controls_moved=0)
    return mine, theirs


@isolation_case("page:roi_program")
def roi_program_page(tenant, other_tenant, make_user):
    mine, theirs = _programs(tenant, other_tenant)
    return IsolationCase(
        kind="page",
        user=mine.pm,
        own=[mine.program],
        foreign=[theirs.program],
        list_url=reverse("roi_programs"),
        detail_url=lambda p: reverse("roi_program", args=[p.pk]),
        text=lambda p: p.name,
    )


@isolation_case("page:roi_export")
def roi_export_page(tenant, other_tenant, make_user):
    mine, theirs = _programs(tenant, other_tenant)
    return IsolationCase(
        kind="page",
        user=mine.pm,
        own=[mine.program],
        foreign=[theirs.program],
        detail_url=lambda p: reverse("roi_export", args=[p.pk, "csv"]),
    )


@isolation_case("page:roi_event")
def roi_event_page(tenant, other_tenant, make_user):
    mine, theirs = _programs(tenant, other_tenant)
    return IsolationCase(
        kind="page",
        user=mine.pm,
        own=[mine.event],
        foreign=[theirs.event],
        list_url=reverse("roi_program", args=[mine.program.pk]),
        detail_url=lambda e: reverse("roi_event", args=[e.pk]),
        text=lambda e: e.title,
    )
