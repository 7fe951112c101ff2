"""The sales-force KPI scorecard: per rep and team, for a period, from the tenant's weights and
targets (:class:`analytics.models.KpiTarget`), explainable the way tier scores are.

How a score is made (docs/analytics.md says it for users):

1. *Facts* per rep and month, read from the monthly rollup (:class:`analytics.models.KpiMonth`,
   kept fresh by ``analytics.rollup``). Their definition, :func:`kpi_facts_live`: one extract
   per source, set-based (a handful of queries whatever the number of reps): submitted visits
   and their timeliness and the cycle-plan targets and A/B coverage
   (``visits.selectors.manager_adherence``), event follow-up plans and whether a submitted visit
   came within 3 days, first moves of a (doctor, product) to "regular user" or above recorded by
   the rep, and the sell-out of the hospitals of the rep's doctors.
2. *Values* over the period: counts are summed and divided by the months (a monthly rate),
   rates are numerator / denominator over the whole period.
3. *Attainment* = value / target, capped at 100 %; *points* = attainment × weight; the *score*
   (0–100) = Σ points / Σ weights over the KPIs that apply to the rep (a rep without A/B doctors
   in a plan has no A/B coverage; it is left out rather than counted as zero).
4. The ranking is by score, then by rep name: the same inputs give the same ranking.

Same inputs, same output: nothing here reads the clock except to default the period.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from decimal import Decimal

import pandas as pd
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Territory, User
from accounts.selectors import team_members
from analytics.models import Kpi, KpiMonth, KpiTarget
from crm.permissions import FIELD_ROLES, KPI_ALL_READERS, KPI_ROLES, MANAGER_ROLES, has_role
from crm.tenancy import tenant_id_of
from visits.selectors import add_months, manager_adherence, month_bounds

HISTORY_MONTHS = 6


@dataclasses.dataclass(frozen=True)
class KpiDef:
    """What a KPI is: its unit, its default weight and target, and whether it is a rate."""

    code: str
    unit: str  # "count", "pct" or "cny"
    weight: float
    target: float
    is_rate: bool


KPIS: dict[str, KpiDef] = {
    Kpi.CALLS: KpiDef(Kpi.CALLS, "count", 20, 60, False),
    Kpi.AB_COVERAGE: KpiDef(Kpi.AB_COVERAGE, "pct", 20, 90, True),
    Kpi.FREQUENCY: KpiDef(Kpi.FREQUENCY, "pct", 20, 90, True),
    Kpi.TIMELINESS: KpiDef(Kpi.TIMELINESS, "pct", 15, 95, True),
    Kpi.EVENT_FOLLOWUP: KpiDef(Kpi.EVENT_FOLLOWUP, "pct", 10, 90, True),
    Kpi.NEW_ADOPTERS: KpiDef(Kpi.NEW_ADOPTERS, "count", 5, 2, False),
    Kpi.SALES: KpiDef(Kpi.SALES, "cny", 10, 100000, False),
}
FACT_COLUMNS = [
    "calls",
    "plan_target",
    "plan_covered",
    "ab_doctors",
    "ab_at_target",
    "on_time",
    "late",
    "evt_total",
    "evt_done",
    "new_adopters",
    "sales",
]
# KPI → (numerator, denominator) of the facts; a count's denominator is the number of months.
_FORMULA = {
    Kpi.CALLS: ("calls", None),
    Kpi.AB_COVERAGE: ("ab_at_target", "ab_doctors"),
    Kpi.FREQUENCY: ("plan_covered", "plan_target"),
    Kpi.TIMELINESS: ("on_time", "on_time+late"),
    Kpi.EVENT_FOLLOWUP: ("evt_done", "evt_total"),
    Kpi.NEW_ADOPTERS: ("new_adopters", None),
    Kpi.SALES: ("sales", None),
}


# --- periods ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Period:
    """A run of whole months: a month ``2026-11`` or a quarter ``2026Q4``."""

    first: datetime.date
    months: int

    @property
    def last(self) -> datetime.date:
        return add_months(self.first, self.months - 1)

    @property
    def code(self) -> str:
        if self.months == 3 and self.first.month % 3 == 1:
            return f"{self.first.year}Q{(self.first.month - 1) // 3 + 1}"
        return f"{self.first:%Y-%m}"

    def __str__(self):
        return self.code

    def previous(self) -> Period:
        return Period(add_months(self.first, -self.months), self.months)


_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_period(text: str | None, *, today: datetime.date | None = None) -> Period:
    """``2026Q4`` → that quarter, ``2026-11`` → that month; anything else: the current quarter."""
    text = (text or "").strip().upper()
    if m := _QUARTER.match(text):
        return Period(datetime.date(int(m[1]), (int(m[2]) - 1) * 3 + 1, 1), 3)
    if (m := _MONTH.match(text)) and 1 <= int(m[2]) <= 12:
        return Period(datetime.date(int(m[1]), int(m[2]), 1), 1)
    today = today or timezone.localdate()
    return Period(datetime.date(today.year, (today.month - 1) // 3 * 3 + 1, 1), 3)


# --- who is scored and who sees it ------------------------------------------------------------


def can_see_scorecard(user) -> bool:
    return has_role(user, KPI_ROLES)


def scored_reps(*, tenant, user):
    """The field reps ``user`` may see scored: a manager their team, head office every rep."""
    if has_role(user, KPI_ALL_READERS):
        return User.objects.in_tenant(tenant).filter(role__in=FIELD_ROLES, is_active=True)
    if has_role(user, MANAGER_ROLES):
        return team_members(tenant=tenant, manager=user).filter(role__in=FIELD_ROLES, is_active=True)
    return User.objects.none()


def kpi_settings(*, tenant) -> dict[str, KpiDef]:
    """The tenant's weight and target of each KPI (defaults where it set none)."""
    out = dict(KPIS)
    for row in KpiTarget.objects.for_tenant(tenant).only("kpi", "weight", "target"):
        base = KPIS[row.kpi]
        out[row.kpi] = dataclasses.replace(base, weight=float(row.weight), target=float(row.target))
    return out


