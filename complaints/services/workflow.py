"""Workflow: triage, investigation and CAPA, resolution, the regulatory report and reopening;
every transition audited on the timeline."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import rules
from ..models import (
    ClockKind,
    Complaint,
    ComplaintClock,
    ComplaintType,
    EventKind,
    Status,
)
from ._shared import _check_handler, _check_locked, _event, _load, _move, _pk, _save
from .clocks import _clocks_meet, _clocks_set


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
