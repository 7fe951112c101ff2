"""Reads of complaints, with the role visibility in one place (pages, API and exports read
through these).

Who sees which complaint (:func:`complaint_list`):

* quality, pharmacovigilance, medical affairs, administrators, compliance and product managers:
  every complaint of the tenant (compliance and product managers read only: the services
  refuse them any change); each handler's *inbox* is a filter of it (``scope``);
* a rep or distributor rep: the complaints they recorded, and those of the doctors and
  hospitals they see (``hospitals.selectors``);
* a manager: the same for the doctors they see, plus the complaints their team recorded.

Within a visible complaint, the reporter's contact details are shown to the handlers and the
recorder only (:func:`can_see_contact`), and the PV narrative to pharmacovigilance,
administrators and the recorder (:func:`can_see_narrative`).
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.utils import timezone

from crm.permissions import (
    COMPLAINT_ALL_READERS,
    COMPLAINT_CONTACT_ROLES,
    MANAGER_ROLES,
    PV_ROLES,
    QA_ROLES,
    has_role,
)
from crm.roles import Role
from crm.tenancy import tenant_id_of
from hospitals.models import Shipment
from hospitals.selectors import visible_doctor_ids, visible_hospitals

from .models import Complaint, ComplaintClock, ComplaintEvent, Queue, Status

INBOX_ORDERING = ("-created_at", "-id")
OVERDUE_ORDERING = ("next_due_on", "id")  # most overdue first


def inbox_ordering(filters: dict) -> tuple[str, ...]:
    """Newest first; an overdue list most overdue first (each served by an index)."""
    return OVERDUE_ORDERING if filters.get("overdue") else INBOX_ORDERING


def _same_tenant(tenant, user) -> bool:
    return getattr(user, "tenant_id", None) == tenant_id_of(tenant)


def complaint_list(*, tenant, user) -> QuerySet[Complaint]:
    """The complaints ``user`` may see (module docstring)."""
    qs = Complaint.objects.for_tenant(tenant)
    if not _same_tenant(tenant, user):
        return qs.none()
    if has_role(user, COMPLAINT_ALL_READERS):
        return qs
    if user.role in (Role.REP, Role.DISTRIBUTOR_REP, Role.MANAGER):
        visible = (
            Q(reported_by=user)
            | Q(doctor_id__in=visible_doctor_ids(tenant=tenant, user=user))
            | Q(hospital_id__in=visible_hospitals(tenant=tenant, user=user).values("pk"))
        )
        if has_role(user, MANAGER_ROLES):
            from accounts.selectors import team_members

            visible |= Q(reported_by__in=team_members(tenant=tenant, manager=user).values("pk"))
        return qs.filter(visible)
    return qs.none()


def own_queue(user) -> str | None:
    """The inbox a handler works: QA for quality, PV for pharmacovigilance and medical affairs."""
    if has_role(user, QA_ROLES):
        return Queue.QA
    if has_role(user, PV_ROLES):
        return Queue.PV
    return None


SCOPES = ("mine", "team", "all")


def complaint_inbox(*, tenant, user, scope: str = "mine", filters: dict | None = None) -> QuerySet[Complaint]:
    """The inbox of ``user``: ``mine`` (assigned to me, or recorded by me for the field),
    ``team`` (my inbox: QA's or PV's queue; a manager's team), ``all`` (what I may see), with
    ``filters``: type, severity, product, lot, status (``open`` for any open one), queue, overdue."""
    qs = complaint_list(tenant=tenant, user=user)
    if scope == "mine":
        qs = (
            qs.filter(Q(assignee=user) | Q(reported_by=user))
            if user.role in (Role.REP, Role.DISTRIBUTOR_REP, Role.MANAGER)
            else qs.filter(assignee=user)
        )
    elif scope == "team":
        queue = own_queue(user)
        if queue:
            qs = qs.filter(queue=queue)
        elif has_role(user, MANAGER_ROLES):
            from accounts.selectors import team_members

            qs = qs.filter(
                Q(reported_by__in=team_members(tenant=tenant, manager=user).values("pk")) | Q(reported_by=user)
            )
    return apply_filters(qs, filters or {})


def has_own_open(*, tenant, user) -> bool:
    """Whether an open complaint is assigned to or recorded by ``user``: the superset of the
    ``mine`` inbox (:func:`complaint_inbox`) read by the (tenant, assignee) and (tenant,
    reported_by) indexes, without working out what ``user`` may see (for a field user that is
    their whole book: ~80 ms for a territory of 1,000 doctors)."""
    if not _same_tenant(tenant, user):
        return False
    return (
        Complaint.objects.for_tenant(tenant)
        .filter(Q(assignee=user) | Q(reported_by=user))
        .exclude(status=Status.CLOSED)
        .exists()
    )


def apply_filters(qs, f: dict):
    """The inbox filters (values already parsed: ids as ints, dates as dates)."""
    if f.get("type"):
        qs = qs.filter(type=f["type"])
    if f.get("severity"):
        qs = qs.filter(severity=f["severity"])
    if f.get("product"):
        qs = qs.filter(product_id=f["product"])
    if f.get("lot"):
        qs = qs.filter(lot_number=str(f["lot"]).strip().upper())
    if f.get("queue"):
        qs = qs.filter(queue=f["queue"])
    status = f.get("status")
    if status == "open":
        qs = qs.exclude(status=Status.CLOSED)
    elif status:
        qs = qs.filter(status=status)
    if f.get("overdue"):
        qs = qs.overdue()
    return qs


def complaint_get(*, tenant, user, pk) -> Complaint | None:
    """One visible complaint with what its page shows, or None."""
    return (
        complaint_list(tenant=tenant, user=user)
        .select_related("product", "doctor", "hospital", "distributor", "reported_by", "assignee", "visit")
        .filter(pk=pk)
        .first()
    )


def can_see_contact(user, complaint) -> bool:
    """The reporter's contact details: the handlers and the employee who recorded it."""
    return has_role(user, COMPLAINT_CONTACT_ROLES) or complaint.reported_by_id == user.pk


def can_see_narrative(user, complaint) -> bool:
    """The PV narrative: pharmacovigilance, administrators and the employee who recorded it."""
    return has_role(user, PV_ROLES) or has_role(user, Role.TENANT_ADMIN) or complaint.reported_by_id == user.pk


def complaint_timeline(*, tenant, complaint) -> QuerySet[ComplaintEvent]:
    """The complaint's audit trail, oldest first."""
    return (
        ComplaintEvent.objects.for_tenant(tenant).filter(complaint=complaint).select_related("by").order_by("at", "id")
    )


def complaint_clocks(*, tenant, complaint) -> list[ComplaintClock]:
    """The complaint's clocks, by due date."""
    return list(ComplaintClock.objects.for_tenant(tenant).filter(complaint=complaint).order_by("due_on", "id"))


# --- lot trace ---------------------------------------------------------------------------------


# What the trace shows (page, API, export): only these columns are read, not the whole rows of
# the shipment, the hospital, the distributor and the product.
_TRACE_SHIPMENT_FIELDS = (
    "id", "tenant_id", "lot_number", "shipped_on", "quantity", "expiry_date", "hospital_id", "distributor_id",
    "product_id", "hospital__name", "hospital__city", "hospital__province", "distributor__name", "product__name",
)  # fmt: skip
_TRACE_COMPLAINT_FIELDS = (
    "id", "tenant_id", "type", "severity", "status", "title", "aware_on", "next_due_on", "created_at",
    "hospital_id", "hospital__name",
)  # fmt: skip


def lot_trace(*, tenant, lot_number: str, complaints_limit: int = 500) -> dict:
    """The reverse trace of a lot: every shipment (distributor → hospital, date, quantity,
    expiry), the hospitals and distributors that received it, and every complaint on it with
    its status. Read by the page, the API and the export alike."""
    lot = (lot_number or "").strip().upper()
    shipments = list(
        Shipment.objects.for_tenant(tenant)
        .filter(lot_number=lot)
        .select_related("hospital", "distributor", "product")
        .only(*_TRACE_SHIPMENT_FIELDS)
        .order_by("shipped_on", "id")
    )
    hospitals, distributors = {}, {}
    for s in shipments:
        h = hospitals.setdefault(s.hospital_id, {"hospital": s.hospital, "quantity": 0, "shipments": 0})
        h["quantity"] += s.quantity
        h["shipments"] += 1
        d = distributors.setdefault(s.distributor_id, {"distributor": s.distributor, "quantity": 0, "shipments": 0})
        d["quantity"] += s.quantity
        d["shipments"] += 1
    complaints = list(
        Complaint.objects.for_tenant(tenant)
        .filter(lot_number=lot)
        .select_related("hospital")
        .only(*_TRACE_COMPLAINT_FIELDS)
        .order_by("-created_at", "-id")[:complaints_limit]
    )
    return {
        "lot_number": lot,
        "shipments": shipments,
        "hospitals": list(hospitals.values()),
        "distributors": list(distributors.values()),
        "complaints": complaints,
        "products": sorted({s.product.name for s in shipments}),
        "quantity": sum(s.quantity for s in shipments),
    }


def lots_received(*, tenant, hospital=None, distributor=None, start=None, end=None) -> QuerySet:
    """Lots a hospital (or a distributor) received in a period: one row per lot and product
    with the quantity, the first and last shipment and the complaints on it."""
    qs = Shipment.objects.for_tenant(tenant)
    if hospital:
        qs = qs.filter(hospital_id=getattr(hospital, "pk", hospital))
    if distributor:
        qs = qs.filter(distributor_id=getattr(distributor, "pk", distributor))
    if start:
        qs = qs.filter(shipped_on__gte=start)
    if end:
        qs = qs.filter(shipped_on__lte=end)
    return (
        qs.values("lot_number", "product__name")
        .annotate(quantity=Sum("quantity"), first=Min("shipped_on"), last=Max("shipped_on"), shipments=Count("id"))
        .order_by("-last", "lot_number")
    )


# --- dashboard -----------------------------------------------------------------------------------


def dashboard(*, tenant, user, today: datetime.date | None = None) -> dict:
    """Open complaints by type and age, overdue ones, median days to close (last 365 days), the
    top lots and products. A handful of aggregate queries over the visible complaints."""
    from django.db import connection

    today = today or timezone.localdate()
    qs = complaint_list(tenant=tenant, user=user)
    open_qs = qs.exclude(status=Status.CLOSED)
    by_type = dict(open_qs.values_list("type").annotate(n=Count("id")).order_by())
    age_buckets = {"0-7": 0, "8-30": 0, "31-90": 0, "90+": 0}
    for aware_on, n in open_qs.values_list("aware_on").annotate(n=Count("id")).order_by():
        age = (today - aware_on).days
        key = "0-7" if age <= 7 else "8-30" if age <= 30 else "31-90" if age <= 90 else "90+"
        age_buckets[key] += n
    overdue = open_qs.filter(next_due_on__lt=today).count()
    closed = qs.filter(status=Status.CLOSED, closed_at__gte=timezone.now() - datetime.timedelta(days=365))
    sql, params = closed.values("pk").query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY (c.closed_at::date - c.aware_on))"  # noqa: S608
            f" FROM complaints_complaint c WHERE c.id IN ({sql})",
            params,
        )
        median = cur.fetchone()[0]
    since = today - datetime.timedelta(days=90)
    recent = qs.filter(aware_on__gte=since)
    top_lots = list(
        recent.exclude(lot_number="").values("lot_number").annotate(n=Count("id")).order_by("-n", "lot_number")[:5]
    )
    top_products = list(
        recent.exclude(product=None).values("product__name").annotate(n=Count("id")).order_by("-n", "product__name")[:5]
    )
    return {
        "by_type": by_type,
        "age_buckets": age_buckets,
        "open": sum(by_type.values()),
        "overdue": overdue,
        "median_days_to_close": median,
        "top_lots": top_lots,
        "top_products": top_products,
    }
