"""Audit flags, computed set-based in SQL (one statement per rule, never a Python loop over
records) into a temporary table, then merged into ``events_feeflag``:

* a flag found again keeps its id and status (a cleared flag stays cleared), its numbers are
  updated when they changed; a resolved flag found again opens again;
* an open flag no longer found is ``resolved`` (the rule no longer applies), never deleted.

``flags_refresh(tenant=…)`` runs after every change (``events.fees.tasks``, on commit) and nightly
(beat). Every rule, its numbers and its severity: docs/compliance.md and :data:`RULE_SQL`.
"""

# The SQL is composed only from this module's constants; every value is a bound parameter.
# ruff: noqa: S608, E501

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection, transaction

from crm import stats
from crm.tenancy import tenant_id_of
from events.fees.selectors import compliance_settings
from events.fees.vocabulary import SEVERITY, FlagRule

DEFAULT_FLAGGED_VENUES = '["resort", "scenic_area"]'
# Perceptual hashes are compared only within candidate pairs that share one of PHOTO_BANDS
# 16-bit bands of a 64-bit pHash or dHash exactly (multi-index hashing: two hashes within
# PHOTO_BANDS - 1 bits always share one), the whole picture's hashes against the other's whole
# and centre hashes (a re-saved or resized copy stays within 3 bits of the original; a copy
# cropped ~5 % a side, within 3 bits of the original's centre, while it moves the whole-picture
# hashes by 4-20 bits). A pair is the same photo when the smallest sum of pHash and dHash
# distances (whole ~ whole, whole ~ centre, centre ~ whole) is within the tenant's distance.
PHOTO_BANDS = 4
PHOTO_BAND_BITS = 64 // PHOTO_BANDS

TEMP_TABLE = """
CREATE TEMP TABLE IF NOT EXISTS _fee_flags (
    rule text NOT NULL, key text NOT NULL, severity text, doctor_id bigint, engagement_id bigint,
    fee_record_id bigint, event_id bigint, product_id bigint, on_date date NOT NULL, detail jsonb NOT NULL
) ON COMMIT DROP
"""

# The fee records (not reversals) with their engagement, doctor and region; not rejected.
# Materialised once per refresh into the temporary table _fee_fees (eleven rules read it).
FEES_SQL = """
    SELECT f.id AS fee_id, f.status, f.amount, f.card_amount, f.hourly_rate, f.hours,
           f.exception_approved_by_id, f.approved_at, f.paid_at, f.delivered_at, f.requested_at,
           e.id AS engagement_id, e.doctor_id, e.event_id, e.product_id, e.service_type, e.service_date,
           e.planned_hours, e.actual_hours, e.contract_file, e.contract_signed_on,
           e.hospital_approval_file, e.hospital_approval_on, e.evidence_attendance, e.evidence_slides,
           e.evidence_recording_url
    FROM events_feerecord f JOIN events_engagement e ON e.id = f.engagement_id
    WHERE f.tenant_id = %(t)s AND f.kind = 'fee' AND f.status <> 'rejected'
"""
FEES = "SELECT * FROM _fee_fees"

INSERT = "INSERT INTO _fee_flags (rule, key, severity, doctor_id, engagement_id, fee_record_id, event_id, product_id, on_date, detail) "

