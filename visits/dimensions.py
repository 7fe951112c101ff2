"""The visit-based inputs of segmentation's scorecards (registered in VisitsConfig.ready through
segmentation.hooks): per doctor and period, from submitted visits, one set-based query.

* digital acceptance — the share of the doctor's visits whose channel is not in person;
* willingness — the share whose objective was achieved (partly counts half).
"""

# SQL here is assembled from this module's constants and the model's table name; values are bound.
# ruff: noqa: S608

from __future__ import annotations

import datetime

import pandas as pd
from django.utils import timezone

from segmentation.dimensions import read_frame
from segmentation.models import DimensionKind, period_bounds
from visits.models import Visit, VisitChannel

# Channels of a visit that count as "in person" for digital acceptance (everything else is remote).
IN_PERSON_CHANNELS = (VisitChannel.IN_PERSON, VisitChannel.DEPARTMENT_MEETING)


def visit_dimension_frame(*, tenant_id: int, period: str) -> pd.DataFrame:
    """``doctor_id``, digital acceptance and willingness of the doctors with submitted visits in
    ``period`` (the caller's transaction, tenant in context)."""
    start, end = period_bounds(period)
    in_person = ", ".join(f"'{c}'" for c in IN_PERSON_CHANNELS)
    sql = (
        "SELECT doctor_id, "
        f"AVG(CASE WHEN channel IN ({in_person}) THEN 0.0 ELSE 1.0 END) AS {DimensionKind.DIGITAL_ACCEPTANCE}, "
        "AVG(CASE objective_achieved WHEN 'yes' THEN 1.0 WHEN 'partly' THEN 0.5 ELSE 0.0 END) "
        f"AS {DimensionKind.WILLINGNESS} "
        f"FROM {Visit._meta.db_table} WHERE tenant_id = %(t)s AND status = 'submitted' "
        "AND visited_at >= %(s)s AND visited_at < %(e)s GROUP BY doctor_id"
    )
    tz = timezone.get_current_timezone()
    bounds = {
        "t": tenant_id,
        "s": timezone.make_aware(datetime.datetime.combine(start, datetime.time.min), tz),
        "e": timezone.make_aware(datetime.datetime.combine(end, datetime.time.min), tz),
    }
    return read_frame(sql, bounds)


def visit_facts(*, tenant_id: int, period: str, doctor_id: int) -> dict:
    """One doctor's submitted visits of ``period`` as counts, for a tier explanation (the facts
    behind digital acceptance and willingness)."""
    from django.db.models import Count, Q

    start, end = period_bounds(period)
    tz = timezone.get_current_timezone()
    return (
        Visit.objects.for_tenant(tenant_id)
        .submitted()
        .filter(
            doctor_id=doctor_id,
            visited_at__gte=timezone.make_aware(datetime.datetime.combine(start, datetime.time.min), tz),
            visited_at__lt=timezone.make_aware(datetime.datetime.combine(end, datetime.time.min), tz),
        )
        .aggregate(
            visits=Count("id"),
            remote=Count("id", filter=~Q(channel__in=IN_PERSON_CHANNELS)),
            achieved=Count("id", filter=Q(objective_achieved="yes")),
            partly=Count("id", filter=Q(objective_achieved="partly")),
        )
    )
