"""Visit reports at scale: submitting with 10,000,000 visits in the tenant, sustained submissions
against gunicorn, follow-up lag with a real worker, and exactly-once follow-ups through a
worker crash.

Figures:

* ``visit_submit_p95_ms`` — ``POST /api/v1/visits/{id}/submit/`` (in process, full middleware),
  with ``BENCH_VISITS`` (default 10,000,000) submitted visits already in the tenant;
  ``visit_create_submit_p95_ms`` — the phone form's one request (``POST /visits/`` with
  ``submit: true``);
* ``visit_submit_rps`` — create-and-submit requests per second sustained for
  ``BENCH_RPS_SECONDS`` (30) by ``BENCH_RPS_THREADS`` (8) client threads against gunicorn
  (4 workers, 127.0.0.1); ``visit_submit_errors`` — non-2xx answers or failed connections;
* ``followup_lag_p95_s`` — from the submit's commit (the response) to the follow-up task row,
  a real worker (prefork, 2 processes) draining the queue;
* ``followup_duplicates`` / ``followup_missing`` / ``followup_exactly_once`` (their sum) —
  1,000 submissions through gunicorn while the worker's whole process group is SIGKILLed
  after the 300th and restarted after the 600th; celery beat runs the minute sweeper.

The 10M visits are written server-side in one ``INSERT … SELECT`` over ``generate_series`` per
million rows (no row crosses the wire, which beats ``COPY`` from Python) with the table's
secondary indexes and foreign keys dropped meanwhile and rebuilt once
(``datagen.bulk_load``). Doctors come from ``datagen.generate_master_data`` (COPY-based).
"""

from __future__ import annotations

import datetime
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.bench.master import p95

FIGURES = (
    "visit_submit_p95_ms",
    "visit_create_submit_p95_ms",
    "visit_submit_rps",
    "visit_submit_errors",
    "followup_lag_p95_s",
    "followup_duplicates",
    "followup_missing",
    "followup_exactly_once",
)

VISITS = int(os.environ.get("BENCH_VISITS", "10000000"))
DOCTORS = int(os.environ.get("BENCH_VISIT_DOCTORS", "200000"))
RPS_SECONDS = int(os.environ.get("BENCH_RPS_SECONDS", "30"))
RPS_THREADS = int(os.environ.get("BENCH_RPS_THREADS", "8"))
PORT = int(os.environ.get("BENCH_PORT", "8765"))
ROOT = Path(__file__).resolve().parents[2]
RULES_PER_VISIT = 4  # literature request, compliance question, adverse event, next step


def log(text):
    print(text, file=sys.stderr, flush=True)


# --- data ----------------------------------------------------------------------------------


class Env:
    """The bench tenant: a rep with two territories, their doctors, a product with key messages."""

    def __init__(self, tenant, rep, token, doctor_ids, key_messages, medical):
        self.tenant, self.rep, self.token = tenant, rep, token
        self.doctor_ids, self.key_messages, self.medical = doctor_ids, key_messages, medical


def _setup(ctx) -> Env:
    from accounts.models import Role, Tenant, TerritoryAssignment, User
    from accounts.services import api_token_create
    from crm.tenancy import tenant_context
    from hospitals.models import KeyMessage, Product
    from tests.bench.datagen import bulk_load, generate_master_data
    from visits import selectors

    start = time.perf_counter()
    tenant = Tenant.objects.create(code="bench-visits", name="基准拜访药业")
    with bulk_load():
        data = generate_master_data(tenant, doctors=DOCTORS, seed=7, analyze=False)
    log(f"master data: {DOCTORS:,} doctors in {time.perf_counter() - start:.1f} s")
    with tenant_context(tenant):  # users are walled by tenant
        reps = User.objects.bulk_create(
            [User(username=f"bv-rep{i}", tenant=tenant, role=Role.REP, name=f"代表{i}") for i in range(100)]
        )
        rep = reps[0]
        rep.set_password("bench-pw-123")
        rep.save(update_fields=["password"])
        medical = User.objects.create_user(username="bv-med", password="x", tenant=tenant, role=Role.MEDICAL_AFFAIRS)
    with tenant_context(tenant):
        for territory in data.territory_ids[:2]:
            TerritoryAssignment.objects.create(tenant=tenant, user=rep, territory_id=territory)
        product = Product.objects.create(tenant=tenant, name="康立欣", generic_name="阿托伐他汀钙片")
        kms = [
            KeyMessage.objects.create(tenant=tenant, product=product, text=t, order=i).pk
            for i, t in enumerate(["降脂达标率提高30%", "每日一次，依从性好"])
        ]
        doctor_ids = list(selectors.rep_doctors(tenant=tenant, rep=rep).values_list("pk", flat=True))
    with tenant_context(tenant):
        _, token = api_token_create(tenant=tenant, by=rep, user=rep)
    _generate_visits(tenant, VISITS)
    return Env(tenant, rep, token, doctor_ids, kms, medical)


