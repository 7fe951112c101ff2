"""Writes of complaints: one function per use case, ``complaint_<action>(*, tenant, by, …)``,
keyword-only, in a transaction, validated, refusing with a ``ValidationError`` (the API turns it
into a 400, the pages into a form error) — and nothing the user typed is lost on a refusal.

* intake: :func:`complaint_create` (phone form, sales ops, API) and
  :func:`complaints_from_visit` (the visits hook: a submitted report's adverse-event or quality
  signal; awareness = the visit date);
* workflow: :func:`complaint_triage`, :func:`complaint_start_investigation`,
  :func:`complaint_investigation_record`, :func:`complaint_resolve`, :func:`complaint_close`,
  :func:`complaint_reopen`, plus :func:`complaint_regulator_report`, :func:`complaint_reply`,
  :func:`complaint_update`, :func:`attachment_add`; every change writes a timeline row;
* :func:`complaint_reminders` — the daily clock job (registered with ``crm.inbox``);
* lot check and lot signals, on every intake.
"""

from __future__ import annotations

import datetime
import os

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm import inbox, workdays
from crm.permissions import COMPLAINT_HANDLERS, COMPLAINT_INTAKE_ROLES, PV_ROLES, QA_ROLES, has_role
from crm.roles import Role
from crm.tenancy import tenant_id_of
from hospitals.models import Doctor, Shipment

from . import rules
from .models import (
    OPEN_STATUSES,
    ClockKind,
    ClockRun,
    Complaint,
    ComplaintAttachment,
    ComplaintClock,
    ComplaintEvent,
    ComplaintType,
    EventKind,
    IntakeChannel,
    LotSignal,
    QualityDefect,
    Queue,
    ReporterKind,
    Status,
)
from .vocabulary import NotificationKind

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".heic": "image/heic",
    ".pdf": "application/pdf",
}
# The first bytes of each kind: the name alone is not trusted.
_MAGIC = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
    "image/heic": (b"",),  # ftyp box at offset 4: checked below
    "application/pdf": (b"%PDF-",),
}

EDITABLE_FIELDS = (
    "title",
    "description",
    "pv_narrative",
    "defect",
    "product",
    "lot_number",
    "expiry_date",
    "quantity",
    "contact_name",
    "contact_phone",
    "contact_email",
    "doctor",
    "hospital",
    "distributor",
)

TRANSITIONS = {
    Status.NEW: {Status.TRIAGED},
    Status.TRIAGED: {Status.INVESTIGATING, Status.RESOLVED},
    Status.INVESTIGATING: {Status.RESOLVED},
    Status.RESOLVED: {Status.CLOSED, Status.INVESTIGATING},
    Status.CLOSED: {Status.INVESTIGATING},  # reopen, with a reason
}


def _pk(obj):
    return getattr(obj, "pk", obj)


def _event(complaint, *, kind, by=None, note="", from_status="", to_status="", at=None):
    return ComplaintEvent.objects.create(
        tenant_id=complaint.tenant_id,
        complaint=complaint,
        kind=kind,
        by=by if by is None or getattr(by, "pk", None) else None,
        note=str(note)[:4000],
        from_status=from_status,
        to_status=to_status,
        at=at or timezone.now(),
    )


def _link(complaint) -> str:
    return f"/complaints/{complaint.pk}/"


# --- clocks ------------------------------------------------------------------------------------


def _clocks_set(tenant, complaint, calendar=None) -> None:
    """(Re)compute the unmet clocks of ``complaint`` from its type × severity and awareness day;
    met clocks stay as they were; clocks the rules no longer have are dropped if unmet."""
    calendar = calendar or workdays.WorkCalendar(tenant)
    wanted = rules.rules_for(tenant=tenant, type=complaint.type, severity=complaint.severity)
    existing = {c.kind: c for c in ComplaintClock.objects.for_tenant(tenant).filter(complaint=complaint)}
    for kind, clock in existing.items():
        if clock.met_on is None and kind not in wanted:
            clock.delete()
    for kind, rule in wanted.items():
        due, remind = rules.due_dates(rule, complaint.aware_on, calendar)
        clock = existing.get(kind)
        if clock is None:
            ComplaintClock.objects.create(
                tenant_id=complaint.tenant_id, complaint=complaint, kind=kind, due_on=due, remind_from=remind
            )
        elif clock.met_on is None and (clock.due_on, clock.remind_from) != (due, remind):
            clock.due_on, clock.remind_from = due, remind
            clock.save(update_fields=["due_on", "remind_from"])