# --- facts ----------------------------------------------------------------------------------

_EVENT_FOLLOWUP_SQL = """
SELECT p.rep_id, date_trunc('month', p.created_at AT TIME ZONE %(tz)s)::date AS month,
       count(*)::int,
       (count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM visits_visit v
           WHERE v.tenant_id = %(tenant)s AND v.plan_id = p.id AND v.status = 'submitted'
             AND v.visited_at <= p.created_at + interval '3 days')))::int
FROM visits_visitplan p
WHERE p.tenant_id = %(tenant)s AND p.source = 'event' AND p.rep_id = ANY(%(reps)s)
  AND p.created_at >= %(start)s AND p.created_at < %(end)s
GROUP BY 1, 2
"""

# The first move of each (doctor, product) to an adopter stage, for the pairs that the reps moved
# to such a stage in the window (only those can have a first move by them in it): the sort is
# over those pairs' history, not the tenant's.
_NEW_ADOPTERS_SQL = """
WITH candidates AS (
    SELECT DISTINCT doctor_id, product_id
    FROM segmentation_historicaladoption
    WHERE tenant_id = %(tenant)s AND stage IN ('regular', 'loyal', 'advocate')
      AND updated_by_id = ANY(%(reps)s) AND history_date >= %(start)s AND history_date < %(end)s
), firsts AS (
    SELECT DISTINCT ON (h.doctor_id, h.product_id) h.doctor_id, h.product_id, h.history_date, h.updated_by_id
    FROM segmentation_historicaladoption h
    JOIN candidates c ON c.doctor_id = h.doctor_id AND c.product_id = h.product_id
    WHERE h.tenant_id = %(tenant)s AND h.stage IN ('regular', 'loyal', 'advocate')
    ORDER BY h.doctor_id, h.product_id, h.history_date
)
SELECT updated_by_id, date_trunc('month', history_date AT TIME ZONE %(tz)s)::date, count(*)::int
FROM firsts
WHERE updated_by_id = ANY(%(reps)s) AND history_date >= %(start)s AND history_date < %(end)s
GROUP BY 1, 2
"""

_SALES_SQL = """
WITH rep_hospitals AS (
    SELECT DISTINCT ta.user_id AS rep_id, d.hospital_id
    FROM accounts_territoryassignment ta
    JOIN hospitals_doctorterritory dt ON dt.tenant_id = ta.tenant_id AND dt.territory_id = ta.territory_id
    JOIN hospitals_doctor d ON d.id = dt.doctor_id AND d.tenant_id = ta.tenant_id
    WHERE ta.tenant_id = %(tenant)s AND ta.user_id = ANY(%(reps)s) AND d.is_active
), hospital_sales AS (
    SELECT hospital_id, month, sum(sell_out_value) AS value
    FROM hospitals_salesrecord
    WHERE tenant_id = %(tenant)s AND month >= %(first)s AND month <= %(last)s
    GROUP BY 1, 2
)
SELECT rh.rep_id, s.month, sum(s.value)
FROM rep_hospitals rh JOIN hospital_sales s ON s.hospital_id = rh.hospital_id
GROUP BY 1, 2
"""