_VISITS_SQL = """
INSERT INTO visits_visit (tenant_id, rep_id, doctor_id, plan_id, channel, visited_at, duration_minutes,
    objective, objective_achieved, feedback, questions_raised, signals, signal_notes, next_step,
    next_step_due, status, submitted_at, is_late, amended, created_at, updated_at)
SELECT %(tenant)s, r.id, d.id, NULL,
       (ARRAY['in_person','phone','wechat','video','department_meeting'])[(1 + g %% 5)::int],
       v.at, (5 + g %% 40)::int, '建立产品认知', (ARRAY['yes','partly','no'])[(1 + g %% 3)::int], '医生反馈良好', '',
       '{}', '{}'::jsonb, '', NULL, 'submitted', v.at + interval '3 hours', (g %% 13 = 0), false, v.at, v.at
FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g
JOIN _bench_doctors d ON d.n = (g * 48271) %% %(doctors)s
JOIN _bench_reps r ON r.n = g %% %(reps)s
CROSS JOIN LATERAL (SELECT now() - interval '1 day' - ((g * 7919) %% 1051200) * interval '1 minute' AS at) v
"""


def _generate_visits(tenant, n):
    """``n`` submitted visits of the tenant's reps to its doctors over the last two years."""
    from django.db import connection, transaction

    from crm.tenancy import tenant_context
    from tests.bench.datagen import bulk_load

    start = time.perf_counter()
    chunk = 1_000_000
    with bulk_load(tables=("visits_visit",)), tenant_context(tenant), transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE _bench_doctors ON COMMIT DROP AS SELECT "
            "(row_number() OVER (ORDER BY id)) - 1 AS n, id FROM hospitals_doctor WHERE tenant_id = %s",
            [tenant.pk],
        )
        cur.execute(
            "CREATE TEMP TABLE _bench_reps ON COMMIT DROP AS SELECT (row_number() OVER (ORDER BY id)) - 1 AS n, "
            "id FROM accounts_user WHERE tenant_id = %s AND role = 'rep'",
            [tenant.pk],
        )
        cur.execute("CREATE INDEX ON _bench_doctors (n)")
        cur.execute("SELECT count(*) FROM _bench_doctors")
        doctors = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM _bench_reps")
        reps = cur.fetchone()[0]
        for lo in range(1, n + 1, chunk):
            hi = min(lo + chunk - 1, n)
            cur.execute(_VISITS_SQL, {"tenant": tenant.pk, "lo": lo, "hi": hi, "doctors": doctors, "reps": reps})
            log(f"  visits {hi:,} / {n:,} ({time.perf_counter() - start:.0f} s)")
    log(f"{n:,} visits written and indexed in {time.perf_counter() - start:.1f} s")


# --- helpers -------------------------------------------------------------------------------


def _body(env, i, *, signals=True):
    body = {
        "doctor": env.doctor_ids[i % len(env.doctor_ids)],
        "visited_at": (datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)).isoformat(),
        "channel": "in_person",
        "duration_minutes": 15,
        "key_messages": [
            {"key_message": env.key_messages[0], "reaction": "accepted"},
            {"key_message": env.key_messages[1], "reaction": "neutral"},
        ],
        "objective_achieved": "yes",
        "feedback": "关注医保报销",
        "submit": True,
    }
    if signals:
        body.update(
            signals=["literature_request", "compliance_question", "adverse_event"],
            signal_notes={"adverse_event": "患者诉肌痛"},
            next_step="送指南解读",
            next_step_due=(datetime.date.today() + datetime.timedelta(days=3)).isoformat(),
        )
    return body


def _client(env):
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    client.force_login(env.rep, backend="accounts.auth.TenantModelBackend")
    return client


def _purge_queue():
    import redis
    from django.conf import settings

    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(settings.CELERY_TASK_DEFAULT_QUEUE)


def _bin(name):
    return shutil.which(name, path=str(Path(sys.executable).parent)) or name