def _clocks_meet(tenant, complaint, *kinds, day=None) -> None:
    ComplaintClock.objects.for_tenant(tenant).filter(complaint=complaint, kind__in=kinds, met_on__isnull=True).update(
        met_on=day or timezone.localdate()
    )


def _next_due(tenant, complaint):
    return (
        ComplaintClock.objects.for_tenant(tenant)
        .filter(complaint=complaint, met_on__isnull=True)
        .order_by("due_on")
        .values_list("due_on", flat=True)
        .first()
    )


def _save(complaint, fields, *, tenant) -> None:
    """Save ``fields`` and the next due date (what every list shows)."""
    complaint.next_due_on = _next_due(tenant, complaint) if complaint.status != Status.CLOSED else None
    complaint.save(update_fields=[*fields, "next_due_on", "updated_at"])


# --- intake -----------------------------------------------------------------------------------


def lot_check(*, tenant, lot_number: str, product=None) -> bool:
    """The lot is in the tenant's shipments (of ``product`` when given)."""
    if not lot_number:
        return False
    qs = Shipment.objects.for_tenant(tenant).filter(lot_number=lot_number)
    if product is not None:
        qs = qs.filter(product_id=_pk(product))
    return qs.exists()


def _check_locked(complaint):
    if complaint.status == Status.CLOSED:
        raise ValidationError(_("This complaint is closed and locked. Reopen it with a reason to change it."))


@transaction.atomic
def complaint_create(
    *,
    tenant,
    by,
    type: str,  # noqa: A002 - the domain word
    reporter_kind: str,
    description: str,
    title: str = "",
    channel: str = IntakeChannel.PHONE,
    severity: str | None = None,
    defect: str = "",
    product=None,
    lot_number: str = "",
    expiry_date: datetime.date | None = None,
    quantity: int | None = None,
    doctor=None,
    hospital=None,
    distributor=None,
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    aware_on: datetime.date | None = None,
    pv_narrative: str = "",
    visit=None,
    product_required: bool = True,
) -> Complaint:
    """Record a complaint: routed to its inbox, clocks started from ``aware_on`` (today when not
    given), lot checked against the shipments (an unknown lot is accepted with a warning on the
    timeline), the assignee told, lot signals raised when the threshold is passed."""
    if not has_role(by, COMPLAINT_INTAKE_ROLES):
        raise ValidationError(_("You may not record complaints."))
    tid = tenant_id_of(tenant)
    lot_number = (lot_number or "").strip().upper()
    if type not in ComplaintType.values:
        raise ValidationError({"type": _("Choose a complaint type.")})
    queue, assignee, escalate_to = rules.route(tenant=tid, type=type)
    doctor_obj = Doctor.objects.for_tenant(tid).filter(pk=_pk(doctor)).first() if doctor else None
    if doctor and doctor_obj is None:
        raise ValidationError({"doctor": _("Select a valid choice.")})
    if doctor_obj is not None and hospital is None:
        hospital = doctor_obj.hospital_id
    complaint = Complaint(
        tenant_id=tid,
        type=type,
        defect=defect or "",
        severity=severity or rules.Severity.LOW,
        status=Status.NEW,
        queue=queue,
        title=(title or description or "").strip()[:200],
        description=(description or "").strip(),
        pv_narrative=pv_narrative or "",
        product_id=_pk(product),
        lot_number=lot_number,
        expiry_date=expiry_date,
        quantity=quantity,
        reporter_kind=reporter_kind,
        doctor_id=_pk(doctor),
        hospital_id=_pk(hospital),
        distributor_id=_pk(distributor),
        contact_name=contact_name or "",
        contact_phone=contact_phone or "",
        contact_email=contact_email or "",
        channel=channel,
        visit_id=_pk(visit),
        reported_by=by,
        aware_on=aware_on or timezone.localdate(),
        assignee=assignee,
        escalate_to=escalate_to,
    )
    errors = {}
    if not complaint.description:
        errors["description"] = _("Describe what happened.")
    if product_required and type in (ComplaintType.QUALITY, ComplaintType.ADVERSE_EVENT) and not complaint.product_id:
        errors["product"] = _("Choose the product.")
    try:
        complaint.full_clean(exclude=["tenant"])
    except ValidationError as exc:
        errors = {**exc.message_dict, **errors}
    if errors:
        raise ValidationError(errors)
    complaint.lot_known = lot_check(tenant=tid, lot_number=lot_number, product=product)
    complaint.save()
    _event(complaint, kind=EventKind.CREATED, by=by, to_status=Status.NEW, note=complaint.get_channel_display())
    if lot_number and not complaint.lot_known:
        _event(
            complaint,
            kind=EventKind.WARNING,
            note=gettext("Lot %(lot)s is not in the shipments on record: kept as reported, please verify.")
            % {"lot": lot_number},
        )
    _clocks_set(tid, complaint)
    _save(complaint, [], tenant=tid)
    if assignee is not None:
        inbox.notify(
            tenant=tid,
            user=assignee,
            kind=NotificationKind.ASSIGNED,
            text=gettext("New complaint: %(title)s") % {"title": complaint.title},
            obj=complaint,
            link=_link(complaint),
        )
    lot_signals_check(tenant=tid, complaint=complaint)
    return complaint


