"""Writes of events: one function per use case, ``<entity>_<action>(*, tenant, by, …)``, keyword-only,
in a transaction, validated, refusing with a ``ValidationError`` (the API turns it into a 400, the
pages into a form error).

Rules that live here (docs/events.md):

* **Workflow**: draft → submitted → approved (by the organiser's manager; by a product manager
  of the event's products as well when the budget is above the tenant threshold) → held →
  closed, or cancelled / rejected with a reason. Every step is an :class:`EventTransition`.
  Once held, :func:`event_update` refuses and :func:`event_correct` records the old and new
  values with the reason.
* **Follow-up, exactly once**: marking an event held (or closed, a tenant setting) writes an
  outbox row and enqueues ``events.create_followups`` on commit; :func:`event_followups_create`
  inserts one :class:`EventFollowUp` per signed-in attendee with ``ON CONFLICT DO NOTHING`` on
  (tenant, attendee), and only for the rows it inserted makes the visit plans
  (``visits.services.visit_plans_create_bulk``), in one transaction that also clears the outbox.
* **Sign-in**: the rep marks attendance, or the doctor signs in on the QR page; what the doctor
  typed is always kept (:class:`SelfSignIn`), matched to the master by name, pinyin, hospital and
  phone (rapidfuzz) or left for review.
* **Insights** land in the product managers' inbox (crm.inbox) and their answer goes back to
  the rep (and to the open follow-ups of that doctor, purpose B).
"""

from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from crm import inbox, stats
from crm.permissions import EVENT_ALL_READERS, EVENT_ORGANISERS, INSIGHT_ANSWERERS, PROGRAM_EDITORS
from crm.tenancy import tenant_id_of
from events import selectors
from events.models import (
    FROZEN_STATUSES,
    AgendaItem,
    Attendee,
    BudgetLine,
    Event,
    EventCorrection,
    EventFollowUp,
    EventKeyMessage,
    EventPhoto,
    EventProduct,
    EventSettings,
    EventStatus,
    EventTransition,
    Expense,
    FollowUpOn,
    FollowUpRecall,
    FollowUpStatus,
    Insight,
    InsightStatus,
    InvitedVia,
    NotificationKind,
    OrganiserKind,
    PendingEventFollowUp,
    Program,
    ProgramProduct,
    ProgramTarget,
    Purpose,
    Question,
    Rsvp,
    SelfSignIn,
    SelfSignInStatus,
    SignInMethod,
)
from hospitals.models import Doctor, DoctorRelation, KeyMessage, Product

EVENT_FIELDS = frozenset(
    {
        "program",
        "title",
        "type",
        "organiser_kind",
        "distributor",
        "third_party",
        "host_hospital",
        "host_department",
        "venue_name",
        "venue_city",
        "venue_address",
        "venue_kind",
        "starts_at",
        "ends_at",
        "slide_deck",
        "expected_attendees",
    }
)
PROGRAM_FIELDS = frozenset(
    {"name", "objective", "target_tiers", "target_departments", "owner", "starts_on", "ends_on", "budget", "status"}
)
ALLOWED_UPLOADS = {  # magic bytes → what it is
    b"%PDF": "pdf",
    b"\x89PNG": "png",
    b"\xff\xd8\xff": "jpeg",
    b"GIF8": "gif",
    b"RIFF": "webp",
}
MAX_UPLOAD_BYTES = 15 * 1024 * 1024


def _pk(obj):
    return getattr(obj, "pk", obj)


def _only(fields, allowed):
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")


def _notify(tenant, user_id, kind, text, obj, link):
    inbox.notify_many(tenant=tenant_id_of(tenant), items=[(user_id, kind, text[:300], obj, link)])


def _check_role(by, roles, message):
    if getattr(by, "role", None) not in roles:
        raise ValidationError(message)


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


def _set_m2m(model, tenant, parent_field, parent, field, ids):
    tid = tenant_id_of(tenant)
    model.objects.for_tenant(tenant).filter(**{parent_field: parent}).delete()
    model.objects.bulk_create([model(tenant_id=tid, **{parent_field: parent, field: i}) for i in dict.fromkeys(ids)])


def _product_ids(tenant, products) -> list[int]:
    ids = [int(_pk(p)) for p in products or []]
    found = set(Product.objects.for_tenant(tenant).filter(pk__in=ids).values_list("pk", flat=True))
    if any(i not in found for i in ids):
        raise ValidationError({"products": _("Select a valid choice.")})
    return ids


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


def _doctor_ids(tenant, doctors) -> list[int]:
    ids = [int(_pk(d)) for d in doctors or []]
    found = set(Doctor.objects.for_tenant(tenant).filter(pk__in=ids).values_list("pk", flat=True))
    if any(i not in found for i in ids):
        raise ValidationError({"doctors": _("Select a valid choice.")})
    return ids


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


