"""Distributors and the channel: coverage by province and city (gaps, overlaps), agreements'
target vs actual, sell-through and estimated channel inventory, and a seasonal forecast of
sell-out. Reads only; one set-based query per figure, pandas for the shaping and statsmodels'
Holt-Winters exponential smoothing for the forecast (docs/analytics.md)."""

from __future__ import annotations

import dataclasses
import datetime
import warnings

import numpy as np
import pandas as pd
from django.db import connection
from django.utils import timezone

from crm.tenancy import tenant_id_of
from visits.selectors import add_months

FORECAST_MONTHS = 6
BACKTEST_MONTHS = 6


# --- coverage -------------------------------------------------------------------------------

_COVERAGE_SQL = """
WITH active AS (
    SELECT c.hospital_id, c.distributor_id, c.product_id
    FROM hospitals_distributorcoverage c
    JOIN hospitals_distributor d ON d.id = c.distributor_id AND d.tenant_id = c.tenant_id
    WHERE c.tenant_id = %(tenant)s AND d.status = 'active'
      AND (c.since IS NULL OR c.since <= %(today)s) AND (c.until IS NULL OR c.until >= %(today)s)
), per_hospital AS (
    SELECT hospital_id, count(DISTINCT distributor_id) AS distributors,
           -- an overlap: two distributors for all products, or for the same product
           bool_or(EXISTS (
               SELECT 1 FROM active b
               WHERE b.hospital_id = a.hospital_id AND b.distributor_id <> a.distributor_id
                 AND (a.product_id IS NULL OR b.product_id IS NULL OR a.product_id = b.product_id)
           )) AS overlap
    FROM active a GROUP BY hospital_id
)
SELECT h.province, h.city,
       count(*)::int AS hospitals,
       (count(*) FILTER (WHERE p.hospital_id IS NOT NULL))::int AS covered,
       (count(*) FILTER (WHERE p.hospital_id IS NULL))::int AS gaps,
       (count(*) FILTER (WHERE p.overlap))::int AS overlaps
FROM hospitals_hospital h
LEFT JOIN per_hospital p ON p.hospital_id = h.id
WHERE h.tenant_id = %(tenant)s
GROUP BY 1, 2
ORDER BY 1, 2
"""


@dataclasses.dataclass
class CoverageRow:
    province: str
    city: str
    hospitals: int
    covered: int
    gaps: int
    overlaps: int

    @property
    def coverage_pct(self) -> float | None:
        return round(self.covered * 100 / self.hospitals, 1) if self.hospitals else None


def coverage(*, tenant, today: datetime.date | None = None) -> tuple[list[CoverageRow], list[CoverageRow]]:
    """(per province, per city) of hospitals: covered by an active distributor today, gaps
    (no distributor), overlaps (two distributors for the same product or for all)."""
    with connection.cursor() as cur:
        cur.execute(_COVERAGE_SQL, {"tenant": tenant_id_of(tenant), "today": today or timezone.localdate()})
        cities = [CoverageRow(*row) for row in cur.fetchall()]
    provinces: dict[str, CoverageRow] = {}
    for c in cities:
        p = provinces.setdefault(c.province, CoverageRow(c.province, "", 0, 0, 0, 0))
        p.hospitals += c.hospitals
        p.covered += c.covered
        p.gaps += c.gaps
        p.overlaps += c.overlaps
    rows = sorted(provinces.values(), key=lambda p: (-p.gaps, p.province))
    return rows, sorted(cities, key=lambda c: (-c.gaps, c.province, c.city))


def gap_hospitals(*, tenant, province: str, city: str = "", today: datetime.date | None = None, limit=500):
    """The hospitals of ``province`` (and ``city``) no active distributor covers: the list
    behind a gap figure."""
    from hospitals.models import DistributorCoverage, Hospital

    today = today or timezone.localdate()
    active = (
        DistributorCoverage.objects.for_tenant(tenant)
        .filter(distributor__status="active")
        .exclude(since__gt=today)
        .exclude(until__lt=today)
        .values("hospital_id")
    )
    qs = Hospital.objects.for_tenant(tenant).filter(province=province).exclude(pk__in=active)
    if city:
        qs = qs.filter(city=city)
    return qs.order_by("city", "name")[:limit]


# --- sell-in, sell-out and agreements -------------------------------------------------------

