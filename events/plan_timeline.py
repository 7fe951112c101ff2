"""What events contribute to account-plan timelines (segmentation.hooks.register_timeline_source):
the events the doctor attended or was invited to in the period, and the follow-ups after them.
Set-based: two queries whatever the number of events, served by the (tenant, doctor) indexes."""

from __future__ import annotations

import datetime

from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Attendee, EventFollowUp, EventType, FollowUpStatus, Rsvp

# At most this many events on one timeline (the newest); a key doctor has tens a year.
EVENT_LIMIT = 200


def _bounds(start, end):
    tz = timezone.get_current_timezone()
    return (
        datetime.datetime.combine(start, datetime.time.min, tzinfo=tz),
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz),
    )


def plan_timeline_entries(*, tenant_id, doctor_id, product_id, start, end) -> list[dict]:
    """Timeline entries of one doctor between ``start`` and ``end`` (dates): events attended
    (signed in), events invited to (not signed in), follow-ups after events."""
    since, until = _bounds(start, end)
    link = reverse("event_detail", args=[0]).removesuffix("0/")
    # the labels are lazy: made text once, in the request's language
    types, rsvps, statuses = ({k: str(v) for k, v in c.choices} for c in (EventType, Rsvp, FollowUpStatus))
    entries = []
    attended_label, invited_label = _("Event attended"), _("Event invitation")
    for a in (
        Attendee.objects.for_tenant(tenant_id)
        .filter(doctor_id=doctor_id, event__starts_at__gte=since, event__starts_at__lt=until)
        .order_by("-event__starts_at", "-id")
        .annotate(day=TruncDate("event__starts_at"))
        .values("event_id", "day", "event__title", "event__type", "rsvp", "signed_in_at")[:EVENT_LIMIT]
    ):
        attended = a["signed_in_at"] is not None
        entries.append(
            {
                "date": a["day"],
                "kind": "event_attended" if attended else "event_invited",
                "label": attended_label if attended else invited_label,
                "title": a["event__title"],
                "detail": " · ".join(
                    x for x in (types.get(a["event__type"], ""), "" if attended else rsvps.get(a["rsvp"], "")) if x
                ),
                "link": f"{link}{a['event_id']}/",
            }
        )
    followup_label = _("Event follow-up")
    for f in (
        EventFollowUp.objects.for_tenant(tenant_id)
        .filter(doctor_id=doctor_id, due_date__gte=start, due_date__lte=end)
        .order_by("-due_date", "-id")
        .values("event_id", "due_date", "done_at", "status", "event__title", "assignee__name", "assignee__username")[
            :EVENT_LIMIT
        ]
    ):
        entries.append(
            {
                "date": timezone.localtime(f["done_at"]).date() if f["done_at"] else f["due_date"],
                "kind": "event_followup",
                "label": followup_label,
                "title": f["event__title"],
                "detail": " · ".join(
                    x for x in (statuses.get(f["status"], ""), f["assignee__name"] or f["assignee__username"]) if x
                ),
                "link": f"{link}{f['event_id']}/",
            }
        )
    return entries