def _lock(tenant, event) -> Event:
    return Event.objects.for_tenant(tenant).select_for_update().get(pk=_pk(event))


def _can_edit(by, event) -> bool:
    return event.owner_id == by.pk or by.role == Role.TENANT_ADMIN


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


def _json(value):
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, datetime.datetime | datetime.date | Decimal):
        return str(value)
    return value


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


def _managers_of(tenant, user_id) -> list[int]:
    from visits.services._shared import _managers_of as managers

    return [m.pk for m in managers(tenant=tenant, rep_id=user_id)]


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


def _enqueue_followups(tenant, event):
    from events.tasks import create_followups

    PendingEventFollowUp.objects.bulk_create(
        [PendingEventFollowUp(tenant_id=tenant_id_of(tenant), event=event)], ignore_conflicts=True
    )
    create_followups.delay_on_commit(tenant_id=tenant_id_of(tenant), event_id=event.pk)


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


# --- follow-up ------------------------------------------------------------------------------

_ASSIGNEE_SQL = """
WITH att AS (
    SELECT a.id AS attendee_id, a.doctor_id, d.hospital_id
    FROM events_attendee a JOIN hospitals_doctor d ON d.id = a.doctor_id
    WHERE a.tenant_id = %(tenant)s AND a.event_id = %(event)s AND a.signed_in_at IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM events_eventfollowup f WHERE f.tenant_id = a.tenant_id AND f.attendee_id = a.id)
),
company_rep AS (
    SELECT DISTINCT ON (dt.doctor_id) dt.doctor_id, ta.user_id
    FROM hospitals_doctorterritory dt
    JOIN accounts_territoryassignment ta ON ta.tenant_id = dt.tenant_id AND ta.territory_id = dt.territory_id
    JOIN accounts_user u ON u.id = ta.user_id AND u.is_active AND u.role = 'rep'
    WHERE dt.tenant_id = %(tenant)s AND dt.doctor_id IN (SELECT doctor_id FROM att)
    ORDER BY dt.doctor_id, ta.user_id
),
agency_rep AS (
    SELECT DISTINCT ON (c.hospital_id) c.hospital_id, s.user_id, c.distributor_id
    FROM hospitals_distributorcoverage c
    JOIN hospitals_distributor dist ON dist.id = c.distributor_id
    JOIN hospitals_distributorstaff s ON s.tenant_id = c.tenant_id AND s.distributor_id = c.distributor_id
    JOIN accounts_user u ON u.id = s.user_id AND u.is_active AND u.role = 'distributor_rep'
    WHERE c.tenant_id = %(tenant)s AND c.hospital_id IN (SELECT hospital_id FROM att)
      AND (c.since IS NULL OR c.since <= %(today)s) AND (c.until IS NULL OR c.until >= %(today)s)
      AND (c.distributor_id = %(distributor)s OR (%(distributor)s IS NULL AND dist.kind = 'agent'))
    ORDER BY c.hospital_id, (c.distributor_id = %(distributor)s) DESC NULLS LAST, s.user_id
)
SELECT att.attendee_id, att.doctor_id, cr.user_id, ar.user_id
FROM att LEFT JOIN company_rep cr ON cr.doctor_id = att.doctor_id
LEFT JOIN agency_rep ar ON ar.hospital_id = att.hospital_id
ORDER BY att.attendee_id
"""


def _distributor_fallback(tenant, event) -> int | None:
    """A distributor-run event's own clinical rep, for attendees its coverage does not name."""
    if event.organiser_kind != OrganiserKind.DISTRIBUTOR or not event.distributor_id:
        return None
    from hospitals.models import DistributorStaff

    return (
        DistributorStaff.objects.for_tenant(tenant)
        .filter(distributor_id=event.distributor_id, user__is_active=True, user__role=Role.DISTRIBUTOR_REP)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .first()
    )


