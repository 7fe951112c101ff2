"""Reads behind the tier pages: the dashboard, scorecard pages and the doctor profile's tier block.

The domain reads (distribution, movement, movers, current tier, history) are
:mod:`segmentation.selectors`; this module turns them into what one page shows — labelled rows,
colour classes, Chart.js data — and holds the few reads only a page needs (the choices of the
dashboard's filters, the adoption ladder of one doctor). Every function takes the tenant
explicitly, runs a fixed number of queries whatever the data, and returns plain values.
"""

from __future__ import annotations

import dataclasses
import json

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from crm.permissions import ADOPTION_ROLES, HEAD_OFFICE_ROLES, SCORECARD_ROLES, TIER_DASHBOARD_ROLES, has_role
from crm.permissions import SCORECARD_ROLES as TIER_MANAGER_ROLES  # noqa: F401  (the name this module used)
from crm.permissions import TIER_DASHBOARD_ROLES as DASHBOARD_ROLES  # noqa: F401  (the name this module used)
from crm.web import int_or_none
from hospitals import selectors as hospital_selectors
from hospitals.models import PROVINCES, STANDARD_DEPARTMENTS, Doctor, HospitalGrade, Product
from segmentation import selectors
from segmentation.models import (
    TIER_ORDER,
    Adoption,
    AdoptionStage,
    RunStatus,
    Scorecard,
    ScoringRun,
    Tier,
    TierAssignment,
)

# Who works with tiers in the browser (the services enforce the same rules).

DASHBOARD_BY = {
    "province": _("Province"),
    "city": _("City"),
    "grade": _("Hospital grade"),
    "department": _("Department"),
}
CHART_ROWS = 15  # the chart shows the biggest groups; the table shows them all
TABLE_ROWS = 400  # cities can be many: the table stops here (the export has every row)
MOVERS_SHOWN = 50
HISTORY_SHOWN = 12
OVERRIDES_SHOWN = 20

# One colour per tier, A darkest; used by the charts and the legend.
TIER_COLOURS = {"A": "#0b5394", "B": "#3d85c6", "C": "#9fc5e8", "D": "#cfd8dc"}


def can_manage_tiers(user) -> bool:
    """Scorecards, scoring runs and overrides: product managers and administrators."""
    return has_role(user, SCORECARD_ROLES)


def can_see_dashboard(user) -> bool:
    """The tier dashboard: product managers, administrators, and managers (for their team)."""
    return has_role(user, TIER_DASHBOARD_ROLES)


def can_set_adoption(user) -> bool:
    """Setting a doctor's adoption stage: field staff and head office (for doctors they see)."""
    return has_role(user, ADOPTION_ROLES)


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False)


# --- dashboard filters ------------------------------------------------------------------------


@dataclasses.dataclass
class DashboardFilters:
    """What the dashboard shows: a scorecard's periods, a period (and the one before), a place."""

    scorecards: list  # [Scorecard]
    scorecard: Scorecard | None
    periods: list[str]  # finished periods, newest first
    period: str | None
    from_period: str | None  # the finished period before ``period`` (movement)
    province: str
    grade: str
    department: str
    by: str

    @property
    def place_active(self) -> bool:
        return bool(self.province or self.grade or self.department)

    def query(self) -> dict:
        """The filters as URL parameters (for exports and links)."""
        values = {
            "scorecard": self.scorecard.pk if self.scorecard else "",
            "period": self.period or "",
            "province": self.province,
            "grade": self.grade,
            "department": self.department,
            "by": self.by,
        }
        return {k: v for k, v in values.items() if v}


def finished_periods(*, tenant, scorecard=None) -> list[str]:
    """Periods with a finished scoring run (of ``scorecard``'s versions when given), newest first."""
    runs = ScoringRun.objects.for_tenant(tenant).filter(status=RunStatus.DONE)
    if scorecard is not None:
        runs = runs.filter(version__scorecard_id=getattr(scorecard, "pk", scorecard))
    return list(runs.order_by("-period").values_list("period", flat=True).distinct())


