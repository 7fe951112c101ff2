"""The scorer (pandas, vectorised) and the bulk writer of tier assignments.

:func:`score_frame` turns raw dimension values into normalised values, contributions, a total
score and a tier, for every doctor at once. It is shared by scoring runs and what-if (which
never writes). :func:`write_assignments` stores a scored frame for one period with ``COPY`` into
a temporary table and one ``INSERT … ON CONFLICT … DO UPDATE … WHERE … IS DISTINCT FROM …``, so
a re-run that computes the same values changes no row.

Normalisation within the tenant (documented for product managers):

percentile (default)
    the share of the tenant's scored doctors whose raw value is strictly lower:
    ``(rank_min - 1) / (n - 1)``. Equal raw values get the same normalised value; the lowest
    value gets 0 and the highest 1; a dimension where everyone is equal (e.g. no data) gives 0
    to everyone, so it cannot move anyone's tier.
minmax
    ``(value - min) / (max - min)``; 0 for everyone when max = min.

A dimension's contribution is ``weight % × normalised`` score points (rounded to 0.01), the
total score the sum of the contributions (0–100).
"""

# SQL here is assembled from this module's constants and table names only; values are bound parameters.
# ruff: noqa: S608

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import connection

from crm.db.base import apply_tenant_settings
from segmentation.models import TIER_ORDER, MissingData, Normalisation, Tier, TierAssignment, TierResult, TierRule

TIERS = np.array(Tier.values)  # ["A", "B", "C", "D"]
WRITE_CHUNK = 100_000  # rows per COPY (progress is reported per chunk)


def normalise(values: pd.Series, method: str) -> pd.Series:
    """Normalise raw ``values`` to 0–1 within the tenant (see the module docstring)."""
    n = len(values)
    if n == 0:
        return values.astype("float64")
    if method == Normalisation.MINMAX:
        low, high = values.min(), values.max()
        if high == low:
            return pd.Series(0.0, index=values.index)
        return (values - low) / (high - low)
    if n == 1:
        return pd.Series(0.0, index=values.index)
    return (values.rank(method="min") - 1.0) / (n - 1)


@dataclass
class DimensionSpec:
    """What the scorer needs of a dimension (plain values, no ORM)."""

    key: str
    weight: float  # percent
    normalisation: str


@dataclass
class TierRuleSpec:
    rule: str
    cutoffs: tuple[float, float, float]
    quotas: tuple[float, float, float]
    missing: str = MissingData.LOWEST


def specs_of(version) -> tuple[list[DimensionSpec], TierRuleSpec]:
    """The scorer's view of a :class:`ScorecardVersion`."""
    dims = [DimensionSpec(d.key, float(d.weight), d.normalisation) for d in version.dimensions.all()]
    rule = TierRuleSpec(
        version.tier_rule,
        (float(version.cutoff_a), float(version.cutoff_b), float(version.cutoff_c)),
        (float(version.quota_a), float(version.quota_b), float(version.quota_c)),
        version.missing_data,
    )
    return dims, rule


def assign_tiers(scores: np.ndarray, doctor_ids: np.ndarray, rule: TierRuleSpec) -> np.ndarray:
    """Tier letters for ``scores``: by cut-offs, or by quotas (ties broken by doctor id)."""
    n = len(scores)
    if rule.rule == TierRule.CUTOFFS:
        a, b, c = rule.cutoffs
        index = np.where(scores >= a, 0, np.where(scores >= b, 1, np.where(scores >= c, 2, 3)))
        return TIERS[index]
    qa, qb, qc = rule.quotas
    bounds = [math.floor(n * q / 100 + 0.5) for q in (qa, qa + qb, qa + qb + qc)]
    order = np.lexsort((doctor_ids, -scores))  # best score first, then lowest id
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    index = np.searchsorted(np.array(bounds), position, side="right")
    return TIERS[np.minimum(index, 3)]


