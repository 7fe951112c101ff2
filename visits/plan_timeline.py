"""What visits contribute to account-plan timelines (segmentation.hooks.register_timeline_source):
the doctor's submitted visit reports of the period, with the reactions to key messages of the
plan's product, and their medical inquiries. Set-based: two queries whatever the number of visits."""

from __future__ import annotations

import datetime

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import OuterRef, Subquery
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from visits.models import MedicalInquiry, Reaction, Visit, VisitKeyMessage, VisitStatus

# At most this many visits on one timeline (the newest); a key doctor has tens a year.
VISIT_LIMIT = 500


def _bounds(start, end):
    """Aware datetimes of [start, end] (dates), so that the (tenant, doctor, visited_at) index bounds the scan."""
    tz = timezone.get_current_timezone()
    return (
        datetime.datetime.combine(start, datetime.time.min, tzinfo=tz),
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz),
    )


def plan_timeline_entries(*, tenant_id, doctor_id, product_id, start, end) -> list[dict]:
    """Timeline entries of one doctor between ``start`` and ``end`` (dates)."""
    since, until = _bounds(start, end)
    link = reverse("visit_detail", args=[0]).removesuffix("0/")  # one reverse() for all the rows
    # One query: the visits with the day (in the current time zone, by the database) and the
    # reactions to the product's key messages (an array subquery per visit, served by the
    # (tenant, visit, key_message) unique index).
    reactions = (
        VisitKeyMessage.objects.for_tenant(tenant_id)
        .filter(visit_id=OuterRef("pk"), key_message__product_id=product_id)
        .order_by()
        .values("visit_id")
        .annotate(all=ArrayAgg("reaction"))
        .values("all")
    )
    visits = list(
        Visit.objects.for_tenant(tenant_id)
        .filter(
            doctor_id=doctor_id, status=VisitStatus.SUBMITTED, visited_at__gte=since, visited_at__lt=until
        )  # fmt: skip
        .order_by("-visited_at", "-id")
        .annotate(day=TruncDate("visited_at"), reactions=Subquery(reactions))
        .values(
            "pk",
            "day",
            "channel",
            "objective",
            "objective_achieved",
            "feedback",
            "rep__name",
            "rep__username",
            "reactions",
        )[:VISIT_LIMIT]  # fmt: skip
    )
    labels = dict(Reaction.choices)
    entries = []
    for v in visits:
        got = v["reactions"] or []
        detail = ", ".join(f"{labels.get(r, r)} ×{got.count(r)}" for r in sorted(set(got)))
        entries.append(
            {
                "date": v["day"],
                "kind": "visit",
                "title": v["objective"] or v["channel"],
                "detail": " · ".join(
                    x for x in (v["rep__name"] or v["rep__username"], detail, v["feedback"][:120]) if x
                ),
                "link": f"{link}{v['pk']}/",
                "reactions": got,
            }
        )
    for q in (
        MedicalInquiry.objects.for_tenant(tenant_id)
        .filter(doctor_id=doctor_id, received_at__gte=since, received_at__lt=until)
        .values("received_at", "question", "status")[:100]
    ):
        entries.append({"date": timezone.localtime(q["received_at"]).date(), "kind": "inquiry",
                        "title": q["question"][:120], "detail": q["status"], "link": ""})  # fmt: skip
    return entries
