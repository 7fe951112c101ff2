"""Complaints at scale: the reverse lot trace, the inbox with filters and deep pages, the daily
clock job.

Figures:

* ``lot_trace_p95_ms`` — ``GET /api/v1/complaints/lot-trace/<lot>/`` (in process, full
  middleware, as QA) for random lots, with ``BENCH_SHIPMENTS`` (default 10,000,000) shipments
  (``BENCH_LOT_SIZE``, 20, per lot: one distributor → twenty hospitals) and
  ``BENCH_COMPLAINTS`` (default 1,000,000) complaints in the tenant;
* ``complaint_inbox_p95_ms`` — ``GET /api/v1/complaints/`` as QA and as PV: the team inbox with
  filters (type, severity, status open, overdue, a product), each followed 25 pages deep by its
  ``next`` cursor, and the inbox page ``/complaints/?scope=all`` with filters;
* ``complaint_clock_job_s`` — ``complaints.services.complaint_reminders`` (what the daily beat
  job runs for a tenant) over the ``BENCH_COMPLAINTS`` open complaints and their clocks;
  ``complaint_clock_second_run_added`` — notifications a second run the same day adds (must be 0).

The data are written server-side (``INSERT … SELECT`` over ``generate_series``, a million rows a
statement, secondary indexes and foreign keys dropped meanwhile and rebuilt once by
``datagen.bulk_load``, which ends with VACUUM ANALYZE as a bulk import job would) — not through
``complaint_create`` one by one: a million service calls would take hours on two cores. The
rows are what the service writes (the same columns, clocks and next due dates).
"""

from __future__ import annotations

import os
import random
import sys
import time

from tests.bench.master import p95

FIGURES = ("lot_trace_p95_ms", "complaint_inbox_p95_ms", "complaint_clock_job_s", "complaint_clock_second_run_added")

SHIPMENTS = int(os.environ.get("BENCH_SHIPMENTS", "10000000"))
COMPLAINTS = int(os.environ.get("BENCH_COMPLAINTS", "1000000"))
LOT_SIZE = int(os.environ.get("BENCH_LOT_SIZE", "20"))
HOSPITALS, DISTRIBUTORS, PRODUCTS = 5000, 40, 12
CHUNK = 1_000_000


def log(text):
    print(text, file=sys.stderr, flush=True)


_SHIPMENTS_SQL = """
INSERT INTO hospitals_shipment (tenant_id, distributor_id, hospital_id, product_id, lot_number, quantity,
    shipped_on, expiry_date)
SELECT %(tenant)s, d.id, h.id, p.id, 'L' || lpad((g / %(lot_size)s)::text, 8, '0'), (10 + g %% 490)::int,
       DATE '2024-01-01' + ((g / %(lot_size)s) %% 700)::int, DATE '2027-01-01' + ((g / %(lot_size)s) %% 700)::int
FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g
JOIN _b_hospitals h ON h.n = (g * 7919) %% %(hospitals)s
JOIN _b_distributors d ON d.n = (g / %(lot_size)s) %% %(distributors)s
JOIN _b_products p ON p.n = (g / %(lot_size)s) %% %(products)s
"""

# Types: 50 % quality, 25 % adverse event, 15 % service, 10 % delivery; every one open.
_COMPLAINTS_SQL = """
INSERT INTO complaints_complaint (tenant_id, type, defect, severity, status, queue, title, description, pv_narrative,
    product_id, lot_number, lot_known, expiry_date, quantity, reporter_kind, doctor_id, hospital_id, distributor_id,
    contact_name, contact_phone, contact_email, channel, visit_id, reported_by_id, aware_on, assignee_id,
    escalate_to_id, next_due_on, root_cause, findings, capa_ref, lot_affected, decision, regulator_reported_on,
    regulator_ref, reply_channel, reply_on, reply_text, reopen_count, created_at, updated_at, closed_at)
SELECT %(tenant)s, t.type, CASE WHEN t.type = 'quality' THEN 'packaging' ELSE '' END,
       (ARRAY['low','high','critical'])[(1 + g %% 3)::int],
       (ARRAY['new','triaged','investigating','resolved'])[(1 + (g / 3) %% 4)::int],
       t.queue, '投诉 ' || g, '基准投诉描述 ' || g, '', p.id,
       'L' || lpad(((g * 104729) %% %(lots)s)::text, 8, '0'), true, NULL, 1 + g %% 5, 'hospital', NULL, h.id, NULL,
       '', '', '', 'phone', NULL, %(rep)s, a.aware_on,
       CASE t.queue WHEN 'qa' THEN %(qa)s WHEN 'pv' THEN %(pv)s ELSE %(admin)s END, %(admin)s,
       CASE WHEN a.aware_on >= CURRENT_DATE - 2 THEN a.aware_on + 1 ELSE a.aware_on + t.days END,
       '', '', '', NULL, '', NULL, '', '', NULL, '', 0,
       a.aware_on + interval '9 hours' + (g %% 3600) * interval '1 second', now(), NULL
FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g
CROSS JOIN LATERAL (SELECT CASE WHEN g %% 20 < 10 THEN 'quality' WHEN g %% 20 < 15 THEN 'adverse_event'
                                WHEN g %% 20 < 18 THEN 'service' ELSE 'delivery' END AS type) t0
CROSS JOIN LATERAL (SELECT t0.type,
                           CASE t0.type WHEN 'quality' THEN 'qa' WHEN 'adverse_event' THEN 'pv' ELSE 'sales_ops' END
                               AS queue,
                           CASE t0.type WHEN 'quality' THEN 30 WHEN 'adverse_event' THEN 15 ELSE 10 END AS days) t
CROSS JOIN LATERAL (SELECT CURRENT_DATE - ((g * 31) %% 120)::int AS aware_on) a
JOIN _b_hospitals h ON h.n = (g * 48271) %% %(hospitals)s
JOIN _b_products p ON p.n = g %% %(products)s
"""

