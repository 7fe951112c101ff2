"""Fees at scale (issue 11): audit flags over 1,000,000 engagements and 5,000,000 ledger rows,
the compliance workbench at that size, the streamed transfer-of-value export, and photo reuse.

Figures:

* ``fee_flags_refresh_1m_s`` — ``events.fees.flags.flags_refresh`` recomputing every flag of a
  tenant with ``BENCH_FEE_ENGAGEMENTS`` (1,000,000) engagements and fee records,
  ``BENCH_TOV_ROWS`` (5,000,000) ledger rows, ``BENCH_FEE_EVENTS`` (100,000) held events with
  attendees and agenda (the steady-state run; ``fee_flags_first_refresh_s`` is the first one,
  which inserts every flag);
* ``fee_audit_p95_ms`` — the flagged list (filters by rule, severity, status, region, period;
  20 keyset pages deep) and the per-doctor view (year total vs cap from the ledger), in process
  through the full middleware, as a compliance user;
* ``tov_export_rows_per_s`` — ``/compliance/exports/ledger.csv`` of the year streamed and read
  to the end; ``tov_export_peak_mb`` — the peak resident memory of the process while streaming
  (sampled from /proc every 20 ms) and ``tov_export_growth_mb`` its growth over the start;
* ``photo_reuse_recall`` — of ``BENCH_PHOTOS`` (10,000) event photos of which ``BENCH_REUSED``
  (200) are reuses of another event's photo (re-saved at another JPEG quality, resized, and
  cropped by 5 %), the share flagged ``photo_reused``; ``photo_reuse_false_positives`` — flagged
  photos that are not reuses. Photos are synthetic (random shapes), hashed with the product's
  own ``image_hashes``.

Data are written server-side (``INSERT … SELECT generate_series``) under the tenant's RLS, with
the secondary indexes dropped meanwhile (``datagen.bulk_load``); doctors and hospitals come from
``datagen.generate_master_data`` (``BENCH_FEE_DOCTORS``, 100,000).
"""

# ruff: noqa: E501  (long SQL lines)

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import threading
import time

FIGURES = (
    "fee_flags_refresh_1m_s",
    "fee_flags_first_refresh_s",
    "fee_audit_p95_ms",
    "tov_export_rows_per_s",
    "tov_export_peak_mb",
    "tov_export_growth_mb",
    "photo_reuse_recall",
    "photo_reuse_false_positives",
)

ENGAGEMENTS = int(os.environ.get("BENCH_FEE_ENGAGEMENTS", "1000000"))
TOV_ROWS = int(os.environ.get("BENCH_TOV_ROWS", "5000000"))
EVENTS = int(os.environ.get("BENCH_FEE_EVENTS", "100000"))
DOCTORS = int(os.environ.get("BENCH_FEE_DOCTORS", "100000"))
PHOTOS = int(os.environ.get("BENCH_PHOTOS", "10000"))
REUSED = int(os.environ.get("BENCH_REUSED", "200"))
YEAR = dt.date.today().year
FEE_TABLES = ["events_event", "events_attendee", "events_agendaitem", "events_eventproduct", "events_engagement",
              "events_feerecord", "events_toventry"]  # fmt: skip


def _log(text):
    print(text, file=sys.stderr, flush=True)


def _sql(cur, sql, params=None):
    start = time.perf_counter()
    cur.execute(sql, params or [])
    return time.perf_counter() - start


def _reserve(cur, table, n):
    """The first of ``n`` consecutive fresh ids of ``table`` (taken from its sequence)."""
    from tests.bench.datagen import _reserve_ids

    ids = _reserve_ids(cur.cursor if hasattr(cur, "cursor") else cur, table, n)
    assert int(ids[-1]) - int(ids[0]) + 1 == n, f"{table}: ids not consecutive"
    return int(ids[0])


