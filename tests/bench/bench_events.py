"""Academic events at scale (issue 10).

Figures:

* ``event_followups_create_s`` — an approved event with ``BENCH_EVENT_ATTENDEES`` (2,000)
  signed-in attendees is marked held through ``events.services.event_mark_held``; a real worker
  (prefork, 2 processes) creates the follow-ups and their visit plans: seconds from the commit to
  the last follow-up row. ``event_followups_second_close_created`` — closing it afterwards (which
  enqueues the job again) creates 0 more.
* ``event_followups_duplicates`` / ``_missing`` / ``event_followups_exactly_once`` (their sum) —
  ``BENCH_EVENT_CRASH_EVENTS`` (200) events of 10 signed-in attendees each marked held one after
  another while the worker's whole process group is SIGKILLed after the 60th and restarted after
  the 120th; the minute sweeper (``events.followups_sweep``, which beat runs every minute) is
  called the same way meanwhile.
* ``event_list_p95_ms`` — ``/api/v1/events/`` (list and calendar filters: status, type, program,
  a month's window, ordering, 20 pages deep following ``next``) as a product manager (every
  event) and as a rep (their events and those of the doctors they cover), with
  ``BENCH_EVENTS`` (100,000) events and ``BENCH_EVENT_ROWS`` (2,000,000) attendees in the tenant.
``BENCH_EVENT_PARTS=lists`` skips the follow-up figures.

* ``insight_inbox_p95_ms`` — the PM's inbox (``/api/v1/insights/?mine=true&status=open``,
  deep pages, and the ``/events/insights/`` page) with ``BENCH_INSIGHTS`` (1,000,000) insights.

The bulk rows (events, attendees, insights) are written server-side with ``INSERT … SELECT``
over ``generate_series`` (the import path of events is the services, used for the follow-up
figures; a million events through them would take hours); no manual ANALYZE before measuring
beyond what a bulk job of the product does (``crm.stats``).
"""

from __future__ import annotations

import datetime
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

FIGURES = (
    "event_followups_create_s",
    "event_followups_second_close_created",
    "event_followups_duplicates",
    "event_followups_missing",
    "event_followups_exactly_once",
    "event_list_p95_ms",
    "insight_inbox_p95_ms",
)

ATTENDEES = int(os.environ.get("BENCH_EVENT_ATTENDEES", "2000"))
CRASH_EVENTS = int(os.environ.get("BENCH_EVENT_CRASH_EVENTS", "200"))
EVENTS = int(os.environ.get("BENCH_EVENTS", "100000"))
EVENT_ROWS = int(os.environ.get("BENCH_EVENT_ROWS", "2000000"))
INSIGHTS = int(os.environ.get("BENCH_INSIGHTS", "1000000"))
DOCTORS = int(os.environ.get("BENCH_EVENT_DOCTORS", "20000"))
ROOT = Path(__file__).resolve().parents[2]


def log(text):
    print(text, file=sys.stderr, flush=True)


class Env:
    pass


def _setup():
    from accounts.models import Role, Tenant, TerritoryAssignment, User
    from crm.tenancy import tenant_context
    from events.models import ProductManagerAssignment
    from hospitals.models import KeyMessage, Product
    from tests.bench.datagen import bulk_load, generate_master_data
    from visits import selectors

    env = Env()
    start = time.perf_counter()
    env.tenant = Tenant.objects.create(code="bench-events", name="基准学术会议药业")
    with bulk_load():
        data = generate_master_data(env.tenant, doctors=DOCTORS, seed=11, analyze=False)
    log(f"master data: {DOCTORS:,} doctors in {time.perf_counter() - start:.1f} s")
    with tenant_context(env.tenant):
        env.reps = []
        for i, territory in enumerate(data.territory_ids):
            rep = User.objects.create_user(username=f"be-rep{i}", password="x", tenant=env.tenant, role=Role.REP)
            TerritoryAssignment.objects.create(tenant=env.tenant, user=rep, territory_id=territory)
            env.reps.append(rep)
        env.manager = User.objects.create_user(username="be-mgr", password="x", tenant=env.tenant, role=Role.MANAGER)
        TerritoryAssignment.objects.create(tenant=env.tenant, user=env.manager, territory_id=data.district_ids[0])
        env.pm = User.objects.create_user(username="be-pm", password="x", tenant=env.tenant, role=Role.PRODUCT_MANAGER)
        env.product = Product.objects.create(tenant=env.tenant, name="康立欣", generic_name="阿托伐他汀钙片")
        ProductManagerAssignment.objects.create(tenant=env.tenant, product=env.product, user=env.pm)
        env.km = KeyMessage.objects.create(tenant=env.tenant, product=env.product, text="降脂达标率提高30%")
        env.rep = env.reps[0]
        env.doctor_ids = list(selectors.rep_doctors(tenant=env.tenant, rep=env.rep).values_list("pk", flat=True))
        from hospitals.models import Doctor

        env.all_doctor_ids = list(Doctor.objects.order_by("pk").values_list("pk", flat=True))
    log(f"  {len(env.reps)} reps; the first covers {len(env.doctor_ids)} doctors")
    return env