RULE_SQL: dict[str, str] = {
    # Amount above the rate card (rate × hours capped at the maximum per engagement); low when a
    # second approver accepted the exception.
    FlagRule.ABOVE_RATE_CARD: f"""
        WITH fees AS ({FEES})
        SELECT 'above_rate_card', 'fee:' || fee_id,
               CASE WHEN exception_approved_by_id IS NULL THEN 'high' ELSE 'low' END,
               doctor_id, engagement_id, fee_id, event_id, product_id, service_date,
               jsonb_build_object('amount', amount, 'card_amount', card_amount, 'hourly_rate', hourly_rate,
                                  'hours', hours, 'exception_approved', exception_approved_by_id IS NOT NULL)
        FROM fees WHERE amount > card_amount
    """,
    # A doctor's fees of the calendar year — paid ones from the ledger, plus requested and approved
    # ones not yet paid — above the annual cap; the fee that crosses the cap is named.
    FlagRule.ABOVE_ANNUAL_CAP: f"""
        WITH paid AS (
            SELECT doctor_id, extract(year FROM on_date)::int AS year, sum(amount) AS paid
            FROM events_toventry WHERE tenant_id = %(t)s AND category = 'fee' GROUP BY 1, 2
        ), pending AS (
            SELECT fee_id, engagement_id, doctor_id, event_id, product_id, service_date, amount,
                   extract(year FROM service_date)::int AS year
            FROM ({FEES}) fees WHERE status IN ('requested', 'review', 'approved', 'delivered', 'payment_requested')
        ), running AS (
            SELECT p.*, coalesce(pd.paid, 0) AS paid,
                   coalesce(pd.paid, 0) + sum(p.amount) OVER (PARTITION BY p.doctor_id, p.year
                        ORDER BY p.service_date, p.fee_id) AS running,
                   coalesce(pd.paid, 0) + sum(p.amount) OVER (PARTITION BY p.doctor_id, p.year) AS total,
                   sum(p.amount) OVER (PARTITION BY p.doctor_id, p.year) AS committed
            FROM pending p LEFT JOIN paid pd ON pd.doctor_id = p.doctor_id AND pd.year = p.year
        ), over AS (
            SELECT DISTINCT ON (doctor_id, year) * FROM running
            WHERE running > %(cap)s ORDER BY doctor_id, year, service_date, fee_id
        )
        SELECT 'above_annual_cap', 'doctor:' || doctor_id || ':' || year, 'high', doctor_id, engagement_id,
               fee_id, event_id, product_id, service_date,
               jsonb_build_object('year', year, 'paid', paid, 'committed', committed, 'total', total, 'cap', %(cap)s)
        FROM over
        UNION ALL
        SELECT 'above_annual_cap', 'doctor:' || pd.doctor_id || ':' || pd.year, 'high', pd.doctor_id, NULL, NULL,
               NULL, NULL, make_date(pd.year, 12, 31),
               jsonb_build_object('year', pd.year, 'paid', pd.paid, 'committed', 0, 'total', pd.paid, 'cap', %(cap)s)
        FROM paid pd WHERE pd.paid > %(cap)s
          AND NOT EXISTS (SELECT 1 FROM pending p WHERE p.doctor_id = pd.doctor_id AND p.year = pd.year)
    """,
    # More engagements of one doctor within any rolling 90 days than allowed.
    FlagRule.TOO_MANY_ENGAGEMENTS: f"""
        WITH w AS (
            SELECT fees.*, count(*) OVER (PARTITION BY doctor_id ORDER BY service_date
                RANGE BETWEEN INTERVAL '89 days' PRECEDING AND CURRENT ROW) AS n
            FROM ({FEES}) fees
        )
        SELECT 'too_many_engagements', 'eng:' || engagement_id, NULL, doctor_id, engagement_id, fee_id, event_id,
               product_id, service_date,
               jsonb_build_object('engagements_in_90_days', n, 'max', %(max_90d)s,
                                  'window_from', service_date - 89, 'window_until', service_date)
        FROM w WHERE n > %(max_90d)s
    """,
    # More service hours of one doctor on one day than allowed.
    FlagRule.TOO_MANY_HOURS: f"""
        SELECT 'too_many_hours', 'day:' || doctor_id || ':' || service_date, NULL, doctor_id, max(engagement_id),
               NULL, NULL, NULL, service_date,
               jsonb_build_object('hours', sum(coalesce(actual_hours, planned_hours)), 'max', %(max_hours)s,
                                  'engagements', count(*))
        FROM ({FEES}) fees GROUP BY doctor_id, service_date
        HAVING sum(coalesce(actual_hours, planned_hours)) > %(max_hours)s
    """,
    # The service took place (or the fee moved on) with no signed contract on file.
    FlagRule.MISSING_CONTRACT: f"""
        SELECT 'missing_contract', 'eng:' || engagement_id, NULL, doctor_id, engagement_id, fee_id, event_id,
               product_id, service_date, jsonb_build_object('service_date', service_date, 'status', status)
        FROM ({FEES}) fees
        WHERE (contract_file = '' OR contract_signed_on IS NULL)
          AND (service_date <= %(today)s OR status IN ('delivered', 'payment_requested', 'paid'))
    """,
    # A lecture, chair or panel without the hospital's approval of outside work (file and date).
    FlagRule.MISSING_HOSPITAL_APPROVAL: f"""
        SELECT 'missing_hospital_approval', 'eng:' || engagement_id, NULL, doctor_id, engagement_id, fee_id,
               event_id, product_id, service_date,
               jsonb_build_object('service_type', service_type, 'service_date', service_date)
        FROM ({FEES}) fees
        WHERE service_type IN ('lecture', 'chair', 'panel')
          AND (hospital_approval_file = '' OR hospital_approval_on IS NULL)
    """,
    # Delivered or paid — or a week past the service date — with no evidence of the service.
    FlagRule.MISSING_EVIDENCE: f"""
        SELECT 'missing_evidence', 'eng:' || engagement_id, NULL, doctor_id, engagement_id, fee_id, event_id,
               product_id, service_date, jsonb_build_object('service_date', service_date, 'status', status)
        FROM ({FEES}) fees
        WHERE NOT evidence_attendance AND evidence_slides = '' AND evidence_recording_url = ''
          AND (status IN ('delivered', 'payment_requested', 'paid') OR service_date < %(today)s - 7)
    """,
    # Compliance approval, hospital approval or contract dated after the service.
    FlagRule.APPROVED_AFTER_SERVICE: f"""
        SELECT 'approved_after_service', 'eng:' || engagement_id, NULL, doctor_id, engagement_id, fee_id,
               event_id, product_id, service_date,
               jsonb_build_object('service_date', service_date,
                                  'approved_on', (approved_at AT TIME ZONE %(tz)s)::date,
                                  'hospital_approval_on', hospital_approval_on,
                                  'contract_signed_on', contract_signed_on)
        FROM ({FEES}) fees
        WHERE (approved_at AT TIME ZONE %(tz)s)::date > service_date
           OR hospital_approval_on > service_date OR contract_signed_on > service_date
    """,
    # Paid with no delivery recorded, before it, or before the service date.
    FlagRule.PAID_BEFORE_DELIVERED: f"""
        SELECT 'paid_before_delivered', 'fee:' || fee_id, NULL, doctor_id, engagement_id, fee_id, event_id,
               product_id, service_date,
               jsonb_build_object('paid_on', (paid_at AT TIME ZONE %(tz)s)::date, 'delivered_at', delivered_at,
                                  'service_date', service_date)
        FROM ({FEES}) fees
        WHERE status = 'paid'
          AND (delivered_at IS NULL OR paid_at < delivered_at OR (paid_at AT TIME ZONE %(tz)s)::date < service_date)
    """,
    # Two fees (not rejected) of the same doctor at the same event with the same amount, or two
    # ledger fee rows with the same doctor, event and amount.
    FlagRule.DUPLICATE_PAYMENT: f"""
        WITH g AS (
            SELECT doctor_id, event_id, amount, count(*) AS n, array_agg(fee_id ORDER BY fee_id) AS fees
            FROM ({FEES}) fees WHERE event_id IS NOT NULL
            GROUP BY doctor_id, event_id, amount HAVING count(*) > 1
        )
        SELECT 'duplicate_payment', 'fee:' || f.fee_id, NULL, f.doctor_id, f.engagement_id, f.fee_id, f.event_id,
               f.product_id, f.service_date, jsonb_build_object('amount', f.amount, 'same_fees', g.fees, 'count', g.n)
        FROM g JOIN ({FEES}) f ON f.doctor_id = g.doctor_id AND f.event_id = g.event_id AND f.amount = g.amount
        UNION ALL
        SELECT 'duplicate_payment', 'ledger:' || doctor_id || ':' || event_id || ':' || amount, NULL, doctor_id,
               NULL, NULL, event_id, NULL, max(on_date),
               jsonb_build_object('amount', amount, 'ledger_rows', array_agg(id ORDER BY id), 'count', count(*))
        FROM events_toventry
        WHERE tenant_id = %(t)s AND category = 'fee' AND event_id IS NOT NULL AND amount > 0
        GROUP BY doctor_id, event_id, amount HAVING count(*) > 1
    """,
}

