"""The rules of complaints in one place: default clocks per type × severity, routing to an
inbox, and how due dates are counted (docs/complaints.md repeats them for people).

Clocks run from first awareness (``Complaint.aware_on``, day 0: the day any employee first
heard — the visit date for a complaint taken in from a visit report). A tenant replaces any
default with a :class:`complaints.models.ComplaintSLA` row (or switches a clock off with
``is_active=False``); working days are China's (crm.workdays, with the tenant's own days).
"""

from __future__ import annotations

import dataclasses
import datetime

from crm import workdays
from crm.roles import Role
from crm.tenancy import tenant_id_of

from .models import ClockKind, ComplaintSettings, ComplaintSLA, ComplaintType, Queue, Severity

T, S, C = ComplaintType, Severity, ClockKind


@dataclasses.dataclass(frozen=True)
class Rule:
    """Due ``days`` after awareness (working or calendar days), reminders ``remind_days`` before."""

    days: int
    working_days: bool
    remind_days: int


# (type, severity) -> {clock: Rule}
DEFAULT_SLAS: dict[tuple[str, str], dict[str, Rule]] = {}


def _default(types, severities, clock, days, working_days, remind_days):
    for t in types:
        for s in severities:
            DEFAULT_SLAS.setdefault((t, s), {})[clock] = Rule(days, working_days, remind_days)


ALL_SEVERITIES = tuple(Severity.values)
# Acknowledge every complaint to its reporter within 1 working day.
_default(T.values, ALL_SEVERITIES, C.ACKNOWLEDGE, 1, True, 1)
# Adverse events to the regulator (NMPA, GVP): death or life-threatening 7 days, serious 15 days,
# others 30 days — calendar days from first awareness.
_default([T.ADVERSE_EVENT], [S.CRITICAL], C.REGULATOR, 7, False, 2)
_default([T.ADVERSE_EVENT], [S.HIGH], C.REGULATOR, 15, False, 3)
_default([T.ADVERSE_EVENT], [S.LOW], C.REGULATOR, 30, False, 5)
_default([T.ADVERSE_EVENT], ALL_SEVERITIES, C.CLOSURE, 60, False, 5)
# Quality: investigation within 30 days (15 when critical), closed with the customer within 45.
_default([T.QUALITY], [S.LOW, S.HIGH], C.INVESTIGATION, 30, False, 5)
_default([T.QUALITY], [S.CRITICAL], C.INVESTIGATION, 15, False, 3)
_default([T.QUALITY], ALL_SEVERITIES, C.CLOSURE, 45, False, 5)
# Service and delivery: closed within 10 / 5 / 2 working days.
_default([T.SERVICE, T.DELIVERY], [S.LOW], C.CLOSURE, 10, True, 2)
_default([T.SERVICE, T.DELIVERY], [S.HIGH], C.CLOSURE, 5, True, 1)
_default([T.SERVICE, T.DELIVERY], [S.CRITICAL], C.CLOSURE, 2, True, 1)

QUEUE_OF_TYPE = {
    T.QUALITY: Queue.QA,
    T.ADVERSE_EVENT: Queue.PV,
    T.SERVICE: Queue.SALES_OPS,
    T.DELIVERY: Queue.SALES_OPS,
}

# An adverse event taken in from a visit report runs the serious clock until PV triages it
# (a conservative default: the rep is not the one to judge seriousness); words of death or
# danger to life in the rep's note start the 7-day clock.
CRITICAL_WORDS = ("死亡", "危及生命", "致死", "抢救", "death", "died", "fatal", "life-threatening", "life threatening")


def severity_from_note(note: str) -> str:
    """The starting severity of an adverse event reported in a visit (see CRITICAL_WORDS)."""
    text = (note or "").lower()
    return Severity.CRITICAL if any(w in text for w in CRITICAL_WORDS) else Severity.HIGH


def rules_for(*, tenant, type: str, severity: str) -> dict[str, Rule]:  # noqa: A002 - the domain word
    """The clock rules of one type × severity for ``tenant``: its SLA rows over the defaults."""
    rules = dict(DEFAULT_SLAS.get((type, severity), {}))
    for row in ComplaintSLA.objects.for_tenant(tenant).filter(type=type, severity=severity):
        if row.is_active:
            rules[row.clock] = Rule(row.days, row.working_days, row.remind_days)
        else:
            rules.pop(row.clock, None)
    return rules


def due_dates(
    rule: Rule, aware_on: datetime.date, calendar: workdays.WorkCalendar
) -> tuple[datetime.date, datetime.date]:
    """``(due_on, remind_from)`` of a clock started on ``aware_on``."""
    if rule.working_days:
        due = calendar.add_workdays(aware_on, rule.days)
        remind = calendar.add_workdays(due, -rule.remind_days) if rule.remind_days else due
    else:
        due = aware_on + datetime.timedelta(days=rule.days)
        remind = due - datetime.timedelta(days=rule.remind_days)
    return due, max(remind, aware_on)


def complaint_settings(*, tenant) -> ComplaintSettings:
    """The tenant's complaint settings (created with the defaults on first use)."""
    obj, _ = ComplaintSettings.objects.for_tenant(tenant).get_or_create(tenant_id=tenant_id_of(tenant))
    return obj


def _first_user(tenant, *roles):
    from accounts.models import User

    for role in roles:
        user = User.objects.in_tenant(tenant).filter(role=role, is_active=True).order_by("pk").first()
        if user:
            return user
    return None


def route(*, tenant, type: str):  # noqa: A002
    """``(queue, assignee, escalate_to)`` of a new complaint of ``type``.

    * quality → QA inbox: the settings' owner, else the first quality user;
    * adverse event → PV inbox: the settings' owner, else the visits PV assignee (as visit
      follow-ups do), else the first pharmacovigilance user, else the first medical affairs user;
    * service, delivery → sales operations: the settings' owner, else the tenant administrator
      (there is no sales-operations role; give one user the inbox in the settings).

    Escalation goes to the inbox's escalation user, else the first tenant administrator.
    """
    settings_obj = complaint_settings(tenant=tenant)
    queue = QUEUE_OF_TYPE[type]
    admin = _first_user(tenant, Role.TENANT_ADMIN)
    if queue == Queue.QA:
        assignee = settings_obj.qa_assignee or _first_user(tenant, Role.QUALITY)
        escalate = settings_obj.qa_escalation
    elif queue == Queue.PV:
        assignee = (
            settings_obj.pv_assignee
            or _visits_pv_assignee(tenant)
            or _first_user(tenant, Role.PHARMACOVIGILANCE, Role.MEDICAL_AFFAIRS)
        )
        escalate = settings_obj.pv_escalation
    else:
        assignee = settings_obj.ops_assignee or admin
        escalate = settings_obj.ops_escalation
    return queue, assignee or admin, escalate or admin


def _visits_pv_assignee(tenant):
    from visits.selectors import visit_settings

    return visit_settings(tenant=tenant).pv_assignee