def _generate(tenant, data, rep):
    """Events, attendees, agenda, engagements, fee records and ledger rows, server-side."""
    from django.db import connection, transaction

    from crm.tenancy import tenant_context

    t = tenant.pk
    start = time.perf_counter()
    with tenant_context(tenant), transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT min(id), max(id), count(*) FROM hospitals_doctor WHERE tenant_id = %s", [t])
        d0, d1, nd = cur.fetchone()
        assert d1 - d0 + 1 == nd, "doctor ids are not contiguous"
        cur.execute("SELECT id FROM hospitals_hospital WHERE tenant_id = %s ORDER BY id LIMIT 1", [t])
        hospital = cur.fetchone()[0]
        cur.execute("SELECT id FROM hospitals_product WHERE tenant_id = %s ORDER BY id LIMIT 20", [t])
        products = [r[0] for r in cur.fetchall()]
        p0, npr = products[0], len(products)
        e0 = _reserve(cur, "events_event", EVENTS)
        # Held events over the year; every 50th at a resort, every 40th with almost no content.
        _sql(cur, f"""
            INSERT INTO events_event (id, tenant_id, title, type, organiser_kind, third_party, host_hospital_id,
                venue_name, venue_city, venue_address, venue_kind, starts_at, ends_at, expected_attendees, owner_id,
                status, needs_pm_approval, status_reason, signin_token, questionnaire, created_at)
            SELECT {e0} + g, %s, '科室会 ' || g, 'department_meeting', 'company', '', %s, '', '', '',
                   CASE WHEN g %% 50 = 0 THEN 'resort' ELSE 'hospital' END,
                   make_timestamptz({YEAR}, 1, 1, 6, 0, 0) + (g %% 360) * interval '1 day',
                   make_timestamptz({YEAR}, 1, 1, 8, 0, 0) + (g %% 360) * interval '1 day',
                   8, %s, 'held', false, '', md5(g::text || 'e')::uuid, '{{}}', now()
            FROM generate_series(0, %s - 1) g""", [t, hospital, rep.pk, EVENTS])
        _sql(cur, f"""INSERT INTO events_eventproduct (tenant_id, event_id, product_id)
            SELECT %s, {e0} + g, {p0} + g %% {npr} FROM generate_series(0, %s - 1) g""", [t, EVENTS])
        _sql(cur, f"""INSERT INTO events_agendaitem (tenant_id, event_id, "order", topic, minutes, is_academic)
            SELECT %s, {e0} + g, 0, '专题', CASE WHEN g %% 40 = 0 THEN 10 ELSE 110 END, true
            FROM generate_series(0, %s - 1) g""", [t, EVENTS])
        # 6 attendees each (every 30th event: 2, every 70th: none signed in).
        _sql(cur, f"""INSERT INTO events_attendee (tenant_id, event_id, doctor_id, rsvp, invited_via, invited_at,
                signed_in_at, signin_method)
            SELECT %s, {e0} + g, {d0} + ((g * 7 + k * 104729) %% {nd}), 'accepted', 'hand_picked', now(),
                   CASE WHEN g %% 70 = 0 THEN NULL ELSE now() END, CASE WHEN g %% 70 = 0 THEN '' ELSE 'rep' END
            FROM generate_series(0, %s - 1) g, generate_series(0, 5) k
            WHERE g %% 30 <> 0 OR k < 2""", [t, EVENTS])
        g0 = _reserve(cur, "events_engagement", ENGAGEMENTS)
        # Engagements: 10 per doctor on average, through the year; lectures at events.
        _sql(cur, f"""INSERT INTO events_engagement (id, tenant_id, doctor_id, service_type, event_id, product_id,
                description, service_date, planned_hours, contract_file, contract_signed_on, hospital_approval_file,
                hospital_approval_on, evidence_attendance, evidence_slides, evidence_recording_url, delivered_at,
                requested_by_id, created_at)
            SELECT {g0} + g, %s, {d0} + (g %% {nd}), CASE WHEN g %% 3 = 0 THEN 'consulting' ELSE 'lecture' END,
                   CASE WHEN g %% 3 = 0 THEN NULL ELSE {e0} + (g %% {EVENTS}) END, {p0} + g %% {npr}, '',
                   make_date({YEAR}, 1, 1) + (g %% 360), 1 + (g %% 3), 'c.pdf', make_date({YEAR}, 1, 1) + (g %% 360) - 5,
                   CASE WHEN g %% 97 = 0 THEN '' ELSE 'a.pdf' END, make_date({YEAR}, 1, 1) + (g %% 360) - 3,
                   g %% 89 <> 0, '', '', make_timestamptz({YEAR}, 1, 1, 10, 0, 0) + (g %% 360) * interval '1 day',
                   %s, now()
            FROM generate_series(0, %s - 1) g""", [t, rep.pk, ENGAGEMENTS])
        f0 = _reserve(cur, "events_feerecord", ENGAGEMENTS)
        _sql(cur, f"""INSERT INTO events_feerecord (id, tenant_id, engagement_id, doctor_id, kind, academic_level, hourly_rate,
                hours, card_amount, amount, exception_reason, status, status_reason, requested_by_id, requested_at,
                approved_by_id, approved_at, delivered_at, paid_at, payer_entity, channel, tax_withheld, net_amount)
            SELECT {f0} + g, %s, {g0} + g, {d0} + (g %% {nd}), 'fee', 'local', 1000, 1 + (g %% 3),
                   least(1000 * (1 + (g %% 3)), 3000), least(1000 * (1 + (g %% 3)), 3000) + CASE WHEN g %% 211 = 0 THEN 500 ELSE 0 END,
                   CASE WHEN g %% 211 = 0 THEN '特例' ELSE '' END,
                   CASE WHEN g %% 5 = 0 THEN 'approved' ELSE 'paid' END, '', %s, now(), %s,
                   make_timestamptz({YEAR}, 1, 1, 9, 0, 0) + (g %% 360) * interval '1 day' - interval '4 days',
                   make_timestamptz({YEAR}, 1, 1, 10, 0, 0) + (g %% 360) * interval '1 day',
                   CASE WHEN g %% 5 = 0 THEN NULL ELSE make_timestamptz({YEAR}, 1, 1, 12, 0, 0) + (g %% 360 + 3) * interval '1 day' END,
                   'X', 'doctor_bank', 0, 0
            FROM generate_series(0, %s - 1) g""", [t, rep.pk, rep.pk, ENGAGEMENTS])
        # Ledger: the paid fees, then meals and travel up to TOV_ROWS.
        paid = ENGAGEMENTS - ENGAGEMENTS // 5
        _sql(cur, f"""INSERT INTO events_toventry (tenant_id, doctor_id, on_date, category, amount, fee_record_id, event_id,
                source, note, created_at)
            SELECT %s, {d0} + (g %% {nd}), make_date({YEAR}, 1, 1) + (g %% 360), 'fee', least(1000 * (1 + (g %% 3)), 3000),
                   {f0} + g, NULL, 'fee:' || ({f0} + g), '', now()
            FROM generate_series(0, %s - 1) g WHERE g %% 5 <> 0""", [t, ENGAGEMENTS])
        _sql(cur, f"""INSERT INTO events_toventry (tenant_id, doctor_id, on_date, category, amount, fee_record_id, event_id,
                source, note, created_at)
            SELECT %s, {d0} + (g * 13 %% {nd}), make_date({YEAR}, 1, 1) + (g %% 360),
                   CASE WHEN g %% 4 = 0 THEN 'travel' ELSE 'meal' END, 80 + g %% 300, NULL, {e0} + (g %% {EVENTS}),
                   'bench:' || g, '', now()
            FROM generate_series(0, %s - 1) g""", [t, max(TOV_ROWS - paid, 0)])
    _log(f"  generated {EVENTS:,} events, {ENGAGEMENTS:,} engagements, {TOV_ROWS:,} ledger rows "
         f"in {time.perf_counter() - start:.1f} s")


