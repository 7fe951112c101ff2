"""What the analytics pages and the home cards of each role show, assembled from the other apps'
selectors and tables (reads only). Each function runs a bounded number of queries whatever the
data; the figures that scan a whole tenant table (the adoption ladder, data quality) are kept in
the cache for :data:`CACHE_SECONDS` (docs/analytics.md: how they stay fresh).
"""

from __future__ import annotations

import datetime
import json

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import TerritoryAssignment, User
from analytics import kpis
from crm.tenancy import tenant_id_of
from hospitals.models import Doctor, DuplicateCandidate, ImportJob, Product
from segmentation.models import ADOPTION_ORDER, Adoption, AdoptionStage
from visits.models import (
    FollowUpTask,
    InquiryStatus,
    MedicalInquiry,
    TaskStatus,
    Visit,
    VisitAmendment,
    VisitPlan,
    VisitPlanSource,
    VisitPlanStatus,
    VisitStatus,
    month_start,
)
from visits.selectors import month_bounds

CACHE_SECONDS = 600
HOME_LIMIT = 8


def _cached(key: str, tenant, fn):
    """``fn()`` cached per tenant for :data:`CACHE_SECONDS`."""
    full = f"analytics:{key}:{tenant_id_of(tenant)}"
    value = cache.get(full)
    if value is None:
        value = fn()
        cache.set(full, value, CACHE_SECONDS)
    return value


# --- rep: my month --------------------------------------------------------------------------

_TIER_ATTAINMENT_SQL = """
WITH lines AS (
    SELECT l.doctor_id, l.tier, l.target
    FROM visits_cycleplanline l JOIN visits_cycleplan p ON p.id = l.plan_id
    WHERE p.tenant_id = %(tenant)s AND l.tenant_id = %(tenant)s AND p.rep_id = %(rep)s AND p.month = %(month)s
      AND l.target > 0
), actual AS (
    SELECT v.doctor_id, count(*) AS n FROM visits_visit v
    WHERE v.tenant_id = %(tenant)s AND v.status = 'submitted' AND v.visited_at >= %(start)s AND v.visited_at < %(end)s
      AND v.doctor_id IN (SELECT doctor_id FROM lines)
    GROUP BY 1
)
SELECT l.tier, count(*)::int, (count(*) FILTER (WHERE COALESCE(a.n, 0) >= l.target))::int,
       sum(l.target)::int, sum(LEAST(COALESCE(a.n, 0), l.target))::int
FROM lines l LEFT JOIN actual a ON a.doctor_id = l.doctor_id
GROUP BY 1 ORDER BY 1
"""


def my_month_context(user, *, today: datetime.date | None = None) -> dict:
    """The rep's month: frequency attainment by tier, reports on time and late, follow-up tasks
    and event follow-ups due."""
    tenant = user.tenant_id
    today = today or timezone.localdate()
    month = month_start(today)
    start, end = month_bounds(month)
    with connection.cursor() as cur:
        cur.execute(
            _TIER_ATTAINMENT_SQL,
            {"tenant": tenant_id_of(tenant), "rep": user.pk, "month": month, "start": start, "end": end},
        )
        tiers = [
            {
                "tier": tier,
                "doctors": doctors,
                "at_target": at_target,
                "pct": round(covered * 100 / target, 1) if target else None,
            }
            for tier, doctors, at_target, target, covered in cur.fetchall()
        ]
    visits = Visit.objects.for_tenant(tenant).filter(rep=user, visited_at__gte=start, visited_at__lt=end)
    reports = visits.aggregate(
        on_time=Count("pk", filter=Q(status=VisitStatus.SUBMITTED, is_late=False)),
        late=Count("pk", filter=Q(status=VisitStatus.SUBMITTED, is_late=True)),
        drafts=Count("pk", filter=Q(status=VisitStatus.DRAFT)),
    )
    now = timezone.now()
    tasks_due = (
        FollowUpTask.objects.for_tenant(tenant)
        .filter(assignee=user, status=TaskStatus.OPEN, due_at__lt=now + datetime.timedelta(days=1))
        .count()
    )
    event_due = (
        VisitPlan.objects.for_tenant(tenant)
        .filter(rep=user, source=VisitPlanSource.EVENT, status=VisitPlanStatus.PLANNED)
        .exclude(visits__isnull=False)
        .count()
    )
    return {"month": month, "tiers": tiers, "reports": reports, "tasks_due": tasks_due, "event_due": event_due}


