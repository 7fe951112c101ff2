"""Analytics at scale: each role's home page, the KPI scorecard of 2,000 reps over a quarter,
and the ROI of a program of 1,000 events, cold and cached.

Figures:

* ``home_p95_ms`` — the slowest role's p95 of ``GET /`` (in process, full middleware), each of
  rep, manager, product manager, compliance, medical affairs and administrator signed in, with
  ``BENCH_ANALYTICS_DOCTORS`` doctors (default 1,000,000) and ``BENCH_ANALYTICS_VISITS`` visits
  (default 10,000,000) in the tenant; ``home_<role>_p95_ms`` per role. The first request of a
  role (which fills the 10-minute cache of the tenant-wide counts) is not sampled; it is printed
  as ``home_cold_max_ms``. ``home_rep_busy_p95_ms`` — the rep's home while the tenant is busy:
  before each sample another rep (of another territory) saves a visit, as the field does all day
  (the rows behind frequency a rep's *My day* caches are forgotten only for the reps whose book
  holds the visit's doctor, not for the whole tenant).
* ``kpi_scorecard_s`` — the scorecard page's computation (``analytics.kpis.scorecard``: the
  quarter, and the 6-month history) for ``BENCH_ANALYTICS_REPS`` reps (2,000), each with a
  cycle plan of 60 doctors in each month of the quarter. It reads the monthly KPI rollup
  (``analytics.rollup``), which the data generator's SQL writes do not trigger: the nightly job
  builds it first, as it would after a bulk load, timed as ``kpi_rollup_nightly_s`` (the
  12-month window of every field user); ``kpi_rollup_cell_ms`` is the incremental refresh one
  submitted visit enqueues (the visit's month and the one before, its rep and the reps whose
  plan holds the doctor).
* ``program_roi_s`` — ``analytics.roi.compute`` of one program of ``BENCH_ANALYTICS_EVENTS``
  (1,000) held events with ``BENCH_ANALYTICS_ATTENDEES`` (50,000) attendees, against the whole
  tenant's doctors as the control pool, with ``BENCH_ANALYTICS_USAGE_MONTHS`` (24) months of
  usage share for ``BENCH_ANALYTICS_USAGE_DOCTORS`` doctors (default: every doctor) and an
  adoption history; ``program_roi_cached_ms`` — the same request answered from the cache
  (``roi.roi_request``: the input fingerprint, then the cached result). Before them
  ``roi_strata_nightly_s``: the nightly refresh of the doctors' matching strata
  (``analytics.doctor_strata_refresh``, first fill of a million rows), which the control pool
  reads.

Master data comes from ``datagen.generate_master_data`` (COPY); visits from bench_visits'
server-side generator; plans, events, attendees, adoption history, tiers and usage share are
written server-side with ``INSERT … SELECT`` (generation is not what is measured).
"""

from __future__ import annotations

import datetime
import os
import statistics
import sys
import time
import uuid

from tests.bench.master import p95

DOCTORS = int(os.environ.get("BENCH_ANALYTICS_DOCTORS", "1000000"))
VISITS = int(os.environ.get("BENCH_ANALYTICS_VISITS", "10000000"))
REPS = int(os.environ.get("BENCH_ANALYTICS_REPS", "2000"))
EVENTS = int(os.environ.get("BENCH_ANALYTICS_EVENTS", "1000"))
ATTENDEES = int(os.environ.get("BENCH_ANALYTICS_ATTENDEES", "50000"))
USAGE_MONTHS = int(os.environ.get("BENCH_ANALYTICS_USAGE_MONTHS", "24"))
USAGE_DOCTORS = int(os.environ.get("BENCH_ANALYTICS_USAGE_DOCTORS", str(DOCTORS)))
SAMPLES = int(os.environ.get("BENCH_ANALYTICS_SAMPLES", "20"))
FIGURES = (
    "home_p95_ms",
    "home_cold_max_ms",
    "home_rep_busy_p95_ms",
    "kpi_rollup_nightly_s",
    "kpi_rollup_cell_ms",
    "kpi_scorecard_s",
    "roi_strata_nightly_s",
    "program_roi_s",
    "program_roi_cached_ms",
)


