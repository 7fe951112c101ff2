"""Reads of events: ``<entity>_list(*, tenant, user) -> QuerySet`` with the role visibility in one
place (what a role may see is decided here, and the API, pages and exports all read through it).

Visibility (issue 10): a rep sees the events they organise, those whose attendees they follow up
or cover; a distributor rep those of their distributor (and those they follow up); a manager
their team's; product managers, compliance, medical affairs and administrators all of them.
"""

from __future__ import annotations

import datetime
import statistics
from collections import Counter, defaultdict
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import Role, Territory, TerritoryAssignment, User
from accounts.selectors import team_members
from crm.memo import memoize
from crm.permissions import EVENT_ALL_READERS, INSIGHT_ANSWERERS, PROGRAM_EDITORS
from crm.tenancy import tenant_id_of
from events.models import (
    DEFAULT_QUESTIONNAIRE,
    AgendaItem,
    Attendee,
    BudgetLine,
    Event,
    EventFollowUp,
    EventKeyMessage,
    EventSettings,
    EventStatus,
    EventTerritory,
    Expense,
    FollowUpRecall,
    FollowUpStatus,
    Insight,
    InsightStatus,
    ProductManagerAssignment,
    Program,
    ProgramStatus,
    ProgramTarget,
    Question,
    Recall,
    SelfSignIn,
    SelfSignInStatus,
    TrialResult,
)
from hospitals import selectors as hospital_selectors

# --- settings -------------------------------------------------------------------------------


def event_settings(*, tenant) -> EventSettings:
    """The tenant's event settings (an unsaved row with the defaults when there is none)."""
    row = EventSettings.objects.for_tenant(tenant).first()
    return row or EventSettings(tenant_id=tenant_id_of(tenant))


def questionnaire_template(*, tenant) -> dict[str, list[str]]:
    """Per purpose (A–E) the questions a follow-up asks: the tenant's, else the defaults."""
    own = event_settings(tenant=tenant).questionnaire or {}
    return {str(p): [str(q) for q in (own.get(str(p)) or qs)] for p, qs in DEFAULT_QUESTIONNAIRE.items()}


# --- visibility -----------------------------------------------------------------------------


def _same_tenant(tenant, user) -> bool:
    return getattr(user, "tenant_id", None) == tenant_id_of(tenant)


def event_list(*, tenant, user) -> QuerySet[Event]:
    """The events ``user`` may see (module docstring)."""
    events = Event.objects.for_tenant(tenant)
    role = getattr(user, "role", None)
    if not _same_tenant(tenant, user):
        return events.none()
    if role in EVENT_ALL_READERS:
        return events
    followed = EventFollowUp.objects.for_tenant(tenant).filter(assignee=user).values("event_id")
    if role == Role.REP:
        # "Events my doctors attend" through the territories of the attendees' doctors
        # (EventTerritory, kept by triggers): one index probe per candidate event, where a
        # subquery over the attendees of the rep's whole book cost hundreds of milliseconds.
        covered = EventTerritory.objects.for_tenant(tenant).filter(
            event_id=OuterRef("pk"), territory_id__any_of=_rep_territory_ids(tenant=tenant, user=user)
        )
        return events.filter(Q(owner=user) | Q(pk__in=followed) | Exists(covered))
    if role == Role.DISTRIBUTOR_REP:
        mine = hospital_selectors.user_distributor_ids(tenant=tenant, user=user)
        return events.filter(Q(owner=user) | Q(distributor_id__in=mine) | Q(pk__in=followed))
    if role == Role.MANAGER:
        team = team_members(tenant=tenant, manager=user).order_by().values("pk")
        return events.filter(Q(owner=user) | Q(owner_id__in=team) | Q(pk__in=followed))
    return events.none()


def _rep_territory_ids(*, tenant, user) -> list[int]:
    """The leaf territories ``user`` covers (once per read-only request, crm/memo.py)."""
    key = ("events.rep_territories", tenant_id_of(tenant), user.pk)
    return memoize(key, lambda: _read_rep_territory_ids(tenant=tenant, user=user))