_SALES_SQL = """
SELECT s.distributor_id, dist.name, s.product_id, p.name, s.month,
       sum(s.sell_in_units)::bigint, sum(s.sell_in_value), sum(s.sell_out_units)::bigint, sum(s.sell_out_value)
FROM hospitals_salesrecord s
JOIN hospitals_distributor dist ON dist.id = s.distributor_id AND dist.tenant_id = s.tenant_id
JOIN hospitals_product p ON p.id = s.product_id AND p.tenant_id = s.tenant_id
WHERE s.tenant_id = %(tenant)s AND s.month >= %(first)s AND s.month <= %(last)s
GROUP BY 1, 2, 3, 4, 5
"""

_AGREEMENT_SQL = """
SELECT a.distributor_id, a.number, a.start, a.end, a.target_value
FROM hospitals_distributoragreement a
WHERE a.tenant_id = %(tenant)s AND a.status = 'active' AND a.target_value IS NOT NULL
  AND a.start <= %(last_day)s AND a.end >= %(first)s
"""

SELL_COLUMNS = ["sell_in_units", "sell_in_value", "sell_out_units", "sell_out_value"]


def sales_frame(*, tenant, first: datetime.date, last: datetime.date) -> pd.DataFrame:
    """Sell-in and sell-out per distributor, product and month, with sell-through (out / in) and
    the estimated channel inventory (cumulative sell-in − sell-out units since ``first``)."""
    with connection.cursor() as cur:
        cur.execute(_SALES_SQL, {"tenant": tenant_id_of(tenant), "first": first, "last": last})
        rows = cur.fetchall()
    cols = ["distributor_id", "distributor", "product_id", "product", "month", *SELL_COLUMNS]
    df = pd.DataFrame(rows, columns=cols)
    if df.empty:
        return df.assign(sell_through=[], inventory_units=[])
    for c in SELL_COLUMNS:
        df[c] = df[c].astype(float)
    df = df.sort_values(["distributor", "product", "month"]).reset_index(drop=True)
    df["sell_through"] = (df["sell_out_units"] / df["sell_in_units"].where(df["sell_in_units"] > 0) * 100).round(1)
    df["inventory_units"] = (
        (df["sell_in_units"] - df["sell_out_units"]).groupby([df["distributor_id"], df["product_id"]]).cumsum()
    )
    return df


