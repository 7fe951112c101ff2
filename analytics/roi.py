"""Event and program ROI: what a program or an event cost, whom it reached, and what it changed
in its attendees compared with matched doctors who did not attend (docs/analytics.md).

The method, in short:

* **Scope**: the held or closed events of a program (or one event); an *attendee* is a doctor
  signed in at one of them; their *index month* is the month of the first such event.
* **Product**: the program's (or event's) first product, unless another of its products is asked.
* **Matching: exact**, on tier (the doctor's tier in the latest scoring period up to the last index quarter),
  hospital grade, department (its standard code, else its name) and adoption stage of the
  product at the start of the index month. Controls are doctors who attended no event of the
  scope, taken per stratum in the order of a fixed per-doctor draw (analytics.strata: read from
  the maintained strata table, or live when it lacks the tier period — the same candidates);
  each attendee is paired with one control of the same stratum and index month, in a seeded
  random order (reproducible), without replacement within an index month.
  Attendees without a control are counted as unmatched and left out of the effect.
* **Outcomes**: adoption stage (0 = unaware … 5 = advocate) at the start of the month after
  the index month + h − 1 (i.e. h whole months after the event's month), and the usage share of
  the product in month index + h (baseline: the month before the index month), for h = 1, 3, 6.
  Pairs whose horizon is still in the future are left out of that horizon.
* **Difference in differences**: per pair (attendee change − control change); the estimate is
  the mean, the 95 % interval a percentile bootstrap over pairs (:data:`BOOTSTRAP` resamples,
  fixed seed). Fewer than :data:`MIN_PAIRS` pairs, or an interval that contains zero, give a
  plain warning.
* **Cost per doctor moved up**: actual cost (budget when no expense is recorded) divided by the
  attendees who moved up at least one stage within 6 months (or the longest horizon reached)
  *beyond* their controls who did; none when the attendees did not move more.

The computation is set-based: one extract per table for the whole scope (pandas over it), kept
in the cache under a fingerprint of its inputs, so a change of attendees, expenses, adoption,
usage share or tiers gives a new result; big programs run in a Celery task with progress.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext

from analytics import strata
from analytics.roi_extract import (  # noqa: F401  (the extracts, importable from here as before)
    HORIZONS,
    USAGE_OFFSETS,
    StageGrid,
    _dates,
    _ids,
    _month_start_ns,
    _rows,
    _rows_hash_joined,
    _share,
    _shift,
    _stage_history,
    _usage,
    stage_at,
)
from crm.tenancy import tenant_id_of
from segmentation.models import ADOPTION_ORDER
from visits.selectors import add_months

logger = logging.getLogger(__name__)

MIN_PAIRS = 30
BOOTSTRAP = 500
SEED = 20260
CONTROL_POOL_FACTOR = 5  # controls drawn per stratum: up to this many per attendee
CHART_MONTHS = range(-3, 7)
ROI_TTL = 24 * 3600
PENDING_TTL = 600
ASYNC_MIN_ATTENDEES = getattr(settings, "ANALYTICS_ROI_SYNC_MAX_ATTENDEES", 5000)
ADOPTER = ADOPTION_ORDER["regular"]


def _quarter(d: datetime.date) -> str:
    return f"{d.year}Q{(d.month - 1) // 3 + 1}"


# --- scope ------------------------------------------------------------------------------------


def scope_events(*, tenant, program_id=None, event_id=None) -> list[tuple]:
    """(id, title, type, starts_at, ends_at, status) of the held or closed events of the scope."""
    column = "program_id" if program_id is not None else "id"
    sql = _SCOPE_EVENTS_SQL.replace("{column}", column)  # one of two fixed column names, never input
    return _rows(sql, {"tenant": tenant_id_of(tenant), "id": program_id if program_id is not None else event_id})


_SCOPE_EVENTS_SQL = """SELECT e.id, e.title, e.type, e.starts_at, e.ends_at, e.status FROM events_event e
WHERE e.tenant_id = %(tenant)s AND e.{column} = %(id)s AND e.status IN ('held', 'closed')
ORDER BY e.starts_at, e.id"""


def scope_products(*, tenant, program_id=None, event_id=None) -> list[tuple]:
    """(id, name) of the scope's products, in the order they were added."""
    if program_id is not None:
        sql = """SELECT p.id, p.name FROM events_programproduct x JOIN hospitals_product p ON p.id = x.product_id
                 WHERE x.tenant_id = %(tenant)s AND x.program_id = %(id)s ORDER BY x.id"""
    else:
        sql = """SELECT p.id, p.name FROM events_eventproduct x JOIN hospitals_product p ON p.id = x.product_id
                 WHERE x.tenant_id = %(tenant)s AND x.event_id = %(id)s ORDER BY x.id"""
    return _rows(sql, {"tenant": tenant_id_of(tenant), "id": program_id if program_id is not None else event_id})


