"""Writes of fees: engagements and fee records through their workflow, the transfer-of-value
ledger, flag clearing, audit samples and photo fingerprints (``<entity>_<action>(*, tenant, by, …)``).

A fee is computed from the rate card, never typed freely: ``amount = hourly rate × hours``,
capped at the card's maximum per engagement. An amount above it is an exception: it needs a
written reason and a second approver (another compliance user than the one who approves).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.permissions import COMPLIANCE_ROLES, FEE_REQUESTERS, has_role
from crm.tenancy import tenant_id_of
from events.fees import selectors, tax
from events.fees.models import (
    AuditSample,
    AuditSampleItem,
    Engagement,
    FeeFlag,
    FeeRecord,
    FlagClearing,
    PhotoFingerprint,
    ToVEntry,
)
from events.fees.vocabulary import (
    HOSPITAL_APPROVAL_REQUIRED,
    FeeKind,
    FeeStatus,
    FlagStatus,
    PaymentChannel,
    SampleKind,
    SampleOutcome,
    ToVCategory,
)

CENT = Decimal("0.01")


def _require(by, roles, message=None):
    if not has_role(by, roles):
        raise ValidationError(message or _("You may not do this."))


def _refresh_flags_on_commit(tenant_id):
    from events.fees.tasks import fee_flags_refresh_task

    fee_flags_refresh_task.delay_on_commit(tenant_id=tenant_id)


# --- the fee from the card ------------------------------------------------------------------


def fee_quote(*, tenant, doctor, service_type: str, hours, on_date: dt.date) -> dict:
    """What the rate card allows: ``{"level", "line", "hourly_rate", "hours", "card_amount"}``.
    Refuses when the card has no line for the service type and the doctor's academic level."""
    from hospitals.selectors import academic_level

    level = academic_level(doctor)
    line = selectors.rate_card_line(tenant=tenant, service_type=service_type, level=level, on_date=on_date)
    if line is None:
        raise ValidationError(
            {
                "service_type": _("The rate card valid on %(day)s has no rate for this service and academic level.")
                % {"day": on_date}
            }
        )
    hours = Decimal(hours)
    amount = min(line.hourly_rate * hours, line.max_per_engagement).quantize(CENT, ROUND_HALF_UP)
    return {"level": level, "line": line, "hourly_rate": line.hourly_rate, "hours": hours, "card_amount": amount}


def _check_amount(amount, card_amount, exception_reason):
    if amount is None:
        return card_amount
    amount = Decimal(amount).quantize(CENT)
    if amount < 0:
        raise ValidationError({"amount": _("The amount cannot be negative.")})
    if amount > card_amount and not (exception_reason or "").strip():
        raise ValidationError(
            {
                "amount": _(
                    "%(amount)s is above what the rate card allows (%(card)s): give the reason for an exception, "
                    "which a second compliance approver must accept."
                )
                % {"amount": amount, "card": card_amount}
            }
        )
    return amount


# --- engagements and fee records ------------------------------------------------------------