# --- manager: the team ----------------------------------------------------------------------


def team_kpi_context(manager, *, today: datetime.date | None = None) -> dict:
    """The manager's team this month: per rep the KPI values, the score and why a rep is behind
    (kept in the cache for :data:`CACHE_SECONDS` per manager: the team's month of visits is the
    biggest read of any home page)."""
    today = today or timezone.localdate()
    key = f"team:{manager.pk}:{today:%Y%m%d}"
    return _cached(key, manager.tenant_id, lambda: _team_kpi(manager, today=today))


def _team_kpi(manager, *, today: datetime.date) -> dict:
    period = kpis.Period(month_start(today), 1)
    card = kpis.scorecard(tenant=manager.tenant_id, user=manager, period=period, history=False)
    overdue = dict(
        FollowUpTask.objects.for_tenant(manager.tenant_id)
        .overdue()
        .filter(assignee_id__in=[r.rep.pk for r in card.reps])
        .order_by()
        .values_list("assignee_id")
        .annotate(n=Count("*"))
        .values_list("assignee_id", "n")
    )
    for r in card.reps:
        r.overdue_tasks = overdue.get(r.rep.pk, 0)
    has_sales = any(r.line(kpis.Kpi.SALES).value is not None for r in card.reps)
    return {"period": period, "reps": card.reps, "has_reps": bool(card.reps), "has_sales": has_sales}


# --- product manager ------------------------------------------------------------------------


def adoption_ladder(*, tenant) -> list[dict]:
    """Per own product, the number of doctors on each stage of the adoption ladder (cached)."""

    def compute():
        counts = (
            Adoption.objects.for_tenant(tenant)
            .filter(product__is_own=True)
            .order_by()
            .values_list("product_id", "product__name", "stage")
            .annotate(n=Count("*"))
        )
        products: dict[int, dict] = {}
        for pid, name, stage, n in counts:
            p = products.setdefault(pid, {"product_id": pid, "product": name, "stages": {}, "total": 0})
            p["stages"][stage] = n
            p["total"] += n
        for p in products.values():
            p["rows"] = [(s.value, str(s.label), p["stages"].get(s.value, 0)) for s in AdoptionStage]
            p["users"] = sum(n for s, n in p["stages"].items() if ADOPTION_ORDER[s] >= ADOPTION_ORDER["regular"])
            del p["stages"]
        return sorted(products.values(), key=lambda p: p["product"])

    return _cached("ladder", tenant, compute)


def product_manager_context(user) -> dict:
    """The product manager's home: the adoption ladder of each own product (with a chart), and
    where tier distribution and movement are (the tier pages: linked, not copied)."""
    ladder = adoption_ladder(tenant=user.tenant_id)
    chart = {
        "labels": [str(s.label) for s in AdoptionStage],
        "datasets": [{"label": p["product"], "data": [n for _, _, n in p["rows"]]} for p in ladder],
    }
    return {
        "ladder": ladder,
        "chart": json.dumps(chart, ensure_ascii=False),
        "has_products": Product.objects.for_tenant(user.tenant_id).filter(is_own=True).exists(),
        **events_this_quarter(user),
    }


