"""Reads behind the visit pages that ``visits.selectors`` does not provide: what one page shows,
assembled from the selectors (which hold the visibility rules) into plain values for templates
and Chart.js.

Every function takes the tenant explicitly (or the signed-in user, whose tenant it is) and runs
a bounded number of queries whatever the data.
"""

from __future__ import annotations

import dataclasses
import datetime
import json

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.permissions import VISITING_ROLES, is_tenant_user
from hospitals.models import KeyMessage, Product
from visits import selectors
from visits.forms import content_choice_queryset, key_message_queryset
from visits.models import (
    ContentItem,
    CyclePlan,
    InquiryStatus,
    ObjectiveAchieved,
    PlanStatus,
    Reaction,
    Signal,
    VisitChannel,
    VisitContent,
    VisitKeyMessage,
    VisitPlan,
    VisitPlanContent,
    VisitPlanKeyMessage,
    VisitPlanStatus,
    VisitProduct,
    month_start,
)

TIMELINE_LIMIT = 20
HOME_LIST_LIMIT = 8
TEAM_MONTHS = 7  # this month and the last six


# --- the 24-hour clock ---------------------------------------------------------------------


@dataclasses.dataclass
class Clock:
    """How long is left to submit a report on time (negative: late by)."""

    deadline: datetime.datetime
    seconds_left: int

    @property
    def is_late(self) -> bool:
        return self.seconds_left < 0

    @property
    def due_soon(self) -> bool:
        return 0 <= self.seconds_left < 4 * 3600

    @property
    def hours(self) -> int:
        return abs(self.seconds_left) // 3600

    @property
    def minutes(self) -> int:
        return abs(self.seconds_left) % 3600 // 60


def report_clock(visited_at, *, window_hours: int, now=None) -> Clock:
    """The submit deadline of a visit made at ``visited_at`` and the time left until it."""
    deadline = visited_at + datetime.timedelta(hours=window_hours)
    return Clock(deadline=deadline, seconds_left=int((deadline - (now or timezone.now())).total_seconds()))


# --- home pages ----------------------------------------------------------------------------


def inquiries_home_context(user) -> dict:
    """Medical affairs' home: the open inquiries they may answer, earliest due first."""
    open_inquiries = (
        selectors.medical_inquiry_list(tenant=user.tenant_id, user=user)
        .filter(status=InquiryStatus.OPEN)
        .order_by("due_date", "id")
    )
    rows = list(open_inquiries[: HOME_LIST_LIMIT + 1])
    for row in rows:
        row.sla = inquiry_sla(row)
    return {"rows": rows[:HOME_LIST_LIMIT], "more": len(rows) > HOME_LIST_LIMIT}


def inbox_home_context(user) -> dict:
    """The head of ``user``'s task inbox: counts, and the most urgent open tasks."""
    tenant = user.tenant_id
    now = timezone.now()
    tasks = list(
        selectors.followup_task_list(tenant=tenant, user=user)
        .open()
        .order_by("priority", "due_at", "id")[: HOME_LIST_LIMIT + 1]
    )
    for t in tasks:
        t.is_overdue = t.due_at < now
    return {
        "counts": selectors.task_counts_by_status(tenant=tenant, user=user),
        "rows": tasks[:HOME_LIST_LIMIT],
        "more": len(tasks) > HOME_LIST_LIMIT,
    }