def complaints_from_visit(*, tenant, visit) -> list[Complaint]:
    """The visits hook: a submitted report's adverse-event or quality signal becomes a complaint,
    linked to the visit, first awareness = the visit date. Idempotent (one per visit and type)."""
    from visits.models import VisitProduct
    from visits.vocabulary import Signal

    signals = set(visit.signals or ())
    wanted = []
    if Signal.ADVERSE_EVENT in signals:
        wanted.append((ComplaintType.ADVERSE_EVENT, Signal.ADVERSE_EVENT))
    if Signal.QUALITY_COMPLAINT in signals:
        wanted.append((ComplaintType.QUALITY, Signal.QUALITY_COMPLAINT))
    if not wanted:
        return []
    tid = tenant_id_of(tenant)
    done = set(Complaint.objects.for_tenant(tid).filter(visit_id=visit.pk).values_list("type", flat=True))
    notes = visit.signal_notes or {}
    product_id = (
        VisitProduct.objects.for_tenant(tid)
        .filter(visit_id=visit.pk)
        .order_by("pk")
        .values_list("product_id", flat=True)
    ).first()
    rep = visit.rep
    aware_on = timezone.localtime(visit.visited_at).date()
    created = []
    for ctype, signal in wanted:
        if ctype in done:
            continue
        note = notes.get(signal, "") or ""
        doctor_name = getattr(visit.doctor, "name", "")
        kwargs = {
            "tenant": tid,
            "by": rep,
            "type": ctype,
            "reporter_kind": ReporterKind.DOCTOR,
            "doctor": visit.doctor_id,
            "hospital": visit.doctor.hospital_id,
            "channel": IntakeChannel.VISIT,
            "visit": visit,
            "aware_on": aware_on,
            "product": product_id,
            "description": note or gettext("Reported in a visit to %(doctor)s.") % {"doctor": doctor_name},
            "title": (note or str(Signal(signal).label))[:120],
        }
        if ctype == ComplaintType.ADVERSE_EVENT:
            kwargs["severity"] = rules.severity_from_note(note)
            kwargs["pv_narrative"] = note
        else:
            kwargs["defect"] = QualityDefect.DEFECT
        # Never lose it: a report without a product still becomes a complaint, flagged.
        complaint = complaint_create(**kwargs, product_required=False)
        if not complaint.product_id and ctype in (ComplaintType.QUALITY, ComplaintType.ADVERSE_EVENT):
            _event(complaint, kind=EventKind.WARNING, note=gettext("No product on the visit report: add it."))
        created.append(complaint)
    return created


