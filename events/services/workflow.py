"""Settings, programs and the event workflow: draft → submitted → approved → held → closed, or
cancelled / rejected, every step audited; corrections once held."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from crm import inbox
from crm.permissions import EVENT_ORGANISERS, PROGRAM_EDITORS
from crm.tenancy import tenant_id_of
from events import selectors
from events.models import (
    FROZEN_STATUSES,
    BudgetLine,
    Event,
    EventCorrection,
    EventKeyMessage,
    EventProduct,
    EventSettings,
    EventStatus,
    EventTransition,
    FollowUpOn,
    NotificationKind,
    OrganiserKind,
    Program,
    ProgramProduct,
    ProgramTarget,
)
from events.services._shared import (
    EVENT_FIELDS,
    PROGRAM_FIELDS,
    _can_edit,
    _check_role,
    _doctor_ids,
    _enqueue_followups,
    _json,
    _lock,
    _managers_of,
    _notify,
    _only,
    _pk,
    _product_ids,
    _set_m2m,
)
from hospitals.models import KeyMessage

# --- settings and programs ------------------------------------------------------------------


@transaction.atomic
def event_settings_update(*, tenant, by, **fields) -> EventSettings:
    """Change the tenant's event settings (administrators)."""
    if by.role != Role.TENANT_ADMIN:
        raise ValidationError(_("Only an administrator changes the event settings."))
    row = selectors.event_settings(tenant=tenant)
    for name, value in fields.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def program_create(*, tenant, by, products=(), target_doctors=(), **fields) -> Program:
    """A product manager sets up a program (they own it unless they name another PM)."""
    _only(fields, PROGRAM_FIELDS)
    _check_role(by, PROGRAM_EDITORS, _("Only a product manager or an administrator sets up programs."))
    fields.setdefault("owner", by)
    program = Program(tenant_id=tenant_id_of(tenant), **fields)
    _check_program(program)
    program.full_clean()
    program.save()
    _set_m2m(ProgramProduct, tenant, "program", program, "product_id", _product_ids(tenant, products))
    _set_m2m(ProgramTarget, tenant, "program", program, "doctor_id", _doctor_ids(tenant, target_doctors))
    return program


def _check_program(program):
    owner = program.owner
    if owner is not None and owner.role not in (Role.PRODUCT_MANAGER, Role.TENANT_ADMIN):
        raise ValidationError({"owner": _("The owner of a program is a product manager.")})
    if program.starts_on and program.ends_on and program.ends_on < program.starts_on:
        raise ValidationError({"ends_on": _("The program ends before it starts.")})


@transaction.atomic
def program_update(*, tenant, by, program, products=None, target_doctors=None, **fields) -> Program:
    _only(fields, PROGRAM_FIELDS)
    _check_role(by, PROGRAM_EDITORS, _("Only a product manager or an administrator changes programs."))
    program = Program.objects.for_tenant(tenant).select_for_update().get(pk=_pk(program))
    for name, value in fields.items():
        setattr(program, name, value)
    _check_program(program)
    program._history_user = by
    program.full_clean()
    program.save()
    if products is not None:
        _set_m2m(ProgramProduct, tenant, "program", program, "product_id", _product_ids(tenant, products))
    if target_doctors is not None:
        _set_m2m(ProgramTarget, tenant, "program", program, "doctor_id", _doctor_ids(tenant, target_doctors))
    return program


# --- events ---------------------------------------------------------------------------------


