"""Clocks and SLAs: (re)computing a complaint's clocks from its type × severity and awareness
day, meeting them, and :func:`complaint_reminders` — the daily clock job."""

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext

from crm import inbox, stats, workdays
from crm.tenancy import tenant_id_of

from .. import rules
from ..models import (
    ClockRun,
    ComplaintClock,
)
from ..vocabulary import NotificationKind


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
    its speculative insertion cost a third of the time on 800,000 escalations). Call it inside
    a transaction (the kernel's reminders job opens one per app): the statistics of what it
    wrote are refreshed after the commit (``crm.stats.analyze_on_commit``)."""
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
    # A bulk write: the planner's statistics of the notifications are refreshed after the commit
    # (DESIGN.md §4), before the job reports done.
    stats.analyze_on_commit()
    return counts