def _empty_facts(rep_ids, first: datetime.date, last: datetime.date) -> pd.DataFrame:
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    index = pd.MultiIndex.from_product(
        [rep_ids, [add_months(first, i) for i in range(months)]], names=["rep_id", "month"]
    )
    return pd.DataFrame(0.0, index=index, columns=FACT_COLUMNS)


def kpi_facts(*, tenant, rep_ids, first: datetime.date, last: datetime.date) -> pd.DataFrame:
    """One row per (rep, month) from ``first`` to ``last`` with every fact of :data:`FACT_COLUMNS`,
    read from the maintained rollup (:class:`analytics.models.KpiMonth`, kept by
    ``analytics.rollup``): one index range scan, whatever the number of visits behind it. A
    (rep, month) the rollup has no row for has no facts (zero).

    A month the tenant's rollup does not hold at all (older than the nightly window, or a
    tenant whose first nightly refresh has not run) is computed live, and its rollup is
    enqueued so that the next read is fast."""
    rep_ids = sorted({int(r) for r in rep_ids})
    facts = _empty_facts(rep_ids, first, last)
    if not rep_ids:
        return facts
    held = set(
        KpiMonth.objects.for_tenant(tenant)
        .filter(month__gte=first, month__lte=last)
        .order_by()
        .values_list("month", flat=True)
        .distinct()
    )
    missing = [m for m in facts.index.get_level_values("month").unique() if m not in held]
    if missing:
        from analytics.tasks import kpi_rollup_refresh

        live = kpi_facts_live(tenant=tenant, rep_ids=rep_ids, first=min(missing), last=max(missing))
        live = live[live.index.get_level_values("month").isin(missing)]
        facts.loc[live.index, FACT_COLUMNS] = live[FACT_COLUMNS].values
        kpi_rollup_refresh.delay_on_commit(
            tenant_id=tenant_id_of(tenant), months=sorted(m.isoformat() for m in missing), rep_ids=None
        )
    rows = list(
        KpiMonth.objects.for_tenant(tenant)
        .filter(month__gte=first, month__lte=last, rep_id__in=rep_ids)
        .order_by()
        .values_list("rep_id", "month", *FACT_COLUMNS)
    )
    if rows:
        frame = pd.DataFrame(rows, columns=["rep_id", "month", *FACT_COLUMNS]).set_index(["rep_id", "month"])
        frame = frame[frame.index.isin(facts.index)]
        facts.loc[frame.index, FACT_COLUMNS] = frame[FACT_COLUMNS].astype(float).values
    return facts


def kpi_facts_live(*, tenant, rep_ids, first: datetime.date, last: datetime.date) -> pd.DataFrame:
    """:func:`kpi_facts` computed from the sources (visits, plans, adoption history, sales): what
    the rollup stores. A handful of set-based queries whatever the number of reps, but they read
    every visit of the months (seconds at 10 M visits): the rollup's refresh calls it, the
    scorecard does not."""
    rep_ids = sorted({int(r) for r in rep_ids})
    facts = _empty_facts(rep_ids, first, last)
    if not rep_ids:
        return facts
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    adherence = manager_adherence(tenant=tenant, rep_ids=rep_ids, months=months, today=last)
    rows = [
        (a.rep_id, a.month, a.on_time + a.late, a.target, a.covered, a.ab_doctors, a.ab_at_target, a.on_time, a.late)
        for cells in adherence.values()
        for a in cells
    ]
    cols = ["calls", "plan_target", "plan_covered", "ab_doctors", "ab_at_target", "on_time", "late"]
    if rows:
        frame = pd.DataFrame(rows, columns=["rep_id", "month", *cols]).set_index(["rep_id", "month"])
        facts.loc[frame.index, cols] = frame[cols].astype(float).values
    start, _ = month_bounds(first)
    _, end = month_bounds(last)
    params = {
        "tenant": tenant_id_of(tenant),
        "reps": rep_ids,
        "first": first,
        "last": last,
        "start": start,
        "end": end,
        "tz": settings.TIME_ZONE,
    }
    with connection.cursor() as cur:
        for sql, cols in (
            (_EVENT_FOLLOWUP_SQL, ["evt_total", "evt_done"]),
            (_NEW_ADOPTERS_SQL, ["new_adopters"]),
            (_SALES_SQL, ["sales"]),
        ):
            cur.execute(sql, params)
            found = [r for r in cur.fetchall() if (r[0], r[1]) in facts.index]
            if found:
                frame = pd.DataFrame(found, columns=["rep_id", "month", *cols]).set_index(["rep_id", "month"])
                facts.loc[frame.index, cols] = frame[cols].astype(float).values
    return facts