def _check_event(tenant, event: Event):
    errors = {}
    if event.starts_at and event.ends_at and event.ends_at <= event.starts_at:
        errors["ends_at"] = _("The event ends before it starts.")
    if event.organiser_kind == OrganiserKind.DISTRIBUTOR and not event.distributor_id:
        errors["distributor"] = _("Name the distributor that runs the event.")
    if event.organiser_kind == OrganiserKind.THIRD_PARTY and not event.third_party:
        errors["third_party"] = _("Name the third party (society, hospital) that organises the event.")
    if not event.host_hospital_id and not event.venue_name:
        errors["venue_name"] = _("Give the host hospital or a venue.")
    if event.host_department_id and event.host_department.hospital_id != event.host_hospital_id:
        errors["host_department"] = _("The department is not of the host hospital.")
    if event.slide_deck_id:
        from visits.models import ContentItem

        day = timezone.localtime(event.starts_at).date() if event.starts_at else None
        if not ContentItem.objects.for_tenant(tenant).usable(day).filter(pk=event.slide_deck_id).exists():
            errors["slide_deck"] = _("The slide deck must be approved and valid on the event's day.")
    if errors:
        raise ValidationError(errors)


def _set_key_messages(tenant, event, key_messages):
    ids = [int(_pk(k)) for k in key_messages]
    ok = set(KeyMessage.objects.for_tenant(tenant).filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
    if any(i not in ok for i in ids):
        raise ValidationError({"key_messages": _("Only approved key messages can be used.")})
    tid = tenant_id_of(tenant)
    EventKeyMessage.objects.for_tenant(tenant).filter(event=event).delete()
    EventKeyMessage.objects.bulk_create(
        [
            EventKeyMessage(tenant_id=tid, event=event, key_message_id=k, order=i)
            for i, k in enumerate(dict.fromkeys(ids))
        ]
    )


@transaction.atomic
def event_create(*, tenant, by, products=(), key_messages=(), owner=None, **fields) -> Event:
    """Plan an event (a draft). The organiser is ``by`` (a rep, distributor rep, manager or PM)."""
    _only(fields, EVENT_FIELDS)
    _check_role(by, EVENT_ORGANISERS, _("Your role does not organise events."))
    event = Event(tenant_id=tenant_id_of(tenant), owner=owner or by, **fields)
    if not event.questionnaire:
        event.questionnaire = selectors.questionnaire_template(tenant=tenant)
    _check_event(tenant, event)
    event.full_clean()
    event._history_user = by
    event.save()
    _set_m2m(EventProduct, tenant, "event", event, "product_id", _product_ids(tenant, products))
    _set_key_messages(tenant, event, key_messages)
    EventTransition.objects.create(tenant_id=event.tenant_id, event=event, to_status=EventStatus.DRAFT, by=by)
    return event


@transaction.atomic
def event_update(*, tenant, by, event, products=None, key_messages=None, **fields) -> Event:
    """Change an event before it is held (after that: :func:`event_correct`). A change to a
    submitted or approved event sends it back to draft? No: it stays, and the change is in the
    event's history; only held and closed events are frozen."""
    _only(fields, EVENT_FIELDS)
    event = _lock(tenant, event)
    if not _can_edit(by, event):
        raise ValidationError(_("Only the organiser changes the event."))
    if event.status in FROZEN_STATUSES:
        raise ValidationError(_("The event has been held: record a correction with its reason instead."))
    if event.status in (EventStatus.CANCELLED, EventStatus.REJECTED):
        raise ValidationError(_("The event is cancelled or rejected."))
    for name, value in fields.items():
        setattr(event, name, value)
    _check_event(tenant, event)
    event.full_clean()
    event._history_user = by
    event.save()
    if products is not None:
        _set_m2m(EventProduct, tenant, "event", event, "product_id", _product_ids(tenant, products))
    if key_messages is not None:
        _set_key_messages(tenant, event, key_messages)
    return event


@transaction.atomic
def event_correct(*, tenant, by, event, reason: str, **fields) -> EventCorrection:
    """Correct a held or closed event: the old and new values, who and why are recorded."""
    _only(fields, EVENT_FIELDS)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the event is corrected.")})
    event = _lock(tenant, event)
    if not (_can_edit(by, event) or by.role == Role.MANAGER):
        raise ValidationError(_("Only the organiser or a manager corrects the event."))
    changes = {}
    for name, value in fields.items():
        old = getattr(event, name)
        if _json(old) != _json(value):
            changes[name] = {"from": _json(old), "to": _json(value)}
            setattr(event, name, value)
    if not changes:
        raise ValidationError(_("Nothing to correct."))
    _check_event(tenant, event)
    event.full_clean()
    correction = EventCorrection.objects.create(
        tenant_id=event.tenant_id, event=event, by=by, reason=reason.strip(), changes=changes
    )
    event._history_user = by
    event._change_reason = reason.strip()[:100]
    event.save()
    return correction


def _transition(tenant, by, event, to, reason="", **updates):
    old = event.status
    event.status = to
    for k, v in updates.items():
        setattr(event, k, v)
    event._history_user = by
    event.save()
    EventTransition.objects.create(
        tenant_id=event.tenant_id, event=event, from_status=old, to_status=to, by=by, reason=reason or ""
    )
    return event


def _budget_total(tenant, event) -> Decimal:
    return BudgetLine.objects.for_tenant(tenant).filter(event=event).aggregate(s=Sum("amount"))["s"] or Decimal(0)


@transaction.atomic
def event_submit(*, tenant, by, event) -> Event:
    """The organiser submits a draft for approval."""
    event = _lock(tenant, event)
    if not _can_edit(by, event):
        raise ValidationError(_("Only the organiser submits the event."))
    if event.status != EventStatus.DRAFT:
        raise ValidationError(_("Only a draft can be submitted."))
    threshold = selectors.event_settings(tenant=tenant).pm_approval_above
    needs_pm = _budget_total(tenant, event) > threshold
    _transition(
        tenant,
        by,
        event,
        EventStatus.SUBMITTED,
        needs_pm_approval=needs_pm,
        manager_approved_by=None,
        manager_approved_at=None,
        pm_approved_by=None,
        pm_approved_at=None,
    )
    managers = _managers_of(tenant, event.owner_id)
    if event.owner.role in (Role.MANAGER, Role.PRODUCT_MANAGER) or not managers:
        # Nobody above the organiser: the manager's step is taken by the organiser's own role.
        event.manager_approved_by, event.manager_approved_at = by, timezone.now()
        event.save(update_fields=["manager_approved_by", "manager_approved_at"])
    recipients = managers if event.manager_approved_at is None else []
    if needs_pm:
        products = list(
            EventProduct.objects.for_tenant(tenant).filter(event=event).values_list("product_id", flat=True)
        )
        for p in products[:3]:
            recipients += selectors.product_managers_of(tenant=tenant, product_id=p)
    text = gettext("Event to approve: %(title)s") % {"title": event.title}
    inbox.notify_many(
        tenant=tenant_id_of(tenant),
        items=[
            (u, NotificationKind.EVENT_SUBMITTED, text, event, f"/events/{event.pk}/")
            for u in dict.fromkeys(recipients)
        ],
    )
    _maybe_approved(tenant, by, event)
    return event


def _maybe_approved(tenant, by, event):
    if event.manager_approved_at and (not event.needs_pm_approval or event.pm_approved_at):
        _transition(tenant, by, event, EventStatus.APPROVED)
        _notify(
            tenant,
            event.owner_id,
            NotificationKind.EVENT_DECIDED,
            gettext("Event approved: %(title)s") % {"title": event.title},
            event,
            f"/events/{event.pk}/",
        )


@transaction.atomic
def event_approve(*, tenant, by, event, note: str = "") -> Event:
    """The organiser's manager approves; above the tenant threshold a product manager as well."""
    event = _lock(tenant, event)
    if event.status != EventStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted event can be approved."))
    now = timezone.now()
    if by.role == Role.MANAGER and event.owner_id != by.pk and by.pk in _managers_of(tenant, event.owner_id):
        if event.manager_approved_at:
            raise ValidationError(_("The manager has already approved this event."))
        event.manager_approved_by, event.manager_approved_at = by, now
    elif by.role == Role.PRODUCT_MANAGER and event.needs_pm_approval:
        if event.pm_approved_at:
            raise ValidationError(_("A product manager has already approved this event."))
        event.pm_approved_by, event.pm_approved_at = by, now
    else:
        raise ValidationError(_("You do not approve this event."))
    event.save(update_fields=["manager_approved_by", "manager_approved_at", "pm_approved_by", "pm_approved_at"])
    EventTransition.objects.create(
        tenant_id=event.tenant_id,
        event=event,
        from_status=event.status,
        to_status=event.status,
        by=by,
        reason=note or gettext("approved by %(role)s") % {"role": by.get_role_display()},
    )
    _maybe_approved(tenant, by, event)
    return event


@transaction.atomic
def event_reject(*, tenant, by, event, reason: str) -> Event:
    """An approver rejects a submitted event, saying why."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the event is rejected.")})
    event = _lock(tenant, event)
    if event.status != EventStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted event can be rejected."))
    is_manager = by.role == Role.MANAGER and by.pk in _managers_of(tenant, event.owner_id)
    if not (is_manager or (by.role == Role.PRODUCT_MANAGER and event.needs_pm_approval)):
        raise ValidationError(_("You do not approve this event."))
    _transition(tenant, by, event, EventStatus.REJECTED, reason=reason.strip(), status_reason=reason.strip())
    _notify(
        tenant,
        event.owner_id,
        NotificationKind.EVENT_DECIDED,
        gettext("Event rejected: %(title)s") % {"title": event.title},
        event,
        f"/events/{event.pk}/",
    )
    return event


@transaction.atomic
def event_cancel(*, tenant, by, event, reason: str) -> Event:
    """The organiser (or a manager) cancels an event not yet held, saying why."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the event is cancelled.")})
    event = _lock(tenant, event)
    if not (_can_edit(by, event) or by.role == Role.MANAGER):
        raise ValidationError(_("Only the organiser or a manager cancels the event."))
    if event.status not in (EventStatus.DRAFT, EventStatus.SUBMITTED, EventStatus.APPROVED):
        raise ValidationError(_("A held, closed or rejected event cannot be cancelled."))
    return _transition(tenant, by, event, EventStatus.CANCELLED, reason=reason.strip(), status_reason=reason.strip())