def _read_rep_territory_ids(*, tenant, user) -> list[int]:
    assigned = TerritoryAssignment.objects.for_tenant(tenant).filter(user=user).values("territory_id")
    leaves = (
        Territory.objects.for_tenant(tenant)
        .leaves()
        .filter(Q(pk__in=assigned) | Q(parent_id__in=assigned) | Q(parent__parent_id__in=assigned))
    )
    return list(leaves.order_by().values_list("pk", flat=True))  # one query


def event_get(*, tenant, user, pk) -> Event | None:
    return event_list(tenant=tenant, user=user).filter(pk=pk).first()


def program_list(*, tenant, user) -> QuerySet[Program]:
    """Programs: everybody who sees events sees the programs (plans, not doctors' data)."""
    if not _same_tenant(tenant, user):
        return Program.objects.for_tenant(tenant).none()
    return Program.objects.for_tenant(tenant)


def _child_list(model, *, tenant, user, field="event_id"):
    return model.objects.for_tenant(tenant).filter(
        **{f"{field}__in": event_list(tenant=tenant, user=user).values("pk")}
    )


def attendee_list(*, tenant, user) -> QuerySet[Attendee]:
    """Attendees of the events ``user`` sees."""
    return _child_list(Attendee, tenant=tenant, user=user)


def agenda_list(*, tenant, user) -> QuerySet[AgendaItem]:
    return _child_list(AgendaItem, tenant=tenant, user=user)


def question_list(*, tenant, user) -> QuerySet[Question]:
    return _child_list(Question, tenant=tenant, user=user)


def expense_list(*, tenant, user) -> QuerySet[Expense]:
    return _child_list(Expense, tenant=tenant, user=user)


def budget_line_list(*, tenant, user) -> QuerySet[BudgetLine]:
    return _child_list(BudgetLine, tenant=tenant, user=user)


def self_signin_list(*, tenant, user) -> QuerySet[SelfSignIn]:
    return _child_list(SelfSignIn, tenant=tenant, user=user)


def followup_list(*, tenant, user) -> QuerySet[EventFollowUp]:
    """Event follow-ups: a field user's own (and those of events they organise); a manager's
    team's; head office all."""
    rows = EventFollowUp.objects.for_tenant(tenant)
    role = getattr(user, "role", None)
    if not _same_tenant(tenant, user):
        return rows.none()
    if role in EVENT_ALL_READERS:
        return rows
    if role == Role.MANAGER:
        team = team_members(tenant=tenant, manager=user).order_by().values("pk")
        return rows.filter(Q(assignee=user) | Q(assignee_id__in=team) | Q(event__owner=user))
    if role in (Role.REP, Role.DISTRIBUTOR_REP):
        return rows.filter(Q(assignee=user) | Q(event__owner=user) | Q(watchers__contains=[user.pk]))
    return rows.none()


def insight_list(*, tenant, user) -> QuerySet[Insight]:
    """Field insights: a rep's own; a manager's team's; product managers, compliance, medical
    affairs and administrators all (the PM's inbox filters on their products)."""
    rows = Insight.objects.for_tenant(tenant)
    role = getattr(user, "role", None)
    if not _same_tenant(tenant, user):
        return rows.none()
    if role in EVENT_ALL_READERS:
        return rows
    if role == Role.MANAGER:
        team = team_members(tenant=tenant, manager=user).order_by().values("pk")
        return rows.filter(Q(raised_by=user) | Q(raised_by_id__in=team))
    if role in (Role.REP, Role.DISTRIBUTOR_REP):
        return rows.filter(raised_by=user)
    return rows.none()


def insight_inbox(*, tenant, user, status=None) -> QuerySet[Insight]:
    """The product manager's inbox: insights assigned to them, newest first (keyset on
    (created_at, id) over the (tenant, product_manager, status, created_at, id) index)."""
    rows = insight_list(tenant=tenant, user=user)
    if getattr(user, "role", None) in INSIGHT_ANSWERERS:
        rows = rows.filter(product_manager=user)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at", "-id")