def lot_signals_check(*, tenant, complaint) -> list[LotSignal]:
    """Raise a signal once when the complaints on the complaint's lot — or on its product and
    kind — within the tenant's window reach the threshold; QA is told with the trace linked."""
    tid = tenant_id_of(tenant)
    settings_obj = rules.complaint_settings(tenant=tid)
    since = complaint.aware_on - datetime.timedelta(days=settings_obj.signal_window_days)
    recent = Complaint.objects.for_tenant(tid).filter(aware_on__gte=since)
    raised = []
    checks = []
    if complaint.lot_number:
        checks.append((f"lot:{complaint.lot_number}", recent.filter(lot_number=complaint.lot_number), {}))
    if complaint.product_id:
        kind = complaint.defect or complaint.type
        checks.append(
            (
                f"product:{complaint.product_id}:{kind}",
                recent.filter(product_id=complaint.product_id, type=complaint.type, defect=complaint.defect),
                {"product_id": complaint.product_id, "defect": kind},
            )
        )
    for key, qs, extra in checks:
        count = qs.count()
        if count < settings_obj.signal_threshold:
            continue
        if LotSignal.objects.for_tenant(tid).filter(key=key).exists():
            continue
        try:
            with transaction.atomic():
                signal = LotSignal.objects.create(
                    tenant_id=tid,
                    key=key,
                    lot_number=complaint.lot_number if key.startswith("lot:") else "",
                    complaints=count,
                    **extra,
                )
        except IntegrityError:  # raised at the same moment by another intake
            continue
        raised.append(signal)
        _signal_notify(tid, key, count, complaint)
    return raised


def _signal_notify(tid, key, count, complaint):
    from accounts.models import User

    settings_obj = rules.complaint_settings(tenant=tid)
    users = set(User.objects.in_tenant(tid).filter(role__in=QA_ROLES, is_active=True).values_list("pk", flat=True))
    if settings_obj.qa_assignee_id:
        users.add(settings_obj.qa_assignee_id)
    if key.startswith("lot:"):
        text = gettext("Signal: %(n)s complaints on lot %(lot)s") % {"n": count, "lot": complaint.lot_number}
        link = f"/complaints/lots/{complaint.lot_number}/"
    else:
        text = gettext("Signal: %(n)s complaints on %(product)s (%(kind)s)") % {
            "n": count,
            "product": complaint.product,
            "kind": complaint.get_defect_display() or complaint.get_type_display(),
        }
        link = f"/complaints/lots/{complaint.lot_number}/" if complaint.lot_number else "/complaints/"
    inbox.notify_many(
        tenant=tid, items=[(u, NotificationKind.LOT_SIGNAL, text, ("lotsignal", None), link) for u in users]
    )


# --- workflow ---------------------------------------------------------------------------------


def _load(tenant, complaint, *, lock=True) -> Complaint:
    qs = Complaint.objects.for_tenant(tenant)
    if lock:
        qs = qs.select_for_update()
    found = qs.filter(pk=_pk(complaint)).first()
    if found is None:
        raise ValidationError(_("Select a valid choice."))
    return found


def _check_handler(by, complaint):
    if complaint.assignee_id and by.pk == complaint.assignee_id and by.is_active:
        return
    if not has_role(by, COMPLAINT_HANDLERS):
        raise ValidationError(_("Only quality, pharmacovigilance or an administrator handle complaints."))
    if complaint.queue == Queue.PV and has_role(by, QA_ROLES):
        raise ValidationError(_("Adverse events are handled by pharmacovigilance."))
    if complaint.queue == Queue.QA and has_role(by, PV_ROLES) and by.role != Role.MEDICAL_AFFAIRS:
        raise ValidationError(_("Quality complaints are handled by quality assurance."))


def _move(tenant, by, complaint, to, note="", *, extra_fields=()):
    frm = complaint.status
    if to not in TRANSITIONS.get(frm, set()):
        raise ValidationError(
            _("A complaint cannot go from %(frm)s to %(to)s.") % {"frm": Status(frm).label, "to": Status(to).label}
        )
    complaint.status = to
    fields = ["status", *extra_fields]
    if to == Status.CLOSED:
        complaint.closed_at = timezone.now()
        fields.append("closed_at")
    _save(complaint, fields, tenant=tenant)
    _event(complaint, kind=EventKind.TRANSITION, by=by, from_status=frm, to_status=to, note=note)
    return complaint