# --- scores ---------------------------------------------------------------------------------


@dataclasses.dataclass
class KpiLine:
    """One KPI of one rep: what it measured, against what, and what it gave."""

    kpi: str
    label: str
    unit: str
    value: float | None
    target: float
    attainment: float | None  # 0–1 (capped)
    weight: float
    points: float | None  # attainment × weight (None: not applicable to this rep)


@dataclasses.dataclass
class RepScore:
    """A rep's scorecard for a period: the lines, the score (0–100), rank, team and history."""

    rep: User
    team: str
    lines: list[KpiLine]
    score: float | None
    rank: int | None = None
    history: list = dataclasses.field(default_factory=list)  # [(month code, score)]

    @property
    def behind(self) -> list[KpiLine]:
        """The KPIs under 80 % of target, weakest first: why this rep is behind."""
        weak = [line for line in self.lines if line.attainment is not None and line.weight and line.attainment < 0.8]
        return sorted(weak, key=lambda line: line.attainment)

    def line(self, kpi: str) -> KpiLine | None:
        return next((line for line in self.lines if line.kpi == kpi), None)


def kpi_values(facts: pd.DataFrame, months: int) -> pd.DataFrame:
    """Per rep, the value of each KPI over the months of ``facts`` (NaN: not applicable)."""
    totals = facts.groupby(level="rep_id").sum()
    totals["on_time+late"] = totals["on_time"] + totals["late"]
    out = pd.DataFrame(index=totals.index)
    for kpi, (num, den) in _FORMULA.items():
        if den is None:
            out[kpi] = totals[num] / max(months, 1)
        else:
            out[kpi] = (totals[num] / totals[den].where(totals[den] > 0)) * 100
    return out


def score_frame(values: pd.DataFrame, kpis: dict[str, KpiDef], *, has_sales: bool) -> pd.DataFrame:
    """Attainment (0–1, capped), points and the score of every rep, vectorised over reps."""
    out = pd.DataFrame(index=values.index)
    weight_sum = pd.Series(0.0, index=values.index)
    points_sum = pd.Series(0.0, index=values.index)
    for kpi, d in kpis.items():
        if kpi == Kpi.SALES and not has_sales:
            values[kpi] = float("nan")  # no sales data in the tenant: not a zero
        att = (values[kpi] / d.target).clip(upper=1.0) if d.target > 0 else values[kpi].notna().astype(float)
        att = att.where(values[kpi].notna())
        out[f"att_{kpi}"] = att
        out[f"pts_{kpi}"] = att * d.weight
        applies = att.notna() & (d.weight > 0)
        weight_sum += applies * d.weight
        points_sum += (att * d.weight).fillna(0)
    out["score"] = (points_sum / weight_sum.where(weight_sum > 0) * 100).round(1)
    return out


def _teams(*, tenant, rep_ids) -> dict[int, str]:
    """Rep → the name of the district above their (first) territory: their team."""
    rows = (
        Territory.objects.for_tenant(tenant)
        .filter(assignments__user_id__in=rep_ids)
        .values_list("assignments__user_id", "parent__name", "name")
        .order_by("assignments__user_id", "name")
    )
    out: dict[int, str] = {}
    for rep_id, parent, name in rows:
        out.setdefault(rep_id, parent or name)
    return out


def _has_sales(*, tenant, first, last) -> bool:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT EXISTS (SELECT 1 FROM hospitals_salesrecord WHERE tenant_id = %s AND month >= %s AND month <= %s)",
            [tenant_id_of(tenant), first, last],
        )
        return cur.fetchone()[0]


@dataclasses.dataclass
class Scorecard:
    """The scorecard of a period: reps ranked, teams, and the KPI settings used."""

    period: Period
    reps: list[RepScore]
    teams: list[dict]
    kpis: dict[str, KpiDef]
    history_labels: list[str]