class Proc:
    """A subprocess in its own process group (so a crash can take all its children)."""

    def __init__(self, args, env=None):
        self.args, self.env, self.proc = args, env, None

    def start(self):
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **(self.env or {})}
        self.proc = subprocess.Popen(self.args, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
        return self

    def kill(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def _worker():
    from django.conf import settings

    from crm.celery import app

    proc = Proc(
        [_bin("celery"), "-A", "crm", "worker", "--pool=prefork", "--concurrency=2", "--loglevel=WARNING",
         "-Q", settings.CELERY_TASK_DEFAULT_QUEUE, "--without-gossip", "--without-mingle",
         "-n", f"bench-{os.getpid()}@%h"],
    ).start()  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if app.control.ping(timeout=1.0):
                return proc
        except Exception:  # noqa: S110
            pass
        time.sleep(0.5)
    proc.kill()
    raise RuntimeError("the celery worker did not answer")


def _gunicorn():
    proc = Proc(
        [_bin("gunicorn"), "crm.wsgi:application", "--bind", f"127.0.0.1:{PORT}", "--workers", "4",
         "--log-level", "warning"],
        env={"DJANGO_SETTINGS_MODULE": "tests.bench.settings_gunicorn"},
    ).start()  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


class HttpSubmitter:
    """Create-and-submit requests over keep-alive HTTP with token auth; counts ok and errors."""

    def __init__(self, env):
        self.env = env
        self.ok = self.errors = 0
        self.lock = threading.Lock()
        self.local = threading.local()

    def submit(self, i, *, signals=True) -> int | None:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        payload = json.dumps(_body(self.env, i, signals=signals))
        headers = {"Authorization": f"Token {self.env.token}", "Content-Type": "application/json", "Host": "localhost"}
        try:
            conn.request("POST", "/api/v1/visits/", body=payload, headers=headers)
            response = conn.getresponse()
            data = response.read()
            good = response.status == 201
        except (OSError, http.client.HTTPException):
            self.local.conn = None
            good, data = False, b""
        with self.lock:
            if good:
                self.ok += 1
            else:
                self.errors += 1
                if self.errors <= 3:
                    log(f"  error: {data[:200]!r}")
        return json.loads(data)["id"] if good else None


# --- figures -------------------------------------------------------------------------------


def _submit_latency(env):
    from crm.tenancy import tenant_context
    from visits import services

    client = _client(env)
    now = datetime.datetime.now(datetime.UTC)
    with tenant_context(env.tenant):
        drafts = [
            services.visit_create(
                tenant=env.tenant,
                by=env.rep,
                doctor=env.doctor_ids[i % len(env.doctor_ids)],
                visited_at=now - datetime.timedelta(hours=2),
                objective_achieved="yes",
                key_messages=[{"key_message": env.key_messages[0], "reaction": "accepted"}],
                signals=["literature_request"],
            ).pk
            for i in range(330)
        ]
    samples = []
    for i, pk in enumerate(drafts):
        start = time.perf_counter()
        response = client.post(f"/api/v1/visits/{pk}/submit/")
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise AssertionError(f"submit: {response.status_code} {response.content[:300]!r}")
        if i >= 30:  # warm-up
            samples.append(elapsed)
    log(f"  submit            n={len(samples)} p50={statistics.median(samples):.1f} ms p95={p95(samples)} ms")
    yield "visit_submit_p95_ms", p95(samples), "ms"
    samples = []
    for i in range(230):
        start = time.perf_counter()
        response = client.post("/api/v1/visits/", _body(env, i), content_type="application/json")
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 201:
            raise AssertionError(f"create+submit: {response.status_code} {response.content[:300]!r}")
        if i >= 30:
            samples.append(elapsed)
    log(f"  create+submit     n={len(samples)} p50={statistics.median(samples):.1f} ms p95={p95(samples)} ms")
    yield "visit_create_submit_p95_ms", p95(samples), "ms"
    _purge_queue()


def _submit_rate(env):
    server = _gunicorn()
    try:
        submitter = HttpSubmitter(env)
        for i in range(20):  # warm every worker up
            submitter.submit(i, signals=False)
        submitter.ok = submitter.errors = 0
        stop = time.monotonic() + RPS_SECONDS
        counter = iter(range(10**9))

        def loop():
            while time.monotonic() < stop:
                submitter.submit(next(counter))

        start = time.perf_counter()
        threads = [threading.Thread(target=loop) for _ in range(RPS_THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
        log(f"  {submitter.ok} submissions in {elapsed:.1f} s with {RPS_THREADS} threads, {submitter.errors} errors")
        yield "visit_submit_rps", round(submitter.ok / elapsed, 1), "req/s"
        yield "visit_submit_errors", submitter.errors, "errors"
    finally:
        server.stop()
        _purge_queue()


def _task_rows(tenant, visit_ids):
    from django.db import connection

    from crm.tenancy import tenant_context

    with tenant_context(tenant), connection.cursor() as cur:
        cur.execute(
            "SELECT visit_id, rule_id, count(*), min(created_at) FROM visits_followuptask "
            "WHERE tenant_id = %s AND visit_id = ANY(%s) GROUP BY 1, 2",
            [tenant.pk, list(visit_ids)],
        )
        return cur.fetchall()


def _followup_lag(env):
    _purge_queue()
    worker = _worker()
    client = _client(env)
    committed = {}
    try:
        for i in range(300):
            response = client.post("/api/v1/visits/", _body(env, i), content_type="application/json")
            committed[response.json()["id"]] = datetime.datetime.now(datetime.UTC)
            time.sleep(0.05)  # ~10 submissions a second, a busy team's pace
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            rows = _task_rows(env.tenant, committed)
            if len(rows) >= RULES_PER_VISIT * len(committed):
                break
            time.sleep(1)
    finally:
        worker.stop()
    first = {}
    for visit_id, _rule, _n, created in rows:
        first[visit_id] = min(first.get(visit_id, created), created)
    lags = [(first[v] - t).total_seconds() for v, t in committed.items() if v in first]
    log(f"  lag n={len(lags)} of {len(committed)} p50={statistics.median(lags):.3f} s max={max(lags):.3f} s")
    yield "followup_lag_p95_s", round(statistics.quantiles(lags, n=100)[94], 3), "s"


def _exactly_once(env):
    from crm.tenancy import tenant_context
    from visits.models import PendingFollowUp

    _purge_queue()
    worker = _worker()
    beat_schedule = Path("/tmp") / f"bench-beat-{os.getpid()}"  # noqa: S108
    beat = Proc([_bin("celery"), "-A", "crm", "beat", "--loglevel=WARNING", "-s", str(beat_schedule)]).start()
    server = _gunicorn()
    submitter = HttpSubmitter(env)
    ids, lock, counter = [], threading.Lock(), iter(range(1000))
    state = {"killed": False, "restarted": False}

    def loop():
        nonlocal worker
        for i in counter:
            visit_id = submitter.submit(10_000 + i)
            with lock:
                if visit_id:
                    ids.append(visit_id)
                if len(ids) >= 300 and not state["killed"]:
                    state["killed"] = True
                    worker.kill()
                    log(f"  worker SIGKILLed after {len(ids)} submissions")
                if len(ids) >= 600 and not state["restarted"]:
                    state["restarted"] = True
                    worker = _worker()
                    log(f"  worker restarted after {len(ids)} submissions")

    try:
        threads = [threading.Thread(target=loop) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        log(f"  {len(ids)} submitted ({submitter.errors} errors); waiting for the queue and the sweeper")
        deadline = time.monotonic() + 420
        while time.monotonic() < deadline:
            with tenant_context(env.tenant):
                pending = PendingFollowUp.objects.filter(visit_id__in=ids).count()
            rows = _task_rows(env.tenant, ids)
            if not pending and len(rows) >= RULES_PER_VISIT * len(ids):
                break
            time.sleep(2)
        time.sleep(3)  # anything still in flight lands now
        rows = _task_rows(env.tenant, ids)
    finally:
        server.stop()
        beat.stop()
        worker.stop()
        beat_schedule.unlink(missing_ok=True)
        _purge_queue()
    per_visit = {}
    duplicates = 0
    for visit_id, _rule, n, _created in rows:
        per_visit[visit_id] = per_visit.get(visit_id, 0) + 1
        duplicates += n - 1
    missing = sum(RULES_PER_VISIT - per_visit.get(v, 0) for v in ids) + (1000 - len(ids))
    log(f"  {len(rows)} (visit, rule) pairs for {len(ids)} visits: duplicates={duplicates} missing={missing}")
    yield "followup_duplicates", duplicates, "tasks"
    yield "followup_missing", missing, "tasks"
    yield "followup_exactly_once", duplicates + missing, "duplicates+missing"


def run(ctx):
    env = _setup(ctx)
    yield from _submit_latency(env)
    yield from _submit_rate(env)
    yield from _followup_lag(env)
    yield from _exactly_once(env)