def product_managers_of(*, tenant, product_id) -> list[int]:
    """User ids of the product's product managers (every active PM of the tenant when none is named)."""
    ids = list(
        ProductManagerAssignment.objects.for_tenant(tenant)
        .filter(product_id=product_id, user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    if ids:
        return ids
    return list(
        User.objects.in_tenant(tenant)
        .filter(role=Role.PRODUCT_MANAGER, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# --- the rep's day and week -----------------------------------------------------------------


def my_followups(*, tenant, user, include_done=False) -> QuerySet[EventFollowUp]:
    """The follow-ups ``user`` does, due first."""
    rows = EventFollowUp.objects.for_tenant(tenant).filter(assignee=user)
    if not include_done:
        rows = rows.filter(status=FollowUpStatus.OPEN)
    return rows.select_related("event", "doctor", "doctor__hospital", "visit_plan").order_by("due_date", "id")


def followup_attendees(*, tenant, rep, week_start):
    """The hook of ``visits.hooks.register_event_followups``: ``(doctor, due_date)`` of the open
    event follow-ups ``rep`` does, due before the end of the week (overdue ones included)."""
    week_end = week_start + datetime.timedelta(days=7)
    rows = (
        EventFollowUp.objects.for_tenant(tenant)
        .open()
        .filter(assignee=rep, due_date__lt=week_end)
        .select_related("doctor", "doctor__hospital")
        .order_by("due_date", "id")
    )
    return [(f.doctor, f.due_date) for f in rows]


# --- figures --------------------------------------------------------------------------------


def budget_vs_actual(*, tenant, events) -> list[dict]:
    """Per category: budget and actual of ``events`` (a queryset of ids or events), and the totals."""
    ids = events.values("pk") if isinstance(events, QuerySet) else events
    budget = dict(
        BudgetLine.objects.for_tenant(tenant)
        .filter(event_id__in=ids)
        .values_list("category")
        .annotate(s=Sum("amount"))
        .values_list("category", "s")
    )
    actual = dict(
        Expense.objects.for_tenant(tenant)
        .filter(event_id__in=ids)
        .values_list("category")
        .annotate(s=Sum("amount"))
        .values_list("category", "s")
    )
    from events.models import BudgetCategory

    rows = []
    for value, label in BudgetCategory.choices:
        b, a = budget.get(value) or Decimal(0), actual.get(value) or Decimal(0)
        if b or a:
            rows.append({"category": value, "label": label, "budget": b, "actual": a, "over": a > b})
    return rows


def followup_board(*, tenant, event) -> list[EventFollowUp]:
    """Per attendee: the follow-up (due / overdue / done), for the event page."""
    return list(
        EventFollowUp.objects.for_tenant(tenant)
        .filter(event=event)
        .select_related("doctor", "doctor__hospital", "assignee")
        .order_by("status", "due_date", "id")
    )


def open_questions(*, tenant, attendee_ids) -> dict[int, list[dict]]:
    """Attendee id → their questions not answered on the spot, with the PM's answer once given."""
    out: dict[int, list[dict]] = defaultdict(list)
    rows = (
        Question.objects.for_tenant(tenant)
        .filter(attendee_id__any_of=list(attendee_ids), answered_on_spot=False)  # thousands of ids: one array
        .order_by("id")
    )
    answers = {
        i.question_id: i
        for i in Insight.objects.for_tenant(tenant).filter(question__in=rows.values("pk")).order_by("id")
    }
    for q in rows:
        insight = answers.get(q.pk)
        out[q.attendee_id].append(
            {
                "question_id": q.pk,
                "text": q.text,
                "insight_id": insight.pk if insight else None,
                "answer": insight.answer if insight and insight.status != InsightStatus.OPEN else "",
            }
        )
    return dict(out)


def _median(values):
    return statistics.median(values) if values else None


def event_scorecard(*, tenant, event) -> dict:
    """The event's scorecard: attendees by tier, signed-in vs invited, follow-up done within the
    deadline (%), median hours to follow-up, open questions, recall rate per key message, trial
    rate, per assignee (rep or distributor rep)."""
    from visits.selectors import doctor_tiers

    attendees = list(Attendee.objects.for_tenant(tenant).filter(event=event).values("pk", "doctor_id", "signed_in_at"))
    tiers = doctor_tiers(tenant=tenant, doctor_ids=[a["doctor_id"] for a in attendees])
    by_tier = Counter(tiers.get(a["doctor_id"], "—") for a in attendees if a["signed_in_at"])
    followups = list(
        EventFollowUp.objects.for_tenant(tenant)
        .filter(event=event)
        .select_related("assignee")
        .values(
            "pk",
            "status",
            "due_date",
            "done_at",
            "created_at",
            "trial",
            "assignee_id",
            "assignee__username",
            "assignee__first_name",
            "assignee__last_name",
        )
    )
    base = event.held_at or event.ends_at
    hours, on_time = [], 0
    per_rep: dict[int, dict] = {}
    for f in followups:
        name = f"{f['assignee__last_name']}{f['assignee__first_name']}".strip() or f["assignee__username"]
        r = per_rep.setdefault(f["assignee_id"], {"name": name, "total": 0, "done": 0, "on_time": 0})
        r["total"] += 1
        if f["status"] == FollowUpStatus.DONE and f["done_at"]:
            r["done"] += 1
            hours.append((f["done_at"] - base).total_seconds() / 3600)
            if timezone.localtime(f["done_at"]).date() <= f["due_date"]:
                on_time += 1
                r["on_time"] += 1
    n = len(followups)
    recalls = (
        FollowUpRecall.objects.for_tenant(tenant)
        .filter(followup__event=event)
        .values("key_message_id", "key_message__text")
        .annotate(
            total=Count("pk"),
            remembered=Count("pk", filter=Q(recall=Recall.REMEMBERED)),
            partly=Count("pk", filter=Q(recall=Recall.PARTLY)),
        )
        .order_by("key_message_id")
    )
    done = [f for f in followups if f["status"] == FollowUpStatus.DONE]
    trials = sum(1 for f in done if f["trial"] in (TrialResult.STARTED, TrialResult.GOOD, TrialResult.POOR))
    open_q = (
        Question.objects.for_tenant(tenant)
        .filter(event=event, answered_on_spot=False)
        .exclude(insights__status__in=[InsightStatus.ANSWERED, InsightStatus.CLOSED])
        .count()
    )
    return {
        "invited": len(attendees),
        "signed_in": sum(1 for a in attendees if a["signed_in_at"]),
        "by_tier": dict(sorted(by_tier.items())),
        "followups": n,
        "followups_done": len(done),
        "on_time": on_time,
        "on_time_pct": round(100 * on_time / n, 1) if n else None,
        "median_hours": round(_median(hours), 1) if hours else None,
        "open_questions": open_q,
        "recall": [
            {
                "key_message_id": r["key_message_id"],
                "text": r["key_message__text"],
                "total": r["total"],
                "remembered": r["remembered"],
                "partly": r["partly"],
                "rate_pct": round(100 * r["remembered"] / r["total"], 1) if r["total"] else None,
            }
            for r in recalls
        ],
        "trial_pct": round(100 * trials / len(done), 1) if done else None,
        "per_rep": sorted(per_rep.values(), key=lambda r: r["name"]),
        "review_signins": SelfSignIn.objects.for_tenant(tenant)
        .filter(event=event, status=SelfSignInStatus.REVIEW)
        .count(),
    }


def program_summary(*, tenant, program) -> dict:
    """A program's figures: events by status, spend (budget vs actual), reach, follow-up."""
    events = Event.objects.for_tenant(tenant).filter(program=program)
    ids = events.values("pk")
    by_status = dict(events.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    bva = budget_vs_actual(tenant=tenant, events=ids)
    attendees = Attendee.objects.for_tenant(tenant).filter(event_id__in=ids)
    fus = EventFollowUp.objects.for_tenant(tenant).filter(event_id__in=ids)
    n_fu = fus.count()
    done = fus.filter(status=FollowUpStatus.DONE).count()
    return {
        "events": sum(by_status.values()),
        "by_status": by_status,
        "budget": sum((r["budget"] for r in bva), Decimal(0)),
        "actual": sum((r["actual"] for r in bva), Decimal(0)),
        "budget_rows": bva,
        "invited": attendees.count(),
        "signed_in": attendees.signed_in().count(),
        "doctors_reached": attendees.signed_in().values("doctor_id").distinct().count(),
        "followups": n_fu,
        "followups_done": done,
        "followup_done_pct": round(100 * done / n_fu, 1) if n_fu else None,
    }


def insight_aggregates(*, tenant, user, product=None, event=None) -> dict:
    """What doctors doubt most: per product and key message the insights, how many open, and
    the median hours to an answer."""
    rows = insight_list(tenant=tenant, user=user)
    if product:
        rows = rows.filter(product_id=product)
    if event:
        rows = rows.filter(event_id=event)
    groups = list(
        rows.values("product_id", "product__name", "key_message_id", "key_message__text", "kind")
        .annotate(total=Count("pk"), open=Count("pk", filter=Q(status=InsightStatus.OPEN)))
        .order_by("-total", "product_id")[:50]
    )
    answered = rows.filter(answered_at__isnull=False).values_list("created_at", "answered_at")[:5000]
    hours = [(b - a).total_seconds() / 3600 for a, b in answered]
    return {"groups": groups, "median_answer_hours": round(_median(hours), 1) if hours else None}


def event_key_message_ids(*, tenant, event) -> list[int]:
    return list(
        EventKeyMessage.objects.for_tenant(tenant)
        .filter(event=event)
        .order_by("order", "id")
        .values_list("key_message_id", flat=True)
    )


def pending_approvals(*, tenant, user) -> QuerySet[Event]:
    """Submitted events ``user`` may approve (a manager: their team's; a PM: those above the threshold)."""
    events = event_list(tenant=tenant, user=user).filter(status=EventStatus.SUBMITTED)
    if user.role == Role.MANAGER:
        return events.filter(manager_approved_at__isnull=True).exclude(owner=user)
    if user.role == Role.PRODUCT_MANAGER:
        return events.filter(needs_pm_approval=True, pm_approved_at__isnull=True)
    return events.none()


def program_targets(*, tenant, program) -> QuerySet[ProgramTarget]:
    """The hand-picked doctors of a program's target audience, by name."""
    return (
        ProgramTarget.objects.for_tenant(tenant)
        .filter(program=program)
        .select_related("doctor__hospital")
        .order_by("doctor__name", "id")
    )


def programs_taking_audience(*, tenant, user) -> QuerySet[Program]:
    """The programs whose target audience ``user`` may still add doctors to: a product manager or
    an administrator (who change programs), programs not closed and not over."""
    if user.role not in PROGRAM_EDITORS:
        return Program.objects.for_tenant(tenant).none()
    return (
        program_list(tenant=tenant, user=user)
        .exclude(status=ProgramStatus.CLOSED)
        .filter(ends_on__gte=timezone.localdate())
        .order_by("starts_on", "id")
    )


def invitable_events(*, tenant, user) -> QuerySet[Event]:
    """The events ``user`` may still invite doctors to: their own (an administrator: any) not yet held."""
    events = event_list(tenant=tenant, user=user).filter(
        status__in=[EventStatus.DRAFT, EventStatus.SUBMITTED, EventStatus.APPROVED]
    )
    if user.role != Role.TENANT_ADMIN:
        events = events.filter(owner=user)
    return events.order_by("starts_at", "id")