# The clocks the service writes: acknowledgement (met, but for the last two days) and the main one.
_CLOCKS_SQL = """
INSERT INTO complaints_complaintclock (tenant_id, complaint_id, kind, due_on, remind_from, met_on)
SELECT c.tenant_id, c.id, k.kind, k.due_on, k.due_on - k.remind, k.met_on
FROM complaints_complaint c
CROSS JOIN LATERAL (VALUES
    ('acknowledge', c.aware_on + 1, 0, CASE WHEN c.aware_on < CURRENT_DATE - 2 THEN c.aware_on + 1 END),
    (CASE c.type WHEN 'quality' THEN 'investigation' WHEN 'adverse_event' THEN 'regulator' ELSE 'closure' END,
     c.aware_on + CASE c.type WHEN 'quality' THEN 30 WHEN 'adverse_event' THEN 15 ELSE 10 END, 3, NULL::date)
) AS k(kind, due_on, remind, met_on)
WHERE c.tenant_id = %(tenant)s AND c.id BETWEEN %(lo)s AND %(hi)s
"""


def _setup():
    from django.db import connection, transaction

    from accounts.models import Role, Tenant, User
    from crm.tenancy import tenant_context
    from hospitals.models import Distributor, Hospital, Product
    from tests.bench.datagen import bulk_load

    start = time.perf_counter()
    tenant = Tenant.objects.create(code="bench-complaints", name="基准投诉药业")
    with tenant_context(tenant):
        users = {
            role: User.objects.create_user(username=f"bc-{role}", password="bench-pw-123", tenant=tenant, role=role)
            for role in (Role.QUALITY, Role.PHARMACOVIGILANCE, Role.TENANT_ADMIN, Role.REP)
        }
        Hospital.objects.bulk_create(
            [Hospital(tenant=tenant, name=f"基准医院{i}", province="上海市", city="上海市") for i in range(HOSPITALS)],
            batch_size=2000,
        )
        Distributor.objects.bulk_create(
            [Distributor(tenant=tenant, name=f"基准经销商{i}") for i in range(DISTRIBUTORS)]
        )
        Product.objects.bulk_create([Product(tenant=tenant, name=f"基准产品{i}") for i in range(PRODUCTS)])
    lots = max(1, SHIPMENTS // LOT_SIZE)
    tables = ("hospitals_shipment", "complaints_complaint", "complaints_complaintclock")
    with bulk_load(tables=tables), tenant_context(tenant), transaction.atomic(), connection.cursor() as cur:
        for name, table in (("hospitals", "hospitals_hospital"), ("distributors", "hospitals_distributor"),
                            ("products", "hospitals_product")):  # fmt: skip
            cur.execute(
                f"CREATE TEMP TABLE _b_{name} ON COMMIT DROP AS SELECT (row_number() OVER (ORDER BY id)) - 1 AS n, id"  # noqa: S608
                f" FROM {table} WHERE tenant_id = %s",
                [tenant.pk],
            )
            cur.execute(f"CREATE INDEX ON _b_{name} (n)")
        params = {
            "tenant": tenant.pk, "lot_size": LOT_SIZE, "hospitals": HOSPITALS, "distributors": DISTRIBUTORS,
            "products": PRODUCTS, "lots": lots, "qa": users[Role.QUALITY].pk, "pv": users[Role.PHARMACOVIGILANCE].pk,
            "admin": users[Role.TENANT_ADMIN].pk, "rep": users[Role.REP].pk,
        }  # fmt: skip
        for lo in range(0, SHIPMENTS, CHUNK):
            cur.execute(_SHIPMENTS_SQL, {**params, "lo": lo, "hi": min(lo + CHUNK, SHIPMENTS) - 1})
            log(f"  shipments {min(lo + CHUNK, SHIPMENTS):,} / {SHIPMENTS:,} ({time.perf_counter() - start:.0f} s)")
        for lo in range(0, COMPLAINTS, CHUNK):
            cur.execute(_COMPLAINTS_SQL, {**params, "lo": lo, "hi": min(lo + CHUNK, COMPLAINTS) - 1})
            log(f"  complaints {min(lo + CHUNK, COMPLAINTS):,} / {COMPLAINTS:,} ({time.perf_counter() - start:.0f} s)")
        cur.execute("SELECT min(id), max(id) FROM complaints_complaint WHERE tenant_id = %s", [tenant.pk])
        first, last = cur.fetchone()
        for lo in range(first, last + 1, CHUNK // 2):
            cur.execute(_CLOCKS_SQL, {"tenant": tenant.pk, "lo": lo, "hi": lo + CHUNK // 2 - 1})
        log(f"  clocks written ({time.perf_counter() - start:.0f} s); rebuilding indexes")
    log(f"{SHIPMENTS:,} shipments, {COMPLAINTS:,} complaints and their clocks in {time.perf_counter() - start:.1f} s")
    return tenant, users, lots


def _client(user):
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    client.force_login(user, backend="accounts.auth.TenantModelBackend")
    return client


def _timed(client, url, samples):
    t0 = time.perf_counter()
    response = client.get(url)
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    samples.append((time.perf_counter() - t0) * 1000)
    assert response.status_code == 200, (url, response.status_code)
    return response


def _lot_trace(tenant, users, lots):
    from accounts.models import Role

    client = _client(users[Role.QUALITY])
    rnd = random.Random(13)
    samples = []
    for i in range(220):
        lot = f"L{rnd.randrange(lots):08d}"
        body = _timed(client, f"/api/v1/complaints/lot-trace/{lot}/", samples).json()
        if i == 0:
            log(f"  lot {lot}: {len(body['shipments'])} shipments, {len(body['hospitals'])} hospitals, "
                f"{len(body['complaints'])} complaints")  # fmt: skip
    yield "lot_trace_p95_ms", p95(samples[20:]), "ms"


def _inbox(tenant, users):
    from accounts.models import Role
    from crm.tenancy import tenant_context
    from hospitals.models import Product

    with tenant_context(tenant):
        product = Product.objects.order_by("pk").first().pk
    samples = []
    queries = {
        Role.QUALITY: [
            "scope=team&status=open",
            "scope=team&type=quality&severity=high",
            f"scope=team&status=investigating&product={product}",
            "scope=team&overdue=1",
        ],
        Role.PHARMACOVIGILANCE: ["scope=team&severity=critical", "scope=team&overdue=1&status=open"],
    }
    for role, lines in queries.items():
        client = _client(users[role])
        for query in lines:
            url, mine = f"/api/v1/complaints/?{query}", []
            for _ in range(25):
                body = _timed(client, url, mine).json()
                url = body.get("next")
                if not url:
                    break
            log(f"  {role} API {query}: p95 {p95(mine)} ms over {len(mine)} pages")
            samples += mine
        client.get("/complaints/")  # the process's first page compiles its templates: not timed
        for query in ("scope=all&type=quality&status=open", "scope=team&overdue=on"):
            mine = []
            for _ in range(5):
                _timed(client, f"/complaints/?{query}", mine)
            log(f"  {role} page {query}: p95 {p95(mine)} ms")
            samples += mine
    yield "complaint_inbox_p95_ms", p95(samples[3:]), "ms"


def _clock_job(tenant):
    from django.db import transaction
    from django.utils import timezone

    from complaints.services import complaint_reminders
    from crm.tenancy import tenant_context

    now = timezone.now()
    day = timezone.localdate()
    counts = []
    for _ in range(2):
        t0 = time.perf_counter()
        with tenant_context(tenant), transaction.atomic():  # as crm.inbox.reminders_send runs it
            # The job refreshes the statistics of what it wrote after the commit (timed here).
            counts.append(complaint_reminders(tenant=tenant.pk, now=now, day=day))
        elapsed = time.perf_counter() - t0
        log(f"  clock job: {counts[-1]} in {elapsed:.1f} s")
        if len(counts) == 1:
            first = elapsed
    yield "complaint_clock_job_s", round(first, 2), "s"
    yield "complaint_clock_second_run_added", sum(counts[1].values()), "notifications"


def run(ctx):
    tenant, users, lots = _setup()
    yield from _lot_trace(tenant, users, lots)
    yield from _inbox(tenant, users)
    yield from _clock_job(tenant)