def fingerprint(*, tenant, event_ids, product_id, today: datetime.date) -> str:
    """What the result depends on: the events, attendees, budget and expenses, follow-ups and
    questions of the scope, and the newest adoption change, usage-share and tier rows of the
    tenant (new rows; an in-place correction is picked up when the cache expires), the last
    refresh of the doctor strata (analytics.strata.version), and the month."""
    tid = tenant_id_of(tenant)
    [row] = _rows(
        """SELECT
             (SELECT string_agg(e.id || e.status, ',' ORDER BY e.id) FROM events_event e
              WHERE e.tenant_id = %(t)s AND e.id = ANY(%(ids)s)),
             (SELECT count(*) || ':' || coalesce(max(a.id), 0) || ':' || coalesce(max(a.signed_in_at)::text, '')
              FROM events_attendee a WHERE a.tenant_id = %(t)s AND a.event_id = ANY(%(ids)s)),
             (SELECT count(*) || ':' || coalesce(sum(amount), 0) FROM events_expense
              WHERE tenant_id = %(t)s AND event_id = ANY(%(ids)s)),
             (SELECT count(*) || ':' || coalesce(sum(amount), 0) FROM events_budgetline
              WHERE tenant_id = %(t)s AND event_id = ANY(%(ids)s)),
             (SELECT count(*) || ':' || coalesce(max(done_at)::text, '')
                     || ':' || count(*) FILTER (WHERE status = 'done')
              FROM events_eventfollowup WHERE tenant_id = %(t)s AND event_id = ANY(%(ids)s)),
             (SELECT count(*) || ':' || count(*) FILTER (WHERE answer = '')
              FROM events_question WHERE tenant_id = %(t)s AND event_id = ANY(%(ids)s)),
             (SELECT coalesce(max(history_id), 0) FROM segmentation_historicaladoption WHERE tenant_id = %(t)s),
             (SELECT coalesce(max(id), 0) FROM hospitals_usageshare WHERE tenant_id = %(t)s),
             (SELECT coalesce(max(id), 0) FROM segmentation_tierassignment WHERE tenant_id = %(t)s)""",
        {"t": tid, "ids": list(event_ids)},
    )
    parts = [tid, sorted(event_ids), product_id, f"{today:%Y-%m}", *row, strata.version(tenant=tid)]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:32]


# --- cost and reach ---------------------------------------------------------------------------


