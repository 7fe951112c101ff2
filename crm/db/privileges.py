"""What each database role may do, in a few lines (``manage.py preflight`` prints them)."""

from __future__ import annotations

import psycopg2

from crm.db import provision, rls

ROLE_SQL = """
SELECT r.rolname, r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolcreatedb,
       coalesce((SELECT string_agg(g.rolname, ', ') FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                 WHERE m.member = r.oid), ''),
       (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relowner = r.oid),
       (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r'),
       (SELECT string_agg(p, ', ') FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) AS p
        WHERE (SELECT bool_and(has_table_privilege(r.oid, c.oid, p)) FROM pg_class c
               JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r')),
       CASE WHEN to_regnamespace('crm_private') IS NOT NULL
            THEN has_schema_privilege(r.oid, 'crm_private', 'USAGE') END
FROM pg_roles r WHERE r.rolname = %s
"""

RLS_SQL = """
SELECT count(*) FILTER (WHERE TRUE),
       count(*) FILTER (WHERE c.relrowsecurity AND c.relforcerowsecurity AND EXISTS (
           SELECT 1 FROM pg_policies p WHERE p.tablename = c.relname AND p.policyname = 'tenant_isolation'
           AND p.qual = '(tenant_id = ( SELECT crm_tenant_id() AS crm_tenant_id))'))
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind = 'r'
  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
"""


def _describe(row) -> str:
    name, superuser, bypass, createrole, createdb, member_of, owned, tables, privileges, private = row
    attrs = [a for a, on in (("SUPERUSER", superuser), ("BYPASSRLS", bypass), ("CREATEROLE", createrole),
                             ("CREATEDB", createdb)) if on] or ["no superuser, no BYPASSRLS"]
    return (
        f"{name}: {' '.join(attrs)}; member of {member_of or 'no role'}; owns {owned}/{tables} tables; "
        f"{privileges or 'no privilege'} on all tables; "
        + {True: "sees crm_private", False: "no access to crm_private", None: "no crm_private yet"}[private]
    )


def report(databases: dict) -> list[str]:
    """Lines about the app, platform and owner roles of ``databases`` (Django's DATABASES)."""
    owner = databases["owner"]
    try:
        conn = provision._connect(owner)
    except psycopg2.Error:
        return [f"database roles: database {owner['NAME']} is not there yet (manage.py db_bootstrap makes it)"]
    lines = [f"database roles on {owner['NAME']}:"]
    try:
        with conn.cursor() as cur:
            for label, alias in (("app", "default"), ("platform", "platform"), ("owner", "owner")):
                cur.execute(ROLE_SQL, [databases[alias]["USER"]])
                row = cur.fetchone()
                lines.append(f"  {label:8} " + (_describe(row) if row else f"{databases[alias]['USER']}: missing"))
            cur.execute(RLS_SQL)
            total, signed = cur.fetchone()
            lines.append(f"  row-level security: {signed}/{total} tables with a tenant_id carry the signed policy")
    except psycopg2.Error as exc:
        lines.append(f"  not readable ({str(exc).strip().splitlines()[0]})")
    finally:
        conn.close()
    lines.append(f"  the app role's signed tenant: {_key_check(databases['default'])}")
    return lines


def _key_check(app: dict) -> str:
    """Does a tenant signed with this process's key verify in the database (same key both sides)?"""
    try:
        conn = provision._connect(app)
    except psycopg2.Error as exc:
        return f"cannot connect as {app['USER']} ({str(exc).strip().splitlines()[0]})"
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT public.crm_session_binding()")
            binding = cur.fetchone()[0]
            cur.execute(
                "SELECT set_config('app.tenant_id', '0', false), set_config('app.tenant_sig', %s, false), "
                "public.crm_tenant_id()",
                [rls.sign(binding, 0)],
            )
            ok = cur.fetchone()[2] == 0
    except psycopg2.Error as exc:
        return f"not checked ({str(exc).strip().splitlines()[0]}; run manage.py migrate)"
    finally:
        conn.close()
    return "verifies" if ok else "DOES NOT VERIFY: the database holds another key (run manage.py migrate)"
