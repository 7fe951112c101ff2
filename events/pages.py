"""Presenters of the events pages: what a page shows, assembled from selectors (no writes)."""

from __future__ import annotations

import calendar
import datetime
import io
import json

from django.utils import timezone
from django.utils.translation import gettext as _

from crm.permissions import EVENT_APPROVERS, INSIGHT_ANSWERERS, INSIGHT_RAISERS
from events import selectors
from events.models import (
    FROZEN_STATUSES,
    AgendaItem,
    Attendee,
    EventPhoto,
    EventStatus,
    Expense,
    FollowUpStatus,
    Question,
    SelfSignIn,
    SelfSignInStatus,
)


def month_grid(events, month: datetime.date) -> list[list[dict]]:
    """Weeks of the month (Monday first), each day with its events."""
    by_day: dict[datetime.date, list] = {}
    for e in events:
        day = timezone.localtime(e.starts_at).date()
        by_day.setdefault(day, []).append(e)
    weeks = []
    for week in calendar.Calendar().monthdatescalendar(month.year, month.month):
        weeks.append([{"date": d, "in_month": d.month == month.month, "events": by_day.get(d, [])} for d in week])
    return weeks


def week_days(events, monday: datetime.date) -> list[dict]:
    """The seven days from ``monday``, each with the events held on it (a masterclass over three
    days is on each of them), in order of start."""
    days = [monday + datetime.timedelta(days=i) for i in range(7)]
    by_day: dict[datetime.date, list] = {d: [] for d in days}
    for e in events:
        first = max(timezone.localtime(e.starts_at).date(), days[0])
        last = min(timezone.localtime(e.ends_at).date(), days[-1])
        while first <= last:
            by_day[first].append(e)
            first += datetime.timedelta(days=1)
    return [{"date": d, "events": by_day[d]} for d in days]


# Colours of the scorecard charts: green is good (remembered, on time, signed in), amber partly,
# red not; a tier keeps the colour of its badge.
GOOD, PARTLY, BAD, NEUTRAL = "#2e7d32", "#f9a825", "#c62828", "#90a4ae"
TIER_COLOURS = {"A": "#c62828", "B": "#ef6c00", "C": "#0172ad", "D": "#607d8b"}


def scorecard_charts(card: dict) -> dict[str, str]:
    """The scorecard as chart specs (JSON for ``static/js/events.js``): attendees by tier, signed
    in vs invited, follow-up within the deadline per assignee, recall per key message. A chart
    with nothing to show is left out (its table says so)."""
    charts: dict[str, dict] = {}
    if card["by_tier"]:
        tiers = list(card["by_tier"])
        charts["tiers"] = {
            "labels": tiers,
            "datasets": [
                {
                    "label": _("Signed-in attendees"),
                    "data": [card["by_tier"][t] for t in tiers],
                    "color": [TIER_COLOURS.get(t, NEUTRAL) for t in tiers],
                }
            ],
        }
    if card["invited"]:
        charts["signed"] = {
            "labels": [_("Signed in"), _("Invited, not signed in")],
            "datasets": [
                {
                    "label": _("Attendees"),
                    "data": [card["signed_in"], card["invited"] - card["signed_in"]],
                    "color": [GOOD, NEUTRAL],
                }
            ],
        }
    if card["per_rep"]:
        reps = card["per_rep"]
        charts["followup"] = {
            "labels": [r["name"] for r in reps],
            "datasets": [
                {"label": _("Done within the deadline"), "data": [r["on_time"] for r in reps], "color": GOOD},
                {"label": _("Done late"), "data": [r["done"] - r["on_time"] for r in reps], "color": PARTLY},
                {"label": _("Not done"), "data": [r["total"] - r["done"] for r in reps], "color": BAD},
            ],
        }
    if card["recall"]:
        rows = card["recall"]
        pct = lambda n, r: round(100 * n / r["total"], 1) if r["total"] else 0  # noqa: E731
        charts["recall"] = {
            "labels": [r["text"][:40] for r in rows],
            "datasets": [
                {"label": _("Remembered"), "data": [pct(r["remembered"], r) for r in rows], "color": GOOD},
                {"label": _("Partly remembered"), "data": [pct(r["partly"], r) for r in rows], "color": PARTLY},
                {
                    "label": _("Not remembered"),
                    "data": [pct(r["total"] - r["remembered"] - r["partly"], r) for r in rows],
                    "color": BAD,
                },
            ],
        }
    return {k: json.dumps(v, ensure_ascii=False) for k, v in charts.items()}