@transaction.atomic
def complaint_triage(*, tenant, by, complaint, severity: str | None = None, note: str = "", assignee=None) -> Complaint:
    """Confirm type and severity (clocks follow a new severity), acknowledge the reporter."""
    complaint = _load(tenant, complaint)
    _check_locked(complaint)
    _check_handler(by, complaint)
    fields = []
    if severity and severity != complaint.severity:
        if severity not in rules.Severity.values:
            raise ValidationError({"severity": _("Choose a severity.")})
        complaint.severity = severity
        fields.append("severity")
        _clocks_set(tenant, complaint)
    if assignee is not None:
        complaint.assignee_id = _pk(assignee)
        fields.append("assignee")
    _clocks_meet(tenant, complaint, ClockKind.ACKNOWLEDGE)
    return _move(tenant, by, complaint, Status.TRIAGED, note, extra_fields=fields)


@transaction.atomic
def complaint_start_investigation(*, tenant, by, complaint, note: str = "") -> Complaint:
    """Open the investigation."""
    complaint = _load(tenant, complaint)
    _check_locked(complaint)
    _check_handler(by, complaint)
    return _move(tenant, by, complaint, Status.INVESTIGATING, note)


@transaction.atomic
def complaint_investigation_record(
    *,
    tenant,
    by,
    complaint,
    root_cause: str = "",
    findings: str = "",
    capa_ref: str = "",
    lot_affected: bool | None = None,
    decision: str = "",
) -> Complaint:
    """Record the investigation: root cause, findings, CAPA reference, lot affected, decision."""
    complaint = _load(tenant, complaint)
    _check_locked(complaint)
    _check_handler(by, complaint)
    complaint.root_cause, complaint.findings = root_cause or "", findings or ""
    complaint.capa_ref, complaint.lot_affected, complaint.decision = (
        (capa_ref or "").strip(),
        lot_affected,
        decision or "",
    )
    complaint.full_clean(exclude=["tenant"])
    _save(complaint, ["root_cause", "findings", "capa_ref", "lot_affected", "decision"], tenant=tenant)
    summary = " · ".join(
        str(x)
        for x in (
            complaint.get_root_cause_display(),
            complaint.capa_ref and f"CAPA {complaint.capa_ref}",
            complaint.get_decision_display(),
            complaint.findings,
        )
        if x
    )
    _event(complaint, kind=EventKind.INVESTIGATION, by=by, note=summary)
    return complaint


@transaction.atomic
def complaint_resolve(*, tenant, by, complaint, note: str = "") -> Complaint:
    """The investigation is done (a quality complaint needs its decision recorded)."""
    complaint = _load(tenant, complaint)
    _check_locked(complaint)
    _check_handler(by, complaint)
    if complaint.type == ComplaintType.QUALITY and not complaint.decision:
        raise ValidationError(_("Record the investigation and its decision before resolving."))
    _clocks_meet(tenant, complaint, ClockKind.INVESTIGATION, ClockKind.ACKNOWLEDGE)
    return _move(tenant, by, complaint, Status.RESOLVED, note)


@transaction.atomic
def complaint_regulator_report(*, tenant, by, complaint, reported_on: datetime.date, reference: str = "") -> Complaint:
    """The adverse event was reported to the regulator (stops the regulatory clock)."""
    complaint = _load(tenant, complaint)
    _check_locked(complaint)
    _check_handler(by, complaint)
    if reported_on is None or reported_on > timezone.localdate():
        raise ValidationError({"reported_on": _("Give the date it was reported (not in the future).")})
    complaint.regulator_reported_on, complaint.regulator_ref = reported_on, (reference or "").strip()
    _clocks_meet(tenant, complaint, ClockKind.REGULATOR, day=reported_on)
    _save(complaint, ["regulator_reported_on", "regulator_ref"], tenant=tenant)
    _event(complaint, kind=EventKind.REGULATOR, by=by, note=f"{reported_on:%Y-%m-%d} {complaint.regulator_ref}".strip())
    return complaint