def _approved_event(env, title, owner=None):
    from django.utils import timezone

    from events import services

    owner = owner or env.rep
    start = timezone.now() - datetime.timedelta(hours=2)
    event = services.event_create(
        tenant=env.tenant,
        by=owner,
        title=title,
        type="department_meeting",
        venue_name="会议中心",
        venue_kind="conference_centre",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        products=[env.product],
        key_messages=[env.km],
    )
    services.event_submit(tenant=env.tenant, by=owner, event=event)
    event.refresh_from_db()
    if event.status != "approved":
        services.event_approve(tenant=env.tenant, by=env.manager, event=event)
    event.refresh_from_db()
    return event


def _signed_attendees(env, event, doctor_ids):
    """Signed-in attendees of ``event`` (one INSERT, as a sign-in list at that size would be)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO events_attendee (tenant_id, event_id, doctor_id, rsvp, invited_via, invited_at, signed_in_at,"
            " signin_method) SELECT %s, %s, d, 'accepted', 'hand_picked', now(), now(), 'rep'"
            " FROM unnest(%s::bigint[]) AS u(d)",
            [env.tenant.pk, event.pk, list(doctor_ids)],
        )


def _count(env, model, **filters):
    from crm.tenancy import tenant_context

    with tenant_context(env.tenant):
        return model.objects.filter(**filters).count()


def _followups_create(env):
    from django.db import transaction

    from crm.tenancy import tenant_context
    from events import services
    from events.models import EventFollowUp, PendingEventFollowUp
    from tests.bench.bench_visits import _purge_queue, _worker

    doctors = (env.all_doctor_ids * 2)[:ATTENDEES]
    with tenant_context(env.tenant):
        event = _approved_event(env, "两千人城市会")
        _signed_attendees(env, event, dict.fromkeys(doctors))
    _purge_queue()
    worker = _worker()
    try:
        with tenant_context(env.tenant), transaction.atomic():
            services.event_mark_held(tenant=env.tenant, by=env.rep, event=event)
        start = time.perf_counter()
        deadline = start + 300
        while time.perf_counter() < deadline:
            if _count(env, EventFollowUp, event=event) >= ATTENDEES:
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - start
        created = _count(env, EventFollowUp, event=event)
        log(f"  {created} follow-ups (with visit plans) in {seconds:.2f} s")
        yield "event_followups_create_s", round(seconds, 2), "s"
        with tenant_context(env.tenant), transaction.atomic():
            services.event_close(tenant=env.tenant, by=env.rep, event=event)
        deadline = time.perf_counter() + 120
        while time.perf_counter() < deadline and _count(env, PendingEventFollowUp, event=event):
            time.sleep(0.1)
        yield "event_followups_second_close_created", _count(env, EventFollowUp, event=event) - created, "rows"
    finally:
        worker.stop()


def _exactly_once(env):
    from django.db import transaction

    from crm.tenancy import tenant_context
    from events import services
    from events.models import EventFollowUp, PendingEventFollowUp
    from events.tasks import followups_sweep
    from tests.bench.bench_visits import _purge_queue, _worker

    per_event = 10
    events = []
    with tenant_context(env.tenant):
        for i in range(CRASH_EVENTS):
            event = _approved_event(env, f"崩溃测试科室会{i}")
            lo = (i * per_event) % max(1, len(env.all_doctor_ids) - per_event)
            _signed_attendees(env, event, env.all_doctor_ids[lo : lo + per_event])
            events.append(event)
    log(f"  {len(events)} approved events of {per_event} signed-in attendees")
    _purge_queue()
    worker = _worker()
    try:
        for i, event in enumerate(events):
            with tenant_context(env.tenant), transaction.atomic():
                services.event_mark_held(tenant=env.tenant, by=env.rep, event=event)
            if i + 1 == CRASH_EVENTS * 3 // 10:
                worker.kill()
                log(f"  worker SIGKILLed after {i + 1} events held")
            if i + 1 == CRASH_EVENTS * 6 // 10:
                worker = _worker()
                log(f"  worker restarted after {i + 1} events held")
        ids = [e.pk for e in events]
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            pending = _count(env, PendingEventFollowUp, event_id__in=ids)
            done = _count(env, EventFollowUp, event_id__in=ids)
            if not pending and done >= per_event * len(ids):
                break
            followups_sweep.delay(older_than_seconds=20)  # what beat does every minute
            time.sleep(5)
        time.sleep(2)
    finally:
        worker.stop()
        _purge_queue()
    from django.db.models import Count

    with tenant_context(env.tenant):
        rows = list(
            EventFollowUp.objects.filter(event_id__in=ids)
            .values("attendee_id")
            .annotate(n=Count("pk"))
            .values_list("attendee_id", "n")
        )
        plans = EventFollowUp.objects.filter(event_id__in=ids, visit_plan__isnull=False).count()
    duplicates = sum(n - 1 for _a, n in rows)
    missing = per_event * len(ids) - len(rows)
    log(f"  {len(rows)} follow-ups ({plans} with a visit plan): duplicates={duplicates} missing={missing}")
    yield "event_followups_duplicates", duplicates, "rows"
    yield "event_followups_missing", missing, "rows"
    yield "event_followups_exactly_once", duplicates + missing, "duplicates+missing"


_EVENTS_SQL = """
INSERT INTO events_event (tenant_id, program_id, title, type, organiser_kind, third_party, host_hospital_id,
    venue_name, venue_city, venue_address, venue_kind, starts_at, ends_at, expected_attendees, owner_id, status,
    needs_pm_approval, status_reason, signin_token, questionnaire, created_at)