def signin_url(request, event) -> str:
    """The per-event QR self sign-in link (absolute)."""
    from django.urls import reverse

    return request.build_absolute_uri(reverse("event_self_signin", args=[event.tenant_id, event.signin_token]))


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as inline SVG (segno)."""
    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=5, xmldecl=False, svgns=True)
    return out.getvalue().decode()


def event_detail_context(user, event) -> dict:
    tenant = user.tenant_id
    attendees = list(
        Attendee.objects.for_tenant(tenant)
        .filter(event=event)
        .select_related("doctor", "doctor__hospital")
        .order_by("doctor__name", "id")[:2000]
    )
    board = selectors.followup_board(tenant=tenant, event=event)
    scorecard = selectors.event_scorecard(tenant=tenant, event=event) if event.status in FROZEN_STATUSES else None
    today = timezone.localdate()
    return {
        "event": event,
        "agenda": list(AgendaItem.objects.for_tenant(tenant).filter(event=event).select_related("speaker_doctor")),
        "attendees": attendees,
        "signed_in": sum(1 for a in attendees if a.signed_in_at),
        "questions": list(
            Question.objects.for_tenant(tenant).filter(event=event).select_related("attendee__doctor").order_by("id")
        ),
        "budget": selectors.budget_vs_actual(tenant=tenant, events=[event.pk]),
        "expenses": list(Expense.objects.for_tenant(tenant).filter(event=event)),
        "photos": list(EventPhoto.objects.for_tenant(tenant).filter(event=event)),
        "board": board,
        "board_counts": {
            "done": sum(1 for f in board if f.status == FollowUpStatus.DONE),
            "overdue": sum(1 for f in board if f.status == FollowUpStatus.OPEN and f.due_date < today),
            "due": sum(1 for f in board if f.status == FollowUpStatus.OPEN and f.due_date >= today),
        },
        "scorecard": scorecard,
        "charts": scorecard_charts(scorecard) if scorecard else {},
        "transitions": list(event.transitions.select_related("by").order_by("at", "id")),
        "corrections": list(event.corrections.select_related("by").order_by("at", "id")),
        "review": list(
            SelfSignIn.objects.for_tenant(tenant).filter(event=event, status=SelfSignInStatus.REVIEW).order_by("id")
        ),
        "is_owner": event.owner_id == user.pk,
        "can_approve": user.role in EVENT_APPROVERS
        and selectors.pending_approvals(tenant=tenant, user=user).filter(pk=event.pk).exists(),
        "is_frozen": event.status in FROZEN_STATUSES,
        "is_draft": event.status == EventStatus.DRAFT,
        "signin_open": event.status in (EventStatus.APPROVED, EventStatus.HELD),
        "today": today,
        "is_pm": user.role in INSIGHT_ANSWERERS,
        "insight_url": _event_insight_url(tenant, event) if user.role in INSIGHT_RAISERS else None,
    }


def _event_insight_url(tenant, event) -> str:
    """The insight form prefilled with the event, its first product and first key message."""
    from events.models import EventKeyMessage, EventProduct
    from events.visit_reports import insight_url

    km = (
        EventKeyMessage.objects.for_tenant(tenant)
        .filter(event=event)
        .order_by("order", "id")
        .values_list("key_message_id", "key_message__product_id")
        .first()
    )
    product = (
        km[1]
        if km
        else (
            EventProduct.objects.for_tenant(tenant)
            .filter(event=event)
            .order_by("id")
            .values_list("product_id", flat=True)
            .first()
        )
    )
    return insight_url(event=event, product=product, key_message=km[0] if km else None)


def followups_home_context(user):
    """The rep's home card: event follow-ups due (overdue first), with the open question flag."""
    rows = list(selectors.my_followups(tenant=user.tenant_id, user=user)[:20])
    return {"rows": rows, "today": timezone.localdate()} if rows else None


def insights_home_context(user):
    """The product manager's home card: open insights of their inbox."""
    rows = list(selectors.insight_inbox(tenant=user.tenant_id, user=user, status="open").select_related("product")[:10])
    return {"rows": rows} if rows else None