def log(text):
    print(text, file=sys.stderr, flush=True)


def _exec(sql, params=None, *, tenant):
    from django.db import connection, transaction

    from crm.tenancy import tenant_context

    with tenant_context(tenant), transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, params or {})


def _setup(ctx):
    from accounts.models import Role, Tenant, TerritoryAssignment, User
    from crm.tenancy import tenant_context
    from hospitals.models import Product
    from tests.bench.bench_visits import _generate_visits
    from tests.bench.datagen import bulk_load, generate_master_data, vacuum_analyze

    start = time.perf_counter()
    tenant = Tenant.objects.create(code="bench-analytics", name="基准分析药业")
    with bulk_load():
        data = generate_master_data(tenant, doctors=DOCTORS, seed=11, analyze=False)
    log(f"master data: {DOCTORS:,} doctors in {time.perf_counter() - start:.1f} s")
    with tenant_context(tenant):
        reps = User.objects.bulk_create(
            [User(username=f"ba-rep{i}", tenant=tenant, role=Role.REP, name=f"代表{i}") for i in range(REPS)]
        )
        TerritoryAssignment.objects.bulk_create(
            [
                TerritoryAssignment(tenant=tenant, user=r, territory_id=data.territory_ids[i % len(data.territory_ids)])
                for i, r in enumerate(reps)
            ]
        )
        users = {}
        for role in (Role.MANAGER, Role.PRODUCT_MANAGER, Role.COMPLIANCE, Role.MEDICAL_AFFAIRS, Role.TENANT_ADMIN):
            users[role] = User.objects.create_user(
                username=f"ba-{role}", password="bench-pw-123", tenant=tenant, role=role, name=role
            )
        # The manager of the district of the first rep's territory.
        from accounts.models import Territory

        district = Territory.objects.get(pk=data.territory_ids[0]).parent_id
        TerritoryAssignment.objects.create(tenant=tenant, user=users[Role.MANAGER], territory_id=district)
        users[Role.REP] = reps[0]
        product = Product.objects.create(tenant=tenant, name="优甲乐", generic_name="左甲状腺素钠片")
    _generate_visits(tenant, VISITS)
    t = time.perf_counter()
    _plans(tenant)
    _tiers(tenant, users[Role.PRODUCT_MANAGER])
    _adoption_and_usage(tenant, product)
    program = _program(tenant, users[Role.PRODUCT_MANAGER], product)
    vacuum_analyze(
        (
            "visits_cycleplan",
            "visits_cycleplanline",
            "visits_visitplan",
            "segmentation_tierassignment",
            "segmentation_adoption",
            "segmentation_historicaladoption",
            "hospitals_usageshare",
            "events_event",
            "events_attendee",
        )
    )
    log(f"plans, tiers, adoption, usage, events in {time.perf_counter() - t:.1f} s")
    return tenant, users, product, program