def dashboard_filters(*, tenant, params) -> DashboardFilters:
    """Read the dashboard's filters from ``params``; unknown values fall back to the defaults."""
    scorecards = list(selectors.scorecard_list(tenant=tenant))
    chosen = int_or_none(params.get("scorecard"))
    scorecard = next((s for s in scorecards if s.pk == chosen), None)
    periods = finished_periods(tenant=tenant, scorecard=scorecard)
    period = params.get("period") if params.get("period") in periods else (periods[0] if periods else None)
    from_period = None
    if period is not None:
        index = periods.index(period)
        from_period = periods[index + 1] if index + 1 < len(periods) else None
    province = params.get("province") if params.get("province") in PROVINCES else ""
    grade = params.get("grade") if params.get("grade") in HospitalGrade.values else ""
    department = params.get("department") if params.get("department") in STANDARD_DEPARTMENTS else ""
    by = params.get("by") if params.get("by") in DASHBOARD_BY else "province"
    return DashboardFilters(scorecards, scorecard, periods, period, from_period, province, grade, department, by)


def dashboard_options() -> dict:
    """Choices of the dashboard's place filters."""
    return {
        "provinces": PROVINCES,
        "grades": HospitalGrade.choices,
        "departments": list(STANDARD_DEPARTMENTS.items()),
        "by": list(DASHBOARD_BY.items()),
    }


def dashboard_doctors(*, tenant, user, filters: DashboardFilters) -> QuerySet[Doctor] | None:
    """The doctors the dashboard counts, or None for "every doctor of the tenant" (head office, no filter).

    A manager counts their team's doctors only; place filters narrow by the doctor's hospital
    and department. The result is a subquery, never a list of ids.
    """
    doctors = None
    if not has_role(user, HEAD_OFFICE_ROLES):
        doctors = hospital_selectors.visible_doctors(tenant=tenant, user=user)
    if filters.place_active:
        doctors = doctors if doctors is not None else Doctor.objects.for_tenant(tenant)
        if filters.province:
            doctors = doctors.filter(hospital__province=filters.province)
        if filters.grade:
            doctors = doctors.filter(hospital__grade=filters.grade)
        if filters.department:
            doctors = doctors.filter(department__standard_code=filters.department)
    return doctors


# --- distribution -------------------------------------------------------------------------------


@dataclasses.dataclass
class DistributionRow:
    key: str
    label: str
    counts: list[int]  # per tier, A..D
    percents: list[float]
    total: int

    @property
    def cells(self):
        """(tier, count, percent) for A..D."""
        return list(zip(Tier.values, self.counts, self.percents, strict=True))


@dataclasses.dataclass
class Distribution:
    """Doctors per tier across one dimension (province, city, grade or department) — table and chart."""

    by: str
    by_label: str
    period: str | None
    tiers: list[str]
    rows: list[DistributionRow]
    truncated: bool
    totals: DistributionRow
    chart: dict

    @property
    def chart_json(self) -> str:
        return _json(self.chart)

    @property
    def tier_cells(self):
        """(tier, count, percent) of the national totals, for the summary cards."""
        return list(zip(self.tiers, self.totals.counts, self.totals.percents, strict=True))


def group_label(by: str, key: str) -> str:
    """How a group of the distribution reads: a grade's or a standard department's name."""
    if by == "grade":
        return str(dict(HospitalGrade.choices).get(key, key or _("Unknown")))
    if by == "department":
        return STANDARD_DEPARTMENTS.get(key) or str(_("Other departments"))
    return key or str(_("Unknown"))


def distribution(*, tenant, filters: DashboardFilters, doctors=None, table_rows: int = TABLE_ROWS) -> Distribution:
    """The distribution table and its stacked bar chart for the dashboard's filters."""
    tiers = list(Tier.values)
    data = (
        selectors.tier_distribution(tenant=tenant, period=filters.period, by=filters.by, doctors=doctors)
        if filters.period
        else {
            "rows": [],
            "totals": {"counts": dict.fromkeys(tiers, 0), "total": 0, "percent": dict.fromkeys(tiers, 0.0)},
        }
    )
    rows = [
        DistributionRow(
            key=r["key"],
            label=group_label(filters.by, r["key"]),
            counts=[r["counts"][t] for t in tiers],
            percents=[r["percent"][t] for t in tiers],
            total=r["total"],
        )
        for r in data["rows"]
    ]
    t = data["totals"]
    totals = DistributionRow(
        key="",
        label=str(_("All")),
        counts=[t["counts"][x] for x in tiers],
        percents=[t["percent"][x] for x in tiers],
        total=t["total"],
    )
    shown = rows[:CHART_ROWS]
    chart = {
        "labels": [r.label for r in shown],
        "datasets": [
            {
                "label": str(Tier(tier).label),
                "tier": tier,
                "color": TIER_COLOURS[tier],
                "data": [r.counts[i] for r in shown],
            }
            for i, tier in enumerate(tiers)
        ],
    }
    return Distribution(
        by=filters.by,
        by_label=str(DASHBOARD_BY[filters.by]),
        period=filters.period,
        tiers=tiers,
        rows=rows[:table_rows],
        truncated=len(rows) > table_rows,
        totals=totals,
        chart=chart,
    )