def cost_and_reach(*, tenant, events: list[tuple], attendees: pd.DataFrame, profile: pd.DataFrame) -> dict:
    """Per event and in total: budget vs actual, attendees, A/B-tier attendees, cost per attendee
    and per A/B attendee, 3-day follow-up completion, open questions; reach by tier and department."""
    tid = tenant_id_of(tenant)
    ids = [e[0] for e in events]
    budget = dict(
        _rows(
            "SELECT event_id, sum(amount) FROM events_budgetline"
            " WHERE tenant_id = %s AND event_id = ANY(%s) GROUP BY 1",
            [tid, ids],
        )
    )
    actual = dict(
        _rows(
            "SELECT event_id, sum(amount) FROM events_expense WHERE tenant_id = %s AND event_id = ANY(%s) GROUP BY 1",
            [tid, ids],
        )
    )
    followups = {
        r[0]: (r[1], r[2])
        for r in _rows(
            """SELECT f.event_id, count(*),
                      count(*) FILTER (WHERE f.status = 'done' AND f.done_at <= e.ends_at + interval '3 days')
               FROM events_eventfollowup f JOIN events_event e ON e.id = f.event_id AND e.tenant_id = f.tenant_id
               WHERE f.tenant_id = %s AND f.event_id = ANY(%s) AND f.status <> 'cancelled' GROUP BY 1""",
            [tid, ids],
        )
    }
    questions = dict(
        _rows(
            """SELECT event_id, count(*) FROM events_question
               WHERE tenant_id = %s AND event_id = ANY(%s) AND NOT answered_on_spot AND answer = '' GROUP BY 1""",
            [tid, ids],
        )
    )
    tiers = profile.set_index("doctor_id")["tier"] if not profile.empty else pd.Series(dtype=object)
    att = attendees.copy()
    att["tier"] = att["doctor_id"].map(tiers).fillna("")
    # Attendances and A/B attendances per event in one pass (not one filter per event).
    counts = att.assign(ab=att["tier"].isin(["A", "B"])).groupby("event_id")["ab"].agg(["size", "sum"])
    per_event_n = {int(e): (int(n), int(ab)) for e, n, ab in counts.itertuples()}
    per_event = []
    for eid, title, etype, starts, _ends, status in events:
        n, ab = per_event_n.get(eid, (0, 0))
        b, a = float(budget.get(eid, 0) or 0), float(actual.get(eid, 0) or 0)
        cost = a or b
        ft, fd = followups.get(eid, (0, 0))
        per_event.append(
            {
                "id": eid,
                "title": title,
                "type": etype,
                "starts_at": starts,
                "status": status,
                "budget": b,
                "actual": a,
                "attendees": n,
                "ab_attendees": ab,
                "cost_per_attendee": round(cost / n, 2) if n else None,
                "cost_per_ab": round(cost / ab, 2) if ab else None,
                "followups": ft,
                "followups_in_3_days": fd,
                "followup_pct": round(fd * 100 / ft, 1) if ft else None,
                "open_questions": int(questions.get(eid, 0)),
            }
        )
    tb, ta = sum(e["budget"] for e in per_event), sum(e["actual"] for e in per_event)
    doctors = att.drop_duplicates("doctor_id")
    n, ab = len(doctors), int(doctors["tier"].isin(["A", "B"]).sum())
    cost = ta or tb
    ft, fd = sum(e["followups"] for e in per_event), sum(e["followups_in_3_days"] for e in per_event)
    prof = profile.set_index("doctor_id") if not profile.empty else pd.DataFrame(columns=["tier", "dept"])
    reach_doc = doctors.join(prof[["dept"]], on="doctor_id") if not doctors.empty else doctors.assign(dept=[])
    return {
        "events": per_event,
        "budget": tb,
        "actual": ta,
        "cost": cost,
        "attendances": int(len(att)),
        "doctors": n,
        "ab_doctors": ab,
        "cost_per_attendee": round(cost / n, 2) if n else None,
        "cost_per_ab": round(cost / ab, 2) if ab else None,
        "followups": ft,
        "followups_in_3_days": fd,
        "followup_pct": round(fd * 100 / ft, 1) if ft else None,
        "open_questions": sum(e["open_questions"] for e in per_event),
        "reach_tier": sorted(
            ((t or "—", int(c)) for t, c in doctors["tier"].value_counts().items()), key=lambda x: x[0]
        ),
        "reach_department": [
            (d or "—", int(c)) for d, c in reach_doc["dept"].fillna("").value_counts().head(15).items()
        ],
    }


# --- extracts for the effect ------------------------------------------------------------------

_PROFILE_SQL = """
SELECT d.id, h.grade, COALESCE(NULLIF(dep.standard_code, ''), dep.name, '') AS dept,
       COALESCE(ta.tier, '') AS tier
FROM hospitals_doctor d
JOIN unnest(%(ids)s::bigint[]) AS wanted(id) ON wanted.id = d.id
JOIN hospitals_hospital h ON h.id = d.hospital_id AND h.tenant_id = d.tenant_id
LEFT JOIN hospitals_department dep ON dep.id = d.department_id AND dep.tenant_id = d.tenant_id
LEFT JOIN segmentation_tierassignment ta
       ON ta.tenant_id = d.tenant_id AND ta.doctor_id = d.id AND ta.period = %(period)s
WHERE d.tenant_id = %(tenant)s
"""