def _plans(tenant):
    """Every rep: a cycle plan in each month of the last full quarter with 60 doctors of their
    territory (targets by tier A 4, B 2, C 1), and 3 event follow-up plans a month."""
    today = datetime.date.today()
    q_first = datetime.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    first = datetime.date(q_first.year - (q_first.month < 4), (q_first.month - 4) % 12 + 1, 1)
    months = [first, datetime.date(first.year, first.month + 1, 1), datetime.date(first.year, first.month + 2, 1)]
    _exec(
        """INSERT INTO visits_cycleplan (tenant_id, rep_id, month, status, review_note, created_at, capacity,
               over_capacity_ab, unfitted_visits, working_days)
           SELECT %(t)s, u.id, m::date, 'approved', '', now(), 120, 0, 0, 21
           FROM accounts_user u CROSS JOIN unnest(%(months)s::date[]) m
           WHERE u.tenant_id = %(t)s AND u.role = 'rep'""",
        {"t": tenant.pk, "months": months},
        tenant=tenant,
    )
    _exec(
        """INSERT INTO visits_cycleplanline (tenant_id, plan_id, doctor_id, tier, target, planned, ideal)
           SELECT %(t)s, p.id, d.doctor_id, (ARRAY['A','B','C','C','D'])[1 + d.doctor_id %% 5],
                  (ARRAY[4,2,1,1,0])[1 + d.doctor_id %% 5], (ARRAY[4,2,1,1,0])[1 + d.doctor_id %% 5],
                  (ARRAY[4,2,1,1,0])[1 + d.doctor_id %% 5]
           FROM visits_cycleplan p
           JOIN accounts_territoryassignment ta ON ta.user_id = p.rep_id AND ta.tenant_id = p.tenant_id
           CROSS JOIN LATERAL (
               SELECT dt.doctor_id FROM hospitals_doctorterritory dt
               WHERE dt.tenant_id = p.tenant_id AND dt.territory_id = ta.territory_id
               ORDER BY dt.doctor_id LIMIT 60) d
           WHERE p.tenant_id = %(t)s""",
        {"t": tenant.pk},
        tenant=tenant,
    )
    _exec(
        """INSERT INTO visits_visitplan (tenant_id, rep_id, doctor_id, planned_at, channel, objective, questions,
               status, source, created_at)
           SELECT %(t)s, p.rep_id, l.doctor_id, p.month + interval '10 days', 'in_person', '会后回访', '{}',
                  'planned', 'event', p.month + interval '8 days'
           FROM visits_cycleplan p
           CROSS JOIN LATERAL (SELECT doctor_id FROM visits_cycleplanline l WHERE l.plan_id = p.id LIMIT 3) l
           WHERE p.tenant_id = %(t)s""",
        {"t": tenant.pk},
        tenant=tenant,
    )


def _tiers(tenant, pm):
    """A tier for every doctor in the last two quarters (one active scorecard version)."""
    from crm.tenancy import tenant_context
    from segmentation.models import Scorecard, ScorecardVersion

    with tenant_context(tenant):
        card = Scorecard.objects.create(tenant=tenant, name="基准评分卡", is_primary=True)
        version = ScorecardVersion.objects.create(tenant=tenant, scorecard=card, number=1, status="active")
    today = datetime.date.today()
    periods = [
        f"{today.year - (today.month < 4)}Q{((today.month - 1) // 3 - 1) % 4 + 1}",
        f"{today.year}Q{(today.month - 1) // 3 + 1}",
    ]
    _exec(
        """INSERT INTO segmentation_tierassignment (tenant_id, doctor_id, period, version_id, tier, score, breakdown,
               previous_tier)
           SELECT %(t)s, d.id, p, %(v)s, (ARRAY['A','B','C','C','D'])[1 + d.id %% 5], 50, '{}'::jsonb, ''
           FROM hospitals_doctor d CROSS JOIN unnest(%(periods)s::text[]) p WHERE d.tenant_id = %(t)s""",
        {"t": tenant.pk, "v": version.pk, "periods": periods},
        tenant=tenant,
    )


