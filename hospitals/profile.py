"""Reads behind the profile pages of master data (doctor, hospital, distributor).

The list selectors and visibility rules live in :mod:`hospitals.selectors`; this module
assembles what one object's page shows: a doctor's network, usage share over time and
history of changes; a hospital's or distributor's coverage and monthly sales. Every
function takes the tenant explicitly, runs a fixed number of queries whatever the data,
and returns plain values that templates and Chart.js can use as they are.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import time
from collections import Counter, defaultdict
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.selectors import territory_list
from crm.web import int_or_none
from hospitals import hooks, selectors
from hospitals.models import (
    PROVINCES,
    STANDARD_DEPARTMENTS,
    AgreementProduct,
    Channel,
    ClinicalTitle,
    Department,
    Distributor,
    DistributorAgreement,
    DistributorCoverage,
    DistributorKind,
    DistributorStatus,
    Doctor,
    DoctorMerge,
    DoctorTerritory,
    Hospital,
    HospitalGrade,
    HospitalType,
    Product,
    ProductCompetitor,
    RelationKind,
    SocietyLevel,
    SocietyPosition,
    SocietyRole,
)

NETWORK_LIMIT = 200
HISTORY_LIMIT = 50
SALES_MONTHS = 24
USAGE_MONTHS = 24
CONTACT_FIELDS = frozenset({"phone", "phone_display", "office_phone", "office_phone_display", "wechat", "email"})

# How a relation reads from the other end (the doctor of the page is its ``to_doctor``).
_INVERSE_LABELS = {
    RelationKind.MENTOR: _("Student of"),
    RelationKind.REFERRAL: _("Receives referrals from"),
}


# --- months --------------------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def last_months(n: int, *, today: dt.date | None = None) -> list[dt.date]:
    """The first days of the last ``n`` months, oldest first, ending with the current month."""
    current = month_start(today or timezone.localdate())
    return [add_months(current, -i) for i in range(n - 1, -1, -1)]


# --- doctor: network -------------------------------------------------------------------------


@dataclasses.dataclass
class Connection:
    """One edge of a doctor's network, seen from that doctor."""

    doctor: Doctor
    kind: str
    label: str
    strength: int
    source: str
    high_tier: bool = False  # from the tier source segmentation registers (high_tier_doctor_ids)


@dataclasses.dataclass
class Network:
    """A doctor's connections grouped by relation, with the grades of their hospitals."""

    groups: list[tuple[str, list[Connection]]]
    by_grade: list[tuple[str, str, int]]  # (grade code, label, connected doctors)
    total: int
    truncated: bool


def high_tier_doctor_ids(*, tenant, doctor_ids) -> set[int]:
    """Ids among ``doctor_ids`` whose current tier is high (A or B), overrides applied (the tier
    source segmentation registers: hospitals.hooks)."""
    source = hooks.doctor_tier()
    if not doctor_ids or source is None:
        return set()
    return {
        pk for pk, tier in source.current(tenant=tenant, doctor_ids=doctor_ids).items() if tier in source.high_tiers
    }


def doctor_network(*, tenant, user, doctor: Doctor, limit: int = NETWORK_LIMIT) -> Network:
    """Who ``doctor`` is connected to, by relation kind and strength (strongest first), with
    each connected doctor's hospital and its grade (a provincial KOL's classmates in county
    hospitals). Which edges the viewer sees is :func:`hospitals.selectors.doctor_network`'s rule
    (field roles: both ends among their own doctors).
    """
    edges = list(
        selectors.doctor_network(tenant=tenant, user=user, doctor=doctor)
        .select_related("from_doctor__department", "to_doctor__department")
        .order_by("kind", "-strength", "id")[: limit + 1]
    )
    truncated = len(edges) > limit
    edges = edges[:limit]
    others = [e.to_doctor if e.from_doctor_id == doctor.pk else e.from_doctor for e in edges]
    high_tier = high_tier_doctor_ids(tenant=tenant, doctor_ids={d.pk for d in others})
    kind_labels = dict(RelationKind.choices)
    groups: dict[str, list[Connection]] = defaultdict(list)
    for edge, other in zip(edges, others, strict=True):
        outgoing = edge.from_doctor_id == doctor.pk
        label = (None if outgoing else _INVERSE_LABELS.get(edge.kind)) or kind_labels.get(edge.kind, edge.kind)
        groups[str(label)].append(
            Connection(
                doctor=other,
                kind=edge.kind,
                label=str(label),
                strength=edge.strength,
                source=edge.source,
                high_tier=other.pk in high_tier,
            )
        )
    for conns in groups.values():
        conns.sort(key=lambda c: (-c.strength, c.doctor.name))
    grades = Counter(d.hospital.grade for d in {d.pk: d for d in others}.values())
    grade_labels = dict(HospitalGrade.choices)
    by_grade = [(g, grade_labels[g], grades[g]) for g in HospitalGrade.values if grades.get(g)]
    return Network(groups=sorted(groups.items()), by_grade=by_grade, total=len(edges), truncated=truncated)