def score_history(*, tenant, rep_ids, period: Period, kpis: dict[str, KpiDef]) -> tuple[list[str], dict]:
    """(month labels, rep id → [(month, score)]) for the :data:`HISTORY_MONTHS` months ending with
    the period's last month: one extract for those reps, each month scored alone."""
    first = add_months(period.last, -(HISTORY_MONTHS - 1))
    labels = [f"{add_months(first, i):%Y-%m}" for i in range(HISTORY_MONTHS)]
    if not rep_ids:
        return labels, {}
    facts = kpi_facts(tenant=tenant, rep_ids=rep_ids, first=first, last=period.last)
    has_sales = _has_sales(tenant=tenant, first=first, last=period.last)
    out = {r: [] for r in rep_ids}
    for i in range(HISTORY_MONTHS):
        month = add_months(first, i)
        one = facts[facts.index.get_level_values("month") == month]
        scores = score_frame(kpi_values(one, 1), kpis, has_sales=has_sales)["score"]
        for r in rep_ids:
            value = scores.get(r)
            out[r].append((labels[i], None if value is None or pd.isna(value) else float(value)))
    return labels, out


def scorecard(*, tenant, user, period: Period, rep_ids=None, history: bool | int = True) -> Scorecard:
    """The KPI scorecard of the reps ``user`` may see (optionally only ``rep_ids``) for ``period``.

    ``history``: each rep's monthly score over the last :data:`HISTORY_MONTHS` months of the
    period for every rep (True), for the top ``history`` reps of the ranking (an int: the
    ranking page's chart), or none (False). The ranking itself reads the period only."""
    reps_qs = scored_reps(tenant=tenant, user=user)
    if rep_ids is not None:
        reps_qs = reps_qs.filter(pk__in=rep_ids)
    reps = {r.pk: r for r in reps_qs.order_by("name", "username")}
    kpis = kpi_settings(tenant=tenant)
    facts = kpi_facts(tenant=tenant, rep_ids=list(reps), first=period.first, last=period.last)
    has_sales = _has_sales(tenant=tenant, first=period.first, last=period.last)
    values = kpi_values(facts, period.months) if reps else pd.DataFrame(columns=list(KPIS))
    scores = score_frame(values, kpis, has_sales=has_sales) if reps else pd.DataFrame()
    teams = _teams(tenant=tenant, rep_ids=list(reps))
    out = []
    # Plain dicts: pandas' .at costs ~0.3 ms a cell, 30,000 cells for 2,000 reps.
    values_by_rep = values.to_dict("index") if reps else {}
    scores_by_rep = scores.to_dict("index") if reps else {}
    for rep_id, rep in reps.items():
        lines = []
        rep_values, rep_scores = values_by_rep[rep_id], scores_by_rep[rep_id]
        for kpi, d in kpis.items():
            value = rep_values[kpi]
            att = rep_scores[f"att_{kpi}"]
            lines.append(
                KpiLine(
                    kpi=kpi,
                    label=Kpi(kpi).label,
                    unit=d.unit,
                    value=None if pd.isna(value) else round(float(value), 1),
                    target=d.target,
                    attainment=None if pd.isna(att) else round(float(att), 4),
                    weight=d.weight,
                    points=None if pd.isna(att) else round(float(att) * d.weight, 2),
                )
            )
        score = rep_scores["score"]
        out.append(
            RepScore(rep=rep, team=teams.get(rep_id, ""), lines=lines, score=None if pd.isna(score) else float(score))
        )
    out.sort(key=lambda r: (r.score is None, -(r.score or 0), r.rep.name or r.rep.username, r.rep.pk))
    for i, r in enumerate(out, 1):
        r.rank = i if r.score is not None else None
    history_labels = []
    if history is not False and out:
        chosen = out if history is True else out[: int(history)]
        history_labels, by_rep = score_history(
            tenant=tenant, rep_ids=[r.rep.pk for r in chosen], period=period, kpis=kpis
        )
        for r in chosen:
            r.history = by_rep.get(r.rep.pk, [])
    team_rows = {}
    for r in out:
        t = team_rows.setdefault(r.team, {"team": r.team, "reps": 0, "scores": []})
        t["reps"] += 1
        if r.score is not None:
            t["scores"].append(r.score)
    teams_out = sorted(
        (
            {
                "team": t["team"],
                "reps": t["reps"],
                "score": round(sum(t["scores"]) / len(t["scores"]), 1) if t["scores"] else None,
            }
            for t in team_rows.values()
        ),
        key=lambda t: (t["score"] is None, -(t["score"] or 0), t["team"]),
    )
    return Scorecard(period=period, reps=out, teams=teams_out, kpis=kpis, history_labels=history_labels)


def kpi_unit_label(unit: str) -> str:
    return {"count": str(_("per month")), "pct": "%", "cny": str(_("CNY per month"))}[unit]


def decimal_or_none(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))
