"""The closed-complaint lock function, parameterised by what a closed row may change (0004)."""


def lock_sql(closed_may_change: list[str]) -> str:
    may = ", ".join(f"'{c}'" for c in closed_may_change)
    return f"""
CREATE OR REPLACE FUNCTION complaints_closed_lock() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    reopen_may_change text[] := ARRAY['status', 'reopen_count', 'closed_at', 'updated_at', 'next_due_on',
                                      'assignee_id', 'escalate_to_id', 'doctor_id'];
    closed_may_change text[] := ARRAY[{may}];
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
"""
