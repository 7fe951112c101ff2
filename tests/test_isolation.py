"""Every API endpoint and page, checked with the one shared isolation helper."""

import importlib
import pkgutil
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

import tests
from crm.api import router
from tests.isolation import CASES, assert_api_isolated, assert_page_isolated

for _mod in pkgutil.walk_packages(tests.__path__, "tests."):
    if _mod.name.endswith(".isolation_cases"):
        importlib.import_module(_mod.name)


@pytest.mark.parametrize("name", sorted(CASES))
def test_other_tenant_is_invisible(name, tenant, other_tenant, make_user, api_client, client):
    case = CASES[name](tenant, other_tenant, make_user)
    if case.kind == "api":
        assert_api_isolated(api_client, case)
    else:
        assert_page_isolated(client, case)


def test_every_api_route_has_an_isolation_case():
    missing = {basename for _, _, basename in router.registry} - set(CASES)
    assert not missing, f"API routes without an isolation case: {sorted(missing)}"


def _object_pages(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            route = prefix + str(p.pattern)
            if re.match(r"^(admin|api|i18n)/", route):
                continue
            yield from _object_pages(p.url_patterns, route)
        elif isinstance(p, URLPattern) and "<int:pk>" in prefix + str(p.pattern):
            yield p.name


def test_every_object_page_has_an_isolation_case():
    missing = set(_object_pages(get_resolver().url_patterns)) - {
        n.removeprefix("page:") for n in CASES if n.startswith("page:")
    }
    assert not missing, f"pages showing one object without an isolation case: {sorted(missing)}"
