"""CRUD and role matrix of the segmentation API (run by tests/test_api_cases.py)."""

from crm import permissions as p
from crm.tenancy import tenant_context
from segmentation import services
from tests.api_cases import APICase, api_case


@api_case("scorecard")
def scorecard(tenant, make_user):
    with tenant_context(tenant):
        obj = services.scorecard_create(tenant=tenant, by=None, name="心血管分级")
    return APICase(
        obj=obj,
        create={"name": "肿瘤线分级"},
        update={"description": "季度分级"},
        delete=True,
        writers=p.SCORECARD_ROLES,
    )


@api_case("tier-setting")
def tier_setting(tenant, make_user):
    with tenant_context(tenant):
        obj = services.tier_setting_set(
            tenant=tenant, by=None, tier="A", visits_per_month=4, preferred_channel="in_person", online_allowed=False
        )
    return APICase(
        obj=obj,
        create={"tier": "B", "visits_per_month": 2, "preferred_channel": "phone"},
        update={"visits_per_month": 6},
        delete=True,
        writers=p.SCORECARD_ROLES,
    )