# Held (or closed) events and their counts, for the event rules; materialised once per refresh
# into the temporary table _fee_events (five rules read it).
EVENTS_SQL = """
    SELECT ev.id AS event_id, ev.venue_kind, ev.starts_at, ev.ends_at, (ev.starts_at AT TIME ZONE %(tz)s)::date AS on_date,
           h.province AS region,
           (SELECT min(ep.product_id) FROM events_eventproduct ep WHERE ep.tenant_id = %(t)s AND ep.event_id = ev.id) AS product_id,
           coalesce(a.signed, 0) AS signed, coalesce(a.invited, 0) AS invited,
           (SELECT vc.capacity FROM events_venuecapacity vc WHERE vc.tenant_id = %(t)s AND vc.event_id = ev.id) AS capacity,
           (SELECT count(*) FROM events_attendancedenial ad WHERE ad.tenant_id = %(t)s AND ad.event_id = ev.id) AS denied
    FROM events_event ev
    LEFT JOIN hospitals_hospital h ON h.id = ev.host_hospital_id
    LEFT JOIN (
        SELECT event_id, count(*) FILTER (WHERE signed_in_at IS NOT NULL) AS signed,
               count(*) FILTER (WHERE rsvp <> 'walk_in') AS invited
        FROM events_attendee WHERE tenant_id = %(t)s GROUP BY event_id
    ) a ON a.event_id = ev.id
    WHERE ev.tenant_id = %(t)s AND ev.status IN ('held', 'closed')
"""
EVENTS = "SELECT * FROM _fee_events"


