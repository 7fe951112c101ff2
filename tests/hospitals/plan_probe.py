"""EXPLAIN the queries of a rep's lists with absent, stale and fresh planner statistics.

Run by tests/hospitals/test_plans.py in a subprocess (``python -m tests.hospitals.plan_probe
<scratch-db-name>``) because "absent statistics" needs a database whose tables were never
analysed: it builds two scratch databases of its own and drops them at the end, and prints one
JSON document on stdout.

The data is the issue's story at realistic size: one tenant seeded like the demo (about 3,300
doctors aligned to its territories, hospitals, distributors, agreements, sales), then a
national master of 30,000 more doctors arrives in bulk, none of them aligned. Scenarios:

* ``absent`` — nothing was ever analysed (a fresh database, autovacuum off);
* ``fresh`` — the same database after ANALYZE (what the import job now does);
* ``stale`` — a copy analysed after the demo seed, then the 30,000 doctors arrive unanalysed.

For every scenario each list is requested as the rep (``hk_rep``) through the API, every SQL
statement the request ran is captured and run again under ``EXPLAIN (ANALYZE, FORMAT JSON)``,
and what each plan did is summed up (:func:`plan_work`). ``control`` EXPLAINs (without
ANALYZE) the rep's doctor page written the old way, as a semi-join on the alignment table.
"""

from __future__ import annotations

import json
import os
import re
import sys

EXTRA_DOCTORS = int(os.environ.get("PLAN_PROBE_EXTRA_DOCTORS", "30000"))
LISTS = {
    "doctors": "/api/v1/doctors/",
    "doctors_search_pinyin": "/api/v1/doctors/?q=li",
    "doctors_search_name": "/api/v1/doctors/?q=%E7%8E%8B",
    "doctors_page": "/doctors/",
    "hospitals": "/api/v1/hospitals/",
    "distributors": "/api/v1/distributors/",
    "agreements": "/api/v1/distributor-agreements/",
    "sales": "/api/v1/sales/",
}
REMOVED = ("Rows Removed by Filter", "Rows Removed by Join Filter", "Rows Removed by Index Recheck")


def plan_work(plan: dict) -> dict:
    """Rows a plan touched: Σ over nodes of (rows out + rows removed) × loops; and the tables it read."""
    work, tables = 0, set()

    def walk(node, parent=None):
        nonlocal work
        loops = node.get("Actual Loops", 1) or 1
        rows = node.get("Actual Rows", node.get("Plan Rows", 0)) + sum(node.get(k, 0) for k in REMOVED)
        work += rows * loops
        if "Relation Name" in node:
            tables.add(node["Relation Name"])
        for child in node.get("Plans", ()):
            walk(child, node)

    walk(plan["Plan"])
    return {"work": int(work), "tables": sorted(tables), "shape": plan_shape(plan["Plan"])}


def plan_shape(node) -> str:
    """``Limit(Sort(Nested Loop(Index Scan hospitals_doctor_pkey, …)))``: the plan in one line."""
    label = node["Node Type"]
    if "Index Name" in node:
        label += f" {node['Index Name']}"
    elif "Relation Name" in node:
        label += f" {node['Relation Name']}"
    children = node.get("Plans", ())
    return label + (f"({', '.join(plan_shape(c) for c in children)})" if children else "")


def alignment_rescanned(plan: dict) -> bool:
    """True when a nested loop re-reads the alignment table for each outer row without looking
    up that row's doctor (the plan that took a rep's list to a minute)."""
    found = False

    def scans_alignment_unkeyed(node) -> bool:
        # Keyed: the scan's condition refers to the outer row (``doctor_id = hospitals_doctor.id``,
        # ``territory_id = v0.id``); unkeyed: constants only, so each outer row re-reads it all.
        if node.get("Relation Name") == "hospitals_doctorterritory":
            cond = " ".join(str(node.get(k, "")) for k in ("Index Cond", "Recheck Cond"))
            return re.search(r"= \(?[a-z_][a-z0-9_]*\.[a-z_]+", cond) is None
        return any(scans_alignment_unkeyed(c) for c in node.get("Plans", ()))

    def walk(node):
        nonlocal found
        if node.get("Node Type") == "Nested Loop":
            inner = [c for c in node.get("Plans", ()) if c.get("Parent Relationship") == "Inner"]
            if any(scans_alignment_unkeyed(c) for c in inner):
                found = True
        for child in node.get("Plans", ()):
            walk(child)

    walk(plan["Plan"])
    return found


def _explain(sql: str, params, *, analyze: bool) -> dict:
    from django.db import connection

    options = "ANALYZE, BUFFERS OFF, FORMAT JSON" if analyze else "FORMAT JSON"
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ({options}) {sql}", params)
        value = cursor.fetchone()[0]
    return (json.loads(value) if isinstance(value, str) else value)[0]