@transaction.atomic
def engagement_request(
    *,
    tenant,
    by,
    doctor,
    service_type,
    service_date,
    planned_hours,
    event=None,
    agenda_item=None,
    product=None,
    description="",
    amount=None,
    exception_reason="",
    contract_file=None,
    contract_signed_on=None,
    hospital_approval_file=None,
    hospital_approval_on=None,
) -> Engagement:
    """A rep (or a manager, a product manager) requests a doctor's service and its fee: the fee is
    computed from the rate card; an amount above it needs a reason (an exception)."""
    tenant_id = tenant_id_of(tenant)
    _require(by, FEE_REQUESTERS)
    if event is not None and by.role in ("rep", "distributor_rep") and event.owner_id != by.pk:
        raise ValidationError({"event": _("You can request fees only for your own events.")})
    if agenda_item is not None and (event is None or agenda_item.event_id != event.pk):
        raise ValidationError({"agenda_item": _("The agenda item is not of this event.")})
    if agenda_item is not None and agenda_item.speaker_doctor_id and agenda_item.speaker_doctor_id != doctor.pk:
        raise ValidationError({"agenda_item": _("The agenda item has another speaker.")})
    quote = fee_quote(
        tenant=tenant_id, doctor=doctor, service_type=service_type, hours=planned_hours, on_date=service_date
    )
    gross = _check_amount(amount, quote["card_amount"], exception_reason)
    engagement = Engagement(
        tenant_id=tenant_id,
        doctor=doctor,
        service_type=service_type,
        event=event,
        agenda_item=agenda_item,
        product=product,
        description=description,
        service_date=service_date,
        planned_hours=planned_hours,
        contract_signed_on=contract_signed_on,
        hospital_approval_on=hospital_approval_on,
        requested_by=by,
    )
    if contract_file:
        engagement.contract_file = contract_file
    if hospital_approval_file:
        engagement.hospital_approval_file = hospital_approval_file
    engagement.full_clean()
    engagement._history_user = by
    engagement.save()
    fee = FeeRecord(
        tenant_id=tenant_id,
        engagement=engagement,
        doctor=doctor,
        academic_level=quote["level"],
        rate_card_line=quote["line"],
        hourly_rate=quote["hourly_rate"],
        hours=quote["hours"],
        card_amount=quote["card_amount"],
        amount=gross,
        exception_reason=(exception_reason or "").strip() if gross > quote["card_amount"] else "",
        requested_by=by,
    )
    fee._history_user = by
    fee.save()
    _notify_compliance(tenant_id, engagement)
    _refresh_flags_on_commit(tenant_id)
    return engagement


def _notify_compliance(tenant_id, engagement):
    from accounts.models import User
    from crm.inbox import notify_many
    from events.fees.vocabulary import FeeNotification

    users = User.objects.filter(tenant_id=tenant_id, role="compliance", is_active=True)
    text = _("Fee requested: %(doctor)s, %(service)s on %(day)s") % {
        "doctor": engagement.doctor.name,
        "service": engagement.get_service_type_display(),
        "day": engagement.service_date,
    }
    link = f"/compliance/engagements/{engagement.pk}/"
    notify_many(tenant=tenant_id, items=[(u, FeeNotification.FEE_REQUESTED, text, engagement, link) for u in users])


def _notify_requester(tenant_id, fee, text):
    from crm.inbox import notify
    from events.fees.vocabulary import FeeNotification

    notify(
        tenant=tenant_id,
        user=fee.requested_by,
        kind=FeeNotification.FEE_DECIDED,
        text=text,
        obj=fee.engagement,
        link=f"/compliance/engagements/{fee.engagement_id}/",
    )


def _locked_fee(tenant_id, fee) -> FeeRecord:
    return FeeRecord.objects.for_tenant(tenant_id).select_for_update().get(pk=fee.pk)


def _save(fee, by, *fields):
    fee._history_user = by
    fee.save(update_fields=[*fields])


@transaction.atomic
def engagement_documents(
    *,
    tenant,
    by,
    engagement,
    contract_file=None,
    contract_signed_on=None,
    hospital_approval_file=None,
    hospital_approval_on=None,
) -> Engagement:
    """Attach the contract and the hospital's approval (until the fee is paid)."""
    tenant_id = tenant_id_of(tenant)
    _require(by, FEE_REQUESTERS | COMPLIANCE_ROLES)
    fee = engagement.fees.filter(kind=FeeKind.FEE).first()
    if fee and fee.status in (FeeStatus.PAID, FeeStatus.REJECTED):
        raise ValidationError(
            _("The fee is %(status)s: its documents cannot change.") % {"status": fee.get_status_display()}
        )
    if contract_file:
        engagement.contract_file = contract_file
    if contract_signed_on:
        engagement.contract_signed_on = contract_signed_on
    if hospital_approval_file:
        engagement.hospital_approval_file = hospital_approval_file
    if hospital_approval_on:
        engagement.hospital_approval_on = hospital_approval_on
    engagement.full_clean()
    engagement._history_user = by
    engagement.save()
    _refresh_flags_on_commit(tenant_id)
    return engagement


@transaction.atomic
def fee_review(*, tenant, by, fee) -> FeeRecord:
    """Compliance takes a requested fee into review."""
    tenant_id = tenant_id_of(tenant)
    _require(by, COMPLIANCE_ROLES)
    fee = _locked_fee(tenant_id, fee)
    if fee.status != FeeStatus.REQUESTED:
        raise ValidationError(_("Only a requested fee goes into review."))
    fee.status = FeeStatus.REVIEW
    _save(fee, by, "status")
    return fee


