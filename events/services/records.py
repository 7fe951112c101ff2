"""Agenda, budget lines, expenses with receipts, photos and the questions raised at the event."""

from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from events.models import (
    FROZEN_STATUSES,
    AgendaItem,
    Attendee,
    BudgetLine,
    EventPhoto,
    EventProduct,
    EventStatus,
    Expense,
    Question,
)
from events.services._shared import (
    ALLOWED_UPLOADS,
    MAX_UPLOAD_BYTES,
    _can_edit,
    _lock,
    _pk,
)
from events.services.insights import insight_raise

# --- agenda, budget, expenses, photos, questions --------------------------------------------


def _check_facts_editable(by, event):
    if not (_can_edit(by, event) or by.role == Role.MANAGER):
        raise ValidationError(_("Only the organiser changes the event."))
    if event.status in FROZEN_STATUSES:
        raise ValidationError(_("The event has been held: record a correction with its reason instead."))


@transaction.atomic
def agenda_item_create(*, tenant, by, event, **fields) -> AgendaItem:
    event = _lock(tenant, event)
    _check_facts_editable(by, event)
    item = AgendaItem(tenant_id=event.tenant_id, event=event, **fields)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def agenda_item_delete(*, tenant, by, item) -> None:
    item = AgendaItem.objects.for_tenant(tenant).select_related("event").get(pk=_pk(item))
    _check_facts_editable(by, item.event)
    item.delete()


@transaction.atomic
def budget_line_set(*, tenant, by, event, category: str, amount, note: str = "") -> BudgetLine:
    """Set the budget of one category (before the event is submitted or while it is a draft)."""
    event = _lock(tenant, event)
    _check_facts_editable(by, event)
    if event.status not in (EventStatus.DRAFT,):
        raise ValidationError(_("The budget is set while the event is a draft."))
    line = BudgetLine.objects.for_tenant(tenant).filter(event=event, category=category).first() or BudgetLine(
        tenant_id=event.tenant_id, event=event, category=category
    )
    line.amount, line.note = amount, note or ""
    line.full_clean()
    line.save()
    return line


def check_upload(file) -> str:
    """The kind of an uploaded file (pdf, png, jpeg, gif, webp) by its first bytes; anything
    else, or too big, is refused with a clear message."""
    if file is None:
        raise ValidationError(_("Choose a file."))
    if getattr(file, "size", 0) > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The file is larger than 15 MB."))
    pos = file.tell() if hasattr(file, "tell") else 0
    head = file.read(16)
    file.seek(pos)
    for magic, kind in ALLOWED_UPLOADS.items():
        if head.startswith(magic) and (kind != "webp" or head[8:12] == b"WEBP"):
            return kind
    raise ValidationError(_("Only an image (JPEG, PNG, GIF, WebP) or a PDF can be attached."))


def _sha256(file) -> str:
    h = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(1 << 16), b""):
        h.update(chunk)
    file.seek(0)
    return h.hexdigest()


@transaction.atomic
def expense_add(*, tenant, by, event, category, amount, spent_on, description: str = "", receipt=None) -> Expense:
    """Record an actual expense with its receipt (an image or a PDF), until the event is closed."""
    event = _lock(tenant, event)
    if not (_can_edit(by, event) or by.role == Role.MANAGER):
        raise ValidationError(_("Only the organiser records expenses."))
    if event.status not in (EventStatus.APPROVED, EventStatus.HELD):
        raise ValidationError(_("Expenses are recorded for approved or held events, until they are closed."))
    row = Expense(
        tenant_id=event.tenant_id,
        event=event,
        category=category,
        amount=amount,
        spent_on=spent_on,
        description=description or "",
        created_by=by,
    )
    if receipt is not None:
        try:
            check_upload(receipt)
        except ValidationError as exc:
            raise ValidationError({"receipt": exc.messages}) from exc
        row.receipt_sha256 = _sha256(receipt)
        row.receipt = receipt
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def photo_add(*, tenant, by, event, file, kind: str = "photo") -> EventPhoto:
    """Attach a sign-in sheet photo or an event photo (an image or a PDF)."""
    event = _lock(tenant, event)
    if not (_can_edit(by, event) or by.role == Role.MANAGER):
        raise ValidationError(_("Only the organiser attaches photos."))
    if event.status not in (EventStatus.APPROVED, EventStatus.HELD, EventStatus.CLOSED):
        raise ValidationError(_("Photos are attached to approved or held events."))
    try:
        check_upload(file)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    row = EventPhoto(tenant_id=event.tenant_id, event=event, kind=kind, file=file, sha256=_sha256(file), uploaded_by=by)
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def question_record(
    *,
    tenant,
    by,
    event,
    text: str,
    attendee=None,
    answered_on_spot: bool = False,
    answer: str = "",
    product=None,
    key_message=None,
) -> Question:
    """Record a question raised at the event (who asked, answered on the spot or not). An
    unanswered one goes to the product manager as an insight straight away."""
    event = _lock(tenant, event)
    if event.status not in (EventStatus.APPROVED, EventStatus.HELD, EventStatus.CLOSED):
        raise ValidationError(_("Questions are recorded at or after the event."))
    if not (text or "").strip():
        raise ValidationError({"text": _("Write the question.")})
    att = None
    if attendee is not None:
        att = Attendee.objects.for_tenant(tenant).filter(pk=_pk(attendee), event=event).first()
        if att is None:
            raise ValidationError({"attendee": _("Select a valid choice.")})
    product_id = (
        _pk(product)
        if product is not None
        else (
            EventProduct.objects.for_tenant(tenant)
            .filter(event=event)
            .order_by("id")
            .values_list("product_id", flat=True)
            .first()
        )
    )
    q = Question(
        tenant_id=event.tenant_id,
        event=event,
        attendee=att,
        text=text.strip(),
        product_id=product_id,
        key_message_id=_pk(key_message) if key_message is not None else None,
        answered_on_spot=answered_on_spot,
        answer=answer or "",
        recorded_by=by,
    )
    q.full_clean()
    q.save()
    if not answered_on_spot and product_id:
        insight_raise(
            tenant=tenant,
            by=by,
            text=q.text,
            product=product_id,
            key_message=q.key_message_id,
            doctor=att.doctor_id if att else None,
            event=event,
            question=q,
        )
    return q