@transaction.atomic
def event_mark_held(*, tenant, by, event) -> Event:
    """The organiser marks an approved event held (once it has started); the follow-ups are
    created now when the tenant creates them on "held"."""
    event = _lock(tenant, event)
    if not _can_edit(by, event):
        raise ValidationError(_("Only the organiser marks the event held."))
    if event.status != EventStatus.APPROVED:
        raise ValidationError(_("Only an approved event can be marked held."))
    if event.starts_at > timezone.now():
        raise ValidationError(_("The event has not started yet."))
    _transition(tenant, by, event, EventStatus.HELD, held_at=timezone.now())
    if selectors.event_settings(tenant=tenant).followup_on == FollowUpOn.HELD:
        _enqueue_followups(tenant, event)
    return event


@transaction.atomic
def event_close(*, tenant, by, event) -> Event:
    """Close a held event (expenses in); follow-ups are created now when the tenant waits for
    "closed", and the outbox makes sure any still missing are (never twice)."""
    event = _lock(tenant, event)
    if not (_can_edit(by, event) or by.role == Role.MANAGER):
        raise ValidationError(_("Only the organiser or a manager closes the event."))
    if event.status != EventStatus.HELD:
        raise ValidationError(_("Only a held event can be closed."))
    _transition(tenant, by, event, EventStatus.CLOSED, closed_at=timezone.now())
    _enqueue_followups(tenant, event)
    return event


@transaction.atomic
def event_delete(*, tenant, by, event) -> None:
    """Delete a draft of one's own (a submitted event is cancelled instead, with a reason)."""
    event = _lock(tenant, event)
    if not _can_edit(by, event):
        raise ValidationError(_("Only the organiser deletes the event."))
    if event.status != EventStatus.DRAFT:
        raise ValidationError(_("Only a draft can be deleted; cancel the event instead."))
    event.delete()