@transaction.atomic
def fee_exception_approve(*, tenant, by, fee) -> FeeRecord:
    """The second approver accepts an amount above the card (not the requester nor the approver)."""
    tenant_id = tenant_id_of(tenant)
    _require(by, COMPLIANCE_ROLES)
    fee = _locked_fee(tenant_id, fee)
    if not fee.is_exception:
        raise ValidationError(_("This fee follows the rate card: there is no exception to approve."))
    if fee.status not in (FeeStatus.REQUESTED, FeeStatus.REVIEW):
        raise ValidationError(_("The exception can be approved only before the fee is decided."))
    if by.pk in (fee.requested_by_id, fee.approved_by_id):
        raise ValidationError(_("The second approver must be another person than the requester and the approver."))
    fee.exception_approved_by = by
    fee.exception_approved_at = timezone.now()
    _save(fee, by, "exception_approved_by", "exception_approved_at")
    return fee


@transaction.atomic
def fee_approve(*, tenant, by, fee) -> FeeRecord:
    """Compliance approves a fee before the service: the hospital's approval of outside work must be
    there for lectures (and chairing, panels); an exception needs its second approver first."""
    tenant_id = tenant_id_of(tenant)
    _require(by, COMPLIANCE_ROLES)
    fee = _locked_fee(tenant_id, fee)
    engagement = fee.engagement
    if fee.status not in (FeeStatus.REQUESTED, FeeStatus.REVIEW):
        raise ValidationError(_("Only a requested fee or one in review can be approved."))
    if engagement.service_type in HOSPITAL_APPROVAL_REQUIRED and not (
        engagement.hospital_approval_file and engagement.hospital_approval_on
    ):
        raise ValidationError(
            _("The doctor's hospital has not approved this outside work: attach its approval (file and date) first.")
        )
    if fee.is_exception:
        if fee.exception_approved_by_id is None:
            raise ValidationError(
                _("The amount is above the rate card: a second approver must accept the exception first.")
            )
        if fee.exception_approved_by_id == by.pk:
            raise ValidationError(_("The second approver of the exception cannot also approve the fee."))
    fee.status = FeeStatus.APPROVED
    fee.approved_by = by
    fee.approved_at = timezone.now()
    _save(fee, by, "status", "approved_by", "approved_at")
    _notify_requester(tenant_id, fee, _("Fee approved: %(e)s") % {"e": engagement})
    _refresh_flags_on_commit(tenant_id)
    return fee


@transaction.atomic
def fee_reject(*, tenant, by, fee, reason: str) -> FeeRecord:
    """Compliance rejects a fee (with the reason) before it is delivered."""
    tenant_id = tenant_id_of(tenant)
    _require(by, COMPLIANCE_ROLES)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for the rejection.")})
    fee = _locked_fee(tenant_id, fee)
    if fee.status not in (FeeStatus.REQUESTED, FeeStatus.REVIEW, FeeStatus.APPROVED):
        raise ValidationError(_("Only a fee not yet delivered can be rejected."))
    fee.status = FeeStatus.REJECTED
    fee.status_reason = reason.strip()
    _save(fee, by, "status", "status_reason")
    _notify_requester(tenant_id, fee, _("Fee rejected: %(e)s") % {"e": fee.engagement})
    _refresh_flags_on_commit(tenant_id)
    return fee


