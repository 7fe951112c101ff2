"""CRUD and role matrix of the accounts API (run by tests/test_api_cases.py)."""

from crm import permissions as p
from tests.api_cases import APICase, api_case
from tests.factories import TerritoryAssignmentFactory, territory_tree


@api_case("territory")
def territory(tenant, make_user):
    region, district, t1, _t2 = territory_tree(tenant, "K")
    return APICase(
        obj=t1,
        create={"name": "静安", "code": "K-JA", "level": "territory", "parent": district.pk},
        update={"name": "浦东新区"},
        delete=True,
        writers=p.ADMIN_ROLES,
        visible_to=p.HEAD_OFFICE_ROLES,  # the field sees only the nodes it covers
    )


@api_case("user")
def user(tenant, make_user):
    # Colleagues of the tenant, read by all; users are managed in Django admin, not here.
    return APICase(obj=make_user(tenant, "medical_affairs", name="周医学"))


@api_case("territory-assignment")
def territory_assignment(tenant, make_user):
    _region, district, t1, t2 = territory_tree(tenant, "TA")
    rep = make_user(tenant, "rep")
    return APICase(
        obj=TerritoryAssignmentFactory(territory=t1, user=rep),
        create={"user": make_user(tenant, "manager").pk, "territory": district.pk},
        update={"territory": t2.pk},
        delete=True,
        writers=p.ADMIN_ROLES,
    )
