"""``crm_analyze(text[])``: lets the application role refresh planner statistics (crm/stats.py).

ANALYZE needs the table's owner; the app role is deliberately not the owner (row-level
security). This function runs as its owner (the owner role that runs migrations) and analyses
only tables of ``public`` that the owner owns, so it grants nothing but "refresh statistics".
"""

from django.conf import settings
from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION crm_analyze(tables text[]) RETURNS text[]
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t text;
    done text[] := '{}';
BEGIN
    FOREACH t IN ARRAY tables LOOP
        IF EXISTS (
            SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relname = t AND c.relkind IN ('r', 'p')
              AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
        ) THEN
            EXECUTE format('ANALYZE public.%I', t);
            done := done || t;
        END IF;
    END LOOP;
    RETURN done;
END
$$;
REVOKE ALL ON FUNCTION crm_analyze(text[]) FROM PUBLIC;
"""


def grant(apps, schema_editor):
    role = settings.DATABASES["default"]["USER"]
    quoted = schema_editor.quote_name(role)
    schema_editor.execute(f"GRANT EXECUTE ON FUNCTION crm_analyze(text[]) TO {quoted}")


class Migration(migrations.Migration):
    dependencies = [("crm", "0002_rls_signed")]

    operations = [
        migrations.RunSQL(CREATE, reverse_sql="DROP FUNCTION IF EXISTS crm_analyze(text[])"),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
