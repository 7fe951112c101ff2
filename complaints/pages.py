"""Presenters of the complaints pages: what a page shows, assembled from selectors (no writes)."""

from __future__ import annotations

import json

from django.utils import timezone
from django.utils.translation import gettext as _

from crm.permissions import COMPLAINT_ALL_READERS, COMPLAINT_HANDLERS, LOT_TRACE_ROLES, has_role
from crm.tenancy import tenant_context

from . import selectors
from .models import OPEN_STATUSES, ComplaintType, QualityDefect, Severity, Status

TYPE_COLORS = {"quality": "#0172ad", "adverse_event": "#d93526", "service": "#8a6d00", "delivery": "#5b8c00"}


def home_card(user):
    """The complaints card: the user's open complaints and how many are overdue."""
    with tenant_context(user.tenant_id):
        # Most users have no open complaint of their own: no card, and no visibility worked out
        # (the home page of every rep and handler asks).
        if not selectors.has_own_open(tenant=user.tenant_id, user=user):
            return None
        mine = selectors.complaint_inbox(tenant=user.tenant_id, user=user, scope="mine", filters={"status": "open"})
        today = timezone.localdate()
        rows = list(mine.order_by("next_due_on", "-id")[:5])
        overdue = mine.filter(next_due_on__lt=today).count()
    if not rows:
        return None  # no card without an open complaint (the menu has the inbox and the form)
    return {"rows": rows, "overdue": overdue, "today": today, "can_intake": True}


def inbox_rows(rows, today) -> list:
    """The inbox rows with what each shows worked out once per page: the labels of type, defect,
    severity and status (one translation per choice, not four per row), and whether it is late."""

    labels = {
        name: {value: str(label) for value, label in choices.choices}
        for name, choices in (
            ("type", ComplaintType),
            ("defect", QualityDefect),
            ("severity", Severity),
            ("status", Status),
        )
    }
    for c in rows:
        c.type_label = labels["type"].get(c.type, c.type)
        c.defect_label = labels["defect"].get(c.defect, c.defect)
        c.severity_label = labels["severity"].get(c.severity, c.severity)
        c.status_label = labels["status"].get(c.status, c.status)
        c.is_late = bool(c.next_due_on and c.next_due_on < today)
    return rows


def clock_view(clock, today):
    """One clock as the page shows it: label, due date, state, days left or late."""
    state = clock.state(today)
    return {
        "kind": clock.kind,
        "label": clock.get_kind_display(),
        "due_on": clock.due_on,
        "met_on": clock.met_on,
        "state": state,
        "days": (clock.due_on - today).days,
    }


def complaint_page(*, tenant, user, complaint) -> dict:
    """The complaint page: facts, clocks, timeline, attachments, and which actions the user has."""
    today = timezone.localdate()
    handler = has_role(user, COMPLAINT_HANDLERS) or complaint.assignee_id == user.pk
    closed = complaint.status == Status.CLOSED
    actions = set()
    if handler and not closed:
        status = complaint.status
        if status == Status.NEW:
            actions.add("triage")
        if status == Status.TRIAGED:
            actions |= {"start_investigation"}
        if status in (Status.TRIAGED, Status.INVESTIGATING):
            actions |= {"investigation", "resolve"}
        if status == Status.RESOLVED:
            actions |= {"close", "start_investigation"}
        actions |= {"reply"}
        if complaint.type == ComplaintType.ADVERSE_EVENT:
            actions.add("regulator")
    if handler and closed:
        actions.add("reopen")
    can_attach = not closed and (handler or complaint.reported_by_id == user.pk)
    return {
        "c": complaint,
        "clocks": [clock_view(k, today) for k in selectors.complaint_clocks(tenant=tenant, complaint=complaint)],
        "timeline": list(selectors.complaint_timeline(tenant=tenant, complaint=complaint)),
        "attachments": list(complaint.attachments.order_by("uploaded_at", "id")),
        "show_contact": selectors.can_see_contact(user, complaint),
        "show_narrative": selectors.can_see_narrative(user, complaint),
        "actions": actions,
        "can_attach": can_attach,
        "can_trace": has_role(user, LOT_TRACE_ROLES) and bool(complaint.lot_number),
        "is_open": complaint.status in OPEN_STATUSES,
        "overdue": bool(complaint.next_due_on and not closed and complaint.next_due_on < today),
    }


def dashboard_view(*, tenant, user) -> dict:
    """The dashboard's figures and its two charts (open by type; open by age)."""
    data = selectors.dashboard(tenant=tenant, user=user)
    labels = dict(ComplaintType.choices)
    by_type = {
        "labels": [str(labels[t]) for t in ComplaintType.values],
        "datasets": [
            {
                "label": _("Open complaints"),
                "data": [data["by_type"].get(t, 0) for t in ComplaintType.values],
                "color": [TYPE_COLORS[t] for t in ComplaintType.values],
            }
        ],
    }
    by_age = {
        "labels": [_("%(range)s days") % {"range": k} for k in data["age_buckets"]],
        "datasets": [{"label": _("Open complaints"), "data": list(data["age_buckets"].values()), "color": "#7540bf"}],
    }
    data["type_rows"] = [(labels[t], data["by_type"].get(t, 0)) for t in ComplaintType.values]
    data["type_chart"] = json.dumps(by_type, ensure_ascii=False)
    data["age_chart"] = json.dumps(by_age, ensure_ascii=False)
    data["can_trace"] = has_role(user, LOT_TRACE_ROLES)
    data["all_reader"] = has_role(user, COMPLAINT_ALL_READERS)
    return data
