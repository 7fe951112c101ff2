"""The database wall around users, tokens, sessions and the tenant directory (docs/security.md).

* Territory tables get the signed tenant policy (no ``app.platform`` escape any more).
* ``accounts_user`` gets row-level security: the app role sees the users of the tenant it
  signed for; platform staff (no tenant) only the platform role sees.
* Three SECURITY DEFINER functions, owned by the owner role, answer the pre-tenant questions
  with a user's id and tenant for one exact key — never a list, never a password hash. The
  owner reads users and tokens for them through a SELECT-only policy of its own.
* ``django_admin_log`` and the user's group and permission links are visible with the users
  they belong to; ``accounts_tenant`` can be read (a directory of names) and added to, but
  only a tenant's own row can be changed or deleted by the app role.
* Sessions moved to Redis and failed sign-ins to the cache: the old ``django_session`` and
  axes tables are emptied and closed to every role that does not bypass RLS.
"""

from django.db import migrations

from crm.db.migrations import EnableTenantRLS, ReplaceTenantPolicies

USERS = "accounts_user"
TOKENS = "accounts_apitoken"

# The owner role (which runs migrations, so CURRENT_USER here) reads users and tokens: the
# SECURITY DEFINER functions below run as it. FORCE'd RLS would otherwise hide them from it too.
DEFINER_READ = """
DROP POLICY IF EXISTS crm_definer_read ON {table};
CREATE POLICY crm_definer_read ON {table} FOR SELECT TO CURRENT_USER USING (true);
"""

FUNCTIONS = """
CREATE OR REPLACE FUNCTION public.crm_auth_login(p_username text)
RETURNS TABLE (user_id bigint, tenant_id bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT u.id, u.tenant_id FROM public.accounts_user AS u WHERE u.username = p_username LIMIT 1
$$;

CREATE OR REPLACE FUNCTION public.crm_auth_token(p_key_hash text)
RETURNS TABLE (token_id bigint, user_id bigint, tenant_id bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT t.id, t.user_id, t.tenant_id
    FROM public.accounts_apitoken AS t JOIN public.accounts_user AS u ON u.id = t.user_id
    WHERE t.key_hash = p_key_hash AND t.expires_at > now() AND u.tenant_id = t.tenant_id
    LIMIT 1
$$;

CREATE OR REPLACE FUNCTION public.crm_auth_email(p_email text)
RETURNS TABLE (user_id bigint, tenant_id bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT u.id, u.tenant_id FROM public.accounts_user AS u
    WHERE p_email <> '' AND lower(u.email) = lower(p_email) AND u.is_active
    ORDER BY u.id LIMIT 10
$$;
"""

DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS public.crm_auth_login(text);
DROP FUNCTION IF EXISTS public.crm_auth_token(text);
DROP FUNCTION IF EXISTS public.crm_auth_email(text);
"""

# Rows that belong to a user are visible with that user (RLS of accounts_user applies inside).
WITH_USER = """
ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS user_isolation ON {table};
CREATE POLICY user_isolation ON {table}
    USING (user_id IN (SELECT id FROM public.accounts_user))
    WITH CHECK (user_id IN (SELECT id FROM public.accounts_user));
"""

TENANT_DIRECTORY = """
ALTER TABLE accounts_tenant ENABLE ROW LEVEL SECURITY;
ALTER TABLE accounts_tenant FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_directory_read ON accounts_tenant;
DROP POLICY IF EXISTS tenant_directory_add ON accounts_tenant;
DROP POLICY IF EXISTS tenant_own_update ON accounts_tenant;
DROP POLICY IF EXISTS tenant_own_delete ON accounts_tenant;
CREATE POLICY tenant_directory_read ON accounts_tenant FOR SELECT USING (true);
CREATE POLICY tenant_directory_add ON accounts_tenant FOR INSERT WITH CHECK (true);
CREATE POLICY tenant_own_update ON accounts_tenant FOR UPDATE
    USING (id = (SELECT public.crm_tenant_id())) WITH CHECK (id = (SELECT public.crm_tenant_id()));
CREATE POLICY tenant_own_delete ON accounts_tenant FOR DELETE USING (id = (SELECT public.crm_tenant_id()));
"""

# Emptied, then closed: RLS on and no policy means no row for any role without BYPASSRLS.
CLOSED = """
DELETE FROM {table};
ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
"""
CLOSED_TABLES = [
    "django_session",
    "axes_accessattempt",
    "axes_accessattemptexpiration",
    "axes_accessfailurelog",
    "axes_accesslog",
]
USER_LINKED_TABLES = ["django_admin_log", "accounts_user_groups", "accounts_user_user_permissions"]


def _undo(table):
    return f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY; ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;"


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_profile_apitoken"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("sessions", "0001_initial"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [
        ReplaceTenantPolicies(),
        EnableTenantRLS("user"),
        migrations.RunSQL(DEFINER_READ.format(table=USERS), f"DROP POLICY IF EXISTS crm_definer_read ON {USERS}"),
        migrations.RunSQL(DEFINER_READ.format(table=TOKENS), f"DROP POLICY IF EXISTS crm_definer_read ON {TOKENS}"),
        migrations.RunSQL(FUNCTIONS, DROP_FUNCTIONS),
        migrations.RunSQL(TENANT_DIRECTORY, _undo("accounts_tenant")),
        *(migrations.RunSQL(WITH_USER.format(table=t), _undo(t)) for t in USER_LINKED_TABLES),
        *(migrations.RunSQL(CLOSED.format(table=t), _undo(t)) for t in CLOSED_TABLES),
    ]