SELECT %(tenant)s, NULL, '科室会 #' || g,
       (ARRAY['department_meeting','city_meeting','webinar','masterclass','free_clinic'])[(1 + g %% 5)::int],
       'company', '', NULL, '会议室', '上海', '', 'hospital', s.at, s.at + interval '90 minutes', 20,
       (%(reps)s::bigint[])[(1 + g %% %(nreps)s)::int],
       (ARRAY['closed','held','approved','draft','closed','cancelled'])[(1 + g %% 6)::int],
       false, '', md5(g::text || 'x')::uuid, '{}'::jsonb, s.at
FROM generate_series(1::bigint, %(n)s::bigint) AS g
CROSS JOIN LATERAL (SELECT now() - ((g * 7919) %% 1051200) * interval '1 minute' AS at) s
"""

_ATTENDEES_SQL = """
INSERT INTO events_attendee (tenant_id, event_id, doctor_id, rsvp, invited_via, invited_at, signed_in_at,
    signin_method)
SELECT %(tenant)s, e.id, (%(doctors)s::bigint[])[(1 + ((g * 48271 + k * 7) %% %(ndoctors)s))::int], 'accepted',
       'hand_picked', e.starts_at, CASE WHEN k %% 5 = 0 THEN NULL ELSE e.starts_at END,
       CASE WHEN k %% 5 = 0 THEN '' ELSE 'rep' END
FROM (SELECT id, starts_at, row_number() OVER (ORDER BY id) AS g FROM events_event
      WHERE tenant_id = %(tenant)s AND title LIKE '科室会 #%%') e
CROSS JOIN generate_series(1, %(per)s) AS k
ON CONFLICT DO NOTHING
"""

_INSIGHTS_SQL = """
INSERT INTO events_insight (tenant_id, kind, text, product_id, doctor_id, raised_by_id, product_manager_id, status,
    answer, answered_at, addressed_version, created_at)