def score_frame(raw: pd.DataFrame, dims: list[DimensionSpec], rule: TierRuleSpec) -> pd.DataFrame:
    """Contributions per dimension (columns named by dimension key), ``score`` and ``tier``.

    ``raw``: index doctor_id, one raw column per dimension key (segmentation.dimensions).
    """
    result = pd.DataFrame(index=raw.index)
    total = np.zeros(len(raw))
    missing = rule.missing
    normalised = {}
    known_weight = np.zeros(len(raw))
    for dim in dims:
        values = raw[dim.key]
        known = values.notna()
        if missing == MissingData.LOWEST or bool(known.all()):
            # Raw values are never negative: 0 is the lowest (the behaviour before the policy existed).
            norm = normalise(values.fillna(0.0), dim.normalisation).to_numpy()
            known = np.ones(len(raw), dtype=bool)
        else:
            known = known.to_numpy()
            norm_known = normalise(values[known], dim.normalisation)
            if missing == MissingData.MEDIAN:
                fill = float(norm_known.median()) if len(norm_known) else 0.0
                norm = norm_known.reindex(values.index).fillna(fill).to_numpy()
                known = np.ones(len(raw), dtype=bool)
            else:  # excluded: no contribution, the doctor's other weights renormalised below
                norm = norm_known.reindex(values.index).fillna(0.0).to_numpy()
        normalised[dim.key] = norm
        known_weight = known_weight + np.where(known, dim.weight, 0.0)
        if missing == MissingData.EXCLUDED:
            normalised[dim.key] = np.where(known, norm, 0.0)
    full_weight = sum(d.weight for d in dims)
    # Excluded: each known dimension's weight scaled by full / known weight, so contributions still
    # add up to the score and a doctor with less data is not pushed down for it.
    scale = (
        np.where(known_weight > 0, full_weight / np.where(known_weight > 0, known_weight, 1.0), 0.0)
        if missing == MissingData.EXCLUDED
        else 1.0
    )
    for dim in dims:
        contribution = np.round(normalised[dim.key] * dim.weight * scale, 2)
        result[dim.key] = contribution
        total = total + contribution
    result["score"] = np.round(total, 2)
    result["tier"] = assign_tiers(result["score"].to_numpy(), raw.index.to_numpy(), rule)
    return result


def previous_tiers(*, tenant_id: int, period: str) -> pd.Series:
    """Doctor id → tier stored for ``period`` (empty when none)."""
    from segmentation.dimensions import read_frame

    frame = read_frame(
        f"SELECT doctor_id, tier FROM {TierAssignment._meta.db_table} WHERE tenant_id = %s AND period = %s",
        [tenant_id, period],
    )
    return frame.set_index("doctor_id")["tier"] if not frame.empty else pd.Series(dtype="object")


def movement_counts(new: pd.Series, old: pd.Series) -> dict:
    """How many doctors moved up, down, stayed, or are new, between ``old`` and ``new`` tiers."""
    joined = pd.DataFrame({"new": new}).join(pd.DataFrame({"old": old}), how="left")
    order = pd.Series(TIER_ORDER)
    new_rank = joined["new"].map(order)
    old_rank = joined["old"].map(order)
    known = old_rank.notna()
    return {
        "up": int((known & (new_rank < old_rank)).sum()),
        "down": int((known & (new_rank > old_rank)).sum()),
        "same": int((known & (new_rank == old_rank)).sum()),
        "new": int((~known).sum()),
    }


def _hundredths(values: pd.Series) -> np.ndarray:
    """Score points (rounded to 0.01) as integer hundredths."""
    return np.rint(values.to_numpy(dtype="float64") * 100).astype(np.int64)


