"""Clocks and SLAs: (re)computing a complaint's clocks from its type × severity and awareness
day, meeting them, and :func:`complaint_reminders` — the daily clock job."""

from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

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

# Urgent: a critical complaint of any type (death or life-threatening adverse event, critical
# quality defect …) or a serious adverse event (its regulator clock is the law's). An urgent
# complaint is always told one by one; the rest are counted in a daily digest.
_URGENT = "(c.severity = 'critical' OR (c.type = 'adverse_event' AND c.severity = 'high'))"
# An assignee with more reminders than this in a day gets a digest for the non-urgent ones.
REMIND_DIGEST_OVER = 20
# The inbox links of the digests: the inbox's own filters (forms.InboxFilterForm).
OVERDUE_LINK = "/complaints/?scope=all&status=open&overdue=on"
DUE_LINK = "/complaints/?scope=mine&status=open"

_COLUMNS = "tenant_id, user_id, kind, text, link, object_type, object_id, date, read, created_at"
_ROW = (
    "c.tenant_id, c.{user}, %(kind)s, left(%(text)s || c.title, 300), '/complaints/' || c.id || '/',"
    " 'complaint', c.id, %(day)s, false, %(now)s"
)

# Reminders: open complaints with an unmet clock due today or later whose reminder window has begun.
# Only constant table and column names are joined into the text; every value is a parameter.
_REMIND_WHERE = """
FROM complaints_complaint c
WHERE c.tenant_id = %(tenant)s AND c.status <> 'closed' AND c.assignee_id IS NOT NULL
  AND c.id IN (SELECT k.complaint_id FROM complaints_complaintclock k
               WHERE k.tenant_id = %(tenant)s AND k.met_on IS NULL AND k.due_on >= %(day)s
                 AND k.remind_from <= %(day)s)
"""
# Escalations: open complaints whose earliest unmet clock (next_due_on) is past.
_ESCALATE_WHERE = """
FROM complaints_complaint c
WHERE c.tenant_id = %(tenant)s AND c.status <> 'closed' AND c.next_due_on < %(day)s
  AND c.escalate_to_id IS NOT NULL
"""
# Per user: how many, how many urgent (one GROUP BY over the same rows the notifications read).
_COUNT_SQL = (
    "SELECT c.{user}, count(*), count(*) FILTER (WHERE " + _URGENT + ")"  # noqa: S608
    " {where} GROUP BY c.{user}"
)
# One per complaint: every urgent one, and the others of users without a digest.
_EACH_SQL = (
    f"INSERT INTO {{notifications}} ({_COLUMNS}) SELECT {{row}}"  # noqa: S608
    " {where} AND (" + _URGENT + " OR NOT (c.{user} = ANY(%(digested)s::bigint[])))"
)


def _digest_texts(counts, users, *, overdue: bool) -> list[tuple]:
    """The digest notifications ``(user, kind, text, obj, link)`` for ``counts`` {user: (n, urgent)},
    each in its user's language (the site's when the user chose none)."""
    from accounts.models import User

    languages = dict(User.objects.filter(pk__in=users).values_list("pk", "language"))
    kind = (NotificationKind.OVERDUE_DIGEST if overdue else NotificationKind.DUE_DIGEST).value
    items = []
    for user in users:
        n, urgent = counts[user]
        with translation.override(languages.get(user) or translation.get_language()):
            if overdue:
                text = ngettext(
                    "%(count)d complaint overdue (%(urgent)d urgent)",
                    "%(count)d complaints overdue (%(urgent)d urgent)",
                    n,
                )
            else:
                text = ngettext(
                    "%(count)d complaint due soon (%(urgent)d urgent)",
                    "%(count)d complaints due soon (%(urgent)d urgent)",
                    n,
                )
            text = text % {"count": n, "urgent": urgent}
        # A digest is about no single object: ("", NULL) — once per user, kind and day under the
        # inbox's unique constraint (NULLs not distinct).
        items.append((user, kind, text, None, OVERDUE_LINK if overdue else DUE_LINK))
    return items


