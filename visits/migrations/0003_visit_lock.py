"""Lock submitted visit reports in the database itself (DESIGN.md §3: append-only once final).

A trigger refuses, for a visit whose stored status is ``submitted``:

* DELETE, always;
* UPDATE, unless the transaction has set ``app.visit_amendment`` to the id of a
  ``VisitAmendment`` row *of that visit* (``visits.services.visit_amend`` inserts the amendment,
  with who, why and the old and new values, then sets it). A raw ``UPDATE`` therefore cannot
  change a submitted report without leaving an amendment behind;
* the status going back from ``submitted`` to ``draft``, even inside an amendment;
* any INSERT, UPDATE or DELETE of its child rows (products, key messages and reactions,
  content used) on the same terms.

The error is SQLSTATE 23001 (restrict_violation), which Django raises as IntegrityError.
"""

from django.db import migrations

GUARD = """
CREATE OR REPLACE FUNCTION visits_amendment_allows(visit bigint) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
    amendment text := NULLIF(current_setting('app.visit_amendment', true), '');
BEGIN
    IF amendment IS NULL OR amendment !~ '^[0-9]+$' THEN
        RETURN false;
    END IF;
    RETURN EXISTS (
        SELECT 1 FROM visits_visitamendment WHERE id = amendment::bigint AND visit_id = visit
    );
END $$;

CREATE OR REPLACE FUNCTION visits_visit_lock() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'submitted' THEN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'visit report % is submitted and cannot be deleted', OLD.id
                USING ERRCODE = 'restrict_violation';
        END IF;
        IF NEW.status <> 'submitted' OR NOT visits_amendment_allows(OLD.id) THEN
            RAISE EXCEPTION 'visit report % is submitted and locked; record an amendment', OLD.id
                USING ERRCODE = 'restrict_violation';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION visits_visit_child_lock() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    parent bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        parent := NEW.visit_id;
    ELSE
        parent := OLD.visit_id;
    END IF;
    IF EXISTS (SELECT 1 FROM visits_visit WHERE id = parent AND status = 'submitted')
       AND NOT visits_amendment_allows(parent) THEN
        RAISE EXCEPTION 'visit report % is submitted and locked; record an amendment', parent
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER visits_visit_lock BEFORE UPDATE OR DELETE ON visits_visit
    FOR EACH ROW EXECUTE FUNCTION visits_visit_lock();
"""

CHILDREN = ("visits_visitproduct", "visits_visitkeymessage", "visits_visitcontent")

FORWARD = GUARD + "".join(
    f"CREATE TRIGGER {t}_lock BEFORE INSERT OR UPDATE OR DELETE ON {t} "
    f"FOR EACH ROW EXECUTE FUNCTION visits_visit_child_lock();\n"
    for t in CHILDREN
)

BACKWARD = (
    "".join(f"DROP TRIGGER IF EXISTS {t}_lock ON {t};\n" for t in CHILDREN)
    + "DROP TRIGGER IF EXISTS visits_visit_lock ON visits_visit;\n"
    + "DROP FUNCTION IF EXISTS visits_visit_child_lock();\n"
    + "DROP FUNCTION IF EXISTS visits_visit_lock();\n"
    + "DROP FUNCTION IF EXISTS visits_amendment_allows(bigint);\n"
)


class Migration(migrations.Migration):
    dependencies = [("visits", "0002_rls")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