def my_day_context(user, *, today=None, now=None) -> dict:
    """The rep's day: today's plans, reports to submit (drafts and past plans without a report,
    each with its 24-hour clock), tasks due or overdue, doctors behind their call frequency."""
    tenant = user.tenant_id
    now = now or timezone.now()
    day = selectors.my_day(tenant=tenant, rep=user, today=today)
    settings_obj = selectors.visit_settings(tenant=tenant)
    window = settings_obj.submit_window_hours
    for draft in day.reports_to_submit:
        draft.clock = report_clock(draft.visited_at, window_hours=window, now=now)
    for task in day.tasks_due:
        task.is_overdue = task.due_at < now
    # Today's plans already past run their 24-hour clock in the day's list; plans of earlier
    # days without a report are listed with the reports to submit (within the backdating
    # limit: older ones can no longer be reported).
    for plan in day.plans:
        plan.clock = report_clock(plan.planned_at, window_hours=window, now=now) if plan.planned_at < now else None
    start_of_day, _ = selectors.local_day_bounds(day.today)
    oldest = now - datetime.timedelta(days=settings_obj.backdate_limit_days)
    unreported = list(
        VisitPlan.objects.for_tenant(tenant)
        .open()
        .filter(rep=user, planned_at__lt=min(now, start_of_day), planned_at__gte=oldest)
        .exclude(visits__isnull=False)
        .select_related("doctor", "doctor__hospital")
        .order_by("planned_at", "id")[:50]
    )
    for plan in unreported:
        plan.clock = report_clock(plan.planned_at, window_hours=window, now=now)
    return {
        "day": day,
        "unreported_plans": unreported,
        "to_submit_count": len(day.reports_to_submit) + len(unreported),
        "window_hours": window,
        "today_is": timezone.localtime(now).date(),
    }


def team_home_context(manager) -> dict:
    """The manager's home: this month per rep (adherence, timeliness), plans waiting for review."""
    tenant = manager.tenant_id
    rows = team_rows(manager, months=1)
    waiting = list(
        selectors.cycle_plan_list(tenant=tenant, user=manager)
        .filter(status=PlanStatus.SUBMITTED)
        .exclude(rep=manager)
        .order_by("month", "rep__username")[:20]
    )
    return {"rows": rows, "plans_to_review": waiting}


# --- the team (manager) --------------------------------------------------------------------


@dataclasses.dataclass
class TeamRow:
    """One rep of a manager's team: the current month and the months before it."""

    rep: object
    months: list  # RepAdherence, oldest first

    @property
    def current(self):
        return self.months[-1]


def _pct(value):
    return None if value is None else round(value * 100, 1)


def team_rows(manager, *, months: int = TEAM_MONTHS, today=None) -> list[TeamRow]:
    """The manager's reps with their adherence figures over ``months`` months (three queries)."""
    tenant = manager.tenant_id
    reps = list(selectors.team_reps(tenant=tenant, manager=manager).order_by("name", "username"))
    data = selectors.manager_adherence(
        tenant=tenant, rep_ids=[r.pk for r in reps], months=months, today=today or timezone.localdate()
    )
    return [TeamRow(rep=r, months=data.get(r.pk, [])) for r in reps]


def team_context(manager, *, today=None) -> dict:
    """The manager view: the table for this month, charts for this month and the last six, and the
    cycle plans of the team (waiting for review first)."""
    tenant = manager.tenant_id
    rows = team_rows(manager, today=today)
    labels = [f"{m.month:%Y-%m}" for m in rows[0].months] if rows else []
    adherence = {
        "labels": labels,
        "datasets": [
            {"label": r.rep.name or r.rep.username, "data": [_pct(m.plan_adherence) for m in r.months]} for r in rows
        ],
    }
    on_time = [sum(r.months[i].on_time for r in rows) for i in range(len(labels))]
    late = [sum(r.months[i].late for r in rows) for i in range(len(labels))]
    timeliness = {
        "labels": labels,
        "datasets": [
            {"label": str(_("On time")), "data": on_time, "color": "#2e7d32"},
            {"label": str(_("Late")), "data": late, "color": "#c62828"},
        ],
    }
    ab = {
        "labels": labels,
        "datasets": [
            {
                "label": str(_("A/B doctors at target frequency")),
                "data": [
                    _pct(
                        (sum(r.months[i].ab_at_target for r in rows) / sum(r.months[i].ab_doctors for r in rows))
                        if sum(r.months[i].ab_doctors for r in rows)
                        else None
                    )
                    for i in range(len(labels))
                ],
                "color": "#0172ad",
            }
        ],
    }
    current_month = month_start(today or timezone.localdate())
    plans = list(
        selectors.cycle_plan_list(tenant=tenant, user=manager)
        .exclude(rep=manager)
        .filter(Q(status=PlanStatus.SUBMITTED) | Q(month=current_month))
        .order_by("month", "rep__name", "rep__username")[:100]
    )
    plans.sort(key=lambda p: (p.status != PlanStatus.SUBMITTED, p.month, p.rep.name or p.rep.username))
    return {
        "rows": rows,
        "labels": labels,
        "charts": {
            "adherence": json.dumps(adherence, ensure_ascii=False),
            "timeliness": json.dumps(timeliness, ensure_ascii=False),
            "ab": json.dumps(ab, ensure_ascii=False),
        },
        "plans": plans,
    }


