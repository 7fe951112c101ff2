"""Base classes of the API: tenant scoping after authentication, errors (pagination: crm.pagination)."""

import functools

from rest_framework import viewsets

from crm import tenancy
from crm.permissions import IsTenantUser


class TenantScopedAPIMixin:
    """Enter the authenticated user's tenant before permissions and the handler run.

    DRF authenticates inside the view (token clients are unknown to the middleware), so the
    tenant is set here, in ``initial()``; TenantMiddleware's scope undoes it at the end of the
    request.
    """

    permission_classes = [IsTenantUser]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("get_queryset")
        if own is not None and not getattr(own, "_schema_safe", False):
            cls.get_queryset = _schema_safe(own)

    def initial(self, request, *args, **kwargs):
        user = request.user  # runs DRF authentication
        if user.is_authenticated and user.tenant_id is not None:
            tenancy.activate(user.tenant_id)
        super().initial(request, *args, **kwargs)


class TenantModelViewSet(TenantScopedAPIMixin, viewsets.ModelViewSet):
    """CRUD on a tenant-owned model; the tenant of a new row is the caller's."""

    def perform_create(self, serializer):
        serializer.save(tenant_id=self.request.user.tenant_id)


class TenantReadOnlyViewSet(TenantScopedAPIMixin, viewsets.ReadOnlyModelViewSet):
    """List and detail of a tenant-owned model."""


def exception_handler(exc, context):
    """DRF's handler, plus model validation errors (from services) as 400 with field messages."""
    from django.core.exceptions import ValidationError as DjangoValidationError
    from rest_framework import exceptions
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    return drf_exception_handler(exc, context)


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
