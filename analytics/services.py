"""Writes of analytics: the tenant's KPI weights and targets (the only rows it owns)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from analytics.models import KpiTarget
from crm.tenancy import tenant_id_of


@transaction.atomic
def kpi_target_set(*, tenant, by, kpi: str, weight, target) -> KpiTarget:
    """Set (create or replace) the weight and target of ``kpi`` for the tenant."""
    row = KpiTarget.objects.for_tenant(tenant).filter(kpi=kpi).first() or KpiTarget(
        tenant_id=tenant_id_of(tenant), kpi=kpi
    )
    row.weight, row.target = weight, target
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def kpi_target_update(*, tenant, by, kpi_target: KpiTarget, **fields) -> KpiTarget:
    """Change the weight or target of one KPI (its KPI does not change)."""
    if "kpi" in fields and fields["kpi"] != kpi_target.kpi:
        raise ValidationError({"kpi": _("The KPI of a target does not change; set the other KPI instead.")})
    for name in ("weight", "target"):
        if name in fields:
            setattr(kpi_target, name, fields[name])
    kpi_target.full_clean()
    kpi_target.save()
    return kpi_target


@transaction.atomic
def kpi_target_reset(*, tenant, by, kpi_target: KpiTarget) -> None:
    """Back to the default weight and target of the KPI."""
    kpi_target.delete()
