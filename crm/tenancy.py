"""Tenancy primitives: the current tenant in context, and the platform path.

The tenant-owned base model and its managers are in :mod:`crm.models`.

The current tenant lives in a context variable. It is set:

* once per browser request by :class:`crm.middleware.TenantMiddleware` (from the user),
* in the API by :class:`crm.rest.TenantScopedAPIMixin` right after DRF authenticated the user,
* once per Celery task by :class:`crm.celery.TenantTask` from its explicit ``tenant_id`` argument,
* in scripts and tests with ``with tenant_context(tenant):``.

Two walls keep tenants apart:

1. the default manager of every tenant-owned model (:class:`crm.models.TenantManager`) filters by
   the current tenant and *raises* when there is none (fail closed: never every tenant's rows);
2. PostgreSQL row-level security: the database backend (:mod:`crm.db.base`) puts the current
   tenant into ``app.tenant_id`` for each transaction, and every tenant-owned table has a
   FORCE'd policy on it (:class:`crm.db.migrations.EnableTenantRLS`).

Platform-wide work (platform staff in Django admin, the scheduler that enumerates tenants)
goes through the one explicitly named path, :func:`platform_scope`.
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar

_current_tenant_id: ContextVar[int | None] = ContextVar("crm_current_tenant_id", default=None)
_platform: ContextVar[bool] = ContextVar("crm_platform_scope", default=False)


class TenantNotSetError(RuntimeError):
    """A tenant-owned model was queried with no tenant in context (and no platform scope)."""


def current_tenant_id() -> int | None:
    """The id of the tenant this request, task or block works for, or None."""
    return _current_tenant_id.get()


def tenant_id_of(tenant) -> int | None:
    """The id of ``tenant`` (a Tenant or its id): services and selectors accept either."""
    tenant_id = getattr(tenant, "pk", tenant)
    return int(tenant_id) if tenant_id is not None else None


def in_platform_scope() -> bool:
    """True inside :func:`platform_scope` (platform staff, scheduler)."""
    return _platform.get()


def activate(tenant) -> object:
    """Set the current tenant (a Tenant, its id, or None) and return a token for :func:`deactivate`."""
    return _current_tenant_id.set(tenant_id_of(tenant))


def deactivate(token) -> None:
    """Restore the tenant that was current before the matching :func:`activate`."""
    _current_tenant_id.reset(token)


@contextlib.contextmanager
def tenant_context(tenant):
    """Run a block as ``tenant`` (a Tenant or its id); leaves platform scope for the block."""
    token = activate(tenant)
    ptoken = _platform.set(False)
    try:
        yield
    finally:
        _platform.reset(ptoken)
        deactivate(token)


@contextlib.contextmanager
def platform_scope():
    """The explicitly named platform-wide path: every tenant's rows, RLS bypassed by policy.

    Only platform staff (superusers) and platform jobs may enter it; see
    :class:`crm.middleware.TenantMiddleware` and :mod:`crm.tasks`.
    """
    token = _current_tenant_id.set(None)
    ptoken = _platform.set(True)
    try:
        yield
    finally:
        _platform.reset(ptoken)
        _current_tenant_id.reset(token)
