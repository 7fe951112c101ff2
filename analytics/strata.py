"""The doctors' matching strata for event ROI (analytics.models.DoctorStratum), kept fresh.

The ROI pairs each attendee with a non-attendee of the same tier, hospital grade and department
(analytics.roi). Finding those candidates means knowing the three for every doctor of the
tenant: joined live, that is a million doctors with their hospitals, departments and tier
assignments — 1.5–2 s of every cold ROI at 1 M doctors. This module keeps the join's result in
one table, read by an index on (tenant, tier, grade, department, draw):

* :func:`refresh` upserts what changed (a new tier period re-writes every row once; a night
  with a few moved doctors writes a few rows) and removes doctors who left the join (no
  hospital any more). Idempotent. Run nightly by ``analytics.doctor_strata_refresh`` (fanned
  out by the 03:10 analytics job) and after a bulk load (the benchmark does what the night does).
* :func:`ready` tells the ROI whether the table holds the tier period it needs; when it does
  not (a tenant never refreshed, or tiers of a new quarter scored since last night) the ROI
  joins live — the same candidates, only slower.

Freshness: a doctor moved to another hospital or department, or re-tiered within the same
period, counts in the control pool from the next night on; the attendees' own strata are read
live when they are missing from the table (doctors created since). :func:`version` (bumped by
each refresh) is part of the ROI's cache fingerprint, so a refresh gives a new result.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import connection, transaction

from crm import stats
from crm.tenancy import tenant_id_of

# The draw: a fixed pseudo-random number per doctor (Knuth's multiplicative hash of the id), the
# order in which the candidates of a stratum are taken, and the sample of the live pool.
DRAW_SQL = "((d.id * 2654435761 + 20260) % 10000)"

_REFRESH_SQL = """
INSERT INTO analytics_doctorstratum AS s
       (tenant_id, doctor_id, period, tier, grade, dept, draw, is_active, refreshed_at)
SELECT d.tenant_id, d.id, %(period)s, COALESCE(ta.tier, ''), h.grade,
       COALESCE(NULLIF(dep.standard_code, ''), dep.name, ''), {draw}::smallint,
       d.is_active, now()
FROM hospitals_doctor d
JOIN hospitals_hospital h ON h.id = d.hospital_id AND h.tenant_id = d.tenant_id
LEFT JOIN hospitals_department dep ON dep.id = d.department_id AND dep.tenant_id = d.tenant_id
LEFT JOIN segmentation_tierassignment ta
       ON ta.tenant_id = d.tenant_id AND ta.doctor_id = d.id AND ta.period = %(period)s
WHERE d.tenant_id = %(tenant)s
ON CONFLICT (tenant_id, doctor_id) DO UPDATE
SET period = EXCLUDED.period, tier = EXCLUDED.tier, grade = EXCLUDED.grade, dept = EXCLUDED.dept,
    is_active = EXCLUDED.is_active, refreshed_at = EXCLUDED.refreshed_at
WHERE (s.period, s.tier, s.grade, s.dept, s.is_active)
      IS DISTINCT FROM (EXCLUDED.period, EXCLUDED.tier, EXCLUDED.grade, EXCLUDED.dept, EXCLUDED.is_active)
""".replace("{draw}", DRAW_SQL.replace("%", "%%"))  # a constant, never input

_PRUNE_SQL = """
DELETE FROM analytics_doctorstratum s USING hospitals_doctor d
WHERE s.tenant_id = %(tenant)s AND d.id = s.doctor_id AND d.tenant_id = s.tenant_id AND d.hospital_id IS NULL
"""


def latest_period(*, tenant) -> str:
    """The tenant's latest scoring period ('' when it has no tiers yet)."""
    with connection.cursor() as cur:
        cur.execute("SELECT max(period) FROM segmentation_tierassignment WHERE tenant_id = %s", [tenant_id_of(tenant)])
        return cur.fetchone()[0] or ""


def _version_key(tid) -> str:
    return f"analytics:strata:{tid}"


def version(*, tenant) -> str:
    """Changes with every refresh of the tenant's strata (part of the ROI's cache fingerprint)."""
    return str(cache.get(_version_key(tenant_id_of(tenant))) or "")


def refresh(*, tenant) -> dict:
    """Bring the tenant's strata up to date with doctors, hospitals, departments and the latest
    tier period: ``{"period", "written", "removed", "seconds"}``. Safe to run again."""
    tid = tenant_id_of(tenant)
    start = time.perf_counter()
    with transaction.atomic():
        period = latest_period(tenant=tid)
        with connection.cursor() as cur:
            cur.execute(_REFRESH_SQL, {"tenant": tid, "period": period})
            written = cur.rowcount
            cur.execute(_PRUNE_SQL, {"tenant": tid})
            removed = cur.rowcount
        if written or removed:
            stats.analyze_on_commit()
        transaction.on_commit(lambda: cache.set(_version_key(tid), f"{time.time():.6f}", None))
    return {"period": period, "written": written, "removed": removed, "seconds": round(time.perf_counter() - start, 2)}


def ready(*, tenant, period: str) -> bool:
    """Whether the tenant's strata hold tier period ``period`` (every row carries the period of
    its last refresh, so one row tells)."""
    with connection.cursor() as cur:
        cur.execute("SELECT period FROM analytics_doctorstratum WHERE tenant_id = %s LIMIT 1", [tenant_id_of(tenant)])
        row = cur.fetchone()
    return row is not None and row[0] == period
