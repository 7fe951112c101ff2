"""CRUD and role matrix of the accounts API (run by tests/test_api_cases.py)."""

from crm import permissions as p
from tests.api_cases import APICase, api_case
from tests.factories import territory_tree


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
