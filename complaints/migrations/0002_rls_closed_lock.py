"""Row-level security on every complaints table, and the closed-complaint lock.

A closed complaint is not silently editable, whatever the path (ORM, admin, raw SQL): the
trigger refuses any change to a closed row except a reopen — status leaves ``closed``,
``reopen_count`` goes up by one, and the content stays as it was — and refuses its deletion.
(Assignee references may still be cleared when a user is deleted.) The timeline
(``complaints_complaintevent``) is append-only.
"""

from django.db import migrations

from crm.db.migrations import EnableTenantRLS

LOCK_SQL = r"""
CREATE OR REPLACE FUNCTION complaints_closed_lock() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    reopen_may_change text[] := ARRAY['status', 'reopen_count', 'closed_at', 'updated_at', 'next_due_on',
                                      'assignee_id', 'escalate_to_id'];
    closed_may_change text[] := ARRAY['assignee_id', 'escalate_to_id', 'updated_at'];
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status = 'closed' THEN
            RAISE EXCEPTION 'complaint % is closed and locked', OLD.id USING ERRCODE = 'check_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status = 'closed' THEN
        IF NEW.status = 'closed' THEN
            IF (to_jsonb(NEW) - closed_may_change) IS DISTINCT FROM (to_jsonb(OLD) - closed_may_change) THEN
                RAISE EXCEPTION 'complaint % is closed and locked: reopen it with a reason', OLD.id
                    USING ERRCODE = 'check_violation';
            END IF;
        ELSIF NEW.reopen_count <> OLD.reopen_count + 1
              OR (to_jsonb(NEW) - reopen_may_change) IS DISTINCT FROM (to_jsonb(OLD) - reopen_may_change) THEN
            RAISE EXCEPTION 'complaint % is closed: a reopen changes only its status and counts itself', OLD.id
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER complaints_closed_lock BEFORE UPDATE OR DELETE ON complaints_complaint
    FOR EACH ROW EXECUTE FUNCTION complaints_closed_lock();

CREATE OR REPLACE FUNCTION complaints_event_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the complaint timeline is append-only' USING ERRCODE = 'check_violation';
END $$;

CREATE TRIGGER complaints_event_append_only BEFORE UPDATE ON complaints_complaintevent
    FOR EACH ROW EXECUTE FUNCTION complaints_event_append_only();
"""

UNLOCK_SQL = """
DROP TRIGGER IF EXISTS complaints_event_append_only ON complaints_complaintevent;
DROP FUNCTION IF EXISTS complaints_event_append_only();
DROP TRIGGER IF EXISTS complaints_closed_lock ON complaints_complaint;
DROP FUNCTION IF EXISTS complaints_closed_lock();
"""


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]

    operations = [
        EnableTenantRLS("complaint"),
        EnableTenantRLS("complaintclock"),
        EnableTenantRLS("complaintevent"),
        EnableTenantRLS("complaintattachment"),
        EnableTenantRLS("complaintsla"),
        EnableTenantRLS("complaintsettings"),
        EnableTenantRLS("lotsignal"),
        migrations.RunSQL(LOCK_SQL, UNLOCK_SQL),
    ]