# --- doctor: usage share ---------------------------------------------------------------------


@dataclasses.dataclass
class UsageGroup:
    """One of our products and its competitors: a doctor's share of use per month."""

    title: str
    products: list  # [(Product, is_own)]
    months: list[str]  # "YYYY-MM", oldest first
    rows: list  # [(month, [share or None per product])]
    chart: dict  # Chart.js data: labels + datasets (label, data, own)

    @property
    def chart_json(self) -> str:
        return json.dumps(self.chart, ensure_ascii=False)


def doctor_usage_share(*, tenant, user, doctor: Doctor, months: int = USAGE_MONTHS) -> list[UsageGroup]:
    """The doctor's usage share over the last ``months`` months, one group per own product.

    A group holds our product and the competitors that compete with it, so a chart compares
    like with like ("10 % ours, 60 % a competitor's"). Products used by the doctor that fit no
    group (a competitor of none of our products, say) form a last group of their own.
    """
    start = last_months(months)[0]
    rows = list(
        selectors.usage_share_list(tenant=tenant, user=user)
        .filter(doctor=doctor, period__gte=start)
        .order_by("period", "product_id")
    )
    if not rows:
        return []
    products = {r.product_id: r.product for r in rows}
    links = list(
        ProductCompetitor.objects.for_tenant(tenant)
        .filter(Q(product_id__in=products) | Q(competitor_id__in=products))
        .select_related("product", "competitor")
    )
    competitors: dict[int, list] = defaultdict(list)
    owns = {p.pk: p for p in products.values() if p.is_own}
    for link in links:
        owns.setdefault(link.product_id, link.product)
        competitors[link.product_id].append(link.competitor)

    share: dict[tuple[int, dt.date], Decimal] = {(r.product_id, r.period): r.share for r in rows}
    periods = sorted({r.period for r in rows})
    placed: set[int] = set()
    groups = []
    for own in sorted(owns.values(), key=lambda p: p.name):
        members = [own] + sorted((c for c in competitors[own.pk] if c.pk in products), key=lambda p: p.name)
        if not any(p.pk in products for p in members):
            continue
        placed.update(p.pk for p in members)
        groups.append(_usage_group(own.name, members, periods, share))
    rest = sorted((p for pk, p in products.items() if pk not in placed), key=lambda p: (not p.is_own, p.name))
    if rest:
        groups.append(_usage_group(str(_("Other products")), rest, periods, share))
    return groups


def _usage_group(title, members, periods, share) -> UsageGroup:
    labels = [f"{p:%Y-%m}" for p in periods]
    series = [[share.get((p.pk, period)) for period in periods] for p in members]
    return UsageGroup(
        title=title,
        products=[(p, p.is_own) for p in members],
        months=labels,
        rows=[(label, [s[i] for s in series]) for i, label in enumerate(labels)],
        chart={
            "labels": labels,
            "datasets": [
                {"label": p.name, "own": p.is_own, "data": [float(v) if v is not None else None for v in s]}
                for p, s in zip(members, series, strict=True)
            ],
        },
    )


# --- doctor: history of changes --------------------------------------------------------------


@dataclasses.dataclass
class HistoryEntry:
    """One saved version of a doctor: who, when, and which fields changed from the one before."""

    when: dt.datetime
    who: object  # a User or None (imports, scripts)
    kind: str  # "+" created, "~" changed, "-" deleted
    changes: list  # [(field label, old text, new text)]
    earlier_unknown: bool = False  # the oldest entry shown, whose predecessor is beyond the limit
    reason: str = ""  # why, when recorded ("import", "merge of #12 into #7", "normalised")
    merged_from: int | None = None  # an entry of a doctor merged into this one (hospitals.steward)