def event_followups_create(*, tenant, event_id: int) -> int:
    """Create the follow-up of every signed-in attendee of a held (or closed) event; returns how
    many were created now.

    Exactly once: the follow-ups are inserted with ``ON CONFLICT DO NOTHING`` on (tenant,
    attendee) and the visit plans are made only for the rows this run inserted, in one
    transaction that also clears the outbox row. Running it again, concurrently or after a
    crash creates nothing more. Assignee: the rep who covers the doctor; for a distributor-run
    event, or a hospital an agent distributor covers (agency model), the distributor's clinical
    rep, with the company rep and their manager watching; else the organiser.
    """
    from django.conf import settings as dj_settings

    from visits.models import VisitPlanSource
    from visits.services import visit_plans_create_bulk

    tid = tenant_id_of(tenant)
    with translation.override(dj_settings.LANGUAGE_CODE), transaction.atomic():
        event = Event.objects.for_tenant(tenant).select_for_update().filter(pk=event_id).first()
        if event is None or event.status not in FROZEN_STATUSES:
            PendingEventFollowUp.objects.for_tenant(tenant).filter(event_id=event_id).delete()
            return 0
        conf = selectors.event_settings(tenant=tenant)
        base = timezone.localtime(event.held_at or event.ends_at).date()
        due = base + datetime.timedelta(days=conf.followup_days)
        distributor = event.distributor_id if event.organiser_kind == OrganiserKind.DISTRIBUTOR else None
        with connection.cursor() as cur:
            cur.execute(
                _ASSIGNEE_SQL,
                {"tenant": tid, "event": event.pk, "today": timezone.localdate(), "distributor": distributor},
            )
            found = cur.fetchall()
        if not found:
            PendingEventFollowUp.objects.for_tenant(tenant).filter(event_id=event_id).delete()
            return 0
        fallback = _distributor_fallback(tenant, event)
        questions = selectors.open_questions(tenant=tenant, attendee_ids=[r[0] for r in found])
        manager_cache: dict[int, list[int]] = {}

        def managers(uid):
            if uid not in manager_cache:
                manager_cache[uid] = _managers_of(tid, uid)[:2]
            return manager_cache[uid]

        rows = []
        for attendee_id, doctor_id, company_rep, agency_rep in found:
            distributor_rep = agency_rep or (fallback if distributor else None)
            assignee = distributor_rep or company_rep or event.owner_id
            watchers = []
            if distributor_rep:
                watchers = [u for u in [company_rep, *(managers(company_rep) if company_rep else [])] if u]
            open_q = questions.get(attendee_id, [])
            purposes = [Purpose.ANSWER, Purpose.RECALL, Purpose.TRIAL] if open_q else [Purpose.RECALL, Purpose.TRIAL]
            rows.append((attendee_id, doctor_id, assignee, watchers, purposes, open_q))
        with connection.cursor() as cur:
            cur.execute(
                """
                INSERT INTO events_eventfollowup (tenant_id, event_id, attendee_id, doctor_id, assignee_id, watchers,
                    purposes, open_questions, due_date, status, trial, trial_indication, answers, note, created_at)
                SELECT %s, %s, u.a, u.d, u.r, u.w::jsonb, u.p::jsonb, u.q::jsonb, %s, 'open', '', '', '{}'::jsonb, '',
                       now()
                FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::text[], %s::text[], %s::text[])
                     AS u(a, d, r, w, p, q)
                ON CONFLICT (tenant_id, attendee_id) DO NOTHING
                RETURNING id, attendee_id
                """,
                [
                    tid,
                    event.pk,
                    due,
                    [r[0] for r in rows],
                    [r[1] for r in rows],
                    [r[2] for r in rows],
                    [_dumps(r[3]) for r in rows],
                    [_dumps([str(p) for p in r[4]]) for r in rows],
                    [_dumps(r[5]) for r in rows],
                ],
            )
            inserted = {a: f for f, a in cur.fetchall()}
        by_attendee = {r[0]: r for r in rows}
        product_id = (
            EventProduct.objects.for_tenant(tenant)
            .filter(event=event)
            .order_by("id")
            .values_list("product_id", flat=True)
            .first()
        )
        km_ids = selectors.event_key_message_ids(tenant=tenant, event=event)
        planned_at = timezone.make_aware(
            datetime.datetime.combine(base + datetime.timedelta(days=1), datetime.time(10))
        )
        objective = gettext("Follow-up of %(event)s") % {"event": event.title}
        order = list(inserted)
        plan_ids = visit_plans_create_bulk(
            tenant=tid,
            source=VisitPlanSource.EVENT,
            plans=[
                {
                    "rep_id": by_attendee[a][2],
                    "doctor_id": by_attendee[a][1],
                    "planned_at": planned_at,
                    "product_id": product_id,
                    "objective": objective,
                    "questions": [q["text"] for q in by_attendee[a][5]] + _questionnaire(event, by_attendee[a][4]),
                    "key_message_ids": km_ids,
                }
                for a in order
            ],
        )
        if order:
            with connection.cursor() as cur:
                cur.execute(
                    "UPDATE events_eventfollowup f SET visit_plan_id = u.p FROM unnest(%s::bigint[], %s::bigint[])"
                    " AS u(f, p) WHERE f.tenant_id = %s AND f.id = u.f",
                    [[inserted[a] for a in order], plan_ids, tid],
                )
        text = gettext("Follow up %(event)s within %(days)s days") % {"event": event.title, "days": conf.followup_days}
        counts: dict[int, int] = {}
        for a in order:
            counts[by_attendee[a][2]] = counts.get(by_attendee[a][2], 0) + 1
        inbox.notify_many(
            tenant=tid,
            items=[
                (u, NotificationKind.EVENT_FOLLOWUP, f"{text} ({n})", event, "/events/followups/")
                for u, n in counts.items()
            ],
        )
        PendingEventFollowUp.objects.for_tenant(tenant).filter(event_id=event_id).delete()
        stats.analyze_on_commit()
        return len(order)