# --- week and plans ------------------------------------------------------------------------


def week_start_of(day: datetime.date) -> datetime.date:
    """The Monday of ``day``'s week."""
    return day - datetime.timedelta(days=day.weekday())


def parse_day(value, default: datetime.date) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value) if value else default
    except (TypeError, ValueError):
        return default


WEEK_SUGGESTIONS_SHOWN = 50


def week_context(user, *, week_start: datetime.date) -> dict:
    """The rep's week: their plans day by day and the suggested doctors (behind frequency first,
    then due follow-ups and event attendees)."""
    tenant = user.tenant_id
    start, _ = selectors.local_day_bounds(week_start)
    end, _ = selectors.local_day_bounds(week_start + datetime.timedelta(days=7))
    # What the calendar shows of a plan (time, doctor, status): a busy week holds well over a
    # hundred plans, so nothing else is read.
    plans = list(
        selectors.visit_plan_list(tenant=tenant, user=user)
        .filter(rep=user, planned_at__gte=start, planned_at__lt=end)
        .exclude(status=VisitPlanStatus.CANCELLED)
        .select_related(None)
        .select_related("doctor")
        .only("id", "tenant_id", "rep_id", "status", "planned_at", "doctor_id", "doctor__id", "doctor__name")
        .order_by("planned_at", "id")
    )
    today = timezone.localdate()
    by_day: dict[datetime.date, list] = {}
    for p in plans:
        by_day.setdefault(timezone.localtime(p.planned_at).date(), []).append(p)
    days = []
    for i in range(7):
        day = week_start + datetime.timedelta(days=i)
        days.append({"date": day, "is_today": day == today, "is_past": day < today, "plans": by_day.get(day, [])})
    # Never more than the week can hold (issue 15): the week's capacity less what is planned.
    capacity = selectors.rep_capacity(
        tenant=tenant, rep=user, start=week_start, end=week_start + datetime.timedelta(days=7)
    )
    room = max(capacity.visits - len(plans), 0)
    shown = min(WEEK_SUGGESTIONS_SHOWN, room)
    suggestions, total = selectors.suggested_week_head(tenant=tenant, rep=user, week_start=week_start, limit=shown)
    return {
        "week_capacity": capacity,
        "week_room": room,
        # The most urgent first; a phone page of hundreds of rows helps nobody plan a week.
        "suggestion_total": total,
        "suggestions_shown": shown,
        "week_start": week_start,
        "week_end": week_start + datetime.timedelta(days=6),
        "prev_week": week_start - datetime.timedelta(days=7),
        "next_week": week_start + datetime.timedelta(days=7),
        "days": days,
        "plan_count": len(plans),
        "suggestions": suggestions,
    }


def plan_choices(tenant, user, *, product_id=None, keep_km_ids=(), keep_content_ids=()):
    """(key messages, content items) a visit plan may pick for ``product_id``: the product's
    approved messages and usable items, plus what the plan already holds."""
    km = selectors.approved_key_messages(tenant=tenant, product=product_id) if product_id else KeyMessage.objects.none()
    km_ids = list(km.values_list("pk", flat=True)) if product_id else []
    return (
        key_message_queryset(tenant, [*km_ids, *keep_km_ids]),
        content_choice_queryset(tenant, user, [product_id] if product_id else [], keep_content_ids),
    )