def doctor_history(*, tenant, doctor: Doctor, show_contacts: bool, limit: int = HISTORY_LIMIT) -> list[HistoryEntry]:
    """The latest ``limit`` versions of ``doctor``, newest first, each with its changed fields.

    Contact details that the viewer may not see are reported as changed, never with their values.
    """
    records = list(
        doctor.history.filter(tenant_id=getattr(tenant, "pk", tenant))
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[: limit + 1]
    )
    has_more = len(records) > limit
    # The history of a doctor merged into this one came along (hospitals.steward.merge): each
    # entry is compared with the previous entry of the same record, never across the two.
    origin = {}
    for merge in DoctorMerge.objects.for_tenant(tenant).filter(survivor=doctor, reverted_at__isnull=True):
        for history_id in (merge.moved or {}).get("hospitals.HistoricalDoctor", ()):
            origin[history_id] = merge.merged_id
    pairs = []
    for i, record in enumerate(records[:limit]):
        source = origin.get(record.history_id)
        previous = next((r for r in records[i + 1 :] if origin.get(r.history_id) == source), None)
        delta = record.diff_against(previous, excluded_fields=["tenant"]) if previous is not None else None
        pairs.append((record, delta.changes if delta else []))

    # Foreign keys changed: resolve their names in one query per model, not one per change.
    fk_ids: dict[str, set] = {"hospital": set(), "department": set()}
    for _record, changes in pairs:
        for change in changes:
            if change.field in fk_ids:
                fk_ids[change.field].update(v for v in (change.old, change.new) if v is not None)
    names = {
        "hospital": _names(Hospital.objects.for_tenant(tenant), fk_ids["hospital"]),
        "department": _names(Department.objects.for_tenant(tenant), fk_ids["department"]),
    }

    entries = []
    for i, (record, changes) in enumerate(pairs):
        shown = [
            (
                str(Doctor._meta.get_field(c.field).verbose_name),
                _display(c.field, c.old, names, show_contacts),
                _display(c.field, c.new, names, show_contacts),
            )
            for c in sorted(changes, key=lambda c: c.field)
        ]
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=record.history_user,
                kind=record.history_type,
                changes=shown,
                earlier_unknown=has_more and i == len(pairs) - 1 and record.history_type != "+",
                reason=record.history_change_reason or "",
                merged_from=origin.get(record.history_id),
            )
        )
    return entries


_MASK = "•••"


def _names(queryset, ids) -> dict:
    return dict(queryset.filter(pk__in=ids).values_list("pk", "name")) if ids else {}


