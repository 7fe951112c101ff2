"""Fees in the database itself (DESIGN.md §3: append-only once final; issue 11).

* ``events_feerecord``: a paid record (fee or reversal) refuses UPDATE and DELETE — a correction
  is a new ``reversal`` record pointing at it (``events.fees.services.fee_reverse``);
* ``events_engagement``: the facts of an engagement whose fee is paid are frozen too (only the
  doctor column may move, by a doctor merge and its reversal);
* ``events_toventry``: the transfer-of-value ledger is append-only — DELETE always refused, UPDATE
  refused unless only ``doctor_id`` changes (a doctor merge moves the rows; nothing else may).

The error is SQLSTATE 23001 (restrict_violation), which Django raises as IntegrityError.
Row-level security on every table of fees (crm/db/rls.py).
"""

from django.db import migrations

from crm.db.migrations import EnableTenantRLS

FORWARD = """
CREATE OR REPLACE FUNCTION events_feerecord_lock() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'paid' THEN
        IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) - 'doctor_id') = (to_jsonb(OLD) - 'doctor_id') THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'fee record % is paid and cannot be changed; record a reversal', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER events_feerecord_lock BEFORE UPDATE OR DELETE ON events_feerecord
    FOR EACH ROW EXECUTE FUNCTION events_feerecord_lock();

CREATE OR REPLACE FUNCTION events_engagement_lock() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM events_feerecord f WHERE f.engagement_id = OLD.id AND f.status = 'paid') THEN
        IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) - 'doctor_id') = (to_jsonb(OLD) - 'doctor_id') THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'engagement % has a paid fee and cannot be changed; record a reversal', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER events_engagement_lock BEFORE UPDATE OR DELETE ON events_engagement
    FOR EACH ROW EXECUTE FUNCTION events_engagement_lock();

CREATE OR REPLACE FUNCTION events_toventry_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) - 'doctor_id') = (to_jsonb(OLD) - 'doctor_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the transfer-of-value ledger is append-only (entry %); post a correcting entry', OLD.id
        USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER events_toventry_append_only BEFORE UPDATE OR DELETE ON events_toventry
    FOR EACH ROW EXECUTE FUNCTION events_toventry_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS events_toventry_append_only ON events_toventry;
DROP TRIGGER IF EXISTS events_engagement_lock ON events_engagement;
DROP TRIGGER IF EXISTS events_feerecord_lock ON events_feerecord;
DROP FUNCTION IF EXISTS events_toventry_append_only();
DROP FUNCTION IF EXISTS events_engagement_lock();
DROP FUNCTION IF EXISTS events_feerecord_lock();
"""


class Migration(migrations.Migration):
    dependencies = [("events", "0003_fees")]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
        EnableTenantRLS("compliancesettings"),
        EnableTenantRLS("ratecard"),
        EnableTenantRLS("historicalratecard"),
        EnableTenantRLS("ratecardline"),
        EnableTenantRLS("historicalratecardline"),
        EnableTenantRLS("venuecapacity"),
        EnableTenantRLS("attendancedenial"),
        EnableTenantRLS("engagement"),
        EnableTenantRLS("historicalengagement"),
        EnableTenantRLS("feerecord"),
        EnableTenantRLS("historicalfeerecord"),
        EnableTenantRLS("toventry"),
        EnableTenantRLS("photofingerprint"),
        EnableTenantRLS("feeflag"),
        EnableTenantRLS("flagclearing"),
        EnableTenantRLS("auditsample"),
        EnableTenantRLS("auditsampleitem"),
    ]