def plan_children(tenant, plan) -> tuple[list[int], list[int]]:
    """Ids of the key messages (in order) and content items of a visit plan."""
    km = list(
        VisitPlanKeyMessage.objects.for_tenant(tenant)
        .filter(plan=plan)
        .order_by("order", "id")
        .values_list("key_message_id", flat=True)
    )
    content = list(
        VisitPlanContent.objects.for_tenant(tenant).filter(plan=plan).values_list("content_item_id", flat=True)
    )
    return km, content


def plan_detail(tenant, plan) -> dict:
    """A visit plan's key messages and content, in order, for display."""
    km_ids, content_ids = plan_children(tenant, plan)
    kms = {k.pk: k for k in key_message_queryset(tenant, km_ids)}
    return {
        "key_messages": [kms[i] for i in km_ids if i in kms],
        "content_items": list(ContentItem.objects.for_tenant(tenant).filter(pk__in=content_ids).order_by("title")),
        "report": plan.visits.order_by("-id").first(),
    }


def doctor_search(tenant, user, text: str, limit: int = 20):
    """Doctors the user may visit whose name, pinyin or initials start with ``text``."""
    from hospitals.selectors import visible_doctors

    text = (text or "").strip()
    if not text:
        return []
    return list(
        visible_doctors(tenant=tenant, user=user)
        .active()
        .search(text)
        .select_related("hospital", "department")
        .order_by("name", "id")[:limit]
    )


# --- the report form -----------------------------------------------------------------------


@dataclasses.dataclass
class ReportChoices:
    """What a report form offers: candidate key messages and content items."""

    key_messages: list
    content_items: object  # queryset


def report_choices(tenant, user, *, product_ids, plan_km_ids=(), keep_km_ids=(), keep_content_ids=()) -> ReportChoices:
    """Key messages a report offers: the plan's first (in the plan's order), then the approved
    messages of the products discussed, then any the report already holds; and the usable
    content of those products."""
    product_ids = [int(p) for p in product_ids]
    product_km = list(
        KeyMessage.objects.for_tenant(tenant)
        .filter(product_id__in=product_ids, is_active=True, product__is_active=True)
        .values_list("pk", flat=True)
    )
    all_ids = [*plan_km_ids, *keep_km_ids, *product_km]
    by_id = {k.pk: k for k in key_message_queryset(tenant, all_ids)}
    ordered, seen = [], set()
    for k in plan_km_ids:
        if k in by_id and k not in seen:
            seen.add(k)
            ordered.append(by_id[k])
    for k in by_id.values():  # product, then message order
        if k.pk not in seen:
            seen.add(k.pk)
            ordered.append(k)
    return ReportChoices(
        key_messages=ordered,
        content_items=content_choice_queryset(tenant, user, product_ids, keep_content_ids),
    )


def visit_children(tenant, visit) -> dict:
    """A report's products, key messages with reactions, and content, as ids (for forms)."""
    return {
        "product_ids": list(
            VisitProduct.objects.for_tenant(tenant).filter(visit=visit).values_list("product_id", flat=True)
        ),
        "key_messages": list(
            VisitKeyMessage.objects.for_tenant(tenant)
            .filter(visit=visit)
            .order_by("id")
            .values_list("key_message_id", "reaction", "note")
        ),
        "content_ids": list(
            VisitContent.objects.for_tenant(tenant).filter(visit=visit).values_list("content_item_id", flat=True)
        ),
    }


# --- a submitted report --------------------------------------------------------------------

_FIELD_LABELS = {
    "channel": _("Channel"),
    "duration_minutes": _("Duration (minutes)"),
    "objective": _("Objective"),
    "objective_achieved": _("Objective achieved?"),
    "feedback": _("Feedback summary"),
    "questions_raised": _("Questions raised"),
    "signals": _("Signals"),
    "signal_notes": _("Signal details"),
    "next_step": _("Next step"),
    "next_step_due": _("Next step due"),
    "products": _("Products discussed"),
    "key_messages": _("Key messages"),
    "content_items": _("Content used"),
}


