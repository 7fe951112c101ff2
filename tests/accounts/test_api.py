"""Accounts API: who sees which part of the tree, who may change it, token clients."""

import pytest
from django.urls import reverse

from accounts.models import Territory
from accounts.services import api_token_create
from crm.tenancy import tenant_context
from tests.factories import WITH_PLATFORM, TerritoryAssignmentFactory, territory_tree

pytestmark = pytest.mark.django_db


def _codes(response):
    assert response.status_code == 200, response.content
    return {row["code"] for row in response.json()["results"]}


def test_rep_sees_only_their_territories(api_client, tenant, make_user):
    region, district, t1, t2 = territory_tree(tenant, "A")
    rep = make_user(tenant, "rep")
    TerritoryAssignmentFactory(territory=t1, user=rep)
    api_client.force_login(rep)
    assert _codes(api_client.get(reverse("territory-list"))) == {"A-T1"}
    assert api_client.get(reverse("territory-detail", args=[t2.pk])).status_code == 404


def test_manager_sees_the_subtree_they_manage(api_client, tenant, make_user):
    region, district, t1, t2 = territory_tree(tenant, "A")
    territory_tree(tenant, "Z")
    manager = make_user(tenant, "manager")
    TerritoryAssignmentFactory(territory=district, user=manager)
    api_client.force_login(manager)
    assert _codes(api_client.get(reverse("territory-list"))) == {"A-D", "A-T1", "A-T2"}


def test_product_manager_sees_the_whole_tree_but_cannot_change_it(api_client, tenant, make_user):
    territory_tree(tenant, "A")
    api_client.force_login(make_user(tenant, "product_manager"))
    assert len(_codes(api_client.get(reverse("territory-list")))) == 4
    response = api_client.post(reverse("territory-list"), {"name": "华南", "code": "S", "level": "region"})
    assert response.status_code == 403


def test_admin_creates_a_territory_and_a_wrong_parent_is_a_clear_400(api_client, tenant, tenant_admin):
    region, district, t1, _ = territory_tree(tenant, "A")
    api_client.force_login(tenant_admin)
    ok = api_client.post(
        reverse("territory-list"), {"name": "苏州片区", "code": "A-T3", "level": "territory", "parent": district.pk}
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["parent"] == district.pk
    bad = api_client.post(
        reverse("territory-list"), {"name": "错误片区", "code": "A-T4", "level": "territory", "parent": region.pk}
    )
    assert bad.status_code == 400
    assert "parent" in bad.json()
    duplicate = api_client.post(reverse("territory-list"), {"name": "重复", "code": "A-T1", "level": "region"})
    assert duplicate.status_code == 400
    with tenant_context(tenant):
        assert Territory.objects.filter(code__in=["A-T4"]).count() == 0
        assert Territory.objects.count() == 5


def test_admin_cannot_assign_a_user_of_another_tenant(api_client, tenant, other_tenant, tenant_admin, make_user):
    _, _, t1, _ = territory_tree(tenant, "A")
    stranger = make_user(other_tenant, "rep")
    api_client.force_login(tenant_admin)
    response = api_client.post(reverse("territory-assignment-list"), {"user": stranger.pk, "territory": t1.pk})
    assert response.status_code == 400
    assert "user" in response.json()


def test_token_client_gets_its_own_tenant(api_client, tenant, other_tenant, make_user):
    territory_tree(tenant, "A")
    territory_tree(other_tenant, "B")
    pm = make_user(other_tenant, "product_manager")
    with tenant_context(other_tenant):
        _, key = api_token_create(tenant=other_tenant, by=pm, user=pm)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert _codes(api_client.get(reverse("territory-list"))) == {"B-R", "B-D", "B-T1", "B-T2"}
    me = api_client.get(reverse("api-me")).json()
    assert me["username"] == pm.username and me["role"] == "product_manager"


@WITH_PLATFORM
def test_anonymous_and_platform_staff_get_no_tenant_data(api_client, tenant, platform_staff):
    territory_tree(tenant, "A")
    anonymous = api_client.get(reverse("territory-list"))
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"] == 'Token realm="api"'
    api_client.force_login(platform_staff)
    assert api_client.get(reverse("territory-list")).status_code == 403


def test_list_is_cursor_paginated_without_a_count(api_client, tenant, make_user):
    for i in range(5):
        territory_tree(tenant, f"P{i}")
    api_client.force_login(make_user(tenant, "product_manager"))
    body = api_client.get(reverse("territory-list"), {"page_size": 7}).json()
    assert "count" not in body and len(body["results"]) == 7 and body["next"]
    second = api_client.get(body["next"]).json()
    assert not {r["id"] for r in body["results"]} & {r["id"] for r in second["results"]}


def test_openapi_schema_and_docs(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/territories/" in schema.content
    assert client.get("/api/docs/").status_code == 200


def test_a_client_obtains_a_token_with_username_and_password(api_client, tenant, make_user):
    from tests.factories import TEST_PASSWORD

    pm = make_user(tenant, "product_manager")
    response = api_client.post(reverse("api-token"), {"username": pm.username, "password": TEST_PASSWORD})
    assert response.status_code == 200
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert api_client.get(reverse("api-me")).json()["username"] == pm.username
    wrong = api_client.post(reverse("api-token"), {"username": pm.username, "password": "nope"})
    assert wrong.status_code == 400