def _adoption_and_usage(tenant, product):
    """Adoption of the product for every doctor ('aware' two years ago; a tenth moved to 'trial'
    and a twentieth to 'regular' since, at dates spread over the two years) and ``USAGE_MONTHS``
    months of usage share for ``USAGE_DOCTORS`` doctors."""
    _exec(
        """INSERT INTO segmentation_adoption (tenant_id, doctor_id, product_id, stage, note, updated_at)
           SELECT %(t)s, d.id, %(p)s, 'aware', '', now() FROM hospitals_doctor d WHERE d.tenant_id = %(t)s""",
        {"t": tenant.pk, "p": product.pk},
        tenant=tenant,
    )
    _exec(
        """INSERT INTO segmentation_historicaladoption (id, tenant_id, doctor_id, product_id, stage, note, updated_at,
               history_date, history_type)
           SELECT a.id, a.tenant_id, a.doctor_id, a.product_id, s.stage, '', s.at, s.at, '~'
           FROM segmentation_adoption a
           CROSS JOIN LATERAL (VALUES
               ('aware', now() - interval '25 months'),
               (CASE WHEN a.doctor_id %% 10 = 0 THEN 'trial' END,
                now() - ((a.doctor_id * 7919) %% 700) * interval '1 day'),
               (CASE WHEN a.doctor_id %% 20 = 0 THEN 'regular' END,
                now() - ((a.doctor_id * 7919) %% 700) * interval '1 day' + interval '30 days')) s(stage, at)
           WHERE a.tenant_id = %(t)s AND s.stage IS NOT NULL""",
        {"t": tenant.pk},
        tenant=tenant,
    )
    from tests.bench.datagen import bulk_load

    start = time.perf_counter()
    today = datetime.date.today().replace(day=1)
    with bulk_load(tables=("hospitals_usageshare",)):
        _usage_rows(tenant, product, today)
    log(f"usage share: {USAGE_DOCTORS:,} doctors x {USAGE_MONTHS} months in {time.perf_counter() - start:.1f} s")


def _usage_rows(tenant, product, today):
    _exec(
        """INSERT INTO hospitals_usageshare (tenant_id, doctor_id, product_id, period, volume, share)
           SELECT %(t)s, d.id, %(p)s, (%(today)s::date - (m || ' months')::interval)::date, 100,
                  LEAST(100, 5 + (d.id %% 30) + CASE WHEN d.id %% 10 = 0 THEN (24 - m) ELSE 0 END)
           FROM (SELECT id FROM hospitals_doctor WHERE tenant_id = %(t)s ORDER BY id LIMIT %(n)s) d
           CROSS JOIN generate_series(1, %(months)s) m""",
        {"t": tenant.pk, "p": product.pk, "today": today, "n": USAGE_DOCTORS, "months": USAGE_MONTHS},
        tenant=tenant,
    )