def report_view(tenant, visit) -> dict:
    """A report as it reads: products, key messages with reactions, content, and the amendment
    history with each change as labels (old → new), so the original stays readable."""
    km_rows = list(
        VisitKeyMessage.objects.for_tenant(tenant)
        .filter(visit=visit)
        .select_related("key_message", "key_message__product")
        .order_by("id")
    )
    products = list(
        Product.objects.for_tenant(tenant)
        .filter(pk__in=VisitProduct.objects.for_tenant(tenant).filter(visit=visit).values("product_id"))
        .order_by("name")
    )
    content = list(
        ContentItem.objects.for_tenant(tenant)
        .filter(pk__in=VisitContent.objects.for_tenant(tenant).filter(visit=visit).values("content_item_id"))
        .order_by("title")
    )
    amendments = list(visit.amendments.select_related("by").order_by("at", "id"))
    names = _names_in_amendments(tenant, amendments)
    for a in amendments:
        a.change_rows = [
            (str(_FIELD_LABELS.get(field, field)), _show(field, c.get("from"), names), _show(field, c.get("to"), names))
            for field, c in sorted((a.changes or {}).items())
        ]
    signal_labels = dict(Signal.choices)
    return {
        "km_rows": km_rows,
        "products": products,
        "content_items": content,
        "amendments": amendments,
        "signals": [(s, signal_labels.get(s, s), (visit.signal_notes or {}).get(s, "")) for s in visit.signals],
    }


def _names_in_amendments(tenant, amendments) -> dict:
    km, prod, content = set(), set(), set()
    for a in amendments:
        for field, change in (a.changes or {}).items():
            for side in ("from", "to"):
                value = change.get(side) or []
                if field == "key_messages":
                    km.update(int(row[0]) for row in value)
                elif field == "products":
                    prod.update(int(v) for v in value)
                elif field == "content_items":
                    content.update(int(v) for v in value)
    return {
        "key_messages": dict(KeyMessage.objects.for_tenant(tenant).filter(pk__in=km).values_list("pk", "text"))
        if km
        else {},
        "products": dict(Product.objects.for_tenant(tenant).filter(pk__in=prod).values_list("pk", "name"))
        if prod
        else {},
        "content_items": dict(ContentItem.objects.for_tenant(tenant).filter(pk__in=content).values_list("pk", "title"))
        if content
        else {},
    }


def _show(field, value, names) -> str:
    """One side of an amendment's change, as the reader should see it."""
    if value in (None, "", [], {}):
        return ""
    choices = {
        "channel": dict(VisitChannel.choices),
        "objective_achieved": dict(ObjectiveAchieved.choices),
    }
    if field in choices:
        return str(choices[field].get(value, value))
    if field == "signals":
        labels = dict(Signal.choices)
        return "、".join(str(labels.get(s, s)) for s in value)
    if field == "signal_notes":
        labels = dict(Signal.choices)
        return "；".join(f"{labels.get(k, k)}: {v}" for k, v in value.items())
    if field == "key_messages":
        reactions = dict(Reaction.choices)
        parts = []
        for km_id, reaction, note in value:
            text = names["key_messages"].get(int(km_id), f"#{km_id}")
            parts.append(f"{text} ({reactions.get(reaction, reaction)}{': ' + note if note else ''})")
        return "；".join(parts)
    if field in ("products", "content_items"):
        return "、".join(names[field].get(int(v), f"#{v}") for v in value)
    return str(value)


# --- doctor timeline (on the doctor's profile) ---------------------------------------------