def _display(field: str, value, names, show_contacts: bool) -> str:
    if field in CONTACT_FIELDS and not show_contacts:
        return _MASK if value else ""
    if value is None or value == "" or value == []:
        return ""
    if field in names:
        return names[field].get(value, f"#{value}")
    model_field = Doctor._meta.get_field(field)
    if field == "preferred_channels":
        labels = dict(Channel.choices)
        return ", ".join(str(labels.get(v, v)) for v in value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return str(value)


# --- doctor: the rest of the profile --------------------------------------------------------


def channel_labels(doctor: Doctor) -> list[str]:
    """The doctor's preferred channels, as words."""
    labels = dict(Channel.choices)
    return [str(labels.get(c, c)) for c in doctor.preferred_channels or []]


def doctor_society_positions(*, tenant, doctor: Doctor) -> list[SocietyPosition]:
    """The doctor's posts in academic societies, national first, then by seniority of the post."""
    level_rank = {v: i for i, v in enumerate(SocietyLevel.values)}
    role_rank = {v: i for i, v in enumerate(SocietyRole.values)}
    rows = list(SocietyPosition.objects.for_tenant(tenant).filter(doctor=doctor))
    return sorted(rows, key=lambda p: (level_rank.get(p.level, 99), role_rank.get(p.position, 99), p.society))


def doctor_territories(*, tenant, doctor: Doctor) -> list:
    """The territories the doctor is aligned to (and so the reps who cover them)."""
    return [
        link.territory
        for link in DoctorTerritory.objects.for_tenant(tenant)
        .filter(doctor=doctor)
        .select_related("territory")
        .order_by("territory__code")
    ]


# --- hospitals and distributors ------------------------------------------------------------


def visible_distributor_ids(*, tenant, user, ids) -> set[int]:
    """Which of the distributor ``ids`` the viewer may open (to link only those)."""
    if not ids:
        return set()
    return set(selectors.visible_distributors(tenant=tenant, user=user).filter(pk__in=ids).values_list("pk", flat=True))


def hospital_coverage(*, tenant, user, hospital: Hospital) -> list[DistributorCoverage]:
    """Distributors that serve ``hospital`` (per product, or all products), by distributor name.

    Coverage that has ended is listed too (``is_current`` says which is in force today).
    """
    current = set(selectors.current_coverage(tenant=tenant).filter(hospital=hospital).values_list("pk", flat=True))
    rows = list(
        selectors.coverage_list(tenant=tenant, user=user)
        .filter(hospital=hospital)
        .order_by("distributor__name", "product__name", "id")
    )
    for row in rows:
        row.is_current = row.pk in current
    return rows


def hospital_departments(*, tenant, hospital: Hospital) -> list[Department]:
    """Departments of ``hospital`` by name."""
    return list(Department.objects.for_tenant(tenant).filter(hospital=hospital).order_by("name", "id"))


def hospital_doctors(*, tenant, user, hospital: Hospital, limit: int):
    """(the first ``limit`` doctors of ``hospital`` the viewer sees, by name; whether there are more)."""
    rows = list(
        selectors.visible_doctors(tenant=tenant, user=user)
        .filter(hospital=hospital)
        .select_related("department")
        .order_by("name", "id")[: limit + 1]
    )
    return rows[:limit], len(rows) > limit


def distributor_coverage(*, tenant, user, distributor: Distributor, limit: int = 500):
    """(hospitals the distributor covers, with products, that the viewer sees; whether there are more)."""
    rows = list(
        selectors.coverage_list(tenant=tenant, user=user)
        .filter(distributor=distributor)
        .order_by("hospital__name", "product__name", "id")[: limit + 1]
    )
    return rows[:limit], len(rows) > limit


def distributor_products(*, tenant, distributor: Distributor) -> list[Product]:
    """Products the distributor carries: named in its coverage or its agreements."""
    covered = DistributorCoverage.objects.for_tenant(tenant).filter(distributor=distributor).values("product_id")
    agreed = AgreementProduct.objects.for_tenant(tenant).filter(agreement__distributor=distributor).values("product_id")
    return list(Product.objects.for_tenant(tenant).filter(Q(pk__in=covered) | Q(pk__in=agreed)).order_by("name"))


def distributor_agreements(*, tenant, user, distributor: Distributor) -> list[DistributorAgreement]:
    """Agreements of ``distributor``, newest first, each with ``product_list`` filled in."""
    agreements = list(
        selectors.agreement_list(tenant=tenant, user=user).filter(distributor=distributor).order_by("-start", "-id")
    )
    products = defaultdict(list)
    if agreements:
        for link in (
            AgreementProduct.objects.for_tenant(tenant)
            .filter(agreement__in=[a.pk for a in agreements])
            .select_related("product")
            .order_by("product__name")
        ):
            products[link.agreement_id].append(link.product)
    for agreement in agreements:
        agreement.product_list = products[agreement.pk]
    return agreements


@dataclasses.dataclass
class MonthlySales:
    """Sell-in and sell-out per month over a window, with totals and Chart.js data."""

    rows: list  # [(month "YYYY-MM", sell_in_units, sell_in_value, sell_out_units, sell_out_value)]
    totals: tuple
    chart: dict

    @property
    def chart_json(self) -> str:
        return json.dumps(self.chart, ensure_ascii=False)

    @property
    def has_data(self) -> bool:
        return any(any(r[1:]) for r in self.rows)


def sales_by_month(*, tenant, user, hospital=None, distributor=None, months: int = SALES_MONTHS) -> MonthlySales:
    """Sales of all products to ``hospital`` or by ``distributor`` over the last ``months`` months,
    as far as the viewer may see them (a distributor rep: their own distributor's trade only).

    Months without sales are present with zeros, so the chart's axis is continuous.
    """
    window = last_months(months)
    qs = selectors.sales_list(tenant=tenant, user=user).filter(month__gte=window[0], month__lte=window[-1])
    if hospital is not None:
        qs = qs.filter(hospital=hospital)
    if distributor is not None:
        qs = qs.filter(distributor=distributor)
    sums = {
        row["month"]: row
        for row in qs.order_by()
        .values("month")
        .annotate(
            si_u=Sum("sell_in_units"), si_v=Sum("sell_in_value"), so_u=Sum("sell_out_units"), so_v=Sum("sell_out_value")
        )
    }
    zero = Decimal(0)
    rows = []
    for month in window:
        r = sums.get(month, {})
        rows.append(
            (f"{month:%Y-%m}", r.get("si_u") or 0, r.get("si_v") or zero, r.get("so_u") or 0, r.get("so_v") or zero)
        )
    totals = tuple(sum(r[i] for r in rows) for i in range(1, 5))
    chart = {
        "labels": [r[0] for r in rows],
        "datasets": [
            {"label": str(_("Sell-in value (CNY)")), "own": True, "data": [float(r[2]) for r in rows]},
            {"label": str(_("Sell-out value (CNY)")), "own": False, "data": [float(r[4]) for r in rows]},
        ],
    }
    return MonthlySales(rows=rows, totals=totals, chart=chart)


# --- filter choices of the lists -------------------------------------------------------------

HOSPITAL_CHOICES_MAX = 300


# The viewer-dependent choices (cities, hospitals, departments, territories) are kept a short
# while per tenant, user and chosen place: the doctor list is the page field users open most,
# and these choices change only when master data or alignments do. Every such write bumps the
# tenant's generation (:func:`filter_options_changed`: imports, saved or deleted hospitals,
# departments, doctors, territories, assignments and alignments); a bulk write that sends no
# signal and does not bump is seen within the TTL.
FILTER_OPTIONS_TTL = 120


def _generation_key(tenant) -> str:
    return f"hospitals:filter-options:gen:{getattr(tenant, 'pk', tenant)}"


def filter_options_changed(tenant) -> None:
    """Forget the cached filter choices of every user of ``tenant`` (a new generation)."""
    cache.set(_generation_key(tenant), time.time_ns(), timeout=None)


def doctor_filter_options(*, tenant, user, params) -> dict:
    """Choices for the doctor list's filters, narrowed to what the viewer sees.

    The hospital choice is offered once the viewer's hospitals (within the chosen province and
    city) are few enough for a select; a hospital chosen elsewhere (the hospital page's "all
    doctors" link) is always shown. A fixed number of queries whatever the data, none while the
    choices are cached (``FILTER_OPTIONS_TTL``).
    """
    tenant_id = getattr(tenant, "pk", tenant)
    place = (params.get("province") or "", params.get("city") or "", int_or_none(params.get("hospital")))
    generation = cache.get(_generation_key(tenant_id), 0)
    digest = hashlib.sha256(repr((tenant_id, generation, user.pk, user.role, place)).encode()).hexdigest()
    key = f"hospitals:filter-options:{digest}"
    choices = cache.get(key)
    if choices is None:
        choices = _doctor_filter_choices(tenant=tenant, user=user, params=params)
        cache.set(key, choices, timeout=FILTER_OPTIONS_TTL)
    return {
        "provinces": PROVINCES,
        **choices,
        "department_codes": list(STANDARD_DEPARTMENTS.items()),
        "grades": HospitalGrade.choices,
        "titles": ClinicalTitle.choices,
        "society_positions": SocietyRole.choices,
    }


def _doctor_filter_choices(*, tenant, user, params) -> dict:
    province, city = params.get("province") or "", params.get("city") or ""
    hospitals = selectors.visible_hospitals(tenant=tenant, user=user)
    in_place = hospitals
    if province:
        in_place = in_place.filter(province=province)
    if city:
        in_place = in_place.filter(city=city)
    cities = list(
        (hospitals.filter(province=province) if province else hospitals)
        .order_by("city")
        .values_list("city", flat=True)
        .distinct()[:HOSPITAL_CHOICES_MAX]
    )
    hospital_choices = list(in_place.order_by("name", "id").values_list("pk", "name")[: HOSPITAL_CHOICES_MAX + 1])
    chosen_hospital = int_or_none(params.get("hospital"))
    chosen = None
    if chosen_hospital is not None:
        chosen = hospitals.filter(pk=chosen_hospital).values_list("pk", "name").first()
    if len(hospital_choices) > HOSPITAL_CHOICES_MAX:
        hospital_choices = [chosen] if chosen else []
        hospitals_capped = True
    else:
        hospitals_capped = False
        if chosen and chosen not in hospital_choices:
            hospital_choices.insert(0, chosen)
    departments = []
    if chosen:
        departments = list(
            Department.objects.for_tenant(tenant)
            .filter(hospital_id=chosen[0])
            .order_by("name")
            .values_list("pk", "name")
        )
    territories = list(territory_list(tenant=tenant, user=user).order_by("code").values_list("pk", "name"))
    return {
        "cities": cities,
        "hospitals": hospital_choices,
        "hospitals_capped": hospitals_capped,
        "departments": departments,
        "territories": territories,
    }


def hospital_filter_options(*, tenant, user, params) -> dict:
    """Choices for the hospital list's filters (cities of the viewer's hospitals in the province)."""
    province = params.get("province") or ""
    hospitals = selectors.visible_hospitals(tenant=tenant, user=user)
    if province:
        hospitals = hospitals.filter(province=province)
    cities = list(hospitals.order_by("city").values_list("city", flat=True).distinct()[:HOSPITAL_CHOICES_MAX])
    return {
        "provinces": PROVINCES,
        "cities": cities,
        "grades": HospitalGrade.choices,
        "types": HospitalType.choices,
    }


def distributor_filter_options() -> dict:
    """Choices for the distributor list's filters."""
    return {"provinces": PROVINCES, "kinds": DistributorKind.choices, "statuses": DistributorStatus.choices}
