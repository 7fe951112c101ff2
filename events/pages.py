"""Presenters of the events pages: what a page shows, assembled from selectors (no writes)."""

from __future__ import annotations

import calendar
import datetime
import io

from django.utils import timezone

from crm.permissions import EVENT_APPROVERS, INSIGHT_ANSWERERS
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
        "scorecard": selectors.event_scorecard(tenant=tenant, event=event) if event.status in FROZEN_STATUSES else None,
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
    }


def followups_home_context(user):
    """The rep's home card: event follow-ups due (overdue first), with the open question flag."""
    rows = list(selectors.my_followups(tenant=user.tenant_id, user=user)[:20])
    return {"rows": rows, "today": timezone.localdate()} if rows else None


def insights_home_context(user):
    """The product manager's home card: open insights of their inbox."""
    rows = list(selectors.insight_inbox(tenant=user.tenant_id, user=user, status="open").select_related("product")[:10])
    return {"rows": rows} if rows else None
