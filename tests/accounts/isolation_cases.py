"""Isolation cases of the accounts endpoints and pages (run by tests/test_isolation.py)."""

from django.urls import reverse

from tests.factories import TerritoryAssignmentFactory, territory_tree
from tests.isolation import IsolationCase, isolation_case


def _trees(tenant, other_tenant):
    return territory_tree(tenant, "A"), territory_tree(other_tenant, "B")


@isolation_case("territory")
def territory_api(tenant, other_tenant, make_user):
    own, foreign = _trees(tenant, other_tenant)
    return IsolationCase(
        user=make_user(tenant, "tenant_admin"),
        own=list(own),
        foreign=list(foreign),
        list_url=reverse("territory-list"),
        detail_url=lambda t: reverse("territory-detail", args=[t.pk]),
        update_payload={"name": "被篡改", "code": "HACK", "level": "region", "parent": None},
    )


@isolation_case("territory-assignment")
def assignment_api(tenant, other_tenant, make_user):
    (_, _, own_t, _), (_, _, foreign_t, _) = _trees(tenant, other_tenant)
    own = TerritoryAssignmentFactory(territory=own_t)
    foreign = TerritoryAssignmentFactory(territory=foreign_t)
    admin = make_user(tenant, "tenant_admin")
    return IsolationCase(
        user=admin,
        own=[own],
        foreign=[foreign],
        list_url=reverse("territory-assignment-list"),
        detail_url=lambda a: reverse("territory-assignment-detail", args=[a.pk]),
        update_payload={"user": admin.pk, "territory": own_t.pk},
    )


@isolation_case("user")
def user_api(tenant, other_tenant, make_user):
    me = make_user(tenant, "manager")
    return IsolationCase(
        user=me,
        own=[me, make_user(tenant, "rep")],
        foreign=[make_user(other_tenant, "rep"), make_user(other_tenant, "tenant_admin")],
        list_url=reverse("user-list"),
        detail_url=lambda u: reverse("user-detail", args=[u.pk]),
        writable=False,
    )


@isolation_case("page:territory_detail")
def territory_pages(tenant, other_tenant, make_user):
    own, foreign = _trees(tenant, other_tenant)
    return IsolationCase(
        kind="page",
        user=make_user(tenant, "product_manager"),
        own=list(own),
        foreign=list(foreign),
        list_url=reverse("territory_list"),
        detail_url=lambda t: reverse("territory_detail", args=[t.pk]),
        text=lambda t: t.name,
    )