def probe(rep) -> dict:
    """Request every list as ``rep``; EXPLAIN ANALYZE each SELECT on master data it ran."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from crm.tenancy import tenant_context

    client = Client(HTTP_HOST="localhost")
    client.force_login(rep, backend="accounts.auth.TenantModelBackend")
    out = {}
    for name, url in LISTS.items():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        queries = []
        with tenant_context(rep.tenant_id):
            for q in captured.captured_queries:
                sql = q["sql"].split("; ", 1)[-1] if q["sql"].startswith("SELECT set_config") else q["sql"]
                if not sql.startswith("SELECT") or "hospitals_" not in sql:
                    continue
                plan = _explain(sql, None, analyze=True)
                queries.append(
                    {
                        "sql": sql if os.environ.get("PLAN_PROBE_KEEP") else sql[:300],
                        **plan_work(plan),
                        "alignment_rescanned": alignment_rescanned(plan),
                        "ms": plan.get("Execution Time"),
                    }
                )
        out[name] = queries
    return out


def control(rep) -> dict:
    """The rep's doctor page as it was written before: a semi-join on the alignment (EXPLAIN only)."""
    from accounts.selectors import user_territories
    from crm.tenancy import tenant_context
    from hospitals.models import Doctor, DoctorTerritory

    with tenant_context(rep.tenant_id):
        territories = list(user_territories(tenant=rep.tenant_id, user=rep).values_list("pk", flat=True))
        aligned = DoctorTerritory.objects.filter(territory_id__in=territories).values("doctor_id")
        qs = Doctor.objects.filter(pk__in=aligned).select_related("hospital", "department").order_by("name", "id")[:51]
        sql, params = qs.query.sql_with_params()
        plan = _explain(sql, params, analyze=False)
    return {"alignment_rescanned": alignment_rescanned(plan), "estimated_rows": plan["Plan"]["Plan Rows"]}


def seed():
    """The demo tenant huakang: users, territories and its master data (no ANALYZE)."""
    from django.db import transaction

    from accounts import demo as accounts_demo
    from crm.tenancy import tenant_context
    from hospitals import demo as hospitals_demo

    with transaction.atomic():
        tenants = accounts_demo.seed()
        tenant = next(t for t in tenants if t.code == "huakang")
        with tenant_context(tenant):
            hospitals_demo.seed(tenant=tenant)
    return tenant


def add_unaligned_doctors(tenant, n: int) -> None:
    """``n`` more doctors of the tenant's hospitals, in one INSERT … SELECT, aligned to nothing."""
    from django.db import connection, transaction

    from crm.db.base import apply_tenant_settings
    from crm.tenancy import tenant_context
    from hospitals.models import Doctor

    # Every copied column of the model, so a column added later (with no database default) is copied too.
    own = {"id", "tenant_id", "external_id", "created_at", "updated_at"}
    columns = ", ".join(f.column for f in Doctor._meta.concrete_fields if f.column not in own)
    with tenant_context(tenant), transaction.atomic():
        apply_tenant_settings(connection)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO hospitals_doctor (tenant_id, external_id, created_at, updated_at, {columns}) "  # noqa: S608
                f"SELECT d.tenant_id, 'NAT' || i || '-' || d.id, now(), now(), {columns} "
                "FROM hospitals_doctor d, generate_series(1, %s) i WHERE d.tenant_id = %s "
                "ORDER BY random() LIMIT %s",
                [n // 1000 + 2, tenant.pk, n],
            )


def analyze_all():
    from django.db import connection

    from crm import stats

    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        stats.analyze(*(row[0] for row in cursor.fetchall()))


def _use_database(name: str) -> None:
    from django.db import connections

    for alias in ("default", "owner", "platform"):
        connections[alias].close()
        connections[alias].settings_dict["NAME"] = name


def main(argv):
    base = argv[0]
    os.environ["DJANGO_SETTINGS_MODULE"] = "crm.settings.test"
    os.environ["TEST_DB_NAME"] = base
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from psycopg2 import sql as pgsql

    from crm.db import provision
    from tests.bench.demo import demo_user

    owner, app, platform = (settings.DATABASES[a] for a in ("owner", "default", "platform"))
    stale_db = f"{base}_stale"
    result = {}
    try:
        provision.ensure_database(
            owner, app["USER"], name=base, recreate=True, admin=settings.DATABASE_ADMIN, platform_role=platform["USER"]
        )
        call_command("migrate", database="owner", verbosity=0)
        tenant = seed()
        _use_database(base)  # close every connection: the database becomes a template
        provision.ensure_database(
            owner,
            app["USER"],
            name=stale_db,
            recreate=True,
            admin=settings.DATABASE_ADMIN,
            platform_role=platform["USER"],
        )
        conn = provision._connect(owner, "postgres")
        with conn.cursor() as cur:
            cur.execute(pgsql.SQL("DROP DATABASE {}").format(pgsql.Identifier(stale_db)))
            cur.execute(
                pgsql.SQL("CREATE DATABASE {} TEMPLATE {}").format(pgsql.Identifier(stale_db), pgsql.Identifier(base))
            )
        conn.close()

        add_unaligned_doctors(tenant, EXTRA_DOCTORS)
        rep = demo_user("hk_rep")
        result["book"] = _book_size(rep)
        result["tenant_doctors"] = _doctor_count(tenant)
        result["absent"] = probe(rep)
        result["control_absent"] = control(rep)
        analyze_all()
        result["fresh"] = probe(rep)

        _use_database(stale_db)
        analyze_all()  # the statistics of the demo as seeded …
        add_unaligned_doctors(tenant, EXTRA_DOCTORS)  # … then the national master, unanalysed
        result["stale"] = probe(rep)
        result["control_stale"] = control(rep)
    finally:
        _use_database("postgres")
        for name in (base, stale_db):
            if not os.environ.get("PLAN_PROBE_KEEP"):
                provision.drop_database(owner, name, admin=settings.DATABASE_ADMIN)
    json.dump(result, sys.stdout)


def _book_size(rep) -> int:
    from crm.tenancy import tenant_context
    from hospitals.selectors import visible_doctors

    with tenant_context(rep.tenant_id):
        return visible_doctors(tenant=rep.tenant_id, user=rep).count()


def _doctor_count(tenant) -> int:
    from crm.tenancy import tenant_context
    from hospitals.models import Doctor

    with tenant_context(tenant):
        return Doctor.objects.count()


if __name__ == "__main__":
    main(sys.argv[1:])