def _materialise(cur, name: str, sql: str, params: dict) -> None:
    """``name`` := the rows of ``sql`` as a temporary table of this transaction, analysed (a
    temporary table gets no statistics otherwise: the rules' joins need them)."""
    cur.execute(f"DROP TABLE IF EXISTS {name}")
    cur.execute(f"CREATE TEMP TABLE {name} ON COMMIT DROP AS {sql}", params)
    cur.execute(f"ANALYZE {name}")


EVENT_RULE_SQL: dict[str, str] = {
    FlagRule.NO_ATTENDEES: f"""
        SELECT 'no_attendees', 'event:' || event_id, NULL, NULL, NULL, NULL, event_id, product_id, on_date,
               jsonb_build_object('signed_in', signed, 'invited', invited, '_region', region)
        FROM ({EVENTS}) e WHERE signed = 0
    """,
    FlagRule.FEW_ATTENDEES: f"""
        SELECT 'few_attendees', 'event:' || event_id, NULL, NULL, NULL, NULL, event_id, product_id, on_date,
               jsonb_build_object('signed_in', signed, 'min', %(min_attendees)s, '_region', region)
        FROM ({EVENTS}) e WHERE signed > 0 AND signed < %(min_attendees)s
    """,
    # Signed in > invited × factor, or > the venue's capacity, or attendees who said at follow-up
    # that they were not there.
    FlagRule.ATTENDEE_INFLATION: f"""
        SELECT 'attendee_inflation', 'event:' || event_id, NULL, NULL, NULL, NULL, event_id, product_id, on_date,
               jsonb_build_object('signed_in', signed, 'invited', invited, 'factor', %(factor)s,
                                  'capacity', capacity, 'denied', denied, '_region', region)
        FROM ({EVENTS}) e
        WHERE (invited > 0 AND signed > invited * %(factor)s) OR (capacity IS NOT NULL AND signed > capacity)
           OR denied > 0
    """,
    # Academic agenda minutes under the tenant's share of the event's time (the agenda's total or
    # the event's duration, whichever is longer).
    FlagRule.LOW_ACADEMIC_CONTENT: f"""
        WITH ag AS (
            SELECT event_id, sum(minutes) FILTER (WHERE is_academic) AS academic, sum(minutes) AS total
            FROM events_agendaitem WHERE tenant_id = %(t)s GROUP BY event_id
        )
        SELECT 'low_academic_content', 'event:' || e.event_id, NULL, NULL, NULL, NULL, e.event_id, e.product_id,
               e.on_date,
               jsonb_build_object('academic_minutes', coalesce(ag.academic, 0),
                                  'event_minutes', greatest(coalesce(ag.total, 0),
                                        (extract(epoch FROM e.ends_at - e.starts_at) / 60)::int),
                                  'min_share_percent', %(min_share)s, '_region', e.region)
        FROM ({EVENTS}) e LEFT JOIN ag ON ag.event_id = e.event_id
        WHERE coalesce(ag.academic, 0) * 100 < %(min_share)s * greatest(coalesce(ag.total, 0),
                                        (extract(epoch FROM e.ends_at - e.starts_at) / 60)::int)
    """,
    FlagRule.FLAGGED_VENUE: f"""
        SELECT 'flagged_venue', 'event:' || event_id, NULL, NULL, NULL, NULL, event_id, product_id, on_date,
               jsonb_build_object('venue_kind', venue_kind, '_region', region)
        FROM ({EVENTS}) e
        WHERE coalesce((SELECT s.flagged_venue_kinds FROM events_eventsettings s WHERE s.tenant_id = %(t)s),
                       '{DEFAULT_FLAGGED_VENUES}'::jsonb) ? venue_kind
    """,
}

