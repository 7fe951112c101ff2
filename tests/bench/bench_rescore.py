"""Tier re-score of a tenant of 1,000,000 doctors (another as big beside it), 5 dimensions.

* ``rescore_1m_s`` — a full scoring run end to end (claim the run, read every input with SQL
  aggregates, score with pandas, COPY + upsert 1,000,000 assignments, record the run), in a fresh
  process as a worker would run it, with the assignment table empty for the period;
* ``rescore_1m_peak_mb`` — the peak resident memory of that process (``VmHWM``: its own high-water
  mark; ``ru_maxrss`` would include the parent's memory at fork, inherited through exec);
* ``rescore_rerun_changed_rows`` — a second run of the same period and version: rows it changed
  (the period is published, so the re-run only compares with the record: 0 rows and no draft);
* ``rescore_rerun_s`` — that re-run's wall time (the compare-with-the-record path of issue 15);
* ``rescore_vs_orm_ratio`` — on a tenant of 20,000 doctors: a plain per-object ORM implementation
  of the same scoring (kept only here, :func:`orm_rescore`) divided by the vectorised run.

Dimensions: academic influence, prescribing potential, business contribution (usage rows for 40 %
of the doctors in the quarter), willingness to cooperate (from visits; none in the benchmark
data, so 0 for all, still read and normalised) and an imported dimension (a value for 90 % of the
doctors). Quotas 10/20/30 %.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

FIGURES = (
    "rescore_1m_s",
    "rescore_1m_peak_mb",
    "rescore_rerun_changed_rows",
    "rescore_rerun_s",
    "rescore_vs_orm_ratio",
)

PERIOD = "2026Q1"
ORM_DOCTORS = int(os.environ.get("BENCH_ORM_DOCTORS", "20000"))
DIMENSIONS = [
    {"kind": "academic_influence", "weight": 30},
    {"kind": "prescribing_potential", "weight": 25},
    {"kind": "business_contribution", "weight": 25},
    {"kind": "willingness", "weight": 5},
    {"kind": "imported", "weight": 15},
]


def _prepare(tenant, *, seed=0.42):
    """Usage, an imported dimension with values, and an active scorecard version for ``tenant``."""
    from django.db import connection, transaction

    from crm.tenancy import tenant_context
    from hospitals.models import Product
    from segmentation import services

    with tenant_context(tenant):
        product = Product.objects.create(tenant=tenant, name="基准药", is_own=True)
        dim = services.imported_dimension_create(tenant=tenant, by=None, code="kol", name="第三方KOL指数")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT setseed(%s)", [seed])
            for month in ("2026-01-01", "2026-02-01", "2026-03-01"):
                cursor.execute(
                    "INSERT INTO hospitals_usageshare (tenant_id, doctor_id, product_id, period, volume, share) "
                    "SELECT tenant_id, id, %s, %s, round((random() * 500)::numeric, 2), "
                    "round((random() * 100)::numeric, 2) "
                    "FROM hospitals_doctor WHERE tenant_id = %s AND random() < 0.4",
                    [product.pk, month, tenant.pk],
                )
            cursor.execute(
                "INSERT INTO segmentation_importedvalue (tenant_id, dimension_id, doctor_id, period, value) "
                "SELECT tenant_id, %s, id, %s, round((random() * 100)::numeric, 1) "
                "FROM hospitals_doctor WHERE tenant_id = %s AND random() < 0.9",
                [dim.pk, PERIOD, tenant.pk],
            )
        dims = [dict(d, imported_dimension=dim.pk) if d["kind"] == "imported" else d for d in DIMENSIONS]
        scorecard = services.scorecard_create(tenant=tenant, by=None, name="基准分级", product=product)
        version = services.version_create(tenant=tenant, by=None, scorecard=scorecard, dimensions=dims)
        version = services.version_activate(tenant=tenant, by=None, version=version)
    from tests.bench.datagen import vacuum_analyze

    vacuum_analyze(("hospitals_usageshare", "segmentation_importedvalue"))
    return version


def _new_run(tenant, version):
    from crm.tenancy import tenant_context
    from segmentation.models import ScoringRun

    with tenant_context(tenant):
        return ScoringRun.objects.create(tenant=tenant, version=version, period=PERIOD).pk


def _run_in_child(tenant_id: int, run_id: int) -> dict:
    """Run the scoring in a fresh process (as a worker would); its wall time and peak RSS."""
    from django.db import connections

    for conn in connections.all():
        conn.close()
    code = (
        "import json, logging, sys, time, django; django.setup();"
        "logging.getLogger('segmentation').setLevel(logging.INFO);"
        "logging.getLogger('segmentation').addHandler(logging.StreamHandler(sys.stderr));"
        "from crm.tenancy import tenant_context; from segmentation.services import tier_rescore;"
        f"t = time.perf_counter();\nwith tenant_context({tenant_id}): run = tier_rescore(tenant={tenant_id}, "
        f"period='{PERIOD}', run_id={run_id})\n"
        "hwm = [int(line.split()[1]) for line in open('/proc/self/status') if line.startswith('VmHWM')][0]\n"
        "print(json.dumps({'s': time.perf_counter() - t, 'rss_kb': hwm,"
        " 'changed': run.changed_rows, 'doctors': run.doctors_total, 'status': run.status, 'counts': run.tier_counts}))"
    )
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy(), check=False
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    print("  " + out.stderr.strip()[-500:], file=sys.stderr, flush=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(ctx):
    from tests.bench.master import big_tenants

    big = big_tenants(ctx)[0]
    version = _prepare(big.tenant)

    first = _run_in_child(big.tenant.pk, _new_run(big.tenant, version))
    print(f"  first run: {first}", file=sys.stderr, flush=True)
    yield "rescore_1m_s", round(first["s"], 2), "s"
    yield "rescore_1m_peak_mb", round(first["rss_kb"] / 1024, 1), "MB"

    second = _run_in_child(big.tenant.pk, _new_run(big.tenant, version))
    print(f"  re-run: {second}", file=sys.stderr, flush=True)
    yield "rescore_rerun_changed_rows", second["changed"], "rows"
    yield "rescore_rerun_s", round(second["s"], 2), "s"

    if ORM_DOCTORS > 0:  # BENCH_ORM_DOCTORS=0 skips the slow yardstick (e.g. while tuning)
        yield "rescore_vs_orm_ratio", _orm_ratio(ctx), "x"


# --- the per-object ORM implementation (the benchmark's yardstick only) -------------------------


def orm_rescore(*, tenant, version, period):
    """What scoring looks like written naively: per doctor, ORM queries and Python loops.

    Same inputs, same normalisation (percentile rank), same quota rule, same rows written —
    with ``update_or_create`` per doctor.
    """
    from django.db.models import Avg, Count, Sum

    from hospitals.models import Doctor, SocietyPosition, UsageShare
    from segmentation import dimensions as D
    from segmentation.models import ImportedValue, TierAssignment, period_bounds

    start, end = period_bounds(period)
    dims = list(version.dimensions.all())
    raw = {}
    for doctor in Doctor.objects.filter(is_active=True).order_by("pk"):
        values = {}
        for dim in dims:
            if dim.kind == "academic_influence":
                pts = sum(
                    D.SOCIETY_LEVEL_POINTS.get(p.level, 0) * D.SOCIETY_POSITION_POINTS.get(p.position, 0)
                    for p in SocietyPosition.objects.filter(doctor=doctor)
                )
                pts += D.ACADEMIC_TITLE_POINTS.get(doctor.academic_title, 0)
                pts += D.CLINICAL_TITLE_POINTS.get(doctor.clinical_title, 0)
                pts += D.ADMIN_POST_POINTS.get(doctor.admin_post, 0)
                values[dim.key] = pts
            elif dim.kind == "prescribing_potential":
                hospital = doctor.hospital
                dept = (
                    Doctor.objects.filter(department_id=doctor.department_id, is_active=True).aggregate(n=Count("id"))[
                        "n"
                    ]
                    if doctor.department_id
                    else 0
                )
                values[dim.key] = (
                    0.5 * D.GRADE_POINTS.get(hospital.grade, 0.1)
                    + 0.25 * min(hospital.beds or 0, D.BEDS_CAP) / D.BEDS_CAP
                    + 0.25 * min(dept, D.DEPARTMENT_DOCTORS_CAP) / D.DEPARTMENT_DOCTORS_CAP
                )
            elif dim.kind == "business_contribution":
                agg = UsageShare.objects.filter(
                    doctor=doctor, period__gte=start, period__lt=end, product_id=version.scorecard.product_id
                ).aggregate(v=Sum("volume"), s=Avg("share"))
                values[dim.key] = (float(agg["v"]), float(agg["s"])) if agg["v"] is not None else None
            elif dim.kind == "imported":
                row = ImportedValue.objects.filter(
                    doctor=doctor, dimension_id=dim.imported_dimension_id, period=period
                ).first()
                values[dim.key] = row.value if row else 0.0
            else:
                values[dim.key] = 0.0  # no visits in the benchmark data
        raw[doctor.pk] = values

    def pct_rank(mapping):
        ordered = sorted(mapping.values())
        n = len(ordered)
        first_index = {}
        for i, v in enumerate(ordered):
            first_index.setdefault(v, i)
        return {k: (first_index[v] / (n - 1) if n > 1 else 0.0) for k, v in mapping.items()}

    scores = {pk: {} for pk in raw}
    for dim in dims:
        if dim.kind == "business_contribution":
            with_usage = {pk: v[dim.key] for pk, v in raw.items() if v[dim.key] is not None}
            vol = pct_rank({pk: v[0] for pk, v in with_usage.items()})
            column = {pk: (0.5 * vol[pk] + 0.5 * with_usage[pk][1] / 100) if pk in with_usage else 0.0 for pk in raw}
        else:
            column = {pk: float(v[dim.key]) for pk, v in raw.items()}
        norm = pct_rank(column)
        for pk in raw:
            scores[pk][dim.key] = round(norm[pk] * float(dim.weight), 2)
    totals = {pk: round(sum(c.values()), 2) for pk, c in scores.items()}
    order = sorted(totals, key=lambda pk: (-totals[pk], pk))
    n = len(order)
    qa, qb, qc = float(version.quota_a), float(version.quota_b), float(version.quota_c)
    bounds = [int(n * q / 100 + 0.5) for q in (qa, qa + qb, qa + qb + qc)]
    for position, pk in enumerate(order):
        tier = "A" if position < bounds[0] else "B" if position < bounds[1] else "C" if position < bounds[2] else "D"
        TierAssignment.objects.update_or_create(
            tenant_id=version.tenant_id,
            doctor_id=pk,
            period=period,
            defaults={"version": version, "tier": tier, "score": totals[pk], "breakdown": scores[pk]},
        )


def _orm_ratio(ctx):
    from accounts.models import Tenant
    from crm.tenancy import tenant_context
    from segmentation.models import ScoringRun, TierAssignment
    from segmentation.services import tier_rescore
    from tests.bench.datagen import generate_master_data

    tenant = Tenant.objects.create(code="bench-orm", name="基准药业ORM")
    generate_master_data(tenant, doctors=ORM_DOCTORS, seed=7)
    version = _prepare(tenant, seed=0.7)

    with tenant_context(tenant):
        run_id = ScoringRun.objects.create(tenant=tenant, version=version, period=PERIOD).pk
        start = time.perf_counter()
        tier_rescore(tenant=tenant, period=PERIOD, run_id=run_id)
        vectorised = time.perf_counter() - start
        vector_tiers = dict(TierAssignment.objects.filter(period=PERIOD).values_list("doctor_id", "tier"))
        TierAssignment.objects.filter(period=PERIOD).delete()

        start = time.perf_counter()
        orm_rescore(tenant=tenant, version=version, period=PERIOD)
        orm = time.perf_counter() - start
        orm_tiers = dict(TierAssignment.objects.filter(period=PERIOD).values_list("doctor_id", "tier"))
    agree = sum(1 for pk, tier in vector_tiers.items() if orm_tiers.get(pk) == tier) / max(len(vector_tiers), 1)
    print(
        f"  {ORM_DOCTORS:,} doctors: vectorised {vectorised:.2f} s, per-object ORM {orm:.1f} s, "
        f"same tier for {agree:.1%} of doctors",
        file=sys.stderr,
        flush=True,
    )
    return round(orm / vectorised, 1)