def _program(tenant, pm, product):
    """A program of ``EVENTS`` closed events over the last 12 months, ``ATTENDEES`` signed-in
    attendees spread over them (every 20th doctor first: the ones more likely to move), with a
    budget line and an expense each."""
    from django.utils import timezone

    from crm.tenancy import tenant_context
    from events.models import Event, Program, ProgramProduct

    now = timezone.now()
    with tenant_context(tenant):
        program = Program.objects.create(
            tenant=tenant,
            name="甲状腺大师班",
            owner=pm,
            starts_on=(now - datetime.timedelta(days=400)).date(),
            ends_on=now.date(),
            budget=5_000_000,
        )
        ProgramProduct.objects.create(tenant=tenant, program=program, product=product)
        events = Event.objects.bulk_create(
            [
                Event(
                    tenant=tenant,
                    program=program,
                    title=f"甲状腺大师班 第{i + 1}期",
                    type="masterclass",
                    starts_at=now - datetime.timedelta(days=365 - (i * 360 // EVENTS)),
                    ends_at=now - datetime.timedelta(days=365 - (i * 360 // EVENTS), hours=-3),
                    owner=pm,
                    status="closed",
                    signin_token=uuid.uuid4(),
                )
                for i in range(EVENTS)
            ]
        )
    ids = [e.pk for e in events]
    _exec(
        """INSERT INTO events_attendee (tenant_id, event_id, doctor_id, rsvp, invited_via, invited_at, signed_in_at,
               signin_method)
           SELECT %(t)s, (%(ids)s::bigint[])[1 + (n %% %(events)s)], d.id, 'accepted', 'tier', e.starts_at,
                  e.starts_at, 'rep'
           FROM (SELECT id, row_number() OVER (ORDER BY (id %% 20 <> 0), id) - 1 AS n
                 FROM hospitals_doctor WHERE tenant_id = %(t)s) d
           JOIN events_event e ON e.id = (%(ids)s::bigint[])[1 + (d.n %% %(events)s)]
           WHERE d.n < %(attendees)s""",
        {"t": tenant.pk, "ids": ids, "events": EVENTS, "attendees": ATTENDEES},
        tenant=tenant,
    )
    _exec(
        """INSERT INTO events_budgetline (tenant_id, event_id, category, amount, note)
           SELECT %(t)s, id, 'venue', 6000, '' FROM unnest(%(ids)s::bigint[]) id""",
        {"t": tenant.pk, "ids": ids},
        tenant=tenant,
    )
    _exec(
        """INSERT INTO events_expense (tenant_id, event_id, category, amount, spent_on, description, receipt,
               receipt_sha256, created_by_id, created_at)
           SELECT %(t)s, id, 'venue', 5200, now()::date, '', '', '', %(pm)s, now() FROM unnest(%(ids)s::bigint[]) id""",
        {"t": tenant.pk, "ids": ids, "pm": pm.pk},
        tenant=tenant,
    )
    return program


def _home(users):
    from django.core.cache import cache
    from django.test import Client

    cache.clear()
    worst, cold = 0.0, 0.0
    for role, user in users.items():
        client = Client(HTTP_HOST="localhost")
        client.force_login(user, backend="accounts.auth.TenantModelBackend")
        t = time.perf_counter()
        response = client.get("/")
        cold = max(cold, (time.perf_counter() - t) * 1000)
        assert response.status_code == 200, (role, response.status_code)
        samples = [_timed_home(client) for _ in range(SAMPLES)]
        figure = p95(samples)
        log(f"  home {role:<16} p50={statistics.median(samples):7.1f} ms p95={figure:7.1f} ms")
        yield (f"home_{role}_p95_ms", figure, "ms")
        worst = max(worst, figure)
    yield ("home_p95_ms", worst, "ms")
    yield ("home_cold_max_ms", round(cold, 1), "ms")
    yield ("home_rep_busy_p95_ms", _home_busy(users), "ms")


def _timed_home(client) -> float:
    """Milliseconds of one GET of the home page (which must answer 200)."""
    t = time.perf_counter()
    response = client.get("/")
    elapsed = (time.perf_counter() - t) * 1000
    assert response.status_code == 200, response.status_code
    return elapsed


def _home_busy(users):
    """p95 of the rep's home, another rep of another territory saving a visit before each sample."""
    from django.db import transaction
    from django.test import Client
    from django.utils import timezone

    from accounts.models import TerritoryAssignment, User
    from crm.tenancy import tenant_context
    from visits.models import Visit

    rep = users["rep"]
    tenant = rep.tenant
    with tenant_context(tenant):
        mine = set(TerritoryAssignment.objects.filter(user=rep).values_list("territory_id", flat=True))
        other = (
            User.objects.filter(tenant=tenant, role="rep")
            .exclude(territory_assignments__territory_id__in=mine)
            .order_by("pk")
            .first()
        )
        visits = list(
            Visit.objects.for_tenant(tenant).filter(rep=other, status="submitted").order_by("-visited_at")[:SAMPLES]
        )
    client = Client(HTTP_HOST="localhost")
    client.force_login(rep, backend="accounts.auth.TenantModelBackend")
    assert client.get("/").status_code == 200
    samples = []
    for visit in visits:
        # A new submitted report of the other rep (a submitted one is locked against updates):
        # the receivers run as for one submitted through the service.
        visit.pk, visit._state.adding = None, True
        visit.visited_at = timezone.now() - datetime.timedelta(hours=1)
        with tenant_context(tenant), transaction.atomic():
            visit.save()
        samples.append(_timed_home(client))
    figure = p95(samples)
    log(f"  home rep, busy tenant p50={statistics.median(samples):7.1f} ms p95={figure:7.1f} ms")
    return figure


def _rollup(tenant, rep):
    from analytics import rollup, tasks
    from crm.tenancy import tenant_context

    t = time.perf_counter()
    tasks.kpi_rollup_window.apply(kwargs={"tenant_id": tenant.pk}, throw=True)  # what beat runs nightly
    nightly = time.perf_counter() - t
    from analytics.models import KpiMonth

    with tenant_context(tenant):
        written = KpiMonth.objects.for_tenant(tenant).count()
    log(f"  KPI rollup nightly: {nightly:.2f} s ({written} rows)")
    yield ("kpi_rollup_nightly_s", round(nightly, 2), "s")
    from visits.models import Visit

    with tenant_context(tenant):
        visit = Visit.objects.for_tenant(tenant).filter(rep=rep).order_by("-visited_at").first()
    samples = []
    for _ in range(5):
        month = rollup.month_of(visit.visited_at)
        t = time.perf_counter()
        tasks.kpi_rollup_refresh.apply(
            kwargs={
                "tenant_id": tenant.pk,
                "months": [month.isoformat(), rollup.add_months(month, -1).isoformat()],
                "rep_ids": [rep.pk],
                "doctor_ids": [visit.doctor_id],
            },
            throw=True,
        )
        samples.append((time.perf_counter() - t) * 1000)
    yield ("kpi_rollup_cell_ms", round(statistics.median(samples), 1), "ms")


def _kpi(tenant, admin):
    from analytics import kpis
    from crm.tenancy import tenant_context

    today = datetime.date.today()
    period = kpis.parse_period(None, today=today).previous()
    with tenant_context(tenant):
        t = time.perf_counter()
        card = kpis.scorecard(tenant=tenant, user=admin, period=period, history=10)  # as the page
        elapsed = time.perf_counter() - t
    scored = sum(1 for r in card.reps if r.score is not None)
    log(f"  KPI scorecard {period}: {len(card.reps):,} reps ({scored:,} scored) in {elapsed:.2f} s")
    yield ("kpi_scorecard_s", round(elapsed, 2), "s")


def _roi(tenant, program):
    from django.core.cache import cache

    from analytics import roi, tasks
    from crm.tenancy import tenant_context

    # What beat runs nightly after the tiers are in (the data generator's SQL writes do not
    # trigger it): the doctors' matching strata the control pool reads (analytics.strata).
    t = time.perf_counter()
    refreshed = tasks.doctor_strata_refresh.apply(kwargs={"tenant_id": tenant.pk}, throw=True).get()
    nightly = time.perf_counter() - t
    log(f"  doctor strata nightly: {nightly:.2f} s ({refreshed})")
    yield ("roi_strata_nightly_s", round(nightly, 2), "s")
    cache.clear()
    with tenant_context(tenant):
        t = time.perf_counter()
        result = roi.compute(tenant=tenant, program_id=program.pk)
        cold = time.perf_counter() - t
        key, _ids = roi._key(
            tenant=tenant, program_id=program.pk, event_id=None, product_id=None, today=datetime.date.today()
        )
        cache.set(key, {"status": "done", "result": result, "key": key}, roi.ROI_TTL)
        samples = []
        for _ in range(SAMPLES):
            t = time.perf_counter()
            state = roi.roi_request(tenant=tenant, program_id=program.pk)
            samples.append((time.perf_counter() - t) * 1000)
            assert state["status"] == "done"
    eff = {(e["outcome"], e["horizon"]): e for e in result["effect"]["effects"]}
    log(
        f"  ROI: {len(result['events'])} events, {result['doctors']:,} attendees, {result['effect']['pairs']:,} pairs "
        f"(pool {result['effect'].get('pool', 0):,}); stage +3: {eff.get(('stage', 3))}; cold {cold:.2f} s"
    )
    yield ("program_roi_s", round(cold, 2), "s")
    yield ("program_roi_cached_ms", p95(samples), "ms")


def run(ctx):
    tenant, users, _product, program = _setup(ctx)
    log(
        f"analytics bench: {DOCTORS:,} doctors, {VISITS:,} visits, {REPS:,} reps, {EVENTS:,} events, "
        f"{ATTENDEES:,} attendees, usage {USAGE_DOCTORS:,} x {USAGE_MONTHS}"
    )
    yield from _rollup(tenant, users["rep"])
    yield from _kpi(tenant, users["tenant_admin"])
    yield from _roi(tenant, program)
    yield from _home(users)
