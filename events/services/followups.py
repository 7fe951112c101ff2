"""Post-event follow-up: one per signed-in attendee, exactly once, recorded by the rep; the daily
reminders."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from crm import inbox, stats
from crm.tenancy import tenant_id_of
from events import selectors
from events.models import (
    FROZEN_STATUSES,
    Event,
    EventFollowUp,
    EventProduct,
    FollowUpRecall,
    FollowUpStatus,
    NotificationKind,
    OrganiserKind,
    PendingEventFollowUp,
    Purpose,
)
from events.services._shared import (
    _dumps,
    _managers_of,
    _pk,
)

# --- follow-up ------------------------------------------------------------------------------

# One statement for all attendees; the reps are correlated subqueries (index probes per
# attendee) rather than joins of DISTINCT ON sets: the attendees were usually signed in moments
# ago, their statistics are stale, and with "1 row" estimated for them the planner nested-looped
# over the whole set of covering reps once per attendee (4.8 s for 2,000 attendees).
_ASSIGNEE_SQL = """
WITH att AS MATERIALIZED (
    SELECT a.id AS attendee_id, a.doctor_id, d.hospital_id
    FROM events_attendee a JOIN hospitals_doctor d ON d.id = a.doctor_id
    WHERE a.tenant_id = %(tenant)s AND a.event_id = %(event)s AND a.signed_in_at IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM events_eventfollowup f WHERE f.tenant_id = a.tenant_id AND f.attendee_id = a.id)
)
SELECT att.attendee_id, att.doctor_id,
    (SELECT ta.user_id
     FROM hospitals_doctorterritory dt
     JOIN accounts_territoryassignment ta ON ta.tenant_id = dt.tenant_id AND ta.territory_id = dt.territory_id
     JOIN accounts_user u ON u.id = ta.user_id AND u.is_active AND u.role = 'rep'
     WHERE dt.tenant_id = %(tenant)s AND dt.doctor_id = att.doctor_id
     ORDER BY ta.user_id LIMIT 1) AS company_rep,
    (SELECT s.user_id
     FROM hospitals_distributorcoverage c
     JOIN hospitals_distributor dist ON dist.id = c.distributor_id
     JOIN hospitals_distributorstaff s ON s.tenant_id = c.tenant_id AND s.distributor_id = c.distributor_id
     JOIN accounts_user u ON u.id = s.user_id AND u.is_active AND u.role = 'distributor_rep'
     WHERE c.tenant_id = %(tenant)s AND c.hospital_id = att.hospital_id
       AND (c.since IS NULL OR c.since <= %(today)s) AND (c.until IS NULL OR c.until >= %(today)s)
       AND (c.distributor_id = %(distributor)s OR (%(distributor)s IS NULL AND dist.kind = 'agent'))
     ORDER BY (c.distributor_id = %(distributor)s) DESC NULLS LAST, s.user_id LIMIT 1) AS agency_rep
FROM att
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


def _questionnaire(event, purposes) -> list[str]:
    q = event.questionnaire or {}
    return [str(x) for p in purposes for x in (q.get(str(p)) or [])]


def _recall_rows(tenant, f, recalls, *, partial: bool) -> list[FollowUpRecall]:
    """Validated recall rows of ``f`` (only the event's key messages); a draft (``partial``) keeps
    the key messages whose recall is not chosen yet out."""
    km_ids = set(selectors.event_key_message_ids(tenant=tenant, event=f.event_id))
    tid = tenant_id_of(tenant)
    rows = []
    for r in recalls:
        km = int(_pk(r["key_message"]))
        if km not in km_ids:
            raise ValidationError({"recalls": _("Only the event's key messages can be recalled.")})
        if partial and not r.get("recall"):
            continue
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
    if not partial and Purpose.RECALL in f.purposes and km_ids and not rows:
        raise ValidationError({"recalls": _("Record what the doctor recalled of each key message.")})
    return rows


def _lock_open(tenant, by, followup) -> EventFollowUp:
    f = EventFollowUp.objects.for_tenant(tenant).select_for_update().get(pk=_pk(followup))
    if f.assignee_id != by.pk:
        raise ValidationError(_("This follow-up is not yours to record."))
    if f.status != FollowUpStatus.OPEN:
        raise ValidationError(_("This follow-up is already done."))
    return f


def _write(tenant, f, rows, *, trial, trial_indication, answers, note, visit) -> None:
    FollowUpRecall.objects.for_tenant(tenant).filter(followup=f).delete()
    FollowUpRecall.objects.bulk_create(rows)
    f.trial = trial or ""
    f.trial_indication = trial_indication or ""
    f.answers = answers or {}
    f.note = note or ""
    f.visit_id = _pk(visit) if visit is not None else None


@transaction.atomic
def followup_save_draft(
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
    """Keep what the rep has asked so far (a visit report saved as a draft): recalls chosen,
    reactions, the questionnaire's answers, trial — the follow-up stays open."""
    f = _lock_open(tenant, by, followup)
    rows = _recall_rows(tenant, f, recalls, partial=True)
    _write(tenant, f, rows, trial=trial, trial_indication=trial_indication, answers=answers, note=note, visit=visit)
    f.full_clean()
    f.save()
    return f


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
    the questionnaire's answers. Refused when it is not theirs or already done. From a visit
    report (``visit``), the report is linked and its plan is closed by the report itself."""
    f = _lock_open(tenant, by, followup)
    rows = _recall_rows(tenant, f, recalls, partial=False)
    _write(tenant, f, rows, trial=trial, trial_indication=trial_indication, answers=answers, note=note, visit=visit)
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
