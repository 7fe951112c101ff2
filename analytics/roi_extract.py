"""The extracts behind the ROI's effect (analytics.roi): the SQL helpers, the adoption-stage
history as a doctors × months grid, and the usage share at the months the horizons read.

Split from analytics/roi.py, which keeps the method (scope, cost and reach, matching, the
estimate, the cache); the names stay importable from there.
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from crm.tenancy import tenant_id_of
from segmentation.models import ADOPTION_ORDER
from visits.selectors import add_months

HORIZONS = (1, 3, 6)


def _rows(sql, params):
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _ids(values) -> str:
    """Integers as one PostgreSQL array literal (``'{1,2,3}'``, cast in the SQL): psycopg2 adapts
    a list element by element and the server parses an ``ARRAY[…]`` expression of as many
    constants — 0.1–0.3 s for the 100,000 ids of a big program; one string is neither."""
    return "{" + ",".join(map(str, values)) + "}"


def _dates(months) -> str:
    """Dates as one array literal (as :func:`_ids`); few distinct months, formatted once each."""
    codes, uniques = pd.factorize(pd.Series(months))
    text = np.array([m.isoformat() for m in uniques], dtype=object)
    return "{" + ",".join(text[codes].tolist()) + "}"


def _rows_hash_joined(sql, params):
    """:func:`_rows` with nested loops off for the statement (``SET LOCAL`` in its own
    transaction). The control pool joins the sampled doctors to an ``unnest`` of strata whose
    selectivity the planner cannot know: it expected 9 rows where 100,000 come and probed the
    tier index once for each of 500,000 doctors (3.7–4.6 s at 1 M doctors); hash joins read the
    same rows in 2.0–2.3 s (docs/scaling.md, issue 12)."""
    with transaction.atomic(), connection.cursor() as cur:
        # Restored afterwards: inside a caller's transaction (a savepoint here) SET LOCAL would
        # otherwise last until the caller commits.
        cur.execute("SELECT current_setting('enable_nestloop'), set_config('enable_nestloop', 'off', true)")
        [(before, _off)] = cur.fetchall()
        try:
            cur.execute(sql, params)
            return cur.fetchall()
        finally:
            cur.execute("SELECT set_config('enable_nestloop', %s, true)", [before])


def _shift(months: pd.Series, n: int) -> pd.Series:
    """Each month of ``months`` moved by ``n`` months: one add_months per distinct month (a
    dozen), not per pair (17,000 pairs × 20 shifts at 50,000 attendees)."""
    return months.map({m: add_months(m, n) for m in months.unique()})


def _stage_history(*, tenant, product_id, doctor_ids) -> pd.DataFrame:
    rows = _rows(
        # The date as UTC microseconds since the epoch (an integer): no datetime object per row.
        """SELECT h.doctor_id, (extract(epoch FROM h.history_date) * 1000000)::bigint, h.stage
           FROM segmentation_historicaladoption h
           JOIN unnest(%s::bigint[]) AS wanted(id) ON wanted.id = h.doctor_id
           WHERE h.tenant_id = %s AND h.product_id = %s""",
        [_ids(doctor_ids), tenant_id_of(tenant), product_id],
    )
    df = pd.DataFrame(rows, columns=["doctor_id", "at", "stage"])
    df["level"] = df["stage"].map(ADOPTION_ORDER).astype(float)
    # UTC nanoseconds, the unit of _month_start_ns.
    df["at"] = df["at"].astype("int64") * 1000
    df["doctor_id"] = df["doctor_id"].astype("int64")
    return df.sort_values("at", kind="stable")[["at", "doctor_id", "level"]]


_MONTH_NS: dict = {}


def _month_start_ns(month: datetime.date) -> int:
    """The start of ``month`` in local time, as UTC nanoseconds (cached: few distinct months)."""
    value = _MONTH_NS.get(month)
    if value is None:
        tz = timezone.get_current_timezone()
        value = pd.Timestamp(datetime.datetime.combine(month, datetime.time.min, tzinfo=tz)).value
        _MONTH_NS[month] = value
    return value


def stage_at(history: pd.DataFrame, doctors, months) -> np.ndarray:
    """The stage level of each doctor at the start (local time) of each month (0 when none yet).
    One-off lookups; the effect builds a :class:`StageGrid` once and indexes it."""
    doctors = np.asarray(doctors, dtype=np.int64)
    if history.empty or len(doctors) == 0:
        return np.zeros(len(doctors))
    months = pd.Series(months)
    codes, uniques = pd.factorize(months)
    at = np.array([_month_start_ns(m) for m in uniques], dtype=np.int64)[codes]
    query = pd.DataFrame({"at": at, "doctor_id": doctors, "i": np.arange(len(doctors))}).sort_values("at")
    merged = pd.merge_asof(query, history, on="at", by="doctor_id", direction="backward")
    out = np.zeros(len(doctors))
    out[merged["i"].to_numpy()] = merged["level"].fillna(0.0).to_numpy()
    return out


class StageGrid:
    """The adoption stage level of each doctor at the start (local time) of each month of a
    range, as one dense array (doctors × months) built once from the stage history and carried
    forward month to month: every lookup after that is an array index. (One ``merge_asof`` per
    lookup cost ~0.1 s each at 125,000 doctors, and the effect makes some thirty lookups.)

    The value in month *m* is the stage of the doctor's last history row at or before the start
    of *m* (0 when none yet) — what ``merge_asof(direction="backward")`` gave."""

    def __init__(self, history: pd.DataFrame, doctor_ids, first: datetime.date, last: datetime.date):
        months = [first]
        while months[-1] < last:
            months.append(add_months(months[-1], 1))
        self.col = {m: i for i, m in enumerate(months)}
        self.ids = np.unique(np.fromiter(doctor_ids, dtype=np.int64))
        grid = np.full((len(self.ids), len(months)), np.nan)
        if not history.empty:
            starts = np.array([_month_start_ns(m) for m in months], dtype=np.int64)
            h = pd.DataFrame(
                {
                    "row": np.searchsorted(self.ids, history["doctor_id"].to_numpy()),
                    # The first month whose start is at or after the row: it counts from there on.
                    "col": np.searchsorted(starts, history["at"].to_numpy(), side="left"),
                    "level": history["level"].to_numpy(),
                }
            )
            # History is in time order; the last row of a (doctor, month) cell is the one that counts.
            h = h[h["col"] < len(months)].drop_duplicates(["row", "col"], keep="last")
            grid[h["row"].to_numpy(), h["col"].to_numpy()] = h["level"].to_numpy()
        self.grid = pd.DataFrame(grid).ffill(axis=1).fillna(0.0).to_numpy()

    def at_columns(self, doctors, columns: np.ndarray) -> np.ndarray:
        """As :meth:`at`, with the months given as column numbers (``self.col[month]``)."""
        doctors = np.asarray(doctors, dtype=np.int64)
        return self.grid[np.searchsorted(self.ids, doctors), columns] if len(doctors) else np.zeros(0)

    def at(self, doctors, months) -> np.ndarray:
        """The level of each doctor of ``doctors`` at the start of the matching month of ``months``."""
        doctors = np.asarray(doctors, dtype=np.int64)
        if len(doctors) == 0:
            return np.zeros(0)
        codes, uniques = pd.factorize(pd.Series(months))
        cols = np.array([self.col[m] for m in uniques], dtype=np.int64)[codes]
        return self.grid[np.searchsorted(self.ids, doctors), cols]


# Usage share of each (doctor, index month) at the offsets the effect reads: the month before the
# index month (the baseline) and index + h for each horizon. Read by range from the unique index
# (tenant, doctor, product, period) and folded into one row per key: ~4 values for each of the
# 35,000 paired doctors, not their 24 months each (0.85 M rows, 1.0–1.8 s at 1 M doctors).
# The months come computed (arrays of dates): under row-level security a bound computed from a
# column in SQL (a cast) is not leakproof, and PostgreSQL then filters all 24 months of each
# doctor instead of reading the range from the index.
_USAGE_SQL = """
SELECT w.doctor_id, w.month, {columns}
FROM unnest(%(doctors)s::bigint[], %(months)s::date[], %(lo)s::date[], %(hi)s::date[], {arrays})
     AS w(doctor_id, month, lo, hi, {names})