def events_this_quarter(user, *, today: datetime.date | None = None) -> dict:
    """The events of this quarter (held and closed ones link to their ROI) and the field
    insights still open (the product manager's own, and all)."""
    from events.models import Event, Insight
    from events.vocabulary import EventStatus, InsightStatus

    tenant = user.tenant_id
    today = today or timezone.localdate()
    first = datetime.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    start, _ = month_bounds(first)
    _, end = month_bounds(datetime.date(first.year, first.month + 2, 1))
    events = list(
        Event.objects.for_tenant(tenant)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .exclude(status__in=[EventStatus.CANCELLED, EventStatus.REJECTED])
        .select_related("program")
        .order_by("starts_at", "id")[: HOME_LIMIT + 1]
    )
    for e in events:
        e.has_roi = e.status in (EventStatus.HELD, EventStatus.CLOSED)
    insights = Insight.objects.for_tenant(tenant).filter(status=InsightStatus.OPEN)
    return {
        "quarter_events": events[:HOME_LIMIT],
        "more_events": len(events) > HOME_LIMIT,
        "insights_mine": insights.filter(product_manager=user).count(),
        "insights_open": insights.count(),
    }


# --- compliance -----------------------------------------------------------------------------


def compliance_context(user, *, today: datetime.date | None = None) -> dict:
    """Compliance's home until fee records exist: amendments of submitted reports and reports
    submitted late, of visits made this month (counts cached, and the latest of each live)."""
    tenant = user.tenant_id
    month = month_start(today or timezone.localdate())
    start, end = month_bounds(month)
    amendments = VisitAmendment.objects.for_tenant(tenant).filter(
        visit__visited_at__gte=start, visit__visited_at__lt=end
    )
    late = Visit.objects.for_tenant(tenant).filter(
        status=VisitStatus.SUBMITTED, is_late=True, visited_at__gte=start, visited_at__lt=end
    )
    counts = _cached(
        f"compliance:{month:%Y%m}", tenant, lambda: {"amendments": amendments.count(), "late": late.count()}
    )
    return {
        "month": month,
        **counts,
        "latest_amendments": list(amendments.select_related("visit__doctor", "by").order_by("-at")[:HOME_LIMIT]),
        "latest_late": list(late.select_related("doctor", "rep").order_by("-visited_at", "-id")[:HOME_LIMIT]),
    }


# --- medical affairs ------------------------------------------------------------------------


def inquiry_sla_context(user, *, today: datetime.date | None = None) -> dict:
    """Open medical inquiries by SLA state (breached, due within a day, on time) and this
    month's answers in and out of time."""
    tenant = user.tenant_id
    today = today or timezone.localdate()
    month = month_start(today)
    start, _end = month_bounds(month)
    qs = MedicalInquiry.objects.for_tenant(tenant)
    counts = qs.aggregate(
        breached=Count("pk", filter=Q(status=InquiryStatus.OPEN, due_date__lt=today)),
        due=Count(
            "pk",
            filter=Q(status=InquiryStatus.OPEN, due_date__gte=today, due_date__lte=today + datetime.timedelta(days=1)),
        ),
        ok=Count("pk", filter=Q(status=InquiryStatus.OPEN, due_date__gt=today + datetime.timedelta(days=1))),
        answered=Count("pk", filter=Q(answered_at__gte=start)),
    )
    return counts | {"total_open": counts["breached"] + counts["due"] + counts["ok"]}


# --- tenant admin: data quality -------------------------------------------------------------


def data_quality(*, tenant) -> dict:
    """Doctors without a department, likely duplicates to review, users without a territory
    (cached counts) and the latest imports."""

    def compute():
        doctors = Doctor.objects.for_tenant(tenant).filter(is_active=True)
        assigned = TerritoryAssignment.objects.for_tenant(tenant).values("user_id")
        return {
            "doctors": doctors.count(),
            "no_department": doctors.filter(department__isnull=True).count(),
            "duplicates": DuplicateCandidate.objects.for_tenant(tenant).filter(status="open").count(),
            "users_without_territory": list(
                User.objects.in_tenant(tenant)
                .filter(is_active=True, role__in=("rep", "manager", "distributor_rep"))
                .exclude(pk__in=assigned)
                .order_by("username")
                .values_list("pk", "username", "name")[:50]
            ),
        }

    out = dict(_cached("quality", tenant, compute))
    out["imports"] = list(ImportJob.objects.for_tenant(tenant).order_by("-created_at")[:5])
    return out


def data_quality_context(user) -> dict:
    return data_quality(tenant=user.tenant_id)