@transaction.atomic
def complaint_reply(*, tenant, by, complaint, channel: str, replied_on: datetime.date, text: str) -> Complaint:
    """Record the reply given to the customer (channel, date, text)."""
    complaint = _load(tenant, complaint)
    _check_locked(complaint)
    _check_handler(by, complaint)
    errors = {}
    if not (text or "").strip():
        errors["text"] = _("Write the reply given to the customer.")
    if not channel:
        errors["channel"] = _("Say how the customer was answered.")
    if replied_on is None or replied_on > timezone.localdate():
        errors["replied_on"] = _("Give the date of the reply (not in the future).")
    if errors:
        raise ValidationError(errors)
    complaint.reply_channel, complaint.reply_on, complaint.reply_text = channel, replied_on, text.strip()
    complaint.full_clean(exclude=["tenant"])
    _clocks_meet(tenant, complaint, ClockKind.ACKNOWLEDGE, day=replied_on)
    _save(complaint, ["reply_channel", "reply_on", "reply_text"], tenant=tenant)
    _event(complaint, kind=EventKind.REPLY, by=by, note=f"{complaint.get_reply_channel_display()} · {text.strip()}")
    return complaint


@transaction.atomic
def complaint_close(*, tenant, by, complaint, note: str = "") -> Complaint:
    """Close a resolved complaint whose reply is recorded; the covering rep gets a satisfaction
    follow-up visit plan (or, without a doctor to visit, a notification)."""
    complaint = _load(tenant, complaint)
    _check_locked(complaint)
    _check_handler(by, complaint)
    if not complaint.reply_text:
        raise ValidationError(_("Record the reply given to the customer before closing."))
    if (
        complaint.type == ComplaintType.ADVERSE_EVENT
        and complaint.severity != rules.Severity.LOW
        and (not complaint.regulator_reported_on)
    ):
        raise ValidationError(_("Report this adverse event to the regulator before closing."))
    _clocks_meet(tenant, complaint, *ClockKind.values)
    _followup(tenant, by, complaint)
    return _move(tenant, by, complaint, Status.CLOSED, note)


def covering_rep(*, tenant, complaint):
    """The rep to follow the customer up: the recorder when a rep, else a rep whose territory
    covers the complaint's doctor."""
    from accounts.models import TerritoryAssignment, User
    from hospitals.models import DoctorTerritory

    recorder = complaint.reported_by
    if recorder.role in (Role.REP, Role.DISTRIBUTOR_REP) and recorder.is_active:
        return recorder
    if complaint.doctor_id:
        territories = (
            DoctorTerritory.objects.for_tenant(tenant).filter(doctor_id=complaint.doctor_id).values("territory_id")
        )
        reps = TerritoryAssignment.objects.for_tenant(tenant).filter(territory_id__in=territories).values("user_id")
        return User.objects.in_tenant(tenant).filter(pk__in=reps, role=Role.REP, is_active=True).order_by("pk").first()
    return None


def _followup(tenant, by, complaint):
    from visits.services import visit_plan_create
    from visits.vocabulary import VisitPlanSource

    rep = covering_rep(tenant=tenant, complaint=complaint)
    if rep is None:
        _event(complaint, kind=EventKind.WARNING, by=by, note=gettext("No covering rep found for the follow-up."))
        return None
    calendar = workdays.WorkCalendar(tenant)
    day = calendar.add_workdays(timezone.localdate(), 3)
    planned_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))
    objective = gettext("Complaint #%(id)s closed: check the customer is satisfied with the reply") % {
        "id": complaint.pk
    }
    plan = None
    if complaint.doctor_id:
        try:
            with transaction.atomic():
                plan = visit_plan_create(
                    tenant=tenant,
                    by=rep,
                    rep=rep,
                    doctor=complaint.doctor_id,
                    planned_at=planned_at,
                    product=complaint.product_id,
                    objective=objective[:300],
                    key_messages=[],
                    source=VisitPlanSource.FOLLOW_UP,
                )
        except ValidationError:
            plan = None
    inbox.notify(
        tenant=tenant,
        user=rep,
        kind=NotificationKind.FOLLOW_UP,
        text=objective,
        obj=complaint,
        link="/visits/week/" if plan else _link(complaint),
    )
    _event(
        complaint,
        kind=EventKind.FOLLOW_UP,
        by=by,
        note=gettext("Follow-up visit planned for %(rep)s on %(day)s") % {"rep": rep.name or rep.username, "day": day}
        if plan
        else gettext("%(rep)s asked to follow the customer up") % {"rep": rep.name or rep.username},
    )
    return plan


