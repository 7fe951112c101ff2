"""The dimension catalogue: how each dimension's *raw* value per doctor is read, set-based.

Every reader is one SQL aggregate over the tenant's rows, streamed with ``COPY (query) TO STDOUT``
into a pandas DataFrame (no per-doctor query, no ORM objects). Row-level security applies: the
caller runs inside ``transaction.atomic()`` with the tenant in context, and
:func:`crm.db.base.apply_tenant_settings` is called before the raw ``copy_expert``.

Raw values (higher is better; normalisation within the tenant happens in segmentation.scoring):

academic_influence
    Sum over the doctor's society positions of level × position points (national 3, provincial
    2, city 1 × chair 10, chair-elect 9, vice chair 7, standing member 5, member 3, secretary 3,
    youth member 2) + academic title (professor 6, associate professor 4, lecturer 2) + clinical
    title (chief 6, associate chief 4, attending 2, resident 1) + administrative post (president
    5, vice president 4, department director 4, deputy or ward director 2).
prescribing_potential
    0.5 × hospital grade (3A 1.0, 3B 0.85, 3 0.8, 2A 0.6, 2B 0.5, 2 0.45, 1 0.2, ungraded 0.1)
    + 0.25 × beds (capped at 3,000, as a share of 3,000) + 0.25 × department volume (active doctors
    of the department, the prescribers there, capped at 50, as a share of 50).
business_contribution
    From usage share in the months of the period, for the scorecard's product (or all our
    products): 0.5 × percentile rank of the summed volume + 0.5 × average share (0–1).
    Doctors without usage rows have no value (the scorecard's missing-data policy decides).
digital_acceptance
    Share of the doctor's submitted visits in the period whose channel is not in person.
    0 for everyone while there are no visits. Read by visits (visits.dimensions, registered
    through segmentation.hooks): segmentation does not read the tables of the apps above it.
willingness
    Share of submitted visits in the period whose objective was achieved (partly counts half).
imported:<id>
    The uploaded value of the imported dimension for the doctor and period (missing: the policy).
"""

# SQL here is assembled from this module's constants and table names only; values are bound parameters.
# ruff: noqa: S608

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from django.db import connection

from crm.db.base import apply_tenant_settings
from segmentation import hooks
from segmentation.models import DimensionKind, period_bounds

SOCIETY_LEVEL_POINTS = {"national": 3, "provincial": 2, "city": 1}
SOCIETY_POSITION_POINTS = {
    "chair": 10,
    "chair_elect": 9,
    "vice_chair": 7,
    "standing_member": 5,
    "member": 3,
    "secretary": 3,
    "youth_member": 2,
}
ACADEMIC_TITLE_POINTS = {"professor": 6, "associate_professor": 4, "lecturer": 2}
CLINICAL_TITLE_POINTS = {"chief": 6, "associate_chief": 4, "attending": 2, "resident": 1}
ADMIN_POST_POINTS = {"president": 5, "vice_president": 4, "director": 4, "deputy_director": 2, "ward_director": 2}
GRADE_POINTS = {"3A": 1.0, "3B": 0.85, "3": 0.8, "2A": 0.6, "2B": 0.5, "2": 0.45, "1": 0.2, "NA": 0.1}
BEDS_CAP = 3000
DEPARTMENT_DOCTORS_CAP = 50


def _case(column: str, points: dict, default="0") -> str:
    # Keys and values are constants of this module, never user input.
    whens = " ".join(f"WHEN '{key}' THEN {value}" for key, value in points.items())
    return f"(CASE {column} {whens} ELSE {default} END)"


def read_frame(sql: str, params=None) -> pd.DataFrame:
    """Run ``sql`` (with ``%s`` params) and stream its rows into a DataFrame via COPY … TO STDOUT.

    Must run inside ``transaction.atomic()``: the tenant settings are forced into the transaction
    because ``copy_expert`` bypasses the tenant-aware execute wrapper.
    """
    apply_tenant_settings(connection)
    buf = io.StringIO()
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg2 cursor: mogrify binds params client-side, COPY takes none
        query = raw.mogrify(sql, params or ()).decode()
        raw.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER true)", buf)
    buf.seek(0)
    return pd.read_csv(buf)


def active_doctors(*, tenant_id: int) -> pd.DataFrame:
    """Ids of the doctors a run scores: the tenant's active doctors, ordered by id."""
    return read_frame(
        "SELECT id AS doctor_id FROM hospitals_doctor WHERE tenant_id = %s AND is_active ORDER BY id", [tenant_id]
    )


