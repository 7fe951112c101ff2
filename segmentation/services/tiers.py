"""Tier overrides by hand and tier settings (visits per month, channel)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.permissions import SCORECARD_ROLES
from crm.tenancy import tenant_id_of
from segmentation.models import (
    Tier,
    TierOverride,
    TierSetting,
)
from segmentation.services._shared import _require, _same_tenant

# --- overrides ----------------------------------------------------------------------------------


@transaction.atomic
def tier_override_set(*, tenant, by, doctor, tier, reason, expires_on) -> TierOverride:
    """Set a doctor's tier by hand until ``expires_on`` (inclusive); wins over the scored tier."""
    _require(by, SCORECARD_ROLES)
    _same_tenant(tenant, doctor)
    if tier not in Tier.values:
        raise ValidationError({"tier": _("Choose a tier.")})
    if expires_on is None or expires_on < timezone.localdate():
        raise ValidationError({"expires_on": _("The expiry date must be today or later.")})
    override = TierOverride(
        tenant_id=tenant_id_of(tenant),
        doctor=doctor,
        tier=tier,
        reason=(reason or "").strip(),
        expires_on=expires_on,
        created_by=by,
    )
    override.full_clean()
    override._history_user = by
    override.save()
    return override


@transaction.atomic
def tier_override_revoke(*, tenant, by, override) -> TierOverride:
    """End an override now (it stays in the history with who revoked it and when)."""
    _require(by, SCORECARD_ROLES)
    _same_tenant(tenant, override)
    if override.revoked_at is None:
        override.revoked_at = timezone.now()
        override.revoked_by = by
        override._history_user = by
        override.save(update_fields=["revoked_at", "revoked_by"])
    return override


# --- tier settings ------------------------------------------------------------------------------


@transaction.atomic
def tier_setting_set(*, tenant, by, tier, visits_per_month, preferred_channel, online_allowed=False) -> TierSetting:
    """Set a tier's target visits per month and preferred channel (history kept)."""
    _require(by, SCORECARD_ROLES)
    setting = TierSetting.objects.for_tenant(tenant).filter(tier=tier).first() or TierSetting(
        tenant_id=tenant_id_of(tenant), tier=tier
    )
    setting.visits_per_month = visits_per_month
    setting.preferred_channel = preferred_channel
    setting.online_allowed = online_allowed
    setting.full_clean()
    setting._history_user = by
    setting.save()
    return setting


@transaction.atomic
def tier_setting_reset(*, tenant, by, setting) -> None:
    """Back to the default for the tier (the row goes; history keeps it)."""
    _require(by, SCORECARD_ROLES)
    _same_tenant(tenant, setting)
    setting._history_user = by
    setting.delete()
