"""The shared tenant-isolation check for every API endpoint and page.

Each endpoint or page registers a case with :func:`isolation_case`: a builder that, given two
tenants, creates objects in both and says where they are listed and shown. One parametrized
test (tests/test_isolation.py) runs every case, signed in as a user of the first tenant, and
asserts what DESIGN.md §3 promises: the other tenant's objects are absent from lists and
answer 404 on detail, update and delete — and are still there, unchanged, afterwards. A
meta-test fails when an API route has no case.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

CASES: dict[str, Callable] = {}


@dataclasses.dataclass
class IsolationCase:
    """What one endpoint or page shows, for the isolation check."""

    user: object  # a user of the first tenant, allowed to use the endpoint
    own: list  # objects of the first tenant, which the user must see
    foreign: list  # objects of the other tenant, which must stay invisible
    list_url: str | None = None
    detail_url: Callable | None = None  # obj -> url
    update_payload: dict | None = None  # a valid PUT/PATCH body (API)
    kind: str = "api"  # "api" or "page"
    writable: bool = True  # API endpoints that allow PUT/PATCH/DELETE
    text: Callable = str  # obj -> what a page would print of it


def isolation_case(name):
    """Register ``builder(tenant, other_tenant, make_user) -> IsolationCase`` under ``name``.

    For the API, ``name`` is the router basename, so the meta-test can tell which routes lack one.
    """

    def register(builder):
        CASES[name] = builder
        return builder

    return register


def _result_ids(client, url):
    ids, pages = [], 0
    while url and pages < 100:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        body = response.json()
        rows = body["results"] if isinstance(body, dict) and "results" in body else body
        ids.extend(row["id"] for row in rows)
        url = body.get("next") if isinstance(body, dict) else None
        pages += 1
    return ids


def assert_api_isolated(client, case: IsolationCase):
    """The API as a user of the first tenant: own objects listed, foreign ones 404 everywhere."""
    client.force_login(case.user)
    listed = set(_result_ids(client, case.list_url))
    assert {o.pk for o in case.own} <= listed, "the user's own objects must be listed"
    assert not listed & {o.pk for o in case.foreign}, "another tenant's objects were listed"

    for obj in case.own[:1]:
        assert client.get(case.detail_url(obj)).status_code == 200
    for obj in case.foreign:
        url = case.detail_url(obj)
        assert client.get(url).status_code == 404
        if case.writable:
            payload = case.update_payload or {}
            assert client.put(url, payload, format="json").status_code == 404
            assert client.patch(url, payload, format="json").status_code == 404
            assert client.delete(url).status_code == 404
        else:
            # A read-only endpoint refuses the method for every object alike (405): no leak.
            assert client.delete(url).status_code in (404, 405)
    _assert_unchanged(case.foreign)


def assert_page_isolated(client, case: IsolationCase):
    """The browser pages: own objects shown, foreign ones neither listed nor reachable."""
    client.force_login(case.user)
    if case.list_url:
        html = client.get(case.list_url).content.decode()
        for obj in case.own:
            assert case.text(obj) in html, f"own object {case.text(obj)!r} missing from the list page"
        for obj in case.foreign:
            assert case.text(obj) not in html, f"another tenant's {case.text(obj)!r} is on the list page"
    for obj in case.own[:1]:
        assert client.get(case.detail_url(obj)).status_code == 200
    for obj in case.foreign:
        assert client.get(case.detail_url(obj)).status_code == 404
        assert client.post(case.detail_url(obj), {}).status_code in (404, 405)
    _assert_unchanged(case.foreign)


def _assert_unchanged(objects):
    from crm.tenancy import tenant_context

    for obj in objects:
        model = type(obj)
        with tenant_context(obj.tenant_id):
            fresh = model.objects.get(pk=obj.pk)
        for field in model._meta.concrete_fields:
            assert getattr(fresh, field.attname) == getattr(obj, field.attname), (
                f"{model.__name__}.{field.name} of another tenant changed"
            )
