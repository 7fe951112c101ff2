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

from rest_framework import serializers, viewsets

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
    """DRF's handler, plus: model validation errors (from services) as 400 with field messages;
    a unique or check constraint the database refused as 400 naming the fields; a delete that
    other rows still protect as 409 saying what still uses it."""
    from django.core.exceptions import ValidationError as DjangoValidationError
    from django.db import IntegrityError
    from django.db.models import ProtectedError, RestrictedError
    from rest_framework import exceptions
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DjangoValidationError):
        detail = _validation_detail(exc)
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, IntegrityError):
        request = context.get("request")
        if request is not None and request.method == "DELETE":
            return _in_use_response(exc)  # rows of another table still point at it
        exc = exceptions.ValidationError(detail=_integrity_detail(exc, context.get("view")))
    elif isinstance(exc, ProtectedError | RestrictedError):
        return _in_use_response(exc)
    return drf_exception_handler(exc, context)


def _validation_detail(exc) -> dict:
    """A Django ValidationError as DRF detail; a unique check over (tenant, field…) is reported
    on its fields, not as a message about the whole row."""
    from django.core.exceptions import NON_FIELD_ERRORS

    if not hasattr(exc, "error_dict"):
        return {"non_field_errors": exc.messages}
    detail = {}
    for key, errors in exc.error_dict.items():
        for error in errors:
            fields = [key]
            if key == NON_FIELD_ERRORS:
                checked = (error.params or {}).get("unique_check") or ()
                fields = [f for f in checked if f != "tenant"] or ["non_field_errors"]
            for field in fields:
                detail.setdefault(field, []).extend(error.messages)
    return detail


def _integrity_detail(exc, view) -> dict:
    """{field: [message]} for a constraint PostgreSQL refused (the fields of the named constraint)."""
    from django.utils.translation import gettext as _

    from crm.db import constraints

    cause = exc.__cause__
    name = getattr(getattr(cause, "diag", None), "constraint_name", None)
    model = getattr(getattr(view, "queryset", None), "model", None)
    if model is None and view is not None:
        serializer = getattr(view, "serializer_class", None)
        model = getattr(getattr(serializer, "Meta", None), "model", None)
    fields = constraints.fields_of(model, name) if model is not None and name else []
    pgcode = getattr(cause, "pgcode", "")
    if pgcode == "23505":  # unique_violation
        message = _("A record with this value already exists.")
    elif pgcode == "23503":  # foreign_key_violation
        message = _("Select a valid choice.")
    else:
        message = _("This value is not allowed.")
    return {field: [message] for field in fields} or {"non_field_errors": [message]}


def _in_use_response(exc):
    """409: what still uses the row that was to be deleted."""
    from django.utils.translation import gettext as _
    from rest_framework import status
    from rest_framework.response import Response

    users = sorted({str(obj._meta.verbose_name_plural) for obj in getattr(exc, "protected_objects", None) or []})
    if not users:
        users = sorted({str(obj._meta.verbose_name_plural) for obj in getattr(exc, "restricted_objects", None) or []})
    if not users:  # the database refused (a foreign key): name the table that still points at it
        from django.apps import apps

        table = getattr(getattr(exc.__cause__, "diag", None), "table_name", None)
        users = [str(m._meta.verbose_name_plural) for m in apps.get_models() if m._meta.db_table == table]
    detail = _("It is still in use (%(what)s): remove or change those first.") % {"what": "、".join(users) or "—"}
    return Response({"detail": detail}, status=status.HTTP_409_CONFLICT)


class IdListField(serializers.ListField):
    """The ids of a many-to-many (or reverse) relation: written as a list of ids, read back the same.

    Declared read-write, so the OpenAPI schema describes what responses carry (a write-only
    field added back in ``to_representation`` is invisible to clients generated from it).
    Prefetch the relation in the viewset's queryset: ``.all()`` then reads the cache.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("child", serializers.IntegerField())
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        return [obj.pk for obj in getattr(instance, self.source).all()]