def _stage(raw, *, scored, dim_keys, previous, on_progress=None) -> tuple[str, list]:
    """COPY the scored frame into the temporary table ``_seg_stage``; return the SQL of the
    values of one stored row (``tier, score, breakdown, previous_tier``) and its parameters."""
    n = len(scored)
    # Scores travel as integer hundredths: formatting a million floats as text is the slowest part
    # of a COPY from pandas, integers are cheap. ``x / 100.0::float8`` in PostgreSQL is correctly
    # rounded, so it yields exactly the double that the text "12.34" would.
    stage = pd.DataFrame(
        {
            "doctor_id": scored.index.to_numpy(),
            "tier": scored["tier"].to_numpy(),
            "score": _hundredths(scored["score"]),
            "previous_tier": previous.reindex(scored.index).fillna("").to_numpy(),
        }
    )
    contribution_columns = [f"c{i}" for i in range(len(dim_keys))]
    for column, key in zip(contribution_columns, dim_keys, strict=True):
        stage[column] = _hundredths(scored[key])
    # Hash joins and set operations over a million rows stay in memory instead of spilling.
    raw.execute("SET LOCAL work_mem = '256MB'")
    raw.execute("DROP TABLE IF EXISTS _seg_stage")
    columns_sql = ", ".join(
        ["doctor_id bigint", "tier varchar(1)", "score bigint", "previous_tier varchar(1)"]
        + [f"{c} bigint" for c in contribution_columns]
    )
    raw.execute(f"CREATE TEMP TABLE _seg_stage ({columns_sql}) ON COMMIT DROP")
    chunk = WRITE_CHUNK
    for start in range(0, n, chunk):
        part = stage.iloc[start : start + chunk]
        buf = io.StringIO()
        part.to_csv(buf, index=False, header=False)
        buf.seek(0)
        raw.copy_expert(f"COPY _seg_stage ({', '.join(stage.columns)}) FROM STDIN WITH (FORMAT csv)", buf)
        if on_progress:
            on_progress(min(start + chunk, n), n)
    raw.execute("ANALYZE _seg_stage")
    # Contributions go into the JSON as exact decimals (hundredths × 0.01: numeric, cheaper than
    # a float-to-JSON conversion); JSON numbers compare by value, so 12.34 = 12.340.
    pairs = ", ".join(["%s, s." + c + " * 0.01" for c in contribution_columns])
    breakdown = f"jsonb_build_object({pairs})" if contribution_columns else "'{}'::jsonb"
    return f"s.tier, s.score / 100.0::float8, {breakdown}, COALESCE(s.previous_tier, '')", list(dim_keys)


def write_assignments(
    *,
    tenant_id: int,
    period: str,
    version_id: int,
    scored: pd.DataFrame,
    dim_keys: list[str],
    previous: pd.Series,
    on_progress=None,
) -> int:
    """Upsert one assignment per scored doctor for ``period`` (the record); return how many rows changed.

    Inside the caller's transaction. Rows whose values are already stored are left untouched
    (``WHERE … IS DISTINCT FROM``); assignments of the period for doctors no longer scored are
    deleted. Returns inserted + updated + deleted rows.
    """
    table = TierAssignment._meta.db_table
    apply_tenant_settings(connection)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        row_sql, keys = _stage(raw, scored=scored, dim_keys=dim_keys, previous=previous, on_progress=on_progress)
        values = f"%s, {row_sql}"
        # Only rows that are new or differ reach the upsert: one hash join of the staged rows with
        # the period's stored rows finds them, instead of a unique-index probe per doctor. The
        # upsert's own WHERE keeps it a no-op for an unchanged row all the same.
        raw.execute(
            f"INSERT INTO {table} AS t "
            "(tenant_id, doctor_id, period, version_id, tier, score, breakdown, previous_tier) "
            f"SELECT %s, s.doctor_id, %s, {values} FROM _seg_stage s "
            f"LEFT JOIN (SELECT * FROM {table} WHERE tenant_id = %s AND period = %s) e ON e.doctor_id = s.doctor_id "
            f"WHERE e.id IS NULL OR (e.version_id, e.tier, e.score, e.breakdown, e.previous_tier) "
            f"IS DISTINCT FROM ({values}) "
            "ON CONFLICT (tenant_id, doctor_id, period) DO UPDATE SET "
            "version_id = EXCLUDED.version_id, tier = EXCLUDED.tier, score = EXCLUDED.score, "
            "breakdown = EXCLUDED.breakdown, previous_tier = EXCLUDED.previous_tier "
            "WHERE (t.version_id, t.tier, t.score, t.breakdown, t.previous_tier) IS DISTINCT FROM "
            "(EXCLUDED.version_id, EXCLUDED.tier, EXCLUDED.score, EXCLUDED.breakdown, EXCLUDED.previous_tier)",
            [tenant_id, period, version_id, *keys, tenant_id, period, version_id, *keys],
        )
        changed = raw.rowcount
        raw.execute(
            # EXCEPT (a hashed set operation) rather than NOT EXISTS: under row-level security
            # the planner may not turn NOT EXISTS into an anti-join and probes row by row.
            f"DELETE FROM {table} WHERE tenant_id = %s AND period = %s AND doctor_id IN ("
            f"SELECT doctor_id FROM {table} WHERE tenant_id = %s AND period = %s "
            "EXCEPT SELECT doctor_id FROM _seg_stage)",
            [tenant_id, period, tenant_id, period],
        )
        changed += raw.rowcount
        raw.execute("DROP TABLE _seg_stage")
    return changed