def _dumps(value) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, default=str)


def _questionnaire(event, purposes) -> list[str]:
    q = event.questionnaire or {}
    return [str(x) for p in purposes for x in (q.get(str(p)) or [])]


@transaction.atomic
def followup_complete(
    *,
    tenant,
    by,
    followup,
    recalls=(),
    trial: str = "",
    trial_indication: str = "",
    answers=None,
    note: str = "",
    visit=None,
) -> EventFollowUp:
    """The rep records the follow-up: recall and reaction per key message, trial prescribing,
    the questionnaire's answers. Refused when it is not theirs or already done."""
    f = EventFollowUp.objects.for_tenant(tenant).select_for_update().get(pk=_pk(followup))
    if f.assignee_id != by.pk:
        raise ValidationError(_("This follow-up is not yours to record."))
    if f.status != FollowUpStatus.OPEN:
        raise ValidationError(_("This follow-up is already done."))
    km_ids = set(selectors.event_key_message_ids(tenant=tenant, event=f.event_id))
    tid = tenant_id_of(tenant)
    rows = []
    for r in recalls:
        km = int(_pk(r["key_message"]))
        if km not in km_ids:
            raise ValidationError({"recalls": _("Only the event's key messages can be recalled.")})
        rows.append(
            FollowUpRecall(
                tenant_id=tid,
                followup=f,
                key_message_id=km,
                recall=r["recall"],
                reaction=r.get("reaction") or "neutral",
                note=(r.get("note") or "")[:300],
            )
        )
    for row in rows:
        row.full_clean(exclude=["followup"])
    if Purpose.RECALL in f.purposes and km_ids and not rows:
        raise ValidationError({"recalls": _("Record what the doctor recalled of each key message.")})
    FollowUpRecall.objects.for_tenant(tenant).filter(followup=f).delete()
    FollowUpRecall.objects.bulk_create(rows)
    f.trial = trial or ""
    f.trial_indication = trial_indication or ""
    f.answers = answers or {}
    f.note = note or ""
    f.visit_id = _pk(visit) if visit is not None else None
    f.status = FollowUpStatus.DONE
    f.done_at = timezone.now()
    f.full_clean()
    f.save()
    if f.visit_plan_id:
        from visits.models import VisitPlan, VisitPlanStatus

        VisitPlan.objects.for_tenant(tenant).filter(pk=f.visit_plan_id, status=VisitPlanStatus.PLANNED).update(
            status=VisitPlanStatus.DONE
        )
    return f


# --- attendees ------------------------------------------------------------------------------


def _check_attendance_editable(event):
    if event.status in (EventStatus.CLOSED, EventStatus.CANCELLED, EventStatus.REJECTED):
        raise ValidationError(_("The event is closed: attendees can no longer change."))


