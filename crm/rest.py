"""The one API base of the project: tenant scoping after authentication, roles per action,
reads from a selector and writes through services (pagination: crm.pagination).

A viewset of an app is declared, not programmed::

    class ComplaintViewSet(TenantModelViewSet):
        serializer_class = ComplaintSerializer
        filterset_class = filters.ComplaintFilter
        write_roles = permissions.COMPLAINT_HANDLERS           # crm/permissions.py
        action_roles = {"close": permissions.QUALITY_ROLES}
        selector = selectors.complaint_list                    # (*, tenant, user) -> QuerySet
        create_service = services.complaint_create             # (*, tenant, by, **data) -> obj
        update_service = services.complaint_update             # (*, tenant, by, complaint=obj, **data) -> obj
        delete_service = services.complaint_withdraw           # (*, tenant, by, complaint=obj)
        instance_kwarg = "complaint"

``self.tenant`` is the caller's tenant **id** (an int), as ``user.tenant_id`` in views and
``tenant_id`` in tasks; services and selectors accept a Tenant or its id
(:func:`crm.tenancy.tenant_id_of`). Another tenant's object is 404 (the selector never
returns it). Roles: :class:`crm.permissions.RolePermission`.
"""

import functools

from rest_framework import viewsets

from crm import tenancy
from crm.permissions import ALL_ROLES, RolePermission

SERVICE_ATTRIBUTES = ("selector", "create_service", "update_service", "delete_service")


def _schema_safe(get_queryset):
    """Let the OpenAPI generator (no user, no tenant) see an empty queryset of the right model."""

    @functools.wraps(get_queryset)
    def wrapper(self):
        if getattr(self, "swagger_fake_view", False):
            # The viewset's own serializer (an action may swap in a plain one without a model).
            serializer = type(self).serializer_class or self.get_serializer_class()
            return serializer.Meta.model._base_manager.none()
        return get_queryset(self)

    wrapper._schema_safe = True
    return wrapper


class TenantScopedAPIMixin:
    """Enter the authenticated user's tenant before permissions and the handler run.

    DRF authenticates inside the view (token clients are unknown to the middleware), so the
    tenant is set here, in ``initial()``; TenantMiddleware's scope undoes it at the end of the
    request. Roles: ``read_roles`` / ``write_roles`` / ``action_roles`` (crm.permissions).
    """

    permission_classes = [RolePermission]
    read_roles: frozenset = ALL_ROLES
    write_roles: frozenset = frozenset()
    action_roles: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("get_queryset")
        if own is not None and not getattr(own, "_schema_safe", False):
            cls.get_queryset = _schema_safe(own)
        # Selectors and services are plain functions: never bind them as methods.
        for name in SERVICE_ATTRIBUTES:
            value = cls.__dict__.get(name)
            if callable(value) and not isinstance(value, staticmethod):
                setattr(cls, name, staticmethod(value))

    def initial(self, request, *args, **kwargs):
        user = request.user  # runs DRF authentication
        if user.is_authenticated and user.tenant_id is not None:
            tenancy.activate(user.tenant_id)
        super().initial(request, *args, **kwargs)

    @property
    def tenant(self) -> int:
        """The caller's tenant id."""
        return self.request.user.tenant_id


class _SelectorBacked:
    """``get_queryset`` from ``selector(tenant=, user=)`` when the viewset names one."""

    selector = None  # (*, tenant, user) -> QuerySet of what the caller may see

    @_schema_safe
    def get_queryset(self):
        if self.selector is None:
            return super().get_queryset()
        return self.selector(tenant=self.tenant, user=self.request.user)


class TenantModelViewSet(TenantScopedAPIMixin, _SelectorBacked, viewsets.ModelViewSet):
    """CRUD on a tenant-owned model: reads from ``selector``, writes through the services the
    viewset names (module docstring); without them, the serializer saves the row in the
    caller's tenant. Override ``perform_*`` for what does not fit."""

    create_service = None  # (*, tenant, by, **validated_data) -> instance
    update_service = None  # (*, tenant, by, <instance_kwarg>=instance, **validated_data) -> instance
    delete_service = None  # (*, tenant, by, <instance_kwarg>=instance)
    instance_kwarg = ""

    def perform_create(self, serializer):
        if self.create_service is None:
            serializer.save(tenant_id=self.tenant)
            return
        serializer.instance = self.create_service(tenant=self.tenant, by=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        if self.update_service is None:
            serializer.save()
            return
        serializer.instance = self.update_service(
            tenant=self.tenant,
            by=self.request.user,
            **{self.instance_kwarg: serializer.instance},
            **serializer.validated_data,
        )

    def perform_destroy(self, instance):
        if self.delete_service is None:
            instance.delete()
            return
        self.delete_service(tenant=self.tenant, by=self.request.user, **{self.instance_kwarg: instance})


class TenantReadOnlyViewSet(TenantScopedAPIMixin, _SelectorBacked, viewsets.ReadOnlyModelViewSet):
    """List and detail of a tenant-owned model (``@action``s may still write, per ``action_roles``)."""


def exception_handler(exc, context):
    """DRF's handler, plus model validation errors (from services) as 400 with field messages."""
    from django.core.exceptions import ValidationError as DjangoValidationError
    from rest_framework import exceptions
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    return drf_exception_handler(exc, context)