def doctor_timeline_context(user, doctor, *, limit: int = TIMELINE_LIMIT) -> dict:
    """The submitted visits of ``doctor`` the viewer may see, newest first (``limit`` of them),
    with key-message reactions, for ``templates/visits/_doctor_timeline.html``."""
    if not is_tenant_user(user):
        return {"visit_timeline": [], "visit_timeline_more": False}
    rows = list(selectors.doctor_timeline(tenant=user.tenant_id, user=user, doctor=doctor)[: limit + 1])
    return {
        "visit_timeline": rows[:limit],
        "visit_timeline_more": len(rows) > limit,
        "can_report_visit": user.role in VISITING_ROLES,
    }


# --- inquiries -----------------------------------------------------------------------------


@dataclasses.dataclass
class Sla:
    """Where an inquiry stands against its SLA: ``state`` is one of ok, due, breached, met, missed."""

    state: str
    days_left: int

    @property
    def days_late(self) -> int:
        return max(-self.days_left, 0)


def inquiry_sla(inquiry, *, today=None) -> Sla:
    """SLA badge of an inquiry: open ones by days left to the due date; answered ones by
    whether the answer came in time."""
    today = today or timezone.localdate()
    if inquiry.answered_at:
        answered_on = timezone.localtime(inquiry.answered_at).date()
        return Sla(state="met" if answered_on <= inquiry.due_date else "missed", days_left=0)
    left = (inquiry.due_date - today).days
    if left < 0:
        return Sla(state="breached", days_left=left)
    return Sla(state="due" if left <= 1 else "ok", days_left=left)


# --- cycle plans ---------------------------------------------------------------------------


def my_cycle_plan(user, *, month: datetime.date) -> CyclePlan | None:
    """The user's own cycle plan of ``month``, if it exists."""
    return (
        selectors.cycle_plan_list(tenant=user.tenant_id, user=user).filter(rep=user, month=month_start(month)).first()
    )


# --- report lists (issue 15) ---------------------------------------------------------------


@dataclasses.dataclass
class ReportFilters:
    """The report list's filters, parsed from the query string (bad values are ignored)."""

    rep: object = None  # a team member (managers), or None
    since: datetime.date | None = None
    until: datetime.date | None = None
    q: str = ""
    status: str = ""
    late: bool = False
    amended: bool = False
    tiers: tuple = ()
    reps: list = dataclasses.field(default_factory=list)  # choices for managers

    def selector_kwargs(self) -> dict:
        return {
            "rep": self.rep,
            "since": self.since,
            "until": self.until,
            "doctor_query": self.q,
            "status": self.status,
            "late": self.late,
            "amended": self.amended,
            "tiers": self.tiers,
        }

    def query(self) -> str:
        """The filters as a query string (export links, "more results")."""
        from django.http import QueryDict

        q = QueryDict(mutable=True)
        for name, value in (
            ("rep", getattr(self.rep, "pk", "")),
            ("since", self.since.isoformat() if self.since else ""),
            ("until", self.until.isoformat() if self.until else ""),
            ("q", self.q),
            ("status", self.status),
            ("late", "1" if self.late else ""),
            ("amended", "1" if self.amended else ""),
        ):
            if value:
                q[name] = value
        if self.tiers:
            q.setlist("tier", list(self.tiers))
        return q.urlencode()


def report_filters(user, params, *, today=None) -> ReportFilters:
    """Parse the report list's filters. A rep's list defaults to this week (Monday on); a manager's
    to the last 30 days; ``period=last_week`` picks Monday–Sunday of the previous week."""
    from crm.permissions import MANAGER_ROLES

    today = today or timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    if params.get("period") == "last_week":
        since, until = monday - datetime.timedelta(days=7), monday - datetime.timedelta(days=1)
    else:
        default_since = monday if user.role not in MANAGER_ROLES else today - datetime.timedelta(days=30)
        since = parse_day(params.get("since"), default_since) if "since" in params else default_since
        until = parse_day(params.get("until"), None) if params.get("until") else None
        if "since" in params and not params.get("since"):
            since = None
    filters = ReportFilters(
        since=since,
        until=until,
        q=(params.get("q") or "").strip()[:100],
        status=params.get("status") if params.get("status") in ("draft", "submitted") else "",
        late=params.get("late") == "1",
        amended=params.get("amended") == "1",
        tiers=tuple(t for t in params.getlist("tier") if t in ("A", "B", "C", "D"))
        if hasattr(params, "getlist")
        else (),
    )
    if user.role in MANAGER_ROLES:
        reps = list(selectors.team_reps(tenant=user.tenant_id, manager=user).order_by("name", "id"))
        filters.reps = reps
        rep_id = params.get("rep")
        filters.rep = next((r for r in reps if str(r.pk) == rep_id), None)
    return filters