def _upsert_record(raw, *, tenant_id: int, period: str, source: str, delete_absent: bool = True) -> int:
    """Make the period's assignments equal to ``source`` (doctor_id, version_id, tier, score,
    breakdown, previous_tier); return inserted + updated (+ deleted) rows."""
    table = TierAssignment._meta.db_table
    columns = "s.version_id, s.tier, s.score, s.breakdown, s.previous_tier"
    # Only rows that are new or differ reach the upsert: one hash join of the staged rows with
    # the period's stored rows finds them, instead of a unique-index probe per doctor. The
    # upsert's own WHERE keeps it a no-op for an unchanged row all the same.
    raw.execute(
        f"INSERT INTO {table} AS t "
        "(tenant_id, doctor_id, period, version_id, tier, score, breakdown, previous_tier) "
        f"SELECT %s, s.doctor_id, %s, {columns} FROM {source} s "
        f"LEFT JOIN (SELECT * FROM {table} WHERE tenant_id = %s AND period = %s) e ON e.doctor_id = s.doctor_id "
        f"WHERE e.id IS NULL OR (e.version_id, e.tier, e.score, e.breakdown, e.previous_tier) "
        f"IS DISTINCT FROM ({columns}) "
        "ON CONFLICT (tenant_id, doctor_id, period) DO UPDATE SET "
        "version_id = EXCLUDED.version_id, tier = EXCLUDED.tier, score = EXCLUDED.score, "
        "breakdown = EXCLUDED.breakdown, previous_tier = EXCLUDED.previous_tier "
        "WHERE (t.version_id, t.tier, t.score, t.breakdown, t.previous_tier) IS DISTINCT FROM "
        "(EXCLUDED.version_id, EXCLUDED.tier, EXCLUDED.score, EXCLUDED.breakdown, EXCLUDED.previous_tier)",
        [tenant_id, period, tenant_id, period],
    )
    changed = raw.rowcount
    if delete_absent:
        raw.execute(
            # EXCEPT (a hashed set operation) rather than NOT EXISTS: under row-level security
            # the planner may not turn NOT EXISTS into an anti-join and probes row by row.
            f"DELETE FROM {table} WHERE tenant_id = %s AND period = %s AND doctor_id IN ("
            f"SELECT doctor_id FROM {table} WHERE tenant_id = %s AND period = %s "
            f"EXCEPT SELECT doctor_id FROM {source})",
            [tenant_id, period, tenant_id, period],
        )
        changed += raw.rowcount
    return changed


def write_draft(
    *,
    tenant_id: int,
    period: str,
    run_id: int,
    version_id: int,
    scored: pd.DataFrame,
    dim_keys: list[str],
    previous: pd.Series,
    on_progress=None,
) -> int:
    """A run of a period that already has a record: compare with the record and, when anything
    differs, keep the run's rows as a draft (TierResult). Returns how many doctors' rows differ
    from the record (new, changed or gone); 0 stores nothing. The record is not touched."""
    table = TierAssignment._meta.db_table
    result_table = TierResult._meta.db_table
    apply_tenant_settings(connection)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        row_sql, keys = _stage(raw, scored=scored, dim_keys=dim_keys, previous=previous, on_progress=on_progress)
        raw.execute(
            "SELECT count(*) FROM _seg_stage s "
            f"FULL JOIN (SELECT * FROM {table} WHERE tenant_id = %s AND period = %s) e ON e.doctor_id = s.doctor_id "
            "WHERE s.doctor_id IS NULL OR e.id IS NULL OR "
            "(e.version_id, e.tier, e.score, e.breakdown, e.previous_tier) IS DISTINCT FROM "
            f"(%s, {row_sql})",
            [tenant_id, period, version_id, *keys],
        )
        differing = raw.fetchone()[0]
        if differing:
            raw.execute(
                f"INSERT INTO {result_table} (tenant_id, run_id, doctor_id, tier, score, breakdown, previous_tier) "
                f"SELECT %s, %s, s.doctor_id, {row_sql} FROM _seg_stage s "
                "ON CONFLICT (tenant_id, run_id, doctor_id) DO NOTHING",
                [tenant_id, run_id, *keys],
            )
        raw.execute("DROP TABLE _seg_stage")
    return differing