SELECT %(tenant)s, (ARRAY['question','objection','competitor_claim','evidence_request'])[(1 + g %% 4)::int],
       '医生提问 #' || g, %(product)s, NULL, (%(reps)s::bigint[])[(1 + g %% %(nreps)s)::int],
       CASE WHEN g %% 10 = 0 THEN NULL ELSE %(pm)s END,
       CASE WHEN g %% 3 = 0 THEN 'open' ELSE 'answered' END,
       CASE WHEN g %% 3 = 0 THEN '' ELSE '已答复' END,
       CASE WHEN g %% 3 = 0 THEN NULL ELSE now() END, '',
       now() - ((g * 7919) %% 1051200) * interval '1 minute'
FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g
"""


def _bulk(env):
    from django.db import connection, transaction

    from crm import stats
    from crm.tenancy import tenant_context

    reps = [r.pk for r in env.reps]
    start = time.perf_counter()
    with tenant_context(env.tenant), transaction.atomic(), connection.cursor() as cur:
        cur.execute(_EVENTS_SQL, {"tenant": env.tenant.pk, "n": EVENTS, "reps": reps, "nreps": len(reps)})
        cur.execute(
            _ATTENDEES_SQL,
            {
                "tenant": env.tenant.pk,
                "doctors": env.all_doctor_ids,
                "ndoctors": len(env.all_doctor_ids),
                "per": max(1, EVENT_ROWS // max(EVENTS, 1)),
            },
        )
        stats.analyze_on_commit()
    log(f"  {EVENTS:,} events and ~{EVENT_ROWS:,} attendees in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    chunk = 250_000
    for lo in range(1, INSIGHTS + 1, chunk):
        with tenant_context(env.tenant), transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                _INSIGHTS_SQL,
                {
                    "tenant": env.tenant.pk,
                    "product": env.product.pk,
                    "reps": reps,
                    "nreps": len(reps),
                    "pm": env.pm.pk,
                    "lo": lo,
                    "hi": min(INSIGHTS, lo + chunk - 1),
                },
            )
            stats.analyze_on_commit()
    log(f"  {INSIGHTS:,} insights in {time.perf_counter() - start:.1f} s")


def _follow(client, url, pages, samples):
    from tests.bench.master import timed_get

    read = 0
    while url and read < pages:
        data = timed_get(client, url, samples)
        read += 1
        url = data.get("next")
    return read


def _event_list(env):
    from django.utils import timezone

    from tests.bench.master import client_for, p95, summary

    samples = []
    month = timezone.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    window = {"starts_after": (month - datetime.timedelta(days=62)).isoformat(), "starts_before": month.isoformat()}
    for user, label in ((env.pm, "product manager"), (env.rep, "rep")):
        client = client_for(user)
        s = []
        for params in (
            {},
            {"status": "closed"},
            {"type": "webinar"},
            {"status": "held", "type": "department_meeting"},
            window,
            {**window, "status": "approved"},
            {"ordering": "starts_at"},
            {"owner": env.rep.pk},
        ):
            url = "/api/v1/events/?" + urlencode({"page_size": 50, **params})
            _follow(client, url, 20 if not params else 5, s)
        summary(f"event list as {label}", s)
        samples.extend(s)
        # The calendar page of the month and the list below it.
        cal = []
        for _ in range(5):
            start = time.perf_counter()
            response = client.get("/events/")
            cal.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        summary(f"calendar page as {label}", cal)
        samples.extend(cal)
    yield "event_list_p95_ms", p95(samples), "ms"


def _insight_inbox(env):
    from tests.bench.master import client_for, p95, summary

    client = client_for(env.pm)
    samples = []
    for params in (
        {"mine": "true", "status": "open"},
        {"mine": "true"},
        {"status": "answered"},
        {"kind": "objection", "mine": "true"},
        {"product": env.product.pk, "status": "open"},
    ):
        url = "/api/v1/insights/?" + urlencode({"page_size": 50, **params})
        _follow(client, url, 20, samples)
    page = []
    for _ in range(10):
        start = time.perf_counter()
        response = client.get("/events/insights/")
        page.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    summary("insight inbox API (deep pages)", samples)
    summary("insight inbox page", page)
    yield "insight_inbox_p95_ms", p95(samples + page), "ms"


PARTS = os.environ.get("BENCH_EVENT_PARTS", "followups,lists")  # "lists": only the list figures


def run(ctx):
    env = _setup()
    if "followups" in PARTS:
        yield from _followups_create(env)
        yield from _exactly_once(env)
    _bulk(env)
    yield from _event_list(env)
    yield from _insight_inbox(env)