@transaction.atomic
def engagement_deliver(
    *,
    tenant,
    by,
    engagement,
    actual_hours=None,
    evidence_attendance=False,
    evidence_slides=None,
    evidence_recording_url="",
) -> Engagement:
    """After the service: the evidence (attendance, slides or a recording) and the actual hours.
    Fewer hours than planned lower the fee to what the card allows for them."""
    tenant_id = tenant_id_of(tenant)
    _require(by, FEE_REQUESTERS | COMPLIANCE_ROLES)
    fee = _locked_fee(tenant_id, engagement.fees.get(kind=FeeKind.FEE))
    if fee.status == FeeStatus.REJECTED:
        raise ValidationError(_("The fee was rejected: the service cannot be recorded against it."))
    if fee.status != FeeStatus.APPROVED:
        raise ValidationError(_("The fee must be approved before the service is recorded as delivered."))
    if evidence_slides:
        engagement.evidence_slides = evidence_slides
    engagement.evidence_attendance = bool(evidence_attendance) or engagement.evidence_attendance
    engagement.evidence_recording_url = evidence_recording_url or engagement.evidence_recording_url
    if not engagement.has_evidence:
        raise ValidationError(_("Attach evidence of the service: attendance, the slides or a recording link."))
    if actual_hours is not None:
        engagement.actual_hours = Decimal(actual_hours)
    engagement.delivered_at = timezone.now()
    engagement.full_clean()
    engagement._history_user = by
    engagement.save()
    changed = ["status", "delivered_at"]
    if actual_hours is not None and Decimal(actual_hours) != fee.hours:
        line = fee.rate_card_line
        card = min(fee.hourly_rate * Decimal(actual_hours), line.max_per_engagement if line else fee.card_amount)
        fee.hours = Decimal(actual_hours)
        fee.card_amount = card.quantize(CENT, ROUND_HALF_UP)
        if fee.amount > fee.card_amount and fee.exception_approved_by_id is None:
            fee.amount = fee.card_amount
        changed += ["hours", "card_amount", "amount"]
    fee.status = FeeStatus.DELIVERED
    fee.delivered_at = engagement.delivered_at
    _save(fee, by, *changed)
    _refresh_flags_on_commit(tenant_id)
    return engagement


@transaction.atomic
def fee_request_payment(*, tenant, by, fee) -> FeeRecord:
    """Ask for the payment of a delivered service (the signed contract must be on file)."""
    tenant_id = tenant_id_of(tenant)
    _require(by, FEE_REQUESTERS | COMPLIANCE_ROLES)
    fee = _locked_fee(tenant_id, fee)
    if fee.status == FeeStatus.REJECTED:
        raise ValidationError(_("The fee was rejected: it cannot be paid."))
    if fee.status != FeeStatus.DELIVERED:
        raise ValidationError(_("Payment can be requested only once the service is delivered."))
    engagement = fee.engagement
    if not (engagement.contract_file and engagement.contract_signed_on):
        raise ValidationError(_("Attach the signed contract (file and date) before requesting the payment."))
    fee.status = FeeStatus.PAYMENT_REQUESTED
    fee.payment_requested_at = timezone.now()
    _save(fee, by, "status", "payment_requested_at")
    return fee


@transaction.atomic
def fee_pay(*, tenant, by, fee, payer_entity: str, channel: str, paid_on: dt.date | None = None) -> FeeRecord:
    """Record the payment: payer legal entity, channel, the individual income tax withheld
    (labour remuneration, ``events.fees.tax``), net and gross; post the value to the ledger.
    The record is immutable afterwards (trigger)."""
    tenant_id = tenant_id_of(tenant)
    _require(by, COMPLIANCE_ROLES)
    fee = _locked_fee(tenant_id, fee)
    if fee.status == FeeStatus.REJECTED:
        raise ValidationError(_("The fee was rejected: it cannot be paid."))
    if fee.status == FeeStatus.PAID:
        raise ValidationError(_("The fee is already paid."))
    if fee.status != FeeStatus.PAYMENT_REQUESTED:
        raise ValidationError(_("The payment must be requested (after the service) before it is paid."))
    if not (payer_entity or "").strip():
        raise ValidationError({"payer_entity": _("Name the paying legal entity.")})
    if channel not in PaymentChannel.values:
        raise ValidationError({"channel": _("Choose the payment channel.")})
    now = timezone.now()
    fee.tax_withheld, fee.net_amount = tax.net_of_tax(fee.amount, to_hospital=channel == PaymentChannel.HOSPITAL_BANK)
    fee.status = FeeStatus.PAID
    fee.paid_at = now if paid_on is None else timezone.make_aware(dt.datetime.combine(paid_on, dt.time(12)))
    fee.paid_by = by
    fee.payer_entity = payer_entity.strip()
    fee.channel = channel
    _save(fee, by, "status", "paid_at", "paid_by", "payer_entity", "channel", "tax_withheld", "net_amount")
    _ledger_insert(
        tenant_id,
        doctor_id=fee.doctor_id,
        on_date=timezone.localdate(fee.paid_at),
        category=ToVCategory.FEE,
        amount=fee.amount,
        fee_record_id=fee.pk,
        event_id=fee.engagement.event_id,
        source=f"fee:{fee.pk}",
        note=str(fee.engagement),
    )
    _refresh_flags_on_commit(tenant_id)
    return fee