def distribution_export_columns(dist: Distribution) -> list:
    """Columns of the distribution export: the group, count and percent per tier, total."""
    columns = [(dist.by_label, "label")]
    for i, tier in enumerate(dist.tiers):
        columns.append((tier, lambda r, i=i: r.counts[i]))
        columns.append((f"{tier} %", lambda r, i=i: r.percents[i]))
    columns.append((_("Total"), "total"))
    return columns


def assignments_for_export(*, tenant, filters: DashboardFilters, doctors=None) -> QuerySet[TierAssignment]:
    """Every doctor's assignment of the period (as filtered), for the doctor-level export."""
    qs = TierAssignment.objects.for_tenant(tenant).filter(period=filters.period or "")
    if doctors is not None:
        qs = qs.filter(doctor_id__in=doctors.values("pk"))
    return qs.select_related("doctor__hospital", "doctor__department").order_by("tier", "-score", "doctor_id")


ASSIGNMENT_EXPORT_COLUMNS = [
    (_("Doctor"), "doctor__name"),
    (_("Hospital"), "doctor__hospital__name"),
    (_("Hospital grade"), "doctor__hospital__grade"),
    (_("Province"), "doctor__hospital__province"),
    (_("City"), "doctor__hospital__city"),
    (_("Department"), "doctor__department__name"),
    (_("Period"), "period"),
    # The letters, not the choice labels ("A", not "Tier A"): what a spreadsheet filters on.
    (_("Tier"), lambda a: a.tier),
    (_("Score"), "score"),
    (_("Previous tier"), lambda a: a.previous_tier),
]


# --- movement -----------------------------------------------------------------------------------


@dataclasses.dataclass
class MovementCell:
    to: str  # the column: tier after, or "gone"
    n: int
    kind: str  # "same", "up", "down", "new", "gone"
    intensity: int  # 0–100: share of the biggest cell, for the colour's strength

    @property
    def alpha(self) -> str:
        """Opacity of the cell's colour: none for 0, then stronger with the count."""
        return "0" if not self.n else f"{0.12 + 0.55 * self.shade / 10:.2f}"

    @property
    def shade(self) -> int:
        """The colour's strength in eleven steps (a CSS class: no inline style under the CSP)."""
        return 0 if not self.n else max(1, round(self.intensity / 10))


@dataclasses.dataclass
class Movement:
    """The movement matrix (rows: tier before, columns: tier now) with colours and totals."""

    from_period: str | None
    to_period: str | None
    columns: list[str]  # A..D, "gone"
    rows: list[tuple[str, list[MovementCell], int]]  # (from tier or "new", cells, row total)
    up: int
    down: int
    same: int

    @property
    def available(self) -> bool:
        return bool(self.from_period and self.to_period)


def _cell_kind(from_tier: str, to_tier: str) -> str:
    if from_tier == "new":
        return "new"
    if to_tier == "gone":
        return "gone"
    delta = TIER_ORDER[to_tier] - TIER_ORDER[from_tier]
    return "same" if delta == 0 else ("up" if delta < 0 else "down")