JOIN hospitals_usageshare u
  ON u.tenant_id = %(tenant)s AND u.product_id = %(product)s AND u.doctor_id = w.doctor_id
 AND u.period >= w.lo AND u.period <= w.hi
GROUP BY w.doctor_id, w.month
"""

USAGE_OFFSETS = (-1, *HORIZONS)


def _usage(*, tenant, product_id, keys: pd.DataFrame) -> pd.DataFrame:
    """Usage share (float, NaN when not recorded) of each (doctor_id, month) of ``keys`` in the
    months at :data:`USAGE_OFFSETS` from it; indexed by (doctor_id, month), one column per offset."""
    # In doctor order: neighbouring index entries and heap pages are read together.
    keys = keys.drop_duplicates().sort_values(["doctor_id", "month"], ignore_index=True)
    names = [f"m{i}" for i in range(len(USAGE_OFFSETS))]
    sql = (
        _USAGE_SQL.replace("{columns}", ", ".join(f"max(u.share) FILTER (WHERE u.period = w.{n})" for n in names))
        .replace("{arrays}", ", ".join(f"%({n})s::date[]" for n in names))
        .replace("{names}", ", ".join(names))
    )  # built from fixed names, never input
    params = {
        "doctors": _ids(keys["doctor_id"]),
        "months": _dates(keys["month"]),
        "lo": _dates(_shift(keys["month"], min(USAGE_OFFSETS))),
        "hi": _dates(_shift(keys["month"], max(USAGE_OFFSETS))),
        "tenant": tenant_id_of(tenant),
        "product": product_id,
    }
    for n, k in zip(names, USAGE_OFFSETS, strict=True):
        params[n] = _dates(_shift(keys["month"], k))
    frame = pd.DataFrame(_rows(sql, params), columns=["doctor_id", "month", *USAGE_OFFSETS])
    for k in USAGE_OFFSETS:
        frame[k] = pd.to_numeric(frame[k], errors="coerce").astype(float)
    return frame.set_index(["doctor_id", "month"])


def _share(usage: pd.DataFrame, doctors, months, offset: int) -> np.ndarray:
    """The usage share of each doctor at ``offset`` months from the matching index month."""
    index = pd.MultiIndex.from_arrays([np.asarray(doctors, dtype=np.int64), np.asarray(months, dtype=object)])
    return usage[offset].reindex(index).to_numpy(dtype=float)
