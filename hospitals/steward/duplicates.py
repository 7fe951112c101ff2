"""Likely duplicate doctors of a tenant: found set-based in PostgreSQL, reviewed by a steward.

Two doctors (neither merged already) are a likely pair when they have

* the same name (spaces ignored: ``许 立`` = ``许立``) at the same hospital — 50 points, 70 in the
  same department;
* the same mobile phone (E.164) — 60 points (a number shared by more than
  :data:`MAX_GROUP` doctors is a switchboard, not a person, and is passed over);
* the same pinyin in the same department with different characters (张伟 / 章伟: a typo or a
  homophone) — 40 points.

Points add up to a score of at most 100. :func:`duplicate_scan` writes the pairs into
:class:`~hospitals.models.DuplicateCandidate` in one statement (a self-join per rule, grouped per
pair); a pair dismissed or merged before keeps its decision, and open pairs no longer found
are removed. At a million doctors it is a few hash joins: see ``BENCH duplicate_scan_1m_s``.
"""

from __future__ import annotations

import dataclasses
import time

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from crm.tenancy import tenant_context
from hospitals.models import CandidateStatus, Doctor, DuplicateCandidate

MAX_GROUP = 12  # a name or phone shared by more doctors than this proposes no pairs
LOCK_CLASS = 7_302  # pg_advisory_xact_lock(class, tenant): one scan per tenant at a time

_SCAN = """
WITH d AS (
    SELECT id, hospital_id, department_id, name_pinyin, phone,
           translate(name, ' 　', '') AS n,
           count(*) OVER (PARTITION BY hospital_id, translate(name, ' 　', '')) AS name_group,
           count(*) OVER (PARTITION BY phone) AS phone_group,
           count(*) OVER (PARTITION BY department_id, name_pinyin) AS pinyin_group
    FROM {doctor}
    WHERE tenant_id = %(tenant)s AND merged_into_id IS NULL
),
pairs AS (
    SELECT a.id AS x, b.id AS y, 'name_hospital' AS reason,
           CASE WHEN a.department_id IS NOT DISTINCT FROM b.department_id THEN 70 ELSE 50 END AS points
    FROM d a JOIN d b ON a.hospital_id = b.hospital_id AND a.n = b.n AND a.id < b.id
    WHERE a.name_group BETWEEN 2 AND %(max)s
    UNION ALL
    SELECT a.id, b.id, 'phone', 60
    FROM d a JOIN d b ON a.phone = b.phone AND a.id < b.id
    WHERE a.phone <> '' AND a.phone_group BETWEEN 2 AND %(max)s
    UNION ALL
    SELECT a.id, b.id, 'pinyin_department', 40
    FROM d a JOIN d b ON a.department_id = b.department_id AND a.name_pinyin = b.name_pinyin
                     AND a.n <> b.n AND a.id < b.id
    WHERE a.name_pinyin <> '' AND a.pinyin_group BETWEEN 2 AND %(max)s
),
found AS (
    SELECT x, y, array_agg(reason ORDER BY reason) AS reasons, least(100, sum(points)) AS score
    FROM pairs GROUP BY x, y
)
INSERT INTO {candidate} AS c (tenant_id, doctor_a_id, doctor_b_id, reasons, score, status, found_at)
SELECT %(tenant)s, x, y, reasons, score, 'open', %(now)s FROM found
ON CONFLICT (tenant_id, doctor_a_id, doctor_b_id) DO UPDATE
    SET reasons = EXCLUDED.reasons, score = EXCLUDED.score, found_at = EXCLUDED.found_at
    WHERE c.status = 'open'
"""


@dataclasses.dataclass
class ScanResult:
    found: int  # pairs found (new or still open)
    removed: int  # open pairs no longer found
    seconds: float


def duplicate_scan(*, tenant) -> ScanResult:
    """Find the tenant's likely duplicate doctors (see the module docstring)."""
    from django.utils import timezone

    tenant_id = int(getattr(tenant, "pk", tenant))
    started = time.perf_counter()
    now = timezone.now()
    quote = connection.ops.quote_name
    sql = _SCAN.format(doctor=quote(Doctor._meta.db_table), candidate=quote(DuplicateCandidate._meta.db_table))
    with tenant_context(tenant_id), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CLASS, tenant_id])
        cursor.execute(sql, {"tenant": tenant_id, "max": MAX_GROUP, "now": now})
        found = cursor.rowcount
        removed, _ = (
            DuplicateCandidate.objects.for_tenant(tenant_id)
            .filter(status=CandidateStatus.OPEN, found_at__lt=now)
            .delete()
        )
    return ScanResult(found, removed, time.perf_counter() - started)


def duplicate_candidates(*, tenant, status: str = CandidateStatus.OPEN) -> QuerySet[DuplicateCandidate]:
    """Pairs to review (best first), neither doctor merged since the scan."""
    merged = Doctor.objects.for_tenant(tenant).filter(merged_into__isnull=False)
    return (
        DuplicateCandidate.objects.for_tenant(tenant)
        .filter(status=status)
        .exclude(Exists(merged.filter(Q(pk=OuterRef("doctor_a_id")) | Q(pk=OuterRef("doctor_b_id")))))
        .select_related("doctor_a__hospital", "doctor_a__department", "doctor_b__hospital", "doctor_b__department")
        .order_by("-score", "id")
    )
