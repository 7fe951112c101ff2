"""Reads of fees, with role visibility in one place: amounts and the ledger for compliance,
product managers and administrators (``crm.permissions.FEE_AMOUNT_ROLES``); a requester sees
the engagements they requested and their status only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import OuterRef, Q, QuerySet, Subquery, Sum

from crm.permissions import FEE_AMOUNT_ROLES, FEE_REQUESTERS, has_role
from crm.tenancy import tenant_id_of
from events.fees.models import (
    AuditSample,
    ComplianceSettings,
    Engagement,
    FeeFlag,
    FeeRecord,
    RateCard,
    RateCardLine,
    ToVEntry,
)
from events.fees.vocabulary import COMMITTED_STATUSES, FeeKind, ToVCategory


def compliance_settings(*, tenant) -> ComplianceSettings:
    """The tenant's settings row, or an unsaved one with the defaults."""
    tenant_id = tenant_id_of(tenant)
    return ComplianceSettings.objects.for_tenant(tenant_id).first() or ComplianceSettings(tenant_id=tenant_id)


def rate_card_on(*, tenant, on_date: dt.date) -> RateCard | None:
    """The rate card version valid on ``on_date`` (the latest that starts on or before it)."""
    return (
        RateCard.objects.for_tenant(tenant_id_of(tenant))
        .filter(valid_from__lte=on_date)
        .order_by("-valid_from")
        .first()
    )


def rate_card_line(*, tenant, service_type: str, level: str, on_date: dt.date) -> RateCardLine | None:
    card = rate_card_on(tenant=tenant, on_date=on_date)
    if card is None:
        return None
    return (
        RateCardLine.objects.for_tenant(tenant_id_of(tenant))
        .filter(rate_card=card, service_type=service_type, academic_level=level)
        .first()
    )


def can_see_amounts(user) -> bool:
    return has_role(user, FEE_AMOUNT_ROLES)


def engagement_list(*, tenant, user) -> QuerySet[Engagement]:
    """Engagements the user may see, with ``fee_status`` (and ``fee_id``) of their fee record:
    every one for compliance, product managers and administrators; a requester's own otherwise."""
    tenant_id = tenant_id_of(tenant)
    fee = FeeRecord.objects.for_tenant(tenant_id).filter(engagement=OuterRef("pk"), kind=FeeKind.FEE)
    qs = (
        Engagement.objects.for_tenant(tenant_id)
        .select_related("doctor", "doctor__hospital", "event", "requested_by")
        .annotate(fee_status=Subquery(fee.values("status")[:1]), fee_id=Subquery(fee.values("pk")[:1]))
    )
    if can_see_amounts(user):
        return qs
    if has_role(user, FEE_REQUESTERS):
        return qs.filter(requested_by=user)
    return qs.none()


def fee_list(*, tenant, user) -> QuerySet[FeeRecord]:
    """Fee records (amounts): compliance, product managers and administrators only."""
    tenant_id = tenant_id_of(tenant)
    if not can_see_amounts(user):
        return FeeRecord.objects.for_tenant(tenant_id).none()
    return FeeRecord.objects.for_tenant(tenant_id).select_related("engagement", "doctor")


def tov_list(*, tenant, user) -> QuerySet[ToVEntry]:
    """The transfer-of-value ledger: compliance, product managers and administrators only."""
    tenant_id = tenant_id_of(tenant)
    if not can_see_amounts(user):
        return ToVEntry.objects.for_tenant(tenant_id).none()
    return ToVEntry.objects.for_tenant(tenant_id)


def flag_list(
    *,
    tenant,
    user,
    rule=None,
    severity=None,
    product=None,
    region=None,
    status=None,
    date_from=None,
    date_until=None,
    doctor=None,
) -> QuerySet[FeeFlag]:
    """Audit flags with the workbench's filters (compliance, product managers, administrators)."""
    tenant_id = tenant_id_of(tenant)
    qs = FeeFlag.objects.for_tenant(tenant_id)
    if not can_see_amounts(user):
        return qs.none()
    if status:
        qs = qs.filter(status=status)
    if rule:
        qs = qs.filter(rule=rule)
    if severity:
        qs = qs.filter(severity=severity)
    if product:
        qs = qs.filter(product_id=product)
    if region:
        qs = qs.filter(region=region)
    if date_from:
        qs = qs.filter(on_date__gte=date_from)
    if date_until:
        qs = qs.filter(on_date__lte=date_until)
    if doctor:
        qs = qs.filter(doctor_id=doctor)
    return qs.select_related("doctor", "event", "engagement", "product")


def doctor_year_totals(*, tenant, doctor_id: int, year: int) -> dict:
    """A doctor's transfers of value in ``year`` from the ledger only, by category, against the
    cap: ``{"by_category": {cat: amount}, "paid": total, "committed": requested/approved fees not
    yet paid, "cap": annual cap, "remaining": cap − paid − committed}``."""
    tenant_id = tenant_id_of(tenant)
    rows = (
        ToVEntry.objects.for_tenant(tenant_id)
        .filter(doctor_id=doctor_id, on_date__gte=dt.date(year, 1, 1), on_date__lt=dt.date(year + 1, 1, 1))
        .values_list("category")
        .annotate(s=Sum("amount"))
    )
    by_category = {c: Decimal("0") for c in ToVCategory.values}
    by_category.update(dict(rows))
    paid = sum(by_category.values(), Decimal("0"))
    fee_paid = by_category[ToVCategory.FEE]
    committed = FeeRecord.objects.for_tenant(tenant_id).filter(
        doctor_id=doctor_id, kind=FeeKind.FEE, status__in=COMMITTED_STATUSES, engagement__service_date__year=year
    ).aggregate(s=Sum("amount"))["s"] or Decimal("0")
    cap = compliance_settings(tenant=tenant_id).annual_cap
    return {
        "by_category": by_category,
        "paid": paid,
        "fees_paid": fee_paid,
        "committed": committed,
        "cap": cap,
        "remaining": cap - fee_paid - committed,
        "share": float((fee_paid + committed) / cap * 100) if cap else 0.0,
    }


def audit_sample_list(*, tenant, user) -> QuerySet[AuditSample]:
    tenant_id = tenant_id_of(tenant)
    if not can_see_amounts(user):
        return AuditSample.objects.for_tenant(tenant_id).none()
    return AuditSample.objects.for_tenant(tenant_id).select_related("drawn_by")


def doctor_timeline(*, tenant, doctor_id: int, year: int) -> list[dict]:
    """Ledger rows, engagements and flags of a doctor in ``year``, newest first (per-doctor view)."""
    tenant_id = tenant_id_of(tenant)
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    items = []
    for e in ToVEntry.objects.for_tenant(tenant_id).filter(doctor_id=doctor_id, on_date__gte=start, on_date__lt=end)[
        :200
    ]:
        items.append({"on": e.on_date, "kind": "ledger", "text": f"{e.get_category_display()} {e.amount}", "obj": e})
    for g in Engagement.objects.for_tenant(tenant_id).filter(
        doctor_id=doctor_id, service_date__gte=start, service_date__lt=end
    )[:200]:
        items.append({"on": g.service_date, "kind": "engagement", "text": str(g), "obj": g})
    for f in FeeFlag.objects.for_tenant(tenant_id).filter(Q(doctor_id=doctor_id), on_date__gte=start, on_date__lt=end)[
        :200
    ]:
        items.append({"on": f.on_date, "kind": "flag", "text": f.get_rule_display(), "obj": f})
    return sorted(items, key=lambda i: i["on"], reverse=True)
