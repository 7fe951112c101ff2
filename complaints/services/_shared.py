"""Helpers every complaint service shares: the timeline row, loading under lock, the role check,
the locked-when-closed rule, the status transitions and the save that keeps ``next_due_on`` right."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.permissions import COMPLAINT_HANDLERS, PV_ROLES, QA_ROLES, has_role
from crm.roles import Role

from ..models import (
    OPEN_STATUSES,
    Complaint,
    ComplaintEvent,
    EventKind,
    Queue,
    Status,
)
from .clocks import _next_due

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


def _save(complaint, fields, *, tenant) -> None:
    """Save ``fields`` and the next due date (what every list shows)."""
    complaint.next_due_on = _next_due(tenant, complaint) if complaint.status != Status.CLOSED else None
    complaint.save(update_fields=[*fields, "next_due_on", "updated_at"])


def _check_locked(complaint):
    if complaint.status == Status.CLOSED:
        raise ValidationError(_("This complaint is closed and locked. Reopen it with a reason to change it."))


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


def open_statuses():
    """The statuses of an open complaint."""
    return OPEN_STATUSES