def movement_view(data: dict) -> Movement:
    """Colour a movement matrix as :func:`segmentation.selectors.movement_matrix` returns it
    (the same shape serves the what-if: current tier × new tier)."""
    tiers = list(data["tiers"])
    columns = tiers + ["gone"]
    matrix = data["matrix"]
    biggest = max([n for row in matrix.values() for n in row.values()] or [0]) or 1
    rows = []
    for from_tier in tiers + ["new"]:
        cells = []
        for to_tier in columns:
            n = matrix.get(from_tier, {}).get(to_tier, 0)
            cells.append(
                MovementCell(to=to_tier, n=n, kind=_cell_kind(from_tier, to_tier), intensity=round(100 * n / biggest))
            )
        total = sum(c.n for c in cells)
        if from_tier == "new" and not total:
            continue
        rows.append((from_tier, cells, total))
    if not any(row[1][-1].n for row in rows):  # nobody dropped out: no "gone" column
        columns = tiers
        rows = [(f, cells[:-1], total) for f, cells, total in rows]
    return Movement(
        from_period=data.get("from_period"),
        to_period=data.get("to_period"),
        columns=columns,
        rows=rows,
        up=data.get("up", 0),
        down=data.get("down", 0),
        same=data.get("same", 0),
    )


def dashboard_movement(*, tenant, filters: DashboardFilters, doctors=None) -> Movement:
    """The movement matrix between the period before and the chosen period."""
    if filters.period and filters.from_period:
        data = selectors.movement_matrix(
            tenant=tenant, from_period=filters.from_period, to_period=filters.period, doctors=doctors
        )
    else:
        data = {
            "tiers": list(Tier.values),
            "matrix": {},
            "from_period": filters.from_period,
            "to_period": filters.period,
        }
    return movement_view(data)