def complaint_reminders(*, tenant, now, day) -> dict[str, int]:
    """The daily clock job (registered with crm.inbox).

    Product rule (docs/complaints.md, "The daily job"):

    * *escalations*: ONE digest per escalation user and day ("12 complaints overdue (3 urgent)",
      kind ``complaint_overdue``, linking to the inbox filtered to open overdue complaints), and
      beside it one ``complaint_escalated`` per **urgent** overdue complaint — critical ones of
      any type and serious adverse events (regulatory clocks) — so nothing urgent hides in a
      count. Before this rule a tenant with 800,000 overdue complaints sent 800,000
      notifications to a handful of people, which nobody reads;
    * *reminders*: one ``complaint_due`` per complaint inside a clock's reminder window; an
      assignee with more than :data:`REMIND_DIGEST_OVER` in a day gets one ``complaint_due_digest``
      instead for the non-urgent ones (urgent ones still one by one).

    Set-based: per level one ``GROUP BY`` counts per user, one ``INSERT … SELECT`` writes the
    per-complaint notifications, and the digests (a row per user, texts in the user's language —
    gettext and plural forms are Python's) go in one statement through ``crm.inbox.notify_many``.
    Exactly once per user, kind (and complaint) and day: the run is recorded per tenant and day
    (:class:`ClockRun`) in the same transaction as its notifications, so a second run the same
    day adds nothing and costs one row lookup. Underneath, the inbox's unique notification per
    user, kind, object and day still holds (a digest's object is none: ``("", NULL)``); the
    per-complaint insert has no ON CONFLICT clause (a duplicate fails the run, never is sent
    twice; its speculative insertion cost a third of the time on 800,000 rows). Call it inside
    a transaction (the kernel's reminders job opens one per app): the statistics of what it
    wrote are refreshed after the commit (``crm.stats.analyze_on_commit``)."""
    tid = tenant_id_of(tenant)
    kinds = (
        NotificationKind.DUE_SOON.value,
        NotificationKind.DUE_DIGEST.value,
        NotificationKind.ESCALATED.value,
        NotificationKind.OVERDUE_DIGEST.value,
    )
    counts = dict.fromkeys(kinds, 0)
    run, created = ClockRun.objects.get_or_create(tenant_id=tid, day=day)
    if not created:
        return counts
    params = {"tenant": tid, "day": day, "now": now}
    digests = []
    with connection.cursor() as cur:
        for each_kind, digest_kind, user, where, text, threshold in (
            (kinds[0], kinds[1], "assignee_id", _REMIND_WHERE, gettext("Complaint due soon: "), REMIND_DIGEST_OVER),
            (kinds[2], kinds[3], "escalate_to_id", _ESCALATE_WHERE, gettext("Complaint overdue: "), 0),
        ):
            cur.execute(_COUNT_SQL.format(user=user, where=where), params)
            per_user = {u: (n, urgent) for u, n, urgent in cur.fetchall()}
            digested = sorted(u for u, (n, _urgent) in per_user.items() if n > threshold)
            cur.execute(
                _EACH_SQL.format(
                    notifications=inbox.NOTIFICATION_TABLE, row=_ROW.format(user=user), where=where, user=user
                ),
                {**params, "kind": each_kind, "text": text, "digested": digested},
            )
            counts[each_kind] = cur.rowcount
            items = _digest_texts(per_user, digested, overdue=digest_kind == kinds[3])
            digests += items
            counts[digest_kind] = len(items)
    inbox.notify_many(tenant=tid, items=digests, day=day)
    run.reminders = counts[kinds[0]] + counts[kinds[1]]
    run.escalations = counts[kinds[2]] + counts[kinds[3]]
    run.save(update_fields=["reminders", "escalations"])
    # A bulk write: the planner's statistics of the notifications are refreshed after the commit
    # (DESIGN.md §4), before the job reports done.
    stats.analyze_on_commit()
    return counts
