"""Helpers shared by the services of segmentation (not public)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from crm.tenancy import tenant_id_of


def _require(by, roles):
    """Refuse a user without one of ``roles`` (``by=None``: system work such as the scheduler)."""
    if by is not None and getattr(by, "role", None) not in roles:
        raise PermissionDenied(_("You may not change this."))


def _same_tenant(tenant, obj):
    if obj is not None and obj.tenant_id != tenant_id_of(tenant):
        raise ValidationError(_("Select a valid choice."))