OTHER_RULE_SQL: dict[str, str] = {
    # The same file (SHA-256) or a near copy (perceptual or difference hash within the distance)
    # in two events; the later photo is flagged, naming the earlier one.
    FlagRule.PHOTO_REUSED: """
        WITH fp AS MATERIALIZED (
            SELECT p.id, p.sha256, p.phash, p.dhash, p.phash_inner, p.dhash_inner
            FROM events_photofingerprint p WHERE p.tenant_id = %(t)s
        ), bands AS MATERIALIZED (
            -- Each 64-bit hash (pHash 'p', dHash 'd'; of the whole picture 'f' and of its centre
            -- 'i') cut into 16-bit bands: two hashes within 3 bits share a band (pigeonhole).
            SELECT fp.id, h.kind, h.whole, b, (h.value >> (b * %(band_bits)s)) & %(band_mask)s AS v
            FROM fp CROSS JOIN LATERAL (VALUES ('p', true, fp.phash), ('d', true, fp.dhash),
                                              ('p', false, fp.phash_inner), ('d', false, fp.dhash_inner)) h(kind, whole, value)
                    CROSS JOIN generate_series(0, %(bands)s - 1) b
            WHERE h.value IS NOT NULL
        ), cand AS (
            -- whole ~ whole (re-saved, resized), whole ~ centre either way (cropped)
            SELECT DISTINCT x.id AS a, y.id AS b
            FROM bands x JOIN bands y ON y.kind = x.kind AND y.b = x.b AND y.v = x.v AND y.id < x.id
            WHERE x.whole OR y.whole
            UNION
            SELECT x.id, y.id FROM fp x JOIN fp y ON y.sha256 = x.sha256 AND y.id < x.id
        ), pairs AS (
            SELECT x.id, x.photo_id, x.event_id, y.photo_id AS other_photo, y.event_id AS other_event,
                   x.sha256 = y.sha256 AS exact,
                   bit_count((x.phash # y.phash)::bit(64)) AS pd, bit_count((x.dhash # y.dhash)::bit(64)) AS dd,
                   least(bit_count((x.phash # y.phash)::bit(64)) + bit_count((x.dhash # y.dhash)::bit(64)),
                         bit_count((x.phash # y.phash_inner)::bit(64)) + bit_count((x.dhash # y.dhash_inner)::bit(64)),
                         bit_count((x.phash_inner # y.phash)::bit(64)) + bit_count((x.dhash_inner # y.dhash)::bit(64))) AS dist,
                   (ev.starts_at AT TIME ZONE %(tz)s)::date AS on_date
            FROM cand c
            JOIN events_photofingerprint x ON x.id = c.a
            JOIN events_photofingerprint y ON y.id = c.b
            JOIN events_event ev ON ev.id = x.event_id
            WHERE x.event_id <> y.event_id
        ), hits AS (
            SELECT * FROM pairs WHERE exact OR dist <= %(dist)s
        )
        SELECT 'photo_reused', 'photo:' || photo_id, NULL, NULL, NULL, NULL, event_id,
               (SELECT min(ep.product_id) FROM events_eventproduct ep WHERE ep.tenant_id = %(t)s AND ep.event_id = hits.event_id),
               min(on_date),
               jsonb_build_object('exact', bool_or(exact), 'other_events', array_agg(DISTINCT other_event),
                                  'other_photos', array_agg(DISTINCT other_photo),
                                  'phash_distance', min(pd), 'dhash_distance', min(dd), 'distance', min(dist),
                                  'max_distance', %(dist)s)
        FROM hits GROUP BY photo_id, event_id
    """,
    # The same doctor as speaker (lecture, chair, panel) at N or more events of one product
    # within D days.
    FlagRule.SPEAKER_REPEAT: f"""
        WITH s AS (
            SELECT DISTINCT f.doctor_id, ep.product_id, f.event_id, (ev.starts_at AT TIME ZONE %(tz)s)::date AS day
            FROM ({FEES}) f
            JOIN events_event ev ON ev.id = f.event_id
            JOIN events_eventproduct ep ON ep.tenant_id = %(t)s AND ep.event_id = f.event_id
            WHERE f.service_type IN ('lecture', 'chair', 'panel')
        ), w AS (
            SELECT s.*, count(*) OVER (PARTITION BY doctor_id, product_id ORDER BY day
                RANGE BETWEEN %(repeat_window)s::interval PRECEDING AND CURRENT ROW) AS n
            FROM s
        )
        SELECT 'speaker_repeat', 'speaker:' || doctor_id || ':' || product_id || ':' || event_id, NULL, doctor_id,
               NULL, NULL, event_id, product_id, day,
               jsonb_build_object('events', n, 'min', %(repeat_n)s, 'days', %(repeat_days)s)
        FROM w WHERE n >= %(repeat_n)s
    """,
    # Fees (not rejected) to doctors of a hospital in a quarter when that hospital's sell-out value
    # rose more than the threshold over the previous quarter — a signal, low severity.
    FlagRule.SALES_JUMP: f"""
        WITH q AS (
            SELECT hospital_id, date_trunc('quarter', month)::date AS quarter, sum(sell_out_value) AS value
            FROM hospitals_salesrecord WHERE tenant_id = %(t)s GROUP BY 1, 2
        ), jump AS (
            SELECT cur.hospital_id, cur.quarter, cur.value, prev.value AS previous
            FROM q cur JOIN q prev ON prev.hospital_id = cur.hospital_id
                 AND prev.quarter = (cur.quarter - INTERVAL '3 months')::date
            WHERE prev.value > 0 AND cur.value * 100 > prev.value * (100 + %(jump)s)
        ), fees AS (
            SELECT fees.*, d.hospital_id, date_trunc('quarter', fees.service_date)::date AS quarter
            FROM ({FEES}) fees JOIN hospitals_doctor d ON d.id = fees.doctor_id
        )
        SELECT 'sales_jump', 'sales:' || f.doctor_id || ':' || f.quarter, NULL, f.doctor_id, max(f.engagement_id),
               NULL, NULL, NULL, max(f.service_date),
               jsonb_build_object('hospital', j.hospital_id, 'quarter', j.quarter, 'sell_out', j.value,
                                  'previous_quarter', j.previous, 'threshold_percent', %(jump)s,
                                  'fees', sum(f.amount))
        FROM fees f JOIN jump j ON j.hospital_id = f.hospital_id AND j.quarter = f.quarter
        GROUP BY f.doctor_id, f.quarter, j.hospital_id, j.quarter, j.value, j.previous
    """,
}