@transaction.atomic
def attendees_invite(
    *,
    tenant,
    by,
    event,
    doctors=(),
    tiers=(),
    departments=(),
    hospitals=(),
    adoption_stages=(),
    product=None,
    relations_of=(),
    via: str | None = None,
) -> int:
    """Invite doctors from the master (the doctors ``by`` may see): a hand-picked list, or by
    tier, department (standard code), hospital, adoption stage (of ``product``) or from the
    relation network of some doctors (their classmates, mentees, …). Returns how many were
    added (doctors already invited are left as they are)."""
    from hospitals.selectors import visible_doctors
    from segmentation.selectors import filter_doctors_by_adoption, filter_doctors_by_tier

    event = _lock(tenant, event)
    if not (_can_edit(by, event) or by.role in EVENT_ORGANISERS and event.owner_id == by.pk):
        raise ValidationError(_("Only the organiser invites doctors."))
    _check_attendance_editable(event)
    qs = visible_doctors(tenant=tenant, user=by).active()
    criteria = False
    if doctors:
        qs, criteria, via = qs.filter(pk__in=[_pk(d) for d in doctors]), True, via or InvitedVia.HAND_PICKED
    if tiers:
        qs, criteria, via = filter_doctors_by_tier(qs, tenant=tenant, tiers=list(tiers)), True, via or InvitedVia.TIER
    if departments:
        qs, criteria = qs.filter(department__code__in=list(departments)), True
        via = via or InvitedVia.DEPARTMENT
    if hospitals:
        qs, criteria, via = qs.filter(hospital_id__in=[_pk(h) for h in hospitals]), True, via or InvitedVia.HOSPITAL
    if adoption_stages:
        qs = filter_doctors_by_adoption(qs, tenant=tenant, stages=list(adoption_stages), product=product)
        criteria, via = True, via or InvitedVia.ADOPTION
    if relations_of:
        ids = [_pk(d) for d in relations_of]
        rel = DoctorRelation.objects.for_tenant(tenant)
        related = set(rel.filter(from_doctor_id__in=ids).values_list("to_doctor_id", flat=True)) | set(
            rel.filter(to_doctor_id__in=ids).values_list("from_doctor_id", flat=True)
        )
        qs, criteria, via = qs.filter(pk__in=related - set(ids)), True, via or InvitedVia.RELATION
    if not criteria:
        raise ValidationError(_("Choose doctors, or at least one criterion."))
    ids = list(qs.order_by().values_list("pk", flat=True)[:5000])
    tid = tenant_id_of(tenant)
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO events_attendee (tenant_id, event_id, doctor_id, rsvp, invited_via, invited_by_id, invited_at,
                                         signin_method)
            SELECT %s, %s, d, 'invited', %s, %s, now(), '' FROM unnest(%s::bigint[]) AS u(d)
            ON CONFLICT (tenant_id, event_id, doctor_id) DO NOTHING
            """,
            [tid, event.pk, str(via), by.pk, ids],
        )
        added = cur.rowcount
    stats.analyze_on_commit()
    return added


@transaction.atomic
def attendee_rsvp(*, tenant, by, attendee, rsvp: str) -> Attendee:
    a = Attendee.objects.for_tenant(tenant).select_related("event").select_for_update().get(pk=_pk(attendee))
    _check_attendance_editable(a.event)
    if rsvp not in Rsvp.values:
        raise ValidationError({"rsvp": _("Select a valid choice.")})
    a.rsvp = rsvp
    a.save(update_fields=["rsvp"])
    return a


def _can_sign_in(by, event) -> bool:
    return (
        event.owner_id == by.pk
        or by.role in (Role.MANAGER, Role.TENANT_ADMIN)
        or by.role in (Role.REP, Role.DISTRIBUTOR_REP)
    )


def _check_signin_open(event):
    if event.status not in (EventStatus.APPROVED, EventStatus.HELD):
        raise ValidationError(
            _("Sign-in is open for approved events only (this one is %(status)s).")
            % {"status": event.get_status_display()}
        )


@transaction.atomic
def attendee_sign_in(*, tenant, by, attendee, signed_in: bool = True) -> Attendee:
    """The rep marks an attendee present (or undoes it) on the day."""
    a = Attendee.objects.for_tenant(tenant).select_related("event").select_for_update().get(pk=_pk(attendee))
    _check_signin_open(a.event)
    if not _can_sign_in(by, a.event):
        raise ValidationError(_("You do not sign in attendees of this event."))
    if signed_in:
        if a.signed_in_at is None:
            a.signed_in_at, a.signin_method, a.signed_in_by = timezone.now(), SignInMethod.REP, by
            if a.rsvp in (Rsvp.INVITED, Rsvp.TENTATIVE, Rsvp.DECLINED):
                a.rsvp = Rsvp.ACCEPTED
    else:
        a.signed_in_at, a.signin_method, a.signed_in_by = None, "", None
    a.save()
    return a


@transaction.atomic
def attendee_add_walk_in(*, tenant, by, event, doctor) -> Attendee:
    """A doctor who was not invited walks in: added and signed in. Twice is refused."""
    from hospitals.selectors import visible_doctors

    event = _lock(tenant, event)
    _check_signin_open(event)
    d = (
        visible_doctors(tenant=tenant, user=by).filter(pk=_pk(doctor)).first()
        if by.role not in EVENT_ALL_READERS
        else (Doctor.objects.for_tenant(tenant).filter(pk=_pk(doctor)).first())
    )
    if d is None:
        raise ValidationError({"doctor": _("Select a valid choice.")})
    if Attendee.objects.for_tenant(tenant).filter(event=event, doctor=d).exists():
        raise ValidationError({"doctor": _("This doctor is already an attendee of the event.")})
    return Attendee.objects.create(
        tenant_id=event.tenant_id,
        event=event,
        doctor=d,
        rsvp=Rsvp.WALK_IN,
        invited_via=InvitedVia.WALK_IN,
        invited_by=by,
        signed_in_at=timezone.now(),
        signin_method=SignInMethod.REP,
        signed_in_by=by,
    )


# --- QR self sign-in ------------------------------------------------------------------------

MATCH_SCORE = 85  # at or above (and clearly ahead of the next candidate): matched
MATCH_GAP = 8


def _score(name, hospital_text, phone4, doctor) -> int:
    from rapidfuzz import fuzz

    from hospitals.pinyin import name_pinyin

    typed = name.replace(" ", "")
    name_score = max(
        fuzz.ratio(typed, doctor["name"]),
        fuzz.ratio(name_pinyin(typed), doctor["name_pinyin"] or "") if typed else 0,
        fuzz.ratio(typed.lower(), (doctor["name_pinyin"] or "").replace(" ", "")),
    )
    hosp = fuzz.partial_ratio(hospital_text, doctor["hospital__name"]) if hospital_text else 50
    phone = 100 if phone4 and (doctor["phone"] or "").endswith(phone4) else 0
    return round(0.6 * name_score + 0.25 * hosp + 0.15 * phone)


def self_sign_in(*, tenant, event, name: str, hospital_text: str, phone_last4: str, now=None) -> SelfSignIn:
    """A doctor signs in on the QR page (no account). What they typed is stored whatever
    happens; matched to a doctor of the master (an invited one first, then by name, pinyin and
    the host hospital), they are signed in (added as a walk-in when not invited); otherwise the
    sign-in waits in the review list."""
    from hospitals.pinyin import name_pinyin

    now = now or timezone.now()
    name, hospital_text, phone_last4 = (name or "").strip(), (hospital_text or "").strip(), (phone_last4 or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Enter your name.")
    if not hospital_text:
        errors["hospital_text"] = _("Enter your hospital.")
    if not (len(phone_last4) == 4 and phone_last4.isdigit()):
        errors["phone_last4"] = _("Enter the last 4 digits of your mobile phone.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        event = Event.objects.for_tenant(tenant).select_for_update().get(pk=_pk(event))
        if event.status not in (EventStatus.APPROVED, EventStatus.HELD) or now > event.ends_at + datetime.timedelta(
            hours=6
        ):
            raise ValidationError(_("Sign-in for this event is closed."))
        doctors = Doctor.objects.for_tenant(tenant).active()
        fields = ("pk", "name", "name_pinyin", "phone", "hospital__name")
        invited = list(
            doctors.filter(pk__in=Attendee.objects.for_tenant(tenant).filter(event=event).values("doctor_id")).values(
                *fields
            )[:3000]
        )
        by_name = list(doctors.filter(name=name).values(*fields)[:50])
        py = name_pinyin(name) if name else ""
        by_pinyin = list(doctors.filter(name_pinyin=py).values(*fields)[:50]) if py else []
        host = (
            list(doctors.filter(hospital_id=event.host_hospital_id).values(*fields)[:3000])
            if event.host_hospital_id
            else []
        )
        seen, scored = set(), []
        for d in invited + by_name + by_pinyin + host:
            if d["pk"] in seen:
                continue
            seen.add(d["pk"])
            scored.append((_score(name, hospital_text, phone_last4, d), d))
        scored.sort(key=lambda x: -x[0])
        top = scored[:5]
        candidates = [
            {"doctor_id": d["pk"], "name": d["name"], "hospital": d["hospital__name"], "score": s} for s, d in top
        ]
        matched = bool(top) and top[0][0] >= MATCH_SCORE and (len(top) == 1 or top[0][0] - top[1][0] >= MATCH_GAP)
        row = SelfSignIn(
            tenant_id=event.tenant_id,
            event=event,
            name=name[:100],
            hospital_text=hospital_text[:200],
            phone_last4=phone_last4,
            at=now,
            status=SelfSignInStatus.MATCHED if matched else SelfSignInStatus.REVIEW,
            score=top[0][0] if top else 0,
            candidates=candidates,
        )
        if matched:
            row.doctor_id = top[0][1]["pk"]
            row.attendee = _sign_in_doctor(event, row.doctor_id, SignInMethod.QR, None, now)
        row.save()
        return row


def _sign_in_doctor(event, doctor_id, method, by, now) -> Attendee:
    a = (
        Attendee.objects.for_tenant(event.tenant_id)
        .select_for_update()
        .filter(event=event, doctor_id=doctor_id)
        .first()
    )
    if a is None:
        return Attendee.objects.create(
            tenant_id=event.tenant_id,
            event=event,
            doctor_id=doctor_id,
            rsvp=Rsvp.WALK_IN,
            invited_via=InvitedVia.WALK_IN,
            signed_in_at=now,
            signin_method=method,
            signed_in_by=by,
        )
    if a.signed_in_at is None:
        a.signed_in_at, a.signin_method, a.signed_in_by = now, method, by
        if a.rsvp != Rsvp.WALK_IN:
            a.rsvp = Rsvp.ACCEPTED
        a.save()
    return a


@transaction.atomic
def self_signin_resolve(*, tenant, by, signin, doctor=None, dismiss: bool = False) -> SelfSignIn:
    """The organiser settles a sign-in of the review list: the doctor it was (signed in then),
    or dismissed (kept, with who dismissed it)."""
    row = SelfSignIn.objects.for_tenant(tenant).select_related("event").select_for_update().get(pk=_pk(signin))
    if not (_can_edit(by, row.event) or by.role == Role.MANAGER):
        raise ValidationError(_("Only the organiser settles the sign-ins."))
    if row.status not in (SelfSignInStatus.REVIEW,):
        raise ValidationError(_("This sign-in is already settled."))
    row.resolved_by = by
    if dismiss:
        row.status = SelfSignInStatus.DISMISSED
    else:
        d = Doctor.objects.for_tenant(tenant).filter(pk=_pk(doctor)).first() if doctor is not None else None
        if d is None:
            raise ValidationError({"doctor": _("Select a valid choice.")})
        if row.event.status in (EventStatus.CLOSED, EventStatus.CANCELLED, EventStatus.REJECTED):
            raise ValidationError(_("The event is closed: attendees can no longer change."))
        row.doctor = d
        row.attendee = _sign_in_doctor(row.event, d.pk, SignInMethod.QR, by, row.at)
        row.status = SelfSignInStatus.RESOLVED
    row.save()
    if not dismiss and row.event.status in FROZEN_STATUSES:
        _enqueue_followups(tenant, row.event)  # a late-matched attendee gets their follow-up too
    return row


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


# --- insights -------------------------------------------------------------------------------


@transaction.atomic
def insight_raise(
    *,
    tenant,
    by,
    text: str,
    product,
    kind: str = "question",
    key_message=None,
    doctor=None,
    event=None,
    question=None,
    visit=None,
) -> Insight:
    """A rep sends an insight from a visit or an event; it lands in the inbox of the product's
    product manager. Raising an event question twice returns the same insight."""
    if not (text or "").strip():
        raise ValidationError({"text": _("Write the insight.")})
    if by.role not in EVENT_ORGANISERS:
        raise ValidationError(_("Your role does not send field insights."))
    product_id = int(_pk(product))
    if not Product.objects.for_tenant(tenant).filter(pk=product_id).exists():
        raise ValidationError({"product": _("Select a valid choice.")})
    if question is not None:
        existing = Insight.objects.for_tenant(tenant).filter(question_id=_pk(question)).first()
        if existing:
            return existing
    pms = selectors.product_managers_of(tenant=tenant, product_id=product_id)
    row = Insight(
        tenant_id=tenant_id_of(tenant),
        kind=kind,
        text=text.strip(),
        product_id=product_id,
        key_message_id=_pk(key_message) if key_message is not None else None,
        doctor_id=_pk(doctor) if doctor is not None else None,
        event_id=_pk(event) if event is not None else None,
        question_id=_pk(question) if question is not None else None,
        visit_id=_pk(visit) if visit is not None else None,
        raised_by=by,
        product_manager_id=pms[0] if pms else None,
    )
    row.full_clean()
    row.save()
    inbox.notify_many(
        tenant=tenant_id_of(tenant),
        items=[
            (
                u,
                NotificationKind.INSIGHT_NEW,
                gettext("New field insight: %(text)s") % {"text": row.text[:200]},
                row,
                f"/events/insights/{row.pk}/",
            )
            for u in pms
        ],
    )
    return row


@transaction.atomic
def insight_answer(*, tenant, by, insight, answer: str, addressed_in=None, addressed_version: str = "") -> Insight:
    """The product manager answers; the answer goes back to the rep (a notification, and the
    doctor's open event follow-ups show it for purpose B)."""
    if by.role not in INSIGHT_ANSWERERS:
        raise ValidationError(_("Only a product manager answers field insights."))
    if not (answer or "").strip():
        raise ValidationError({"answer": _("Write the answer.")})
    row = Insight.objects.for_tenant(tenant).select_for_update().get(pk=_pk(insight))
    if row.status == InsightStatus.CLOSED:
        raise ValidationError(_("This insight is closed."))
    row.answer, row.answered_by, row.answered_at = answer.strip(), by, timezone.now()
    row.status = InsightStatus.ANSWERED
    if addressed_in is not None:
        _set_addressed(tenant, row, addressed_in, addressed_version)
    row.full_clean()
    row.save()
    if row.question_id:
        _attach_answer(tenant, row)
    _notify(
        tenant,
        row.raised_by_id,
        NotificationKind.INSIGHT_ANSWERED,
        gettext("Answer from the product manager: %(text)s") % {"text": row.answer[:200]},
        row,
        f"/events/insights/{row.pk}/",
    )
    return row


def _set_addressed(tenant, row, item, version):
    from visits.models import ContentItem

    if not ContentItem.objects.for_tenant(tenant).filter(pk=_pk(item)).exists():
        raise ValidationError({"addressed_in": _("Select a valid choice.")})
    row.addressed_in_id, row.addressed_version = _pk(item), (version or "")[:40]


@transaction.atomic
def insight_address(*, tenant, by, insight, content_item, version: str = "") -> Insight:
    """The PM marks the insight as addressed in a deck version (a content-library item)."""
    if by.role not in INSIGHT_ANSWERERS:
        raise ValidationError(_("Only a product manager marks insights addressed."))
    row = Insight.objects.for_tenant(tenant).select_for_update().get(pk=_pk(insight))
    _set_addressed(tenant, row, content_item, version)
    row.save(update_fields=["addressed_in", "addressed_version"])
    return row


def _attach_answer(tenant, insight):
    """Put the PM's answer beside the question on the open follow-ups of the asking attendee."""
    rows = (
        EventFollowUp.objects.for_tenant(tenant)
        .select_for_update()
        .filter(event_id=insight.event_id, status=FollowUpStatus.OPEN, doctor_id=insight.doctor_id)
    )
    for f in rows:
        changed = False
        for q in f.open_questions or []:
            if q.get("question_id") == insight.question_id:
                q["insight_id"], q["answer"] = insight.pk, insight.answer
                changed = True
        if changed:
            f.save(update_fields=["open_questions"])


# --- reminders (crm.inbox) ------------------------------------------------------------------

_REMINDER_SQL = {
    "event_fu_due": """
        INSERT INTO {notifications}
            (tenant_id, user_id, kind, text, link, object_type, object_id, date, read, created_at)
        SELECT f.tenant_id, f.assignee_id, 'event_fu_due', %(text)s || d.name, '/events/followups/',
               'eventfollowup', f.id, %(day)s, false, now()
        FROM events_eventfollowup f JOIN hospitals_doctor d ON d.id = f.doctor_id
        WHERE f.tenant_id = %(tenant)s AND f.status = 'open' AND f.due_date = %(day)s
        ON CONFLICT DO NOTHING
    """,
    "event_fu_overdue": """
        INSERT INTO {notifications}
            (tenant_id, user_id, kind, text, link, object_type, object_id, date, read, created_at)
        SELECT f.tenant_id, f.assignee_id, 'event_fu_overdue', %(text)s || d.name, '/events/followups/',
               'eventfollowup', f.id, %(day)s, false, now()
        FROM events_eventfollowup f JOIN hospitals_doctor d ON d.id = f.doctor_id
        WHERE f.tenant_id = %(tenant)s AND f.status = 'open' AND f.due_date < %(day)s
        ON CONFLICT DO NOTHING
    """,
    # Past the due date: the watchers (company rep and manager under the agency model) are told too.
    "event_fu_escalated": """
        INSERT INTO {notifications}
            (tenant_id, user_id, kind, text, link, object_type, object_id, date, read, created_at)
        SELECT f.tenant_id, w.uid::bigint, 'event_fu_escalated', %(text)s || d.name, '/events/followups/',
               'eventfollowup', f.id, %(day)s, false, now()
        FROM events_eventfollowup f JOIN hospitals_doctor d ON d.id = f.doctor_id
        CROSS JOIN LATERAL jsonb_array_elements_text(f.watchers) AS w(uid)
        WHERE f.tenant_id = %(tenant)s AND f.status = 'open' AND f.due_date < %(day)s
        ON CONFLICT DO NOTHING
    """,
}


def event_reminders(*, tenant, now, day) -> dict[str, int]:
    """Daily reminders of events (registered with crm.inbox): follow-ups due today, overdue,
    and overdue ones escalated to the watchers. Set-based and idempotent per day."""
    texts = {
        "event_fu_due": gettext("Event follow-up due today: "),
        "event_fu_overdue": gettext("Event follow-up overdue: "),
        "event_fu_escalated": gettext("Event follow-up overdue (agency): "),
    }
    counts = {}
    with connection.cursor() as cur:
        for kind, sql in _REMINDER_SQL.items():
            cur.execute(
                sql.format(notifications=inbox.NOTIFICATION_TABLE),
                {"tenant": tenant_id_of(tenant), "day": day, "text": texts[kind]},
            )
            counts[kind] = cur.rowcount
    # Managers of the assignees of overdue follow-ups (not watched): told once a day as well.
    overdue = (
        EventFollowUp.objects.for_tenant(tenant)
        .open()
        .filter(due_date__lt=day, watchers=[])
        .values_list("pk", "assignee_id")[:2000]
    )
    items, cache = [], {}
    for pk, uid in overdue:
        if uid not in cache:
            cache[uid] = _managers_of(tenant, uid)[:1]
        for m in cache[uid]:
            items.append(
                (
                    m,
                    NotificationKind.EVENT_FU_ESCALATED,
                    texts["event_fu_escalated"].strip(),
                    ("eventfollowup", pk),
                    "/events/followups/",
                )
            )
    if items:
        inbox.notify_many(tenant=tenant_id_of(tenant), items=items)
    counts["event_fu_escalated"] += len(items)
    return counts


def user_may_see_event(*, tenant, user, event) -> bool:
    return selectors.event_list(tenant=tenant, user=user).filter(pk=_pk(event)).exists()