def _rss_mb():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _photos(ctx):
    """10,000 photos over 2,000 events, 200 of them reuses (re-saved, resized, cropped 5 %)."""
    import io

    from PIL import Image, ImageDraw

    from accounts.models import Role, Tenant, User
    from crm.tenancy import tenant_context
    from events.fees.flags import flags_refresh
    from events.fees.models import FeeFlag, PhotoFingerprint
    from events.fees.services import image_hashes
    from events.models import Event, EventPhoto

    tenant = Tenant.objects.create(code="bench-photos", name="照片基准")
    with tenant_context(tenant):
        user = User.objects.create_user(username="bench-photo-rep", password="x-bench-1", tenant=tenant, role=Role.REP)
        now = dt.datetime.now(dt.UTC)
        events = Event.objects.bulk_create([
            Event(tenant=tenant, title=f"会 {i}", type="department_meeting", starts_at=now - dt.timedelta(days=i % 300),
                  ends_at=now - dt.timedelta(days=i % 300) + dt.timedelta(hours=2), owner=user, status="held")
            for i in range(PHOTOS // 5)
        ])

    def jpeg(seed, quality=88, resize=None, crop=None):
        rnd = random.Random(seed)
        img = Image.new("RGB", (400, 300), (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)))
        draw = ImageDraw.Draw(img)
        for _ in range(12):
            x, y = rnd.randrange(400), rnd.randrange(300)
            draw.rectangle([x, y, x + rnd.randrange(20, 180), y + rnd.randrange(20, 140)],
                           fill=(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)))
            ex, ey = rnd.randrange(400), rnd.randrange(300)
            draw.ellipse([ex, ey, ex + rnd.randrange(10, 90), ey + rnd.randrange(10, 90)],
                         fill=(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)))
        if crop:
            w, h = img.size
            img = img.crop((int(w * crop), int(h * crop), w - int(w * crop), h - int(h * crop)))
        if resize:
            img = img.resize((int(img.size[0] * resize), int(img.size[1] * resize)))
        out = io.BytesIO()
        img.save(out, "JPEG", quality=quality)
        return out.getvalue()

    import hashlib

    start = time.perf_counter()
    rng = random.Random(5)
    originals = PHOTOS - REUSED
    reused_of = {originals + k: rng.randrange(originals) for k in range(REUSED)}
    rows, prints = [], []
    for i in range(PHOTOS):
        if i in reused_of:
            src = reused_of[i]
            data = jpeg(src, quality=rng.choice((55, 65, 75)), resize=rng.choice((0.6, 0.8, 1.25)), crop=0.05)
            event = events[(src // 5 + 1 + rng.randrange(len(events) - 1)) % len(events)]
        else:
            data = jpeg(i)
            event = events[i // 5]
        rows.append(EventPhoto(tenant=tenant, event=event, kind="photo", file=f"bench/{i}.jpg",
                               sha256=hashlib.sha256(data).hexdigest(), uploaded_by=user))
        prints.append(image_hashes(data))
    with tenant_context(tenant):
        photos = EventPhoto.objects.bulk_create(rows, batch_size=2000)
        PhotoFingerprint.objects.bulk_create([
            PhotoFingerprint(tenant=tenant, photo=p, event=p.event, sha256=p.sha256, phash=ph, dhash=dh, phash_inner=pi, dhash_inner=di)
            for p, (ph, dh, pi, di) in zip(photos, prints, strict=True)
        ], batch_size=2000)
    _log(f"  made and hashed {PHOTOS:,} photos in {time.perf_counter() - start:.1f} s")
    with tenant_context(tenant):
        t0 = time.perf_counter()
        flags_refresh(tenant=tenant, rules=["photo_reused"])
        _log(f"  photo_reused over {PHOTOS:,} photos: {time.perf_counter() - t0:.2f} s")
        flagged = {int(k.split(":")[1]) for k in FeeFlag.objects.filter(rule="photo_reused").values_list("key", flat=True)}
    reuse_ids = {photos[i].pk for i in reused_of}
    recall = len(flagged & reuse_ids) / len(reuse_ids)
    return round(recall, 4), len(flagged - reuse_ids)


def run(ctx):
    from accounts.models import Role, Tenant, User
    from crm.tenancy import tenant_context
    from events.fees.flags import flags_refresh
    from hospitals.models import Doctor
    from tests.bench.datagen import bulk_load, generate_master_data, vacuum_analyze
    from tests.bench.master import client_for, p95, summary

    recall, false_positives = _photos(ctx) if PHOTOS else (None, None)

    start = time.perf_counter()
    tenant = Tenant.objects.create(code="bench-fees", name="费用基准")
    with bulk_load():
        data = generate_master_data(tenant, doctors=DOCTORS, seed=3, analyze=False)
    with tenant_context(tenant):
        rep = User.objects.create_user(username="bench-fee-rep", password="x-bench-1", tenant=tenant, role=Role.REP)
        compliance = User.objects.create_user(username="bench-fee-comp", password="x-bench-1", tenant=tenant,
                                              role=Role.COMPLIANCE)
        from hospitals.models import Product

        for i in range(5):
            Product.objects.create(tenant=tenant, name=f"基准药{i}", generic_name="阿托伐他汀钙片")
    with bulk_load(FEE_TABLES):
        _generate(tenant, data, rep)
    vacuum_analyze(FEE_TABLES)
    _log(f"  fee data ready in {time.perf_counter() - start:.1f} s")

    with tenant_context(tenant):
        first = flags_refresh(tenant=tenant)
    vacuum_analyze(["events_feeflag"])
    _log(f"  first refresh: {first}")
    with tenant_context(tenant):
        second = flags_refresh(tenant=tenant)
    _log(f"  second refresh: {second}")

    # The workbench at this size.
    client = client_for(compliance)
    samples = []
    rnd = random.Random(9)
    from django.urls import reverse

    base = reverse("compliance_flags")
    filters = ["status=open", "status=open&rule=missing_evidence", "status=open&severity=high",
               f"status=&date_from={YEAR}-03-01&date_until={YEAR}-06-30", "rule=attendee_inflation",
               "status=open&region=" + "上海市", "rule=too_many_engagements&status=open"]
    for q in filters:
        url = f"{base}?{q}"
        for _page in range(20):
            t0 = time.perf_counter()
            r = client.get(url)
            samples.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200, r.status_code
            html = r.content.decode()
            marker = 'data-testid="next-page"'
            if marker not in html:
                break
            href = html.split(marker)[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
            url = base + href
    summary("flag list (filters, 20 pages deep)", samples)
    doctor_samples = []
    for _ in range(60):
        with tenant_context(tenant):
            doctor = Doctor.objects.filter(tenant=tenant).order_by("id").values_list("id", flat=True)[rnd.randrange(DOCTORS)]
        t0 = time.perf_counter()
        r = client.get(reverse("compliance_doctor", args=[doctor]))
        doctor_samples.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200
    summary("per-doctor view", doctor_samples)

    # The year's ledger export, streamed.
    stop, peak = threading.Event(), [0.0]
    base_rss = _rss_mb()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], _rss_mb())
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    response = client.get(reverse("compliance_export", args=["ledger", "csv"]), {"year": YEAR})
    rows = -1
    for chunk in response.streaming_content:
        rows += chunk.count(b"\n") if isinstance(chunk, bytes) else chunk.count("\n")
    elapsed = time.perf_counter() - t0
    stop.set()
    sampler.join()
    _log(f"  export: {rows:,} rows in {elapsed:.1f} s; RSS {base_rss:.0f} → peak {peak[0]:.0f} MB")

    yield "fee_flags_refresh_1m_s", round(second["seconds"], 2), "s"
    yield "fee_flags_first_refresh_s", round(first["seconds"], 2), "s"
    yield "fee_audit_p95_ms", p95(samples + doctor_samples), "ms"
    yield "tov_export_rows_per_s", int(rows / elapsed), "rows/s"
    yield "tov_export_peak_mb", round(peak[0], 1), "MB"
    yield "tov_export_growth_mb", round(peak[0] - base_rss, 1), "MB"
    if recall is not None:
        yield "photo_reuse_recall", recall, "share"
        yield "photo_reuse_false_positives", false_positives, "photos"
