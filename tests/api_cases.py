"""The generic API test case (NetBox's ``APIViewTestCases``, as data): CRUD and the role matrix.

An endpoint registers a builder with :func:`api_case` under its router basename, next to its
isolation case (``tests/<app>/api_cases.py``). The builder gets the tenant and returns an
:class:`APICase`: an existing row, valid bodies, and who may do what. tests/test_api_cases.py
then runs, once per role of :class:`crm.roles.Role`, as a user of that role (given its place by
``prepare_user`` first, when the case has one: e.g. a rep on the row's territory):

* list and detail: 200 for ``readers`` (detail: for the roles that see the row), else 403;
* create (``POST`` ``create``): 201 and the row exists for ``creators``, else 403 and no row;
* update (``PATCH`` ``update``): 200 and the change is made for ``updaters``, else 403 and the
  row is unchanged;
* delete: 204 and ``deleted(row)`` for ``deleters``, else 403 and the row is unchanged;
* a row locked by design (``locked``: a submitted report) answers 409 to its updaters and
  deleters, and stays unchanged.

A new endpoint adds data here, not test code; a meta-test fails when a route has no case.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from crm.permissions import ALL_ROLES

CASES: dict[str, Callable] = {}


def _row_gone(obj) -> bool:
    from crm.tenancy import tenant_context

    with tenant_context(obj.tenant_id):
        return not type(obj).objects.filter(pk=obj.pk).exists()


@dataclasses.dataclass
class APICase:
    """One endpoint's CRUD and role matrix."""

    obj: object  # an existing row of the tenant (detail, update, delete)
    create: dict | None = None  # a valid POST body (None: the endpoint does not create)
    update: dict | None = None  # a valid PATCH body that changes ``obj`` (None: no update)
    delete: bool = False  # the endpoint answers DELETE on ``obj``
    readers: frozenset = ALL_ROLES  # list and detail
    writers: frozenset = frozenset()  # the default of creators, updaters and deleters
    creators: frozenset | None = None
    updaters: frozenset | None = None
    deleters: frozenset | None = None
    visible_to: frozenset | None = None  # roles that see ``obj`` in detail (default: readers)
    changed: Callable | None = None  # (fresh obj) -> bool: the PATCH took effect (default: any field changed)
    deleted: Callable = _row_gone  # (obj) -> bool: the DELETE took effect (e.g. deactivated)
    locked: bool = False  # updaters and deleters are answered 409, the row stays as it was
    # (user) -> None: gives the matrix's user its place before it signs in (a rep the row's
    # territory, a distributor rep the distributor covering it), so that the field sees the row.
    prepare_user: Callable | None = None

    def roles(self, what: str) -> frozenset:
        explicit = getattr(self, what)
        return frozenset(self.writers if explicit is None else explicit)


def api_case(basename):
    """Register ``builder(tenant, make_user) -> APICase`` for the route ``basename``."""

    def register(builder):
        CASES[basename] = builder
        return builder

    return register