@transaction.atomic
def fee_reverse(*, tenant, by, fee, reason: str) -> FeeRecord:
    """Correct a paid fee: a reversal record (negative amounts) linked to it, and a negative
    ledger entry. The paid record itself stays as it was."""
    tenant_id = tenant_id_of(tenant)
    _require(by, COMPLIANCE_ROLES)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for the reversal.")})
    fee = FeeRecord.objects.for_tenant(tenant_id).select_for_update().get(pk=fee.pk)
    if fee.kind != FeeKind.FEE or fee.status != FeeStatus.PAID:
        raise ValidationError(_("Only a paid fee can be reversed."))
    if FeeRecord.objects.for_tenant(tenant_id).filter(reverses=fee).exists():
        raise ValidationError(_("This fee is already reversed."))
    now = timezone.now()
    reversal = FeeRecord(
        tenant_id=tenant_id,
        engagement=fee.engagement,
        doctor_id=fee.doctor_id,
        kind=FeeKind.REVERSAL,
        reverses=fee,
        academic_level=fee.academic_level,
        rate_card_line=fee.rate_card_line,
        hourly_rate=fee.hourly_rate,
        hours=-fee.hours,
        card_amount=-fee.card_amount,
        amount=-fee.amount,
        status=FeeStatus.PAID,
        status_reason=reason.strip(),
        requested_by=by,
        approved_by=by,
        approved_at=now,
        paid_at=now,
        paid_by=by,
        payer_entity=fee.payer_entity,
        channel=fee.channel,
        tax_withheld=-fee.tax_withheld,
        net_amount=-fee.net_amount,
    )
    reversal._history_user = by
    reversal.save()
    _ledger_insert(
        tenant_id,
        doctor_id=fee.doctor_id,
        on_date=timezone.localdate(now),
        category=ToVCategory.FEE,
        amount=-fee.amount,
        fee_record_id=reversal.pk,
        event_id=fee.engagement.event_id,
        source=f"fee:{reversal.pk}",
        note=_("Reversal of fee #%(id)s: %(reason)s") % {"id": fee.pk, "reason": reason.strip()[:200]},
    )
    _refresh_flags_on_commit(tenant_id)
    return reversal


# --- the transfer-of-value ledger -----------------------------------------------------------


def _ledger_insert(tenant_id, **row) -> bool:
    """Append one ledger row, once per (source, doctor, category); True when written."""
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO events_toventry (tenant_id, doctor_id, on_date, category, amount, fee_record_id, event_id, "
            "source, note, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, now()) "
            "ON CONFLICT (tenant_id, source, doctor_id, category) DO NOTHING",
            [
                tenant_id,
                row["doctor_id"],
                row["on_date"],
                row["category"],
                row["amount"],
                row.get("fee_record_id"),
                row.get("event_id"),
                row["source"],
                row.get("note", "")[:300],
            ],
        )
        return cur.rowcount == 1


@transaction.atomic
def tov_post(*, tenant, by, doctor, on_date, category, amount, source: str, event=None, note="") -> ToVEntry | None:
    """Post one value given to a doctor (travel, registration, materials …); once per source."""
    tenant_id = tenant_id_of(tenant)
    _require(by, COMPLIANCE_ROLES)
    if category not in ToVCategory.values:
        raise ValidationError({"category": _("Choose a category.")})
    if not (source or "").strip():
        raise ValidationError({"source": _("Name the source record.")})
    _ledger_insert(
        tenant_id,
        doctor_id=doctor.pk,
        on_date=on_date,
        category=category,
        amount=Decimal(amount),
        event_id=getattr(event, "pk", None),
        source=source.strip(),
        note=note,
    )
    _refresh_flags_on_commit(tenant_id)
    return (
        ToVEntry.objects.for_tenant(tenant_id).filter(source=source.strip(), doctor=doctor, category=category).first()
    )


