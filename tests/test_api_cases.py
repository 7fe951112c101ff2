"""Every endpoint's CRUD and role matrix, from its data in ``tests/<app>/api_cases.py`` (see tests/api_cases.py)."""

import importlib
import pkgutil

import pytest
from django.urls import reverse

import tests
from crm.api import router
from crm.roles import Role
from crm.tenancy import tenant_context
from tests.api_cases import CASES

for _mod in pkgutil.walk_packages(tests.__path__, "tests."):
    if _mod.name.endswith(".api_cases"):
        importlib.import_module(_mod.name)

# Routes that existed before the generic case did; each gets its case in time. The list only
# shrinks: a new route must come with its case (test below).
WITHOUT_CASE_YET: frozenset = frozenset()


def _fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def _fresh(obj):
    with tenant_context(obj.tenant_id):
        return type(obj).objects.get(pk=obj.pk)


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("basename", sorted(CASES))
def test_crud_and_role_matrix(basename, role, tenant, make_user, api_client):
    case = CASES[basename](tenant, make_user)
    user = make_user(tenant, role)
    if case.prepare_user is not None:
        case.prepare_user(user)
    api_client.force_login(user)
    list_url, detail_url = reverse(f"{basename}-list"), reverse(f"{basename}-detail", args=[case.obj.pk])
    reads = role in case.readers

    # Given a row of the tenant, when the role lists and opens it, then readers may, others are refused.
    assert api_client.get(list_url).status_code == (200 if reads else 403)
    if not reads:
        assert api_client.get(detail_url).status_code == 403
    elif role in (case.visible_to if case.visible_to is not None else case.readers):
        assert api_client.get(detail_url).status_code == 200

    if case.create is not None:
        response = api_client.post(list_url, case.create, format="json")
        if role in case.roles("creators"):
            assert response.status_code == 201, response.content
            with tenant_context(tenant):
                assert type(case.obj).objects.filter(pk=response.json()["id"]).exists()
        else:
            assert response.status_code == 403, response.content

    if case.update is not None:
        before = _fields(case.obj)
        response = api_client.patch(detail_url, case.update, format="json")
        if role in case.roles("updaters") and case.locked:
            assert response.status_code == 409, response.content
            assert _fields(_fresh(case.obj)) == before
        elif role in case.roles("updaters"):
            assert response.status_code == 200, response.content
            fresh = _fresh(case.obj)
            assert case.changed(fresh) if case.changed else _fields(fresh) != before
        else:
            assert response.status_code == 403, response.content
            assert _fields(_fresh(case.obj)) == before

    if case.delete:
        before = _fields(_fresh(case.obj))  # as the update above may have left it
        response = api_client.delete(detail_url)
        if role in case.roles("deleters") and case.locked:
            assert response.status_code == 409, response.content
            assert _fields(_fresh(case.obj)) == before
        elif role in case.roles("deleters"):
            assert response.status_code == 204, response.content
            assert case.deleted(case.obj)
        else:
            assert response.status_code == 403, response.content
            assert _fields(_fresh(case.obj)) == before


def test_every_api_route_has_a_crud_case():
    routes = {basename for _, _, basename in router.registry}
    missing = routes - set(CASES) - WITHOUT_CASE_YET
    assert not missing, f"API routes without a case in tests/<app>/api_cases.py: {sorted(missing)}"
    assert not WITHOUT_CASE_YET & set(CASES), "a route with a case: take it off WITHOUT_CASE_YET"
    assert routes >= WITHOUT_CASE_YET, "WITHOUT_CASE_YET names a route that no longer exists"
