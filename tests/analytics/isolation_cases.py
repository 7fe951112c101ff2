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