@transaction.atomic
def tov_post_event_meals(*, tenant, event) -> int:
    """The event's catering actual (its catering expenses) shared per signed-in attendee, posted
    as meals. Posting again posts only the difference (e.g. an expense added later); the rows
    already posted stay. Returns the number of rows written."""
    from events.models import Attendee, Expense

    tenant_id = tenant_id_of(tenant)
    total = (
        Expense.objects.for_tenant(tenant_id).filter(event=event, category="catering").aggregate(s=Sum("amount"))["s"]
    )
    doctors = list(
        Attendee.objects.for_tenant(tenant_id)
        .filter(event=event, signed_in_at__isnull=False)
        .values_list("doctor_id", flat=True)
    )
    if not total or not doctors:
        return 0
    share = (Decimal(total) / len(doctors)).quantize(CENT, ROUND_HALF_UP)
    prefix = f"meals:event:{event.pk}"
    posted = dict(
        ToVEntry.objects.for_tenant(tenant_id)
        .filter(event=event, category=ToVCategory.MEAL, source__startswith=prefix)
        .values_list("doctor_id")
        .annotate(s=Sum("amount"))
    )
    written = 0
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    for doctor_id in doctors:
        delta = share - posted.get(doctor_id, Decimal("0"))
        if delta == 0:
            continue
        source = prefix if doctor_id not in posted else f"{prefix}:{stamp}"
        written += _ledger_insert(
            tenant_id,
            doctor_id=doctor_id,
            on_date=timezone.localdate(event.starts_at),
            category=ToVCategory.MEAL,
            amount=delta,
            event_id=event.pk,
            source=source,
            note=_("Catering of %(event)s, per attendee") % {"event": event.title[:200]},
        )
    _refresh_flags_on_commit(tenant_id)
    return written


# --- flags ----------------------------------------------------------------------------------


@transaction.atomic
def flags_clear(*, tenant, by, flags, reason: str) -> int:
    """Compliance clears open flags with a reason; each clearing is an audit row (who, when, why,
    the numbers at that moment)."""
    tenant_id = tenant_id_of(tenant)
    _require(by, COMPLIANCE_ROLES)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for clearing.")})
    ids = [getattr(f, "pk", f) for f in flags]
    rows = list(FeeFlag.objects.for_tenant(tenant_id).select_for_update().filter(pk__in=ids, status=FlagStatus.OPEN))
    if not rows:
        raise ValidationError(_("Select at least one open flag."))
    now = timezone.now()
    FlagClearing.objects.bulk_create(
        [FlagClearing(tenant_id=tenant_id, flag=f, by=by, at=now, reason=reason, detail=f.detail) for f in rows]
    )
    FeeFlag.objects.for_tenant(tenant_id).filter(pk__in=[f.pk for f in rows]).update(
        status=FlagStatus.CLEARED, cleared_by=by, cleared_at=now, cleared_reason=reason
    )
    return len(rows)


# --- audit samples --------------------------------------------------------------------------


@transaction.atomic
def audit_sample_draw(*, tenant, by, kind: str, size: int, seed: int, period_from, period_until) -> AuditSample:
    """Draw ``size`` events (held or closed) or engagements of the period at random — seeded: the
    order is md5(seed, id), so the same seed over the same population draws the same items."""
    from events.models import Event

    tenant_id = tenant_id_of(tenant)
    _require(by, COMPLIANCE_ROLES)
    if kind not in SampleKind.values:
        raise ValidationError({"kind": _("Choose events or engagements.")})
    if not size or int(size) < 1 or int(size) > 1000:
        raise ValidationError({"size": _("Draw between 1 and 1,000 items.")})
    if period_until < period_from:
        raise ValidationError({"period_until": _("The period ends before it starts.")})
    if kind == SampleKind.EVENTS:
        qs = Event.objects.for_tenant(tenant_id).filter(
            status__in=("held", "closed"), starts_at__date__gte=period_from, starts_at__date__lte=period_until
        )
    else:
        qs = Engagement.objects.for_tenant(tenant_id).filter(
            service_date__gte=period_from, service_date__lte=period_until
        )
    population = qs.count()
    from django.db.models import F, TextField, Value
    from django.db.models.functions import MD5, Cast, Concat

    picked = list(
        qs.annotate(_draw=MD5(Concat(Value(f"{int(seed)}:"), Cast(F("id"), TextField()))))
        .order_by("_draw", "id")
        .values_list("id", flat=True)[: int(size)]
    )
    sample = AuditSample.objects.create(
        tenant_id=tenant_id,
        kind=kind,
        size=int(size),
        seed=int(seed),
        period_from=period_from,
        period_until=period_until,
        population=population,
        drawn_by=by,
    )
    field = "event_id" if kind == SampleKind.EVENTS else "engagement_id"
    AuditSampleItem.objects.bulk_create(
        [
            AuditSampleItem(tenant_id=tenant_id, sample=sample, position=i + 1, **{field: pk})
            for i, pk in enumerate(picked)
        ]
    )
    return sample


