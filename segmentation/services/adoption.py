"""The adoption ladder per doctor and product."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from crm.permissions import ADOPTION_ROLES
from crm.tenancy import tenant_id_of
from hospitals.models import Product
from segmentation.models import (
    Adoption,
)
from segmentation.services._shared import _require, _same_tenant

# --- adoption -----------------------------------------------------------------------------------


@transaction.atomic
def adoption_set(*, tenant, by, doctor, product, stage, note="") -> Adoption:
    """Set where ``doctor`` stands on the adoption ladder of ``product``.

    Field roles may set it only for doctors they see (hospitals.selectors.visible_doctors).
    """
    from hospitals.selectors import can_see_doctor

    _require(by, ADOPTION_ROLES)
    _same_tenant(tenant, doctor)
    _same_tenant(tenant, product)
    if by is not None and not can_see_doctor(tenant=tenant, user=by, doctor=doctor):
        raise PermissionDenied(_("You may not change this."))
    if isinstance(product, Product) and not product.is_own:
        raise ValidationError({"product": _("The adoption ladder is for our own products.")})
    adoption = Adoption.objects.for_tenant(tenant).select_for_update().filter(doctor=doctor, product=product).first()
    if adoption is None:
        adoption = Adoption(tenant_id=tenant_id_of(tenant), doctor=doctor, product=product)
    elif adoption.stage == stage and adoption.note == note:
        return adoption
    adoption.stage = stage
    adoption.note = note
    adoption.updated_by = by
    adoption.full_clean()
    adoption._history_user = by
    adoption.save()
    return adoption


@transaction.atomic
def adoption_delete(*, tenant, by, adoption) -> None:
    """Remove a doctor's stage for a product (history keeps it)."""
    from hospitals.selectors import can_see_doctor

    _require(by, ADOPTION_ROLES)
    _same_tenant(tenant, adoption)
    if by is not None and not can_see_doctor(tenant=tenant, user=by, doctor=adoption.doctor_id):
        raise PermissionDenied(_("You may not change this."))
    adoption._history_user = by
    adoption.delete()