def movers_page(*, tenant, direction, from_period, to_period, doctors=None, limit=MOVERS_SHOWN) -> list:
    """The first ``limit`` doctors whose tier went ``up`` (or ``down``) from ``from_period`` to
    ``to_period``: best new tier first, then by score. Each row is the ``to_period`` assignment
    with ``from_tier`` set, doctor, hospital and department joined.

    The same rows as :func:`segmentation.selectors.movers`, read with one hash join of the two
    periods instead of a correlated subquery per assignment (which takes seconds at a million
    doctors), then the page's rows by id.
    """
    from django.db import connection

    table = TierAssignment._meta.db_table
    compare = "<" if direction == "up" else ">"  # "A" < "B": a smaller letter is a better tier
    restrict, params = "", []
    if doctors is not None:
        sql, dparams = doctors.values("pk").query.sql_with_params()
        restrict, params = f" AND b.doctor_id IN ({sql})", list(dparams)
    tid = getattr(tenant, "pk", tenant)
    # Only the table name, a comparison operator and a compiled Django subquery are formatted in.
    query = (
        f"SELECT b.id, a.tier FROM {table} b JOIN {table} a "  # noqa: S608
        f"ON a.tenant_id = b.tenant_id AND a.doctor_id = b.doctor_id AND a.period = %s "
        f"WHERE b.tenant_id = %s AND b.period = %s AND b.tier {compare} a.tier{restrict} "
        f"ORDER BY b.tier, b.score DESC, b.doctor_id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [from_period, tid, to_period, *params, limit])
        found = cursor.fetchall()
    if not found:
        return []
    rows = TierAssignment.objects.for_tenant(tenant).select_related("doctor__hospital", "doctor__department")
    by_id = {a.pk: a for a in rows.filter(pk__in=[pk for pk, _tier in found])}
    result = []
    for pk, from_tier in found:
        assignment = by_id[pk]
        assignment.from_tier = from_tier
        result.append(assignment)
    return result


def dashboard_movers(*, tenant, filters: DashboardFilters, doctors=None, limit: int = MOVERS_SHOWN) -> dict:
    """Doctors who moved up and down between the two periods (the first ``limit`` of each)."""
    if not (filters.period and filters.from_period):
        return {"up": [], "down": []}
    return {
        direction: movers_page(
            tenant=tenant,
            direction=direction,
            from_period=filters.from_period,
            to_period=filters.period,
            doctors=doctors,
            limit=limit,
        )
        for direction in ("up", "down")
    }


DASHBOARD_CACHE_SECONDS = 600


def _scoring_stamp(tenant) -> str:
    """Changes whenever a scoring run finishes (the only writer of tier assignments)."""
    from django.db.models import Count, Max

    agg = (
        ScoringRun.objects.for_tenant(tenant)
        .filter(status=RunStatus.DONE)
        .aggregate(n=Count("id"), last=Max("id"), at=Max("finished_at"), pub=Max("published_at"))
    )
    # Publishing a draft (issue 15) rewrites the record without a new run finishing.
    pub = agg["pub"].timestamp() if agg["pub"] else 0
    return f"{agg['n']}-{agg['last']}-{agg['at'].timestamp() if agg['at'] else 0}-{pub}"


def _scope(*, tenant, user) -> str:
    """Whose doctors the dashboard counts: everyone's (head office) or the territories of ``user``."""
    if has_role(user, HEAD_OFFICE_ROLES):
        return "all"
    from accounts.selectors import user_territories

    ids = sorted(user_territories(tenant=tenant, user=user).values_list("pk", flat=True))
    return f"u{user.pk}:{','.join(map(str, ids))}"


def dashboard_data(*, tenant, user, filters: DashboardFilters, doctors=None) -> dict:
    """The dashboard's distribution, movement and movers, cached until the next scoring run.

    Tier assignments change only when a run finishes, and at a million doctors these reads take
    seconds; the key holds the tenant, the runs' stamp, the viewer's scope, the filters and the
    language (labels are translated), and expires after ``DASHBOARD_CACHE_SECONDS`` anyway (a
    manager's doctors may be re-aligned meanwhile).
    """
    import hashlib

    from django.core.cache import cache
    from django.utils.translation import get_language

    tid = getattr(tenant, "pk", tenant)
    parts = [tid, _scoring_stamp(tid), _scope(tenant=tid, user=user), filters.query(), filters.from_period]
    parts.append(get_language())
    key = "segmentation:dashboard:" + hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()
    data = cache.get(key)
    if data is None:
        data = {
            "dist": distribution(tenant=tid, filters=filters, doctors=doctors),
            "movement": dashboard_movement(tenant=tid, filters=filters, doctors=doctors),
            "movers": dashboard_movers(tenant=tid, filters=filters, doctors=doctors),
        }
        cache.set(key, data, DASHBOARD_CACHE_SECONDS)
    return data


def dashboard_adoption(*, tenant, doctors=None) -> dict:
    """Doctors per stage of the adoption ladder, per product of ours (one GROUP BY query).

    ``{"stages": [(value, label)], "rows": [{"product", "counts": [n per stage], "total"}]}``.
    """
    from django.db.models import Count

    qs = Adoption.objects.for_tenant(tenant).filter(product__is_own=True)
    if doctors is not None:
        qs = qs.filter(doctor_id__in=doctors.values("pk"))
    grouped = qs.values("product_id", "product__name", "stage").annotate(n=Count("id")).order_by()
    stages = list(AdoptionStage.values)
    rows: dict = {}
    for item in grouped:
        row = rows.setdefault(
            item["product_id"],
            {"product_id": item["product_id"], "product": item["product__name"], "counts": [0] * len(stages)},
        )
        if item["stage"] in stages:
            row["counts"][stages.index(item["stage"])] += item["n"]
    result = sorted(rows.values(), key=lambda r: r["product"])
    for row in result:
        row["total"] = sum(row["counts"])
        row["cells"] = list(zip(stages, row["counts"], strict=True))
    return {"stages": AdoptionStage.choices, "rows": result}


# --- what-if ------------------------------------------------------------------------------------


def what_if_view(result: dict) -> dict:
    """Page values of a what-if (:func:`segmentation.whatif.version_whatif`): tiers under the
    draft against the baseline (counts and percentages), chart data and the movement matrix
    (baseline tier × draft tier)."""
    tiers = list(Tier.values)
    draft = result.get("distribution") or {}
    baseline = result.get("baseline_distribution") or {}
    rows = [
        {
            "tier": t,
            "n": draft.get(t, {}).get("count", 0),
            "percent": draft.get(t, {}).get("percent", 0.0),
            "baseline": baseline.get(t, {}).get("count", 0),
            "baseline_percent": baseline.get(t, {}).get("percent", 0.0),
        }
        for t in tiers
    ]
    chart = {
        "labels": [str(_("Draft")), str(_("Baseline"))],
        "datasets": [
            {
                "label": str(Tier(r["tier"]).label),
                "tier": r["tier"],
                "color": TIER_COLOURS[r["tier"]],
                "data": [r["n"], r["baseline"]],
            }
            for r in rows
        ],
    }
    matrix = {
        "tiers": tiers,
        "matrix": result.get("matrix") or {},
        "from_period": result.get("baseline"),
        "to_period": result.get("period"),
        "up": result.get("up", 0),
        "down": result.get("down", 0),
        "same": result.get("same", 0),
    }
    return {
        "period": result.get("period"),
        "baseline": result.get("baseline"),
        "total": result.get("total", 0),
        "new": result.get("new", 0),
        "unscored": result.get("unscored", 0),
        "rows": rows,
        "chart_json": _json(chart),
        "movement": movement_view(matrix),
    }


def whatif_progress_view(state: dict) -> dict:
    """Progress of a what-if computed by a worker (segmentation.whatif), for the same progress
    bar as a scoring run: phase, done, total, percent."""
    done, total = int(state.get("done") or 0), int(state.get("total") or 0)
    return {
        "phase": state.get("phase") or "waiting",
        "done": done,
        "total": total,
        "percent": min(100, round(100 * done / total)) if total else 0,
    }


# --- scoring runs ---------------------------------------------------------------------------------


def run_progress_view(*, tenant, run: ScoringRun) -> dict:
    """Progress of a run for the progress bar: done, total, percent, phase, finished."""
    live = selectors.run_progress(tenant=tenant, run=run)
    done, total = int(live.get("done") or 0), int(live.get("total") or 0)
    finished = run.is_finished
    percent = 100 if finished and run.status == RunStatus.DONE else (round(100 * done / total) if total else 0)
    return {
        "done": done,
        "total": total,
        "percent": min(percent, 100),
        "phase": live.get("phase"),
        "finished": finished,
    }


def run_tier_rows(run: ScoringRun) -> list[tuple[str, int, float]]:
    """(tier, doctors, percent) of a finished run."""
    counts = run.tier_counts or {}
    total = sum(int(counts.get(t, 0)) for t in Tier.values)
    return [
        (t, int(counts.get(t, 0)), round(100 * int(counts.get(t, 0)) / total, 1) if total else 0.0) for t in Tier.values
    ]


# --- doctor list: tier and adoption filters ---------------------------------------------------


def doctor_list_options(*, tenant) -> dict:
    """Choices of the doctor list's tier and adoption filters (hospitals.filters.DoctorFilter)."""
    products = Product.objects.for_tenant(tenant).filter(is_own=True).order_by("name").values_list("pk", "name")
    return {"tiers": Tier.choices, "adoption_stages": AdoptionStage.choices, "adoption_products": list(products)}


# --- doctor profile: the tier block -------------------------------------------------------------


@dataclasses.dataclass
class DoctorTierBlock:
    """What the doctor profile shows of tiers: current tier, why, history, overrides, adoption."""

    tier: str | None
    override: object  # the TierOverride in force, or None
    assignment: TierAssignment | None  # the latest scored assignment
    breakdown: list[dict]  # rows: label, weight, contribution, normalised (%)
    chart: dict
    history: list[TierAssignment]
    overrides: list
    can_override: bool
    adoption: list[dict]  # product, stage, adoption (or None)
    can_set_adoption: bool

    @property
    def chart_json(self) -> str:
        return _json(self.chart)

    @property
    def stages(self):
        return AdoptionStage.choices


def breakdown_rows(*, tenant, assignment: TierAssignment | None) -> list[dict]:
    """An assignment's contributions (biggest first), each with the normalised value in percent."""
    if assignment is None:
        return []
    rows = selectors.score_breakdown(tenant=tenant, assignment=assignment)
    for row in rows:
        weight, contribution = row.get("weight"), row.get("contribution") or 0
        row["normalised"] = round(100 * contribution / weight, 1) if weight else None
    return rows


def _add_facts(rows, *, tenant, doctor, assignment) -> None:
    """Each breakdown row gets its input (``fact``) and, without data, ``missing`` and the policy."""
    from segmentation.explain import dimension_facts, missing_policy_text

    facts = dimension_facts(tenant=tenant, doctor=doctor, period=assignment.period, version=assignment.version)
    policy = missing_policy_text(assignment.version)
    for row in rows:
        fact = facts.get(row["key"]) or {"text": "", "missing": False}
        row["fact"] = fact["text"]
        row["missing"] = fact["missing"]
        row["missing_policy"] = policy if fact["missing"] else ""


def breakdown_chart(rows: list[dict]) -> dict:
    """Chart.js data of a breakdown: each dimension's contribution against its weight (the most it could give)."""
    return {
        "labels": [str(r["label"]) for r in rows],
        "datasets": [
            {
                "label": str(_("Contribution (points)")),
                "color": TIER_COLOURS["A"],
                "data": [r["contribution"] for r in rows],
            },
            {"label": str(_("Weight (most points)")), "color": TIER_COLOURS["D"], "data": [r["weight"] for r in rows]},
        ],
    }


def doctor_adoption(*, tenant, doctor) -> list[dict]:
    """The doctor's stage on the adoption ladder of each of our active products (and any other
    product a stage was recorded for), by product name."""
    adoptions = {
        a.product_id: a
        for a in Adoption.objects.for_tenant(tenant).filter(doctor_id=doctor.pk).select_related("updated_by", "product")
    }
    products = {p.pk: p for p in Product.objects.for_tenant(tenant).filter(is_own=True, is_active=True)}
    products.update({pid: a.product for pid, a in adoptions.items()})
    stage_index = {s: i for i, s in enumerate(AdoptionStage.values)}
    rows = []
    for product in sorted(products.values(), key=lambda p: p.name):
        adoption = adoptions.get(product.pk)
        stage = adoption.stage if adoption else ""
        rows.append(
            {
                "product": product,
                "adoption": adoption,
                "stage": stage,
                "stage_label": str(AdoptionStage(stage).label) if stage else "",
                "step": stage_index.get(stage, -1),
            }
        )
    return rows


def doctor_tier_block(*, tenant, user, doctor) -> DoctorTierBlock:
    """Everything of the doctor's tier block (the caller has checked that ``user`` sees ``doctor``)."""
    current = selectors.doctor_current_tier(tenant=tenant, doctor=doctor) or {}
    assignment = current.get("assignment")
    rows = breakdown_rows(tenant=tenant, assignment=assignment)
    if assignment is not None:
        _add_facts(rows, tenant=tenant, doctor=doctor, assignment=assignment)
    return DoctorTierBlock(
        tier=current.get("tier"),
        override=current.get("override"),
        assignment=assignment,
        breakdown=rows,
        chart=breakdown_chart(rows),
        history=list(selectors.tier_history(tenant=tenant, doctor=doctor)[:HISTORY_SHOWN]),
        overrides=list(selectors.override_history(tenant=tenant, doctor=doctor)[:OVERRIDES_SHOWN]),
        can_override=can_manage_tiers(user),
        adoption=doctor_adoption(tenant=tenant, doctor=doctor),
        can_set_adoption=can_set_adoption(user),
    )


# --- tiers of record, unscored doctors, the schedule (issue 15) --------------------------------


def dashboard_record(*, tenant, user) -> dict:
    """What the dashboard says about the record: drafts waiting, doctors not scored yet, the
    next scheduled re-score and the last one's result. Counted for those who manage tiers only
    (the unscored count is one indexed anti-join)."""
    from segmentation import selectors

    settings_obj = selectors.segmentation_settings(tenant=tenant)
    data = {
        "settings": settings_obj,
        "next_rescore": selectors.next_rescore_date(settings_obj=settings_obj),
        "last_scheduled": selectors.last_scheduled_run(tenant=tenant),
    }
    if can_manage_tiers(user):
        from django.core.cache import cache

        data["drafts"] = list(selectors.draft_runs(tenant=tenant)[:5])
        from django.db.models import Max

        from hospitals.models import Doctor

        # An anti-join over every active doctor: at a million doctors it is worth a minute's cache,
        # keyed by the record's stamp and the newest doctor (a run, a publication or an import
        # resets it at once).
        tid = getattr(tenant, "pk", tenant)
        newest = Doctor.objects.for_tenant(tid).aggregate(n=Max("pk"))["n"]
        key = f"segmentation:unscored:{tid}:{_scoring_stamp(tid)}:{newest}"
        unscored = cache.get(key)
        if unscored is None:
            unscored = selectors.unscored_doctors(tenant=tenant).count()
            cache.set(key, unscored, 60)
        data["unscored"] = unscored
    return data