def _master_frame(*, tenant_id: int, kinds: set[str]) -> pd.DataFrame:
    """Academic influence and prescribing potential in one pass over doctors (only those asked)."""
    columns = ["d.id AS doctor_id"]
    joins = []
    if DimensionKind.ACADEMIC_INFLUENCE in kinds:
        society = (
            "SELECT doctor_id, SUM("
            + _case("level", SOCIETY_LEVEL_POINTS)
            + " * "
            + _case("position", SOCIETY_POSITION_POINTS)
            + ") AS pts FROM hospitals_societyposition WHERE tenant_id = %(t)s GROUP BY doctor_id"
        )
        joins.append(f"LEFT JOIN ({society}) sp ON sp.doctor_id = d.id")
        columns.append(
            "COALESCE(sp.pts, 0) + "
            + " + ".join(
                [
                    _case("d.academic_title", ACADEMIC_TITLE_POINTS),
                    _case("d.clinical_title", CLINICAL_TITLE_POINTS),
                    _case("d.admin_post", ADMIN_POST_POINTS),
                ]
            )
            + f" AS {DimensionKind.ACADEMIC_INFLUENCE}"
        )
    if DimensionKind.PRESCRIBING_POTENTIAL in kinds:
        department = (
            "SELECT department_id, count(*) AS n FROM hospitals_doctor "
            "WHERE tenant_id = %(t)s AND is_active AND department_id IS NOT NULL GROUP BY department_id"
        )
        joins.append("JOIN hospitals_hospital h ON h.id = d.hospital_id")
        joins.append(f"LEFT JOIN ({department}) dep ON dep.department_id = d.department_id")
        columns.append(
            f"0.5 * {_case('h.grade', GRADE_POINTS, default='0.1')}"
            f" + 0.25 * LEAST(COALESCE(h.beds, 0), {BEDS_CAP})::float / {BEDS_CAP}"
            f" + 0.25 * LEAST(COALESCE(dep.n, 0), {DEPARTMENT_DOCTORS_CAP})::float / {DEPARTMENT_DOCTORS_CAP}"
            f" AS {DimensionKind.PRESCRIBING_POTENTIAL}"
        )
    sql = (
        f"SELECT {', '.join(columns)} FROM hospitals_doctor d {' '.join(joins)} "
        "WHERE d.tenant_id = %(t)s AND d.is_active"
    )
    return read_frame(sql, {"t": tenant_id})


def _business_frame(*, tenant_id: int, period: str, product_id: int | None) -> pd.DataFrame:
    start, end = period_bounds(period)
    product = (
        "u.product_id = %(p)s"
        if product_id
        else "u.product_id IN (SELECT id FROM hospitals_product WHERE tenant_id = %(t)s AND is_own)"
    )
    # float8 aggregates: numeric arithmetic over a million rows is several times slower.
    sql = (
        "SELECT u.doctor_id, SUM(u.volume::float8) AS volume, AVG(u.share::float8) AS share "
        "FROM hospitals_usageshare u "
        f"WHERE u.tenant_id = %(t)s AND u.period >= %(s)s AND u.period < %(e)s AND {product} "
        "GROUP BY u.doctor_id"
    )
    frame = read_frame(sql, {"t": tenant_id, "s": start, "e": end, "p": product_id})
    if frame.empty:
        return pd.DataFrame({"doctor_id": pd.Series([], dtype="int64"), DimensionKind.BUSINESS_CONTRIBUTION: []})
    volume_rank = frame["volume"].rank(method="min")
    n = len(frame)
    volume_pct = (volume_rank - 1) / (n - 1) if n > 1 else volume_rank * 0 + 1.0
    frame[DimensionKind.BUSINESS_CONTRIBUTION] = 0.5 * volume_pct + 0.5 * frame["share"].clip(0, 100) / 100
    return frame[["doctor_id", DimensionKind.BUSINESS_CONTRIBUTION]]


def _visits_frame(*, tenant_id: int, period: str, kinds: set[str]) -> pd.DataFrame | None:
    """Digital acceptance and willingness from the reader visits registers (segmentation.hooks);
    None without one (the dimensions are then 0 for everyone)."""
    reader = hooks.visit_inputs()
    return reader(tenant_id=tenant_id, period=period) if reader is not None else None


def _imported_frame(*, tenant_id: int, period: str, dimension_id: int, key: str) -> pd.DataFrame:
    sql = (
        f'SELECT doctor_id, value AS "{key}" FROM segmentation_importedvalue '
        "WHERE tenant_id = %(t)s AND dimension_id = %(d)s AND period = %(p)s"
    )
    return read_frame(sql, {"t": tenant_id, "d": dimension_id, "p": period})


def load_raw_inputs(*, tenant_id: int, period: str, dimensions, product_id: int | None) -> pd.DataFrame:
    """One row per active doctor (``doctor_id`` ascending) and one raw column per dimension key.

    ``dimensions``: the version's :class:`ScorecardDimension` rows. Only the inputs they use are
    read. Missing values (a doctor without usage, visits or an imported value) stay NaN: the
    scorer applies the scorecard's missing-data policy (segmentation.scoring.score_frame).
    """
    kinds = {d.kind for d in dimensions}
    frame = _master_frame(tenant_id=tenant_id, kinds=kinds)
    extra = []
    if DimensionKind.BUSINESS_CONTRIBUTION in kinds:
        extra.append(_business_frame(tenant_id=tenant_id, period=period, product_id=product_id))
    visit_kinds = kinds & {DimensionKind.DIGITAL_ACCEPTANCE, DimensionKind.WILLINGNESS}
    if visit_kinds:
        visits = _visits_frame(tenant_id=tenant_id, period=period, kinds=visit_kinds)
        if visits is not None:
            extra.append(visits[["doctor_id", *sorted(visit_kinds)]])
        else:
            for kind in visit_kinds:
                frame[kind] = 0.0
    for dim in dimensions:
        if dim.kind == DimensionKind.IMPORTED:
            extra.append(
                _imported_frame(tenant_id=tenant_id, period=period, dimension_id=dim.imported_dimension_id, key=dim.key)
            )
    frame = frame.set_index("doctor_id")
    for part in extra:
        part = part.set_index("doctor_id")
        frame = frame.join(part, how="left")
    keys = [d.key for d in dimensions]
    for key in keys:
        if key not in frame.columns:
            frame[key] = 0.0
    frame = frame[keys].astype("float64").sort_index()
    frame.index = frame.index.astype(np.int64)
    return frame