@transaction.atomic
def complaint_reopen(*, tenant, by, complaint, reason: str) -> Complaint:
    """Reopen a closed complaint (back to investigating); the reason is required and audited."""
    complaint = _load(tenant, complaint)
    _check_handler(by, complaint)
    if complaint.status != Status.CLOSED:
        raise ValidationError(_("Only a closed complaint is reopened."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for reopening.")})
    frm = complaint.status
    complaint.status = Status.INVESTIGATING
    complaint.reopen_count += 1
    complaint.closed_at = None
    # A reopened complaint must be closed again within its closure rule, counted from today.
    ComplaintClock.objects.for_tenant(tenant).filter(complaint=complaint, kind=ClockKind.CLOSURE).update(
        met_on=None,
        due_on=timezone.localdate() + datetime.timedelta(days=14),
        remind_from=timezone.localdate() + datetime.timedelta(days=11),
    )
    _save(complaint, ["status", "reopen_count", "closed_at"], tenant=tenant)
    _event(
        complaint, kind=EventKind.TRANSITION, by=by, from_status=frm, to_status=complaint.status, note=reason.strip()
    )
    return complaint


@transaction.atomic
def complaint_update(*, tenant, by, complaint, **fields) -> Complaint:
    """Correct the facts of an open complaint (audited on the timeline with what changed)."""
    complaint = _load(tenant, complaint)
    _check_locked(complaint)
    if not (has_role(by, COMPLAINT_HANDLERS) or (complaint.reported_by_id == by.pk and complaint.status == Status.NEW)):
        raise ValidationError(_("You may not edit this complaint."))
    changed = []
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS:
            continue
        attname = Complaint._meta.get_field(name).attname
        value = _pk(value) if attname.endswith("_id") else value
        if name == "lot_number":
            value = (value or "").strip().upper()
        if getattr(complaint, attname) != value:
            setattr(complaint, attname, value)
            changed.append(name)
    if not changed:
        return complaint
    complaint.full_clean(exclude=["tenant"])
    extra = []
    if "lot_number" in changed or "product" in changed:
        complaint.lot_known = lot_check(tenant=tenant, lot_number=complaint.lot_number, product=complaint.product_id)
        extra.append("lot_known")
    _save(complaint, [Complaint._meta.get_field(n).name for n in changed] + extra, tenant=tenant)
    labels = ", ".join(str(Complaint._meta.get_field(n).verbose_name) for n in changed)
    _event(complaint, kind=EventKind.EDITED, by=by, note=labels)
    if "lot_number" in changed and complaint.lot_number and not complaint.lot_known:
        _event(
            complaint,
            kind=EventKind.WARNING,
            note=gettext("Lot %(lot)s is not in the shipments on record: kept as reported, please verify.")
            % {"lot": complaint.lot_number},
        )
    return complaint


@transaction.atomic
def attachment_add(*, tenant, by, complaint, upload) -> ComplaintAttachment:
    """Attach a photo (JPEG, PNG, GIF, WebP, HEIC) or a PDF of at most 10 MB, checked by its
    name and its first bytes; stored with Django's storage."""
    complaint = _load(tenant, complaint)
    _check_locked(complaint)
    if not (has_role(by, COMPLAINT_HANDLERS) or complaint.reported_by_id == by.pk):
        raise ValidationError(_("You may not add attachments to this complaint."))
    name = os.path.basename(getattr(upload, "name", "") or "upload")
    ext = os.path.splitext(name)[1].lower()
    content_type = ATTACHMENT_TYPES.get(ext)
    if content_type is None:
        raise ValidationError({"file": _("Only images (JPEG, PNG, GIF, WebP, HEIC) and PDF files are accepted.")})
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError({"file": _("The file is larger than 10 MB.")})
    head = upload.read(16)
    upload.seek(0)
    ok = head[4:8] == b"ftyp" if content_type == "image/heic" else any(head.startswith(m) for m in _MAGIC[content_type])
    if not ok:
        raise ValidationError({"file": _("The file's content does not match its type.")})
    attachment = ComplaintAttachment(
        tenant_id=complaint.tenant_id,
        complaint=complaint,
        name=name[:200],
        content_type=content_type,
        size=upload.size,
        uploaded_by=by,
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    _event(complaint, kind=EventKind.ATTACHMENT, by=by, note=name)
    return attachment


# --- the daily clock job --------------------------------------------------------------------

_COLUMNS = "tenant_id, user_id, kind, text, link, object_type, object_id, date, read, created_at"
_ROW = (
    "c.tenant_id, c.{user}, %(kind)s, left(%(text)s || c.title, 300), '/complaints/' || c.id || '/',"
    " 'complaint', c.id, %(day)s, false, %(now)s"
)

# Reminders: open complaints with an unmet clock due today or later whose reminder window has begun.
# Only constant table and column names are joined into the text; every value is a parameter.
_REMIND_SQL = (
    f"INSERT INTO {{notifications}} ({_COLUMNS}) SELECT {_ROW.format(user='assignee_id')}"  # noqa: S608
    """
FROM complaints_complaint c
WHERE c.tenant_id = %(tenant)s AND c.status <> 'closed' AND c.assignee_id IS NOT NULL
  AND c.id IN (SELECT k.complaint_id FROM complaints_complaintclock k
               WHERE k.tenant_id = %(tenant)s AND k.met_on IS NULL AND k.due_on >= %(day)s
                 AND k.remind_from <= %(day)s)
"""
)
# Escalations: open complaints whose earliest unmet clock (next_due_on) is past.
_ESCALATE_SQL = (
    f"INSERT INTO {{notifications}} ({_COLUMNS}) SELECT {_ROW.format(user='escalate_to_id')}"  # noqa: S608
    """
FROM complaints_complaint c
WHERE c.tenant_id = %(tenant)s AND c.status <> 'closed' AND c.next_due_on < %(day)s
  AND c.escalate_to_id IS NOT NULL
"""
)


def complaint_reminders(*, tenant, now, day) -> dict[str, int]:
    """The daily clock job (registered with crm.inbox): a reminder to the assignee for every
    open complaint with a clock inside its reminder window, an escalation to the escalation
    user for every one past due. Set-based, one statement each. Exactly once per complaint,
    level and day: the run is recorded per tenant and day (:class:`ClockRun`) in the same
    transaction as its notifications, so a second run the same day adds nothing and costs one
    row lookup. Underneath, the inbox's unique notification per user, kind, object and day
    still holds: a duplicate would fail the run, never be sent twice (no ON CONFLICT clause:
    its speculative insertion cost a third of the time on 800,000 escalations)."""
    tid = tenant_id_of(tenant)
    due, escalated = NotificationKind.DUE_SOON.value, NotificationKind.ESCALATED.value
    counts = {due: 0, escalated: 0}
    run, created = ClockRun.objects.get_or_create(tenant_id=tid, day=day)
    if not created:
        return counts
    params = {"tenant": tid, "day": day, "now": now}
    with connection.cursor() as cur:
        for kind, sql, text in (
            (due, _REMIND_SQL, gettext("Complaint due soon: ")),
            (escalated, _ESCALATE_SQL, gettext("Complaint overdue: ")),
        ):
            cur.execute(sql.format(notifications=inbox.NOTIFICATION_TABLE), {**params, "kind": kind, "text": text})
            counts[kind] = cur.rowcount
    run.reminders, run.escalations = counts[due], counts[escalated]
    run.save(update_fields=["reminders", "escalations"])
    return counts


def open_statuses():
    """The statuses of an open complaint."""
    return OPEN_STATUSES