@transaction.atomic
def audit_item_review(*, tenant, by, item, outcome: str, note: str = "") -> AuditSampleItem:
    """Record the outcome of one sampled item's evidence review."""
    _require(by, COMPLIANCE_ROLES)
    if outcome not in (SampleOutcome.OK, SampleOutcome.ISSUE):
        raise ValidationError({"outcome": _("Choose an outcome.")})
    if outcome == SampleOutcome.ISSUE and not (note or "").strip():
        raise ValidationError({"note": _("Describe the issue found.")})
    item.outcome = outcome
    item.note = (note or "").strip()
    item.reviewed_by = by
    item.reviewed_at = timezone.now()
    item.save(update_fields=["outcome", "note", "reviewed_by", "reviewed_at"])
    return item


# --- photo fingerprints ---------------------------------------------------------------------


# The share cut off each side of a picture for its centre hashes.
INNER_CROP = 0.05


def image_hashes(data: bytes) -> tuple[int | None, int | None, int | None, int | None]:
    """(perceptual hash, difference hash, the same two of the picture's centre — ``INNER_CROP``
    cut off each side) of an image as signed 64-bit integers; all None when the file is not an
    image."""
    import io

    import imagehash
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            img = img.convert("L")
            w, h = img.size
            dx, dy = round(w * INNER_CROP), round(h * INNER_CROP)
            inner = img.crop((dx, dy, w - dx, h - dy))
            return tuple(
                _signed(int(str(fn(picture)), 16))
                for picture in (img, inner)
                for fn in (imagehash.phash, imagehash.dhash)
            )
    except (UnidentifiedImageError, OSError, ValueError):
        return None, None, None, None


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def photo_fingerprint(*, tenant, photo) -> PhotoFingerprint:
    """The hashes of one event photo (idempotent: once per photo)."""
    tenant_id = tenant_id_of(tenant)
    existing = PhotoFingerprint.objects.for_tenant(tenant_id).filter(photo=photo).first()
    if existing:
        return existing
    with photo.file.open("rb") as fh:
        data = fh.read()
    sha = photo.sha256 or hashlib.sha256(data).hexdigest()
    phash, dhash, phash_inner, dhash_inner = image_hashes(data)
    return PhotoFingerprint.objects.create(
        tenant_id=tenant_id,
        photo=photo,
        event_id=photo.event_id,
        sha256=sha,
        phash=phash,
        dhash=dhash,
        phash_inner=phash_inner,
        dhash_inner=dhash_inner,
    )


def photos_fingerprint_missing(*, tenant, limit: int = 500) -> int:
    """Fingerprint the event photos that have none yet, and add the centre hashes to fingerprints
    made before they existed (a bounded batch); returns how many."""
    from events.models import EventPhoto

    tenant_id = tenant_id_of(tenant)
    done = PhotoFingerprint.objects.for_tenant(tenant_id).values("photo_id")
    n = 0
    for photo in EventPhoto.objects.for_tenant(tenant_id).exclude(pk__in=done).order_by("id")[:limit]:
        try:
            photo_fingerprint(tenant=tenant_id, photo=photo)
            n += 1
        except (FileNotFoundError, OSError):
            continue
    older = (
        PhotoFingerprint.objects.for_tenant(tenant_id)
        .filter(phash__isnull=False, phash_inner__isnull=True)
        .select_related("photo")
        .order_by("id")
    )
    for fp in older[: max(limit - n, 0)]:
        try:
            with fp.photo.file.open("rb") as fh:
                fp.phash, fp.dhash, fp.phash_inner, fp.dhash_inner = image_hashes(fh.read())
        except (FileNotFoundError, OSError):
            continue
        fp.save(update_fields=["phash", "dhash", "phash_inner", "dhash_inner"])
        n += 1
    return n