# Controls, live: active doctors of the attendees' strata (tier, grade, department) who attended
# no event of the scope and whose draw (analytics.strata.DRAW_SQL, a hash of the id) falls in
# the sample; the per-stratum limit is taken in draw order afterwards (control_pool).
_CONTROLS_SQL = """
WITH strata AS (
    SELECT * FROM unnest(%(tiers)s::text[], %(grades)s::text[], %(depts)s::text[]) AS s(tier, grade, dept)
)
SELECT d.id, s.grade, s.dept, s.tier, {draw} AS draw
FROM hospitals_doctor d
JOIN hospitals_hospital h ON h.id = d.hospital_id AND h.tenant_id = d.tenant_id
LEFT JOIN hospitals_department dep ON dep.id = d.department_id AND dep.tenant_id = d.tenant_id
LEFT JOIN segmentation_tierassignment ta
       ON ta.tenant_id = d.tenant_id AND ta.doctor_id = d.id AND ta.period = %(period)s
JOIN strata s ON s.tier = COALESCE(ta.tier, '') AND s.grade = h.grade
             AND s.dept = COALESCE(NULLIF(dep.standard_code, ''), dep.name, '')
LEFT JOIN unnest(%(exclude)s::bigint[]) AS attended(id) ON attended.id = d.id
WHERE d.tenant_id = %(tenant)s AND d.is_active AND attended.id IS NULL
  AND {draw} < %(per_10000)s
""".replace("{draw}", strata.DRAW_SQL.replace("%", "%%"))

# Controls from the maintained strata (analytics.strata): per stratum, the first candidates in
# draw order, read from the (tenant, tier, grade, dept, draw) index — as many as the stratum
# wants plus its attendees (who are among them at most and are dropped afterwards).
_CONTROLS_FROM_STRATA_SQL = """
SELECT c.doctor_id, w.grade, w.dept, w.tier, c.draw
FROM unnest(%(tiers)s::text[], %(grades)s::text[], %(depts)s::text[], %(limits)s::int[]) AS w(tier, grade, dept, n)
CROSS JOIN LATERAL (
    SELECT x.doctor_id, x.draw FROM analytics_doctorstratum x
    WHERE x.tenant_id = %(tenant)s AND x.tier = w.tier AND x.grade = w.grade AND x.dept = w.dept
      AND x.is_active AND x.draw < %(per_10000)s
    ORDER BY x.draw, x.doctor_id
    LIMIT w.n
) c
"""

_PROFILE_FROM_STRATA_SQL = """
SELECT x.doctor_id, x.grade, x.dept, x.tier FROM analytics_doctorstratum x
JOIN unnest(%(ids)s::bigint[]) AS wanted(id) ON wanted.id = x.doctor_id
WHERE x.tenant_id = %(tenant)s
"""

PROFILE_COLUMNS = ["doctor_id", "grade", "dept", "tier"]


def profiles(*, tenant, doctor_ids, period: str, use_strata: bool) -> pd.DataFrame:
    """(doctor_id, grade, dept, tier) of these doctors: from the maintained strata when they
    hold ``period`` (``use_strata``), the doctors missing there (created since the last
    refresh) and every doctor otherwise from the live tables."""
    tid = tenant_id_of(tenant)
    ids = list(doctor_ids)
    parts = []
    if use_strata and ids:
        found = pd.DataFrame(
            _rows(_PROFILE_FROM_STRATA_SQL, {"tenant": tid, "ids": _ids(ids)}), columns=PROFILE_COLUMNS
        )
        parts.append(found)
        ids = sorted(set(ids) - set(found["doctor_id"].tolist()))
    if ids:
        parts.append(
            pd.DataFrame(
                _rows(_PROFILE_SQL, {"tenant": tid, "ids": _ids(ids), "period": period}), columns=PROFILE_COLUMNS
            )
        )
    if not parts:
        return pd.DataFrame(columns=PROFILE_COLUMNS)
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def control_pool(*, tenant, strata_n: pd.DataFrame, attendee_ids, period: str, share: float, use_strata: bool):
    """The candidate controls of the attendees' strata: (doctor_id, grade, dept, tier), at most
    :data:`CONTROL_POOL_FACTOR` per attendee of a stratum, taken in draw order among the active
    non-attendees whose draw falls in the ``share`` sample. The same doctors whether read from
    the maintained strata or live (only the speed differs)."""
    tid = tenant_id_of(tenant)
    per_10000 = int(share * 10000) if share < 1 else 10000
    want = strata_n["n"] * CONTROL_POOL_FACTOR
    if use_strata:
        rows = _rows(
            _CONTROLS_FROM_STRATA_SQL,
            {
                "tenant": tid,
                "per_10000": per_10000,
                "tiers": strata_n["tier"].tolist(),
                "grades": strata_n["grade"].tolist(),
                "depts": strata_n["dept"].tolist(),
                "limits": (want + strata_n["n"]).astype(int).tolist(),
            },
        )
    else:
        rows = _rows_hash_joined(
            _CONTROLS_SQL,
            {
                "tenant": tid,
                "period": period,
                "per_10000": per_10000,
                "tiers": strata_n["tier"].tolist(),
                "grades": strata_n["grade"].tolist(),
                "depts": strata_n["dept"].tolist(),
                "exclude": _ids(attendee_ids),
            },
        )
    pool = pd.DataFrame(rows, columns=[*PROFILE_COLUMNS, "draw"])
    pool = pool[~pool["doctor_id"].isin(set(attendee_ids))]
    # Draw order (ties by id), whatever order the plan returned the rows in; then the first
    # `want` of each stratum.
    pool = pool.sort_values(["draw", "doctor_id"], ignore_index=True)
    pool = pool.merge(strata_n[["tier", "grade", "dept"]].assign(want=want.to_numpy()), on=["tier", "grade", "dept"])
    rank = pool.groupby(["tier", "grade", "dept"], sort=False).cumcount().to_numpy()
    return pool[rank < pool["want"].to_numpy()][PROFILE_COLUMNS].reset_index(drop=True)


