"""CRUD and role matrix of the analytics API (run by tests/test_api_cases.py)."""

from analytics import services
from crm import permissions as p
from crm.tenancy import tenant_context
from tests.api_cases import APICase, api_case
from tests.visits.factories import field_team


@api_case("kpi-target")
def kpi_target(tenant, make_user):
    with tenant_context(tenant):
        obj = services.kpi_target_set(tenant=tenant, by=None, kpi="calls", weight=20, target=50)
    return APICase(
        obj=obj,
        create={"kpi": "sales", "weight": "10", "target": "200000"},
        update={"weight": "25"},
        delete=True,
        readers=p.KPI_ROLES,
        writers=p.KPI_EDITORS,
    )


@api_case("kpi-score")
def kpi_score(tenant, make_user):
    team = field_team(tenant, "S")
    # The rep is in the manager's team of field_team, not in a new manager's: head office sees it.
    return APICase(obj=team.rep, readers=p.KPI_ROLES, visible_to=p.KPI_ALL_READERS)