MERGE = """
INSERT INTO events_feeflag (tenant_id, rule, key, severity, doctor_id, engagement_id, fee_record_id, event_id,
                            product_id, region, on_date, detail, status, first_seen, last_seen, cleared_reason)
SELECT %(t)s, f.rule, f.key, coalesce(f.severity, s.severity), coalesce(f.doctor_id, en.doctor_id), f.engagement_id,
       f.fee_record_id, f.event_id, f.product_id,
       coalesce(h.province, f.detail->>'_region', ''), f.on_date, f.detail - '_region', 'open', now(), now(), ''
FROM _fee_flags f
JOIN (SELECT * FROM jsonb_each_text(%(severity)s::jsonb)) s(rule, severity) ON s.rule = f.rule
LEFT JOIN events_engagement en ON en.id = f.engagement_id
LEFT JOIN hospitals_doctor d ON d.id = coalesce(f.doctor_id, en.doctor_id)
LEFT JOIN hospitals_hospital h ON h.id = d.hospital_id
ON CONFLICT (tenant_id, rule, key) DO UPDATE SET
    detail = EXCLUDED.detail, severity = EXCLUDED.severity, doctor_id = EXCLUDED.doctor_id,
    engagement_id = EXCLUDED.engagement_id, fee_record_id = EXCLUDED.fee_record_id, event_id = EXCLUDED.event_id,
    product_id = EXCLUDED.product_id, region = EXCLUDED.region, on_date = EXCLUDED.on_date, last_seen = now(),
    status = CASE WHEN events_feeflag.status = 'resolved' THEN 'open' ELSE events_feeflag.status END
WHERE events_feeflag.detail IS DISTINCT FROM EXCLUDED.detail OR events_feeflag.status = 'resolved'
   OR events_feeflag.severity IS DISTINCT FROM EXCLUDED.severity
   OR events_feeflag.on_date IS DISTINCT FROM EXCLUDED.on_date
"""

