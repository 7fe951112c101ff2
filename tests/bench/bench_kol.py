"""Key opinion leaders at scale: introduction paths in a big network, and a key doctor's plan
timeline.

Figures:

* ``intro_path_p95_ms`` — ``GET /api/v1/kol-doctors/{id}/paths/?product=…`` (in process, full
  middleware, as the product manager): paths of depth ≤ 3 to a random target, from the doctors
  loyal to or advocates of the product, in a tenant of ``BENCH_DOCTORS`` (default 1,000,000)
  doctors and ``BENCH_RELATIONS`` (default 5,000,000) relations; 100 targets after 5 warm-up
  requests. ``intro_path_service_p95_ms`` — the same through the service alone (no HTTP).
* ``account_timeline_p95_ms`` — ``GET /api/v1/account-plans/{id}/timeline/`` of a key doctor
  with ``BENCH_TIMELINE_VISITS`` (500) submitted visits (with key-message reactions), 24 months
  of usage share, adoption changes, actions and reviews, and 50 events (made and invited through
  ``events.services``; 40 of them attended, with their follow-ups), which the events app's
  timeline source adds; 50 requests.
  ``account_timeline_page_p95_ms`` — the plan's browser page (the timeline, the usage chart).

``BENCH_KOL_PARTS=timeline`` skips the network and the path figures (the timeline of a doctor
of the big tenant only).

The network is written server-side (``INSERT … SELECT`` over ``generate_series``, one million
rows a statement): half of each doctor's edges go to doctors of nearby ids (the generator writes
doctors hospital by hospital, so these are mostly colleagues of the same hospital), half to any
doctor of the tenant; kinds and strengths at random; symmetric kinds lower id first, as the
service stores them. About 3 % of the doctors are loyal to or advocates of the product. The
relation and adoption tables are then VACUUM ANALYZEd, as autovacuum would on a live system
(the product writes relations one by one through its services and imports).
"""

from __future__ import annotations

import os
import random
import sys
import time

from tests.bench.master import DOCTORS, big_tenants, client_for, p95, summary, timed_get

FIGURES = (
    "intro_path_p95_ms",
    "intro_path_service_p95_ms",
    "account_timeline_p95_ms",
    "account_timeline_page_p95_ms",
)

RELATIONS = int(os.environ.get("BENCH_RELATIONS", str(DOCTORS * 5)))
TIMELINE_VISITS = int(os.environ.get("BENCH_TIMELINE_VISITS", "500"))
TARGETS = 100
TIMELINE_EVENTS = 50
PARTS = os.environ.get("BENCH_KOL_PARTS", "all")

RELATIONS_SQL = """
INSERT INTO hospitals_doctorrelation (tenant_id, from_doctor_id, to_doctor_id, kind, strength, source)
SELECT %(tenant)s, LEAST(a, b), GREATEST(a, b), k, s, ''
FROM (
    SELECT %(lo)s + h.x %% %(n)s AS a,
           CASE WHEN g %% 2 = 0
                THEN %(lo)s + (h.x %% %(n)s + 1 + h.y %% 400) %% %(n)s
                ELSE %(lo)s + h.y %% %(n)s END AS b,
           (ARRAY['classmate','coauthor','colleague','referral','mentor'])[1 + (h.y / 7) %% 5] AS k,
           1 + (h.x / 11) %% 5 AS s
    FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g
    CROSS JOIN LATERAL (SELECT hashint8extended(g, 16) & 9223372036854775807 AS x,
                               hashint8extended(g, 61) & 9223372036854775807 AS y) h
) e
WHERE a <> b
ON CONFLICT DO NOTHING
"""


