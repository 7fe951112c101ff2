"""Closure with the customer: the reply given, closing, and the covering rep's satisfaction
follow-up visit plan (proactive service)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm import inbox, workdays
from crm.roles import Role

from .. import rules
from ..models import (
    ClockKind,
    Complaint,
    ComplaintType,
    EventKind,
    Status,
)
from ..vocabulary import NotificationKind
from ._shared import _check_handler, _check_locked, _event, _link, _load, _move, _save
from .clocks import _clocks_meet


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