RESOLVE = """
UPDATE events_feeflag ff SET status = 'resolved', last_seen = now()
WHERE ff.tenant_id = %(t)s AND ff.status = 'open'
  AND NOT EXISTS (SELECT 1 FROM _fee_flags f WHERE f.rule = ff.rule AND f.key = ff.key)
"""


def _params(tenant_id) -> dict:
    import json

    s = compliance_settings(tenant=tenant_id)
    from django.utils import timezone

    return {
        "t": tenant_id,
        "tz": settings.TIME_ZONE,
        "today": timezone.localdate(),
        "cap": s.annual_cap,
        "max_90d": s.max_engagements_90d,
        "max_hours": s.max_hours_per_day,
        "min_attendees": s.min_attendees,
        "factor": s.inflation_factor,
        "min_share": s.min_academic_share,
        "repeat_n": s.speaker_repeat_count,
        "repeat_days": s.speaker_repeat_days,
        "repeat_window": f"{max(s.speaker_repeat_days - 1, 0)} days",
        "jump": s.sales_jump_percent,
        "dist": s.photo_hash_distance,
        "bands": PHOTO_BANDS,
        "band_bits": PHOTO_BAND_BITS,
        "band_mask": (1 << PHOTO_BAND_BITS) - 1,
        "severity": json.dumps({str(k): str(v) for k, v in SEVERITY.items()}),
    }


def flags_refresh(*, tenant, rules=None) -> dict:
    """Recompute every flag of the tenant (or only ``rules``); returns
    ``{"found": n, "written": n, "resolved": n, "seconds": s, "rules": {rule: s}}``."""
    tenant_id = tenant_id_of(tenant)
    started = time.monotonic()
    params = _params(tenant_id)
    every = {**RULE_SQL, **EVENT_RULE_SQL, **OTHER_RULE_SQL}
    wanted = [r for r in every if rules is None or r in rules]
    with transaction.atomic(), connection.cursor() as cur:
        # One refresh per tenant at a time (nightly and on-commit runs may meet).
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('events_feeflag'), %s)", [tenant_id])
        cur.execute(TEMP_TABLE)
        cur.execute("TRUNCATE _fee_flags")
        timings = {}
        t0 = time.monotonic()
        if any(r in RULE_SQL or r in (FlagRule.SALES_JUMP, FlagRule.SPEAKER_REPEAT) for r in wanted):
            _materialise(cur, "_fee_fees", FEES_SQL, params)
        if any(r in EVENT_RULE_SQL for r in wanted):
            _materialise(cur, "_fee_events", EVENTS_SQL, params)
        timings["_materialise"] = round(time.monotonic() - t0, 3)
        for rule in wanted:
            t0 = time.monotonic()
            cur.execute(INSERT + every[rule], params)
            timings[str(rule)] = round(time.monotonic() - t0, 3)
        cur.execute("SELECT count(*) FROM _fee_flags")
        found = cur.fetchone()[0]
        cur.execute("ANALYZE _fee_flags")  # the merge's joins need its statistics
        t0 = time.monotonic()
        cur.execute(MERGE, params)
        written = cur.rowcount
        timings["_merge"] = round(time.monotonic() - t0, 3)
        t0 = time.monotonic()
        # The merge may just have written a million flags: plan the resolve from their real number
        # (from stale statistics — an empty flag table — PostgreSQL chose a nested-loop anti-join
        # over the temporary table that ran for minutes on the first refresh at 1 M engagements).
        stats.analyze_so_far()
        timings["_analyze"] = round(time.monotonic() - t0, 3)
        t0 = time.monotonic()
        if rules is None:
            cur.execute(RESOLVE, params)
        else:
            cur.execute(RESOLVE + " AND ff.rule = ANY(%(rules)s)", {**params, "rules": [str(r) for r in wanted]})
        resolved = cur.rowcount
        timings["_resolve"] = round(time.monotonic() - t0, 3)
        stats.analyze_on_commit()  # a bulk write: fresh planner statistics after the commit
    return {
        "found": found,
        "written": written,
        "resolved": resolved,
        "seconds": round(time.monotonic() - started, 3),
        "rules": timings,
    }