def archive_record(*, tenant_id: int, period: str, run_id: int) -> int:
    """Copy the period's record into TierResult under ``run_id`` (the run whose result it is), so
    that publishing another result keeps it in history. Returns rows copied."""
    apply_tenant_settings(connection)
    with connection.cursor() as cursor:
        cursor.cursor.execute(
            f"INSERT INTO {TierResult._meta.db_table} "
            "(tenant_id, run_id, doctor_id, tier, score, breakdown, previous_tier) "
            "SELECT tenant_id, %s, doctor_id, tier, score, breakdown, previous_tier "
            f"FROM {TierAssignment._meta.db_table} WHERE tenant_id = %s AND period = %s "
            "ON CONFLICT (tenant_id, run_id, doctor_id) DO NOTHING",
            [run_id, tenant_id, period],
        )
        return cursor.cursor.rowcount


def publish_draft(*, tenant_id: int, period: str, run_id: int, version_id: int) -> int:
    """Make the draft of ``run_id`` the period's record; its TierResult rows are then removed (the
    record holds them). Returns the record's changed rows."""
    result_table = TierResult._meta.db_table
    apply_tenant_settings(connection)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        raw.execute("SET LOCAL work_mem = '256MB'")
        raw.execute(
            "CREATE TEMP TABLE _seg_rows ON COMMIT DROP AS "
            "SELECT doctor_id, %s::bigint AS version_id, tier, score, breakdown, previous_tier "
            f"FROM {result_table} WHERE tenant_id = %s AND run_id = %s",
            [version_id, tenant_id, run_id],
        )
        raw.execute("ANALYZE _seg_rows")
        changed = _upsert_record(raw, tenant_id=tenant_id, period=period, source="_seg_rows")
        raw.execute("DROP TABLE _seg_rows")
        raw.execute(f"DELETE FROM {result_table} WHERE tenant_id = %s AND run_id = %s", [tenant_id, run_id])
    return changed


def add_to_record(
    *, tenant_id: int, period: str, version_id: int, scored: pd.DataFrame, dim_keys: list[str], previous: pd.Series
) -> int:
    """Insert rows of doctors the record does not have yet (new doctors); never changes a row."""
    apply_tenant_settings(connection)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        row_sql, keys = _stage(raw, scored=scored, dim_keys=dim_keys, previous=previous)
        raw.execute(
            f"INSERT INTO {TierAssignment._meta.db_table} "
            "(tenant_id, doctor_id, period, version_id, tier, score, breakdown, previous_tier) "
            f"SELECT %s, s.doctor_id, %s, %s, {row_sql} FROM _seg_stage s "
            "ON CONFLICT (tenant_id, doctor_id, period) DO NOTHING",
            [tenant_id, period, version_id, *keys],
        )
        added = raw.rowcount
        raw.execute("DROP TABLE _seg_stage")
    return added


def record_thresholds(*, tenant_id: int, period: str) -> tuple[float, float, float] | None:
    """The lowest score of A, B and C in the period's record: the cut-offs in force (also for a
    quota rule, where they are what the quotas came to). None when the record is empty."""
    from segmentation.dimensions import read_frame

    frame = read_frame(
        f"SELECT tier, min(score) AS low FROM {TierAssignment._meta.db_table} "
        "WHERE tenant_id = %s AND period = %s GROUP BY tier",
        [tenant_id, period],
    )
    if frame.empty:
        return None
    low = dict(zip(frame["tier"], frame["low"], strict=True))
    a = float(low.get("A", math.inf))
    b = float(low.get("B", a))
    c = float(low.get("C", b))
    return a, min(b, a), min(c, b, a)
