"""Intake: :func:`complaint_create` (phone form, sales ops, API), :func:`complaints_from_visit`
(the visits hook) and :func:`complaint_update` (correcting the facts of an open complaint)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm import inbox
from crm.permissions import COMPLAINT_HANDLERS, COMPLAINT_INTAKE_ROLES, has_role
from crm.tenancy import tenant_id_of
from hospitals.models import Doctor

from .. import rules
from ..models import (
    Complaint,
    ComplaintType,
    EventKind,
    IntakeChannel,
    QualityDefect,
    ReporterKind,
    Status,
)
from ..vocabulary import NotificationKind
from ._shared import _check_locked, _event, _link, _load, _pk, _save
from .clocks import _clocks_set
from .lots import lot_check, lot_signals_check

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