def tier_period(*, tenant, quarter: str) -> str:
    """The latest scoring period up to ``quarter`` that has tiers ('' when none): the tier a
    doctor had before the event."""
    [(period,)] = _rows(
        "SELECT max(period) FROM segmentation_tierassignment WHERE tenant_id = %s AND period <= %s",
        [tenant_id_of(tenant), quarter],
    )
    return period or ""


# --- the estimate -----------------------------------------------------------------------------


def did_estimate(diffs: np.ndarray, *, seed: int = SEED, resamples: int = BOOTSTRAP) -> dict:
    """Mean of the paired differences and its 95 % percentile-bootstrap interval."""
    diffs = np.asarray(diffs, dtype=float)
    n = len(diffs)
    if n == 0:
        return {"pairs": 0, "did": None, "low": None, "high": None}
    rng = np.random.default_rng(seed)
    means = np.empty(resamples)
    chunk = max(1, min(resamples, 2_000_000 // max(n, 1)))
    for start in range(0, resamples, chunk):
        k = min(chunk, resamples - start)
        means[start : start + k] = diffs[rng.integers(0, n, size=(k, n))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return {
        "pairs": n,
        "did": round(float(diffs.mean()), 4),
        "low": round(float(low), 4),
        "high": round(float(high), 4),
    }


def _warning(est: dict) -> str:
    if est["pairs"] < MIN_PAIRS:
        return gettext("Only %(n)s matched pairs: too few to say anything about an effect.") % {"n": est["pairs"]}
    if est["low"] is not None and est["low"] <= 0 <= est["high"]:
        return gettext("The interval includes zero: no evidence that attending changed this.")
    return ""


def match_pairs(
    attendees: pd.DataFrame, controls: pd.DataFrame, keys=("month", "tier", "grade", "dept", "base")
) -> pd.DataFrame:
    """Exact 1:1 matching on (index month, tier, grade, department, baseline stage) — or the
    integer codes of those, ``keys`` — the k-th attendee of a cell (in a seeded random order)
    with the k-th control of the same cell. Both frames have doctor_id and the keys; returns one
    row per pair (att, ctl, and the attendee's other columns: month, base, …)."""
    keys = list(keys)
    both = pd.concat([attendees[keys], controls[keys]], ignore_index=True)
    # The cell as one integer from each key's codes (a groupby over five columns, two of them
    # text, took 0.25 s at 50,000 attendees and 100,000 candidates; this takes a tenth).
    cell = np.zeros(len(both), dtype=np.int64)
    for key in keys:
        codes, uniques = pd.factorize(both[key], use_na_sentinel=True)
        cell = cell * (len(uniques) + 1) + (codes + 1)
    a = attendees.assign(cell=cell[: len(attendees)]).sample(frac=1, random_state=SEED)
    c = controls[["doctor_id"]].assign(cell=cell[len(attendees) :]).sample(frac=1, random_state=SEED + 1)
    a["k"] = a.groupby("cell", sort=False).cumcount()
    c["k"] = c.groupby("cell", sort=False).cumcount()
    pairs = a.merge(c.rename(columns={"doctor_id": "ctl"}), on=["cell", "k"])
    return pairs.rename(columns={"doctor_id": "att"})


def effect(
    *,
    tenant,
    attendees: pd.DataFrame,
    product_id,
    today: datetime.date,
    on_progress=None,
    profile=None,
    use_strata=None,
) -> dict:
    """Matched difference in differences of adoption stage and usage share (module docstring).

    ``attendees``: doctor_id and index month (the first attended event's month)."""
    report = on_progress or (lambda phase, done, total: None)
    if attendees.empty or product_id is None:
        return {"pairs": 0, "unmatched": int(len(attendees)), "effects": [], "chart": None, "moved": None}
    tid = tenant_id_of(tenant)
    this_month = today.replace(day=1)
    first_month = min(attendees["month"])
    period = tier_period(tenant=tid, quarter=_quarter(max(attendees["month"])))
    ids = attendees["doctor_id"].tolist()
    prof = profile
    if prof is None:
        if use_strata is None:
            use_strata = strata.ready(tenant=tid, period=period)
        prof = profiles(tenant=tid, doctor_ids=ids, period=period, use_strata=use_strata)
    att = attendees.merge(prof, on="doctor_id").sort_values("doctor_id", ignore_index=True)
    report("controls", 1, 5)
    strata_n = att.groupby(["tier", "grade", "dept"]).size().reset_index(name="n")
    # A deterministic pseudo-random share of the tenant's doctors, sized for about
    # CONTROL_POOL_FACTOR candidates per attendee, then at most that many per stratum.
    [(doctors,)] = _rows("SELECT count(*) FROM hospitals_doctor WHERE tenant_id = %s AND is_active", [tid])
    share = min(1.0, CONTROL_POOL_FACTOR * 2 * len(ids) / max(doctors, 1))
    if use_strata is None:
        use_strata = strata.ready(tenant=tid, period=period)
    pool = control_pool(
        tenant=tid, strata_n=strata_n, attendee_ids=ids, period=period, share=share, use_strata=use_strata
    )
    report("history", 2, 5)
    all_ids = set(ids) | set(pool["doctor_id"].tolist())
    history = _stage_history(tenant=tid, product_id=product_id, doctor_ids=all_ids)
    # From the chart's first month (3 months before the first event month) to this month.
    grid = StageGrid(history, all_ids, add_months(first_month, min(CHART_MONTHS) + 1), this_month)
    att["base"] = grid.at(att["doctor_id"], att["month"])
    # Stratum and month as integer codes: the candidates below are a row per control and index
    # month (~1 M rows at 50,000 attendees), cheap to build and to match on as integers.
    codes = strata_n[["tier", "grade", "dept"]].assign(scode=np.arange(len(strata_n)))
    att = att.merge(codes, on=["tier", "grade", "dept"], how="left")
    att["mcode"] = att["month"].map(grid.col).astype(np.int64)
    # A control is a candidate for each index month that has attendees of its stratum.
    months = att[["scode", "mcode"]].drop_duplicates()
    cand = pool[["doctor_id", "tier", "grade", "dept"]].merge(codes, on=["tier", "grade", "dept"])
    cand = cand[["doctor_id", "scode"]].merge(months, on="scode")
    cand["base"] = grid.at_columns(cand["doctor_id"], cand["mcode"].to_numpy())
    pairs = match_pairs(att, cand, keys=("mcode", "scode", "base"))
    report("outcomes", 3, 5)
    usage = _usage(
        tenant=tid,
        product_id=product_id,
        keys=pd.concat(
            [
                pairs[["att", "month"]].set_axis(["doctor_id", "month"], axis=1),
                pairs[["ctl", "month"]].set_axis(["doctor_id", "month"], axis=1),
            ]
        ),
    )
    effects = []
    moved = None
    for h in HORIZONS:
        due = _shift(pairs["month"], h + 1) <= this_month
        p = pairs[due]
        if p.empty:
            for outcome in ("stage", "share"):
                effects.append(
                    {
                        "outcome": outcome,
                        "horizon": h,
                        "pairs": 0,
                        "did": None,
                        "low": None,
                        "high": None,
                        "att_change": None,
                        "ctl_change": None,
                        "warning": _warning({"pairs": 0, "low": None}),
                    }
                )
            continue
        later = _shift(p["month"], h + 1)
        a1 = grid.at(p["att"], later)
        c1 = grid.at(p["ctl"], later)
        base = p["base"].to_numpy()
        est = did_estimate((a1 - base) - (c1 - base))
        effects.append(
            {
                "outcome": "stage",
                "horizon": h,
                **est,
                "att_change": round(float((a1 - base).mean()), 3),
                "ctl_change": round(float((c1 - base).mean()), 3),
                "warning": _warning(est),
            }
        )
        up_a, up_c = int((a1 > base).sum()), int((c1 > base).sum())
        moved = {
            "horizon": h,
            "pairs": len(p),
            "attendees_up": up_a,
            "controls_up": up_c,
            "excess": up_a - up_c,
            "adopters_att": int(((a1 >= ADOPTER) & (base < ADOPTER)).sum()),
            "adopters_ctl": int(((c1 >= ADOPTER) & (base < ADOPTER)).sum()),
        }
        # Usage share: month before the index month → month index + h (pairs with both known).
        sa0, sa1 = _share(usage, p["att"], p["month"], -1), _share(usage, p["att"], p["month"], h)
        sc0, sc1 = _share(usage, p["ctl"], p["month"], -1), _share(usage, p["ctl"], p["month"], h)
        ok = ~(np.isnan(sa0) | np.isnan(sa1) | np.isnan(sc0) | np.isnan(sc1))
        est = did_estimate(((sa1 - sa0) - (sc1 - sc0))[ok])
        effects.append(
            {
                "outcome": "share",
                "horizon": h,
                **est,
                "att_change": round(float((sa1 - sa0)[ok].mean()), 3) if ok.any() else None,
                "ctl_change": round(float((sc1 - sc0)[ok].mean()), 3) if ok.any() else None,
                "warning": _warning(est),
            }
        )
    report("chart", 4, 5)
    chart = {"labels": [], "attendees": [], "controls": []}
    for r in CHART_MONTHS:
        when = _shift(pairs["month"], r + 1)
        due = when <= this_month
        if not due.any():
            continue
        chart["labels"].append(r)
        chart["attendees"].append(round(float(grid.at(pairs["att"][due], when[due]).mean()), 3))
        chart["controls"].append(round(float(grid.at(pairs["ctl"][due], when[due]).mean()), 3))
    return {
        "pairs": int(len(pairs)),
        "unmatched": int(len(att) - len(pairs)),
        "effects": effects,
        "chart": chart,
        "moved": moved,
        "pool": int(len(pool)),
    }


# --- the whole result, cached -----------------------------------------------------------------


def compute(*, tenant, program_id=None, event_id=None, product_id=None, today=None, on_progress=None) -> dict:
    """The ROI of a program (``program_id``) or an event (``event_id``): cost and reach, and the
    matched effect on the scope's product (``product_id``: one of its products; default: the first)."""
    today = today or timezone.localdate()
    tid = tenant_id_of(tenant)
    events = scope_events(tenant=tid, program_id=program_id, event_id=event_id)
    products = scope_products(tenant=tid, program_id=program_id, event_id=event_id)
    if product_id is None or product_id not in {p for p, _n in products}:
        product_id = products[0][0] if products else None
    ids = [e[0] for e in events]
    rows = _rows(
        """SELECT a.event_id, a.doctor_id, e.starts_at FROM events_attendee a
           JOIN events_event e ON e.id = a.event_id AND e.tenant_id = a.tenant_id
           WHERE a.tenant_id = %s AND a.event_id = ANY(%s) AND a.signed_in_at IS NOT NULL""",
        [tid, ids],
    )
    attendances = pd.DataFrame(rows, columns=["event_id", "doctor_id", "starts_at"])
    if not attendances.empty:
        tz = timezone.get_current_timezone()
        # One conversion per event start (1,000 events), not per attendance (50,000).
        months = {s: timezone.localtime(s, tz).date().replace(day=1) for s in attendances["starts_at"].unique()}
        attendances["month"] = attendances["starts_at"].map(months)
    else:
        attendances["month"] = []
    first = attendances.sort_values(["starts_at", "event_id"]).drop_duplicates("doctor_id")[["doctor_id", "month"]]
    period = tier_period(tenant=tid, quarter=_quarter(max(first["month"])) if not first.empty else _quarter(today))
    use_strata = strata.ready(tenant=tid, period=period)
    profile = profiles(tenant=tid, doctor_ids=first["doctor_id"].tolist(), period=period, use_strata=use_strata)
    result = cost_and_reach(tenant=tid, events=events, attendees=attendances, profile=profile)
    result["effect"] = effect(
        tenant=tid,
        attendees=first,
        product_id=product_id,
        today=today,
        on_progress=on_progress,
        profile=profile,
        use_strata=use_strata,
    )
    moved = result["effect"]["moved"]
    cost = result["cost"]
    result["cost_per_moved"] = round(cost / moved["excess"], 2) if moved and moved["excess"] > 0 and cost else None
    result["products"] = products
    result["product_id"] = product_id
    result["product"] = dict(products).get(product_id)
    result["matching"] = "exact"
    result["computed_at"] = timezone.now().isoformat()
    return result


def _key(*, tenant, program_id, event_id, product_id, today) -> tuple[str, list]:
    tid = tenant_id_of(tenant)
    events = scope_events(tenant=tid, program_id=program_id, event_id=event_id)
    ids = [e[0] for e in events]
    fp = fingerprint(tenant=tid, event_ids=ids, product_id=product_id, today=today)
    scope = f"p{program_id}" if program_id is not None else f"e{event_id}"
    return f"analytics:roi:{tid}:{scope}:{product_id}:{fp}", ids


def _attendee_count(*, tenant, event_ids) -> int:
    [(n,)] = _rows(
        "SELECT count(*) FROM events_attendee WHERE tenant_id = %s AND event_id = ANY(%s) AND signed_in_at IS NOT NULL",
        [tenant_id_of(tenant), list(event_ids)],
    )
    return n


def _progress(phase, done, total) -> dict:
    return {"status": "pending" if phase == "waiting" else "running", "phase": phase, "done": done, "total": total}


def roi_request(*, tenant, program_id=None, event_id=None, product_id=None, today=None) -> dict:
    """The ROI as a page should show it now: from the cache when its inputs have not changed;
    computed at once for a scope of at most :data:`ASYNC_MIN_ATTENDEES` attendances; beyond,
    enqueued once in Celery, and the caller shows the progress. Always has ``status``."""
    today = today or timezone.localdate()
    tid = tenant_id_of(tenant)
    key, ids = _key(tenant=tid, program_id=program_id, event_id=event_id, product_id=product_id, today=today)
    state = cache.get(key)
    if state is not None and state.get("status") == "done":
        return state
    if _attendee_count(tenant=tid, event_ids=ids) <= ASYNC_MIN_ATTENDEES:
        outcome = {
            "status": "done",
            "result": compute(tenant=tid, program_id=program_id, event_id=event_id, product_id=product_id, today=today),
            "key": key,
        }
        cache.set(key, outcome, ROI_TTL)
        return outcome
    if state is None and cache.add(key, _progress("waiting", 0, 5), PENDING_TTL):
        from analytics.tasks import program_roi

        program_roi.delay_on_commit(
            tenant_id=tid, program_id=program_id, event_id=event_id, product_id=product_id, key=key
        )
        state = cache.get(key)
    return {**(state or _progress("waiting", 0, 5)), "key": key}


def roi_run(*, tenant, program_id, event_id, product_id, key) -> dict:
    """The Celery task's body: compute and keep the result under ``key`` (writes nothing else)."""

    def on_progress(phase, done, total):
        cache.set(key, _progress(phase, done, total), ROI_TTL)

    try:
        result = compute(
            tenant=tenant, program_id=program_id, event_id=event_id, product_id=product_id, on_progress=on_progress
        )
    except Exception:
        logger.exception("ROI of program %s / event %s failed", program_id, event_id)
        cache.delete(key)
        raise
    outcome = {"status": "done", "result": result, "key": key}
    cache.set(key, outcome, ROI_TTL)
    return outcome