def report_list_page(user, params, *, size=50) -> dict:
    """One keyset page of the report list with its filters."""
    from crm.keyset import keyset_page

    filters = report_filters(user, params)
    qs = selectors.report_list(tenant=user.tenant_id, user=user, **filters.selector_kwargs())
    page = keyset_page(qs, ordering=["-visited_at", "-id"], cursor=params.get("cursor"), size=size)
    return {"filters": filters, "page": page, "rows": page.rows}


REPORT_EXPORT_COLUMNS = [
    (_("Visited at"), lambda v: timezone.localtime(v.visited_at).strftime("%Y-%m-%d %H:%M")),
    (_("Rep"), lambda v: v.rep.name or v.rep.username),
    (_("Doctor"), "doctor__name"),
    (_("Hospital"), "doctor__hospital__name"),
    (_("Tier"), lambda v: v.doctor_tier or ""),
    (_("Channel"), lambda v: v.get_channel_display()),
    (_("Status"), lambda v: v.get_status_display()),
    (
        _("Submitted at"),
        lambda v: timezone.localtime(v.submitted_at).strftime("%Y-%m-%d %H:%M") if v.submitted_at else "",
    ),
    (_("Late"), lambda v: _("yes") if v.is_late else ""),
    (_("Amended"), lambda v: _("yes") if v.amended else ""),
    (_("Objective achieved?"), lambda v: v.get_objective_achieved_display() if v.objective_achieved else ""),
]


def team_rep_context(manager, rep, *, today=None) -> dict:
    """The drill-down to one rep of a manager's team (a bounded number of queries)."""
    from visits.models import FollowUpTask

    tenant = manager.tenant_id
    today = today or timezone.localdate()
    months = selectors.manager_adherence(tenant=tenant, rep_ids=[rep.pk], months=TEAM_MONTHS, today=today)[rep.pk]
    week_ago = today - datetime.timedelta(days=7)
    recent = list(
        selectors.report_list(tenant=tenant, user=manager, rep=rep, since=week_ago).select_related("doctor")[:50]
    )
    plan = selectors.cycle_plan_list(tenant=tenant, user=manager).filter(rep=rep, month=month_start(today)).first()
    settings_obj = selectors.visit_settings(tenant=tenant)
    overdue_before = timezone.now() - datetime.timedelta(hours=settings_obj.submit_window_hours)
    from visits.models import Visit

    drafts = Visit.objects.for_tenant(tenant).drafts().filter(rep=rep, visited_at__lt=overdue_before).count()
    overdue_tasks = FollowUpTask.objects.for_tenant(tenant).overdue().filter(assignee=rep).count()
    upcoming = list(
        selectors.visit_plan_list(tenant=tenant, user=manager)
        .open()
        .filter(rep=rep, planned_at__gte=timezone.now())
        .select_related("doctor")
        .order_by("planned_at", "id")[:10]
    )
    monday = today - datetime.timedelta(days=today.weekday())
    return {
        "rep": rep,
        "current": months[-1] if months else None,
        "months": months,
        "recent": recent,
        "late_recent": sum(1 for v in recent if v.is_late),
        "plan": plan,
        "overdue_drafts": drafts,
        "overdue_tasks": overdue_tasks,
        "upcoming": upcoming,
        "last_week": (monday - datetime.timedelta(days=7), monday - datetime.timedelta(days=1)),
    }