def month_count(start: datetime.date, end: datetime.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def agreement_progress(*, tenant, first: datetime.date, last: datetime.date, sales: pd.DataFrame) -> list[dict]:
    """Per distributor with an active agreement that has a target: the target pro-rated to the
    months of [first, last] it spans, the actual sell-in value, attainment, and ``behind`` when
    the actual is under 90 % of the pro-rated target."""
    last_day = add_months(last, 1) - datetime.timedelta(days=1)
    with connection.cursor() as cur:
        cur.execute(_AGREEMENT_SQL, {"tenant": tenant_id_of(tenant), "first": first, "last_day": last_day})
        agreements = cur.fetchall()
    actual = sales.groupby("distributor_id")["sell_in_value"].sum() if not sales.empty else pd.Series(dtype=float)
    names = dict(zip(sales["distributor_id"], sales["distributor"], strict=False)) if not sales.empty else {}
    targets: dict[int, dict] = {}
    for dist_id, number, start, end, target in agreements:
        span = month_count(start.replace(day=1), end.replace(day=1))
        overlap_start = max(start.replace(day=1), first)
        overlap_end = min(end.replace(day=1), last)
        overlap = max(month_count(overlap_start, overlap_end), 0)
        t = targets.setdefault(dist_id, {"distributor_id": dist_id, "agreements": [], "target": 0.0})
        t["agreements"].append(number)
        t["target"] += float(target) * overlap / span
    if targets:
        from hospitals.models import Distributor

        for d in Distributor.objects.for_tenant(tenant).filter(pk__in=list(targets)).only("name"):
            names[d.pk] = d.name
    out = []
    for dist_id, t in targets.items():
        got = float(actual.get(dist_id, 0.0))
        att = got / t["target"] if t["target"] else None
        out.append(
            {
                **t,
                "distributor": names.get(dist_id, str(dist_id)),
                "target": round(t["target"], 2),
                "actual": round(got, 2),
                "attainment": None if att is None else round(att * 100, 1),
                "behind": att is not None and att < 0.9,
            }
        )
    return sorted(out, key=lambda r: (not r["behind"], r["attainment"] if r["attainment"] is not None else 1e9))


# --- forecast -------------------------------------------------------------------------------

_SELL_OUT_SQL = """
SELECT p.name, h.province, s.month, sum(s.sell_out_units)::float
FROM hospitals_salesrecord s
JOIN hospitals_hospital h ON h.id = s.hospital_id AND h.tenant_id = s.tenant_id
JOIN hospitals_product p ON p.id = s.product_id AND p.tenant_id = s.tenant_id
WHERE s.tenant_id = %(tenant)s AND s.month <= %(last)s
GROUP BY 1, 2, 3
"""


@dataclasses.dataclass
class Forecast:
    """A 6-month sell-out forecast of one product in one province, with an 80 % band."""

    product: str
    region: str
    history: list  # [(month, units)]
    forecast: list  # [(month, mean, low, high)]
    method: str  # "holt-winters" (seasonal), "holt" (trend, < 24 months) or "naive"
    backtest_mape: float | None  # % error of the same method on the last 6 known months


def _fit_predict(series: pd.Series, steps: int):
    """(method, mean forecast, residual std) of the best model the history allows."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    values = series.to_numpy(dtype=float)
    if len(values) >= 24:
        model, method = ExponentialSmoothing(values, trend="add", seasonal="add", seasonal_periods=12), "holt-winters"
    elif len(values) >= 6:
        model, method = ExponentialSmoothing(values, trend="add", damped_trend=True), "holt"
    else:
        mean = float(values.mean()) if len(values) else 0.0
        std = float(values.std()) if len(values) > 1 else 0.0
        return "naive", np.full(steps, mean), std
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.fit()
    resid = values - fit.fittedvalues
    return method, np.maximum(fit.forecast(steps), 0), float(np.std(resid, ddof=1)) if len(resid) > 1 else 0.0


def _mape(actual: np.ndarray, predicted: np.ndarray) -> float | None:
    mask = actual > 0
    if not mask.any():
        return None
    return round(float(np.mean(np.abs((actual[mask] - predicted[mask]) / actual[mask])) * 100), 1)


def forecast_sell_out(*, tenant, last: datetime.date | None = None, limit: int = 20) -> list[Forecast]:
    """A forecast per (product, province) of the ``limit`` biggest series by sell-out, the next
    :data:`FORECAST_MONTHS` months after ``last`` (default: last month), with an 80 % band
    (± 1.28 residual standard deviations, widening with the horizon) and the error of the same
    method backtested on the last :data:`BACKTEST_MONTHS` known months."""
    last = last or add_months(timezone.localdate().replace(day=1), -1)
    with connection.cursor() as cur:
        cur.execute(_SELL_OUT_SQL, {"tenant": tenant_id_of(tenant), "last": last})
        rows = cur.fetchall()
    if not rows:
        return []
    df = pd.DataFrame(rows, columns=["product", "region", "month", "units"])
    totals = df.groupby(["product", "region"])["units"].sum().sort_values(ascending=False)
    out = []
    for product, region in totals.index[:limit]:
        one = df[(df["product"] == product) & (df["region"] == region)].set_index("month")["units"]
        first = one.index.min()
        months = [add_months(first, i) for i in range(month_count(first, last))]
        series = one.reindex(months, fill_value=0.0)
        method, mean, std = _fit_predict(series, FORECAST_MONTHS)
        mape = None
        if len(series) > BACKTEST_MONTHS + 5:
            train, test = series.iloc[:-BACKTEST_MONTHS], series.iloc[-BACKTEST_MONTHS:]
            _, back, _ = _fit_predict(train, BACKTEST_MONTHS)
            mape = _mape(test.to_numpy(), np.asarray(back))
        band = [1.28 * std * np.sqrt(h) for h in range(1, FORECAST_MONTHS + 1)]
        out.append(
            Forecast(
                product=product,
                region=region,
                history=[(m, float(v)) for m, v in series.items()],
                forecast=[
                    (
                        add_months(last, h + 1),
                        round(float(mean[h]), 1),
                        round(max(float(mean[h]) - band[h], 0), 1),
                        round(float(mean[h]) + band[h], 1),
                    )
                    for h in range(FORECAST_MONTHS)
                ],
                method=method,
                backtest_mape=mape,
            )
        )
    return out