def _network(big, product):
    """Write the relations and the adoption of the product (see the module docstring)."""
    from django.db import connection, transaction

    from crm.db.base import apply_tenant_settings
    from crm.tenancy import tenant_context
    from tests.bench.datagen import bulk_load, vacuum_analyze

    tenant = big.tenant
    start = time.perf_counter()
    # Without the foreign keys and the (tenant, to_doctor) index meanwhile (rebuilt once after);
    # the unique (tenant, from, to, kind) constraint stays and drops duplicate pairs.
    # (The contexts close right to left: the transaction commits before the indexes come back.)
    with (
        bulk_load(tables=("hospitals_doctorrelation",)),
        tenant_context(tenant),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        apply_tenant_settings(connection)
        cur.execute("SELECT min(id), count(*) FROM hospitals_doctor WHERE tenant_id = %s", [tenant.pk])
        lo, n = cur.fetchone()
        step = 1_000_000
        for first in range(0, RELATIONS, step):
            cur.execute(RELATIONS_SQL, {"tenant": tenant.pk, "lo": lo, "n": n, "first": first,
                                        "last": min(first + step, RELATIONS) - 1})  # fmt: skip
    with tenant_context(tenant), transaction.atomic(), connection.cursor() as cur:
        apply_tenant_settings(connection)
        cur.execute(
            "INSERT INTO segmentation_adoption (tenant_id, doctor_id, product_id, stage, note, updated_at) "
            "SELECT %s, id, %s, CASE WHEN id %% 3 = 0 THEN 'advocate' ELSE 'loyal' END, '', now() "
            "FROM hospitals_doctor WHERE tenant_id = %s AND (id * 2654435761) %% 100 < 3",
            [tenant.pk, product.pk, tenant.pk],
        )
        cur.execute("SELECT count(*) FROM hospitals_doctorrelation WHERE tenant_id = %s", [tenant.pk])
        relations = cur.fetchone()[0]
    vacuum_analyze(("hospitals_doctorrelation", "segmentation_adoption"))
    print(f"kol: {relations:,} relations and the adoption written in {time.perf_counter() - start:.1f} s",
          file=sys.stderr, flush=True)  # fmt: skip
    return lo, n, relations


def _timeline_doctor(big, product, doctor_id):
    """A plan on ``doctor_id`` with 500 visits, 24 months of usage, adoption changes, actions, reviews."""
    import datetime
    from decimal import Decimal

    from django.db import connection, transaction
    from django.utils import timezone

    from crm.db.base import apply_tenant_settings
    from crm.tenancy import tenant_context
    from hospitals.models import Doctor, KeyMessage, UsageShare
    from segmentation import services as segmentation_services
    from segmentation.kol import services

    tenant, pm = big.tenant, big.product_manager
    today = timezone.localdate()
    with tenant_context(tenant):
        doctor = Doctor.objects.get(pk=doctor_id)
        km = KeyMessage.objects.create(tenant=tenant, product=product, text="长期获益证据充分")
        for stage in ("aware", "trial", "regular"):
            segmentation_services.adoption_set(tenant=tenant, by=pm, doctor=doctor, product=product, stage=stage)
        months = []
        for i in range(24):
            index = today.year * 12 + today.month - 1 - (23 - i)
            months.append(datetime.date(index // 12, index % 12 + 1, 1))
        UsageShare.objects.filter(doctor=doctor, product=product).delete()
        UsageShare.objects.bulk_create(
            [
                UsageShare(
                    tenant=tenant, doctor=doctor, product=product, period=m, share=Decimal(5 + i), volume=Decimal(100)
                )
                for i, m in enumerate(months)
            ]  # fmt: skip
        )
        plan = services.account_plan_create(
            tenant=tenant, by=pm, doctor=doctor, product=product, title="bench plan", target_stage="loyal",
            start=today - datetime.timedelta(days=365), end=today + datetime.timedelta(days=365),
        )  # fmt: skip
        for i in range(20):
            action = services.plan_action_create(tenant=tenant, by=pm, plan=plan, kind="visit", title=f"action {i}",
                                                 due=today - datetime.timedelta(days=15 * i))  # fmt: skip
            services.plan_action_update(tenant=tenant, by=pm, action=action, status="done")
        for i in range(4):
            services.plan_review_create(tenant=tenant, by=pm, plan=plan, rating="on_track",
                                        reviewed_on=today - datetime.timedelta(days=90 * i))  # fmt: skip
        with transaction.atomic(), connection.cursor() as cur:
            apply_tenant_settings(connection)
            cur.execute(
                """
                INSERT INTO visits_visit (tenant_id, rep_id, doctor_id, channel, visited_at, duration_minutes,
                    objective, objective_achieved, feedback, questions_raised, signals, signal_notes, next_step,
                    status, submitted_at, is_late, amended, created_at, updated_at)
                SELECT %(t)s, %(rep)s, %(d)s, 'in_person', v.at, 20, '介绍长期获益', 'yes', '反馈良好', '', '{}',
                       '{}'::jsonb, '', 'draft', NULL, false, false, v.at, v.at
                FROM generate_series(1, %(n)s) g
                CROSS JOIN LATERAL (SELECT now() - g * interval '1 day' - interval '2 hours' AS at) v
                RETURNING id
                """,
                {"t": tenant.pk, "rep": big.rep.pk, "d": doctor.pk, "n": TIMELINE_VISITS},
            )
            ids = [r[0] for r in cur.fetchall()]
            cur.execute(
                "INSERT INTO visits_visitkeymessage (tenant_id, visit_id, key_message_id, reaction, note) "
                "SELECT %s, unnest(%s::bigint[]), %s, 'accepted', ''",
                [tenant.pk, ids, km.pk],
            )
            # submitted after their key messages (a submitted report is locked, its children too)
            cur.execute(
                "UPDATE visits_visit SET status = 'submitted', submitted_at = visited_at + interval '1 hour' "
                "WHERE tenant_id = %s AND id = ANY(%s::bigint[])",
                [tenant.pk, ids],
            )
    _timeline_events(big, product, doctor)
    return plan


def _timeline_events(big, product, doctor):
    """50 events of the doctor over the plan's year through the events services (made by the PM,
    the doctor invited); 40 held ones attended (signed in on the day, as the sign-in page does)
    with the follow-up the close makes (one row each)."""
    import datetime

    from django.utils import timezone

    from crm.tenancy import tenant_context
    from events import services as event_services
    from events.models import Attendee, EventFollowUp

    tenant, pm = big.tenant, big.product_manager
    with tenant_context(tenant):
        for i in range(TIMELINE_EVENTS):
            start = timezone.now() - datetime.timedelta(days=7 * (i - 10), hours=3)
            event = event_services.event_create(
                tenant=tenant, by=pm, title=f"基准大师班 {i + 1}", type="masterclass", host_hospital=doctor.hospital,
                venue_kind="hospital", starts_at=start, ends_at=start + datetime.timedelta(hours=2),
                expected_attendees=20, products=[product],
            )  # fmt: skip
            event_services.attendees_invite(tenant=tenant, by=pm, event=event, doctors=[doctor])
            if i >= 10:  # held: he signed in, and the rep followed up
                attendee = Attendee.objects.get(event=event, doctor=doctor)
                Attendee.objects.filter(pk=attendee.pk).update(signed_in_at=start, signin_method="rep")
                EventFollowUp.objects.create(
                    tenant=tenant, event=event, attendee=attendee, doctor=doctor, assignee=big.rep,
                    due_date=timezone.localdate(start) + datetime.timedelta(days=3), purposes=["A"],
                )  # fmt: skip


def run(ctx):
    from crm.tenancy import tenant_context
    from hospitals.models import Doctor, Product
    from segmentation.kol import network

    big = big_tenants(ctx)[0]
    with tenant_context(big.tenant):
        product = Product.objects.create(tenant=big.tenant, name="KOL基准产品", is_own=True)
    pm = client_for(big.product_manager)
    if PARTS == "timeline":
        with tenant_context(big.tenant):
            first = Doctor.objects.order_by("pk").values_list("pk", flat=True).first()
        yield from _timeline_figures(big, product, pm, first)
        return
    lo, n, relations = _network(big, product)
    rng = random.Random(16)
    targets = [lo + rng.randrange(n) for _ in range(TARGETS + 5)]

    samples, found = [], []
    for i, target in enumerate(targets):
        body = timed_get(pm, f"/api/v1/kol-doctors/{target}/paths/?product={product.pk}", samples)
        if i >= 5:
            found.append(len(body))
    samples = samples[5:]
    summary(f"intro paths (depth 3, {n:,} doctors, {relations:,} relations)", samples)
    print(f"kol: paths found per target: median {sorted(found)[len(found) // 2]}, none for "
          f"{sum(1 for f in found if not f)} of {len(found)}", file=sys.stderr, flush=True)  # fmt: skip
    yield "intro_path_p95_ms", p95(samples), "ms"

    service = []
    with tenant_context(big.tenant):
        doctors = Doctor.objects.in_bulk(targets[5:])
        for target in targets[5:]:
            start = time.perf_counter()
            network.introduction_paths(tenant=big.tenant, target=doctors[target], product=product)
            service.append((time.perf_counter() - start) * 1000)
    summary("intro paths (service)", service)
    yield "intro_path_service_p95_ms", p95(service), "ms"

    yield from _timeline_figures(big, product, pm, targets[0])


def _timeline_figures(big, product, pm, doctor_id):
    plan = _timeline_doctor(big, product, doctor_id)
    samples = []
    for _ in range(55):
        timed_get(pm, f"/api/v1/account-plans/{plan.pk}/timeline/", samples)
    samples = samples[5:]
    summary(f"account timeline ({TIMELINE_VISITS} visits, {TIMELINE_EVENTS} events, 24 months)", samples)
    yield "account_timeline_p95_ms", p95(samples), "ms"

    page = []
    for _ in range(25):
        start = time.perf_counter()
        response = pm.get(f"/kol/plans/{plan.pk}/")
        assert response.status_code == 200, response.status_code
        page.append((time.perf_counter() - start) * 1000)
    page = page[5:]
    summary("account plan page", page)
    yield "account_timeline_page_p95_ms", p95(page), "ms"
