"""Create the three database roles and a database wired for row-level security.

* the **owner** role owns the tables and runs migrations (``manage.py migrate`` uses it);
* the **app** role is what the web server and the workers connect as: LOGIN, and explicitly
  NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE, never the owner of a table and member of
  no other role, so the FORCE'd tenant policies always apply to it;
* the **platform** role (BYPASSRLS, nothing else) serves only ``platform_scope()``: platform
  staff in Django admin and the jobs that enumerate tenants (crm/db/router.py).

The database also gets the row-level security kernel (crm/db/rls.py) and its key.

Everything here is idempotent: ``make run``, ``.ci/run``, the test suite and the benchmarks
call it every time.
"""

from __future__ import annotations

import psycopg2
from psycopg2 import sql

from crm.db import rls


def _connect(params: dict, dbname: str | None = None):
    conn = psycopg2.connect(
        dbname=dbname or params["NAME"],
        user=params["USER"],
        password=params.get("PASSWORD") or None,
        host=params.get("HOST") or None,
        port=params.get("PORT") or None,
        connect_timeout=5,
    )
    conn.autocommit = True
    return conn


APP_ATTRS = "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION"
PLATFORM_ATTRS = "LOGIN NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION"


def ensure_roles(admin: dict, owner: dict, app: dict, platform: dict | None = None) -> None:
    """Create (or correct) the owner, app and platform roles, connected as a PostgreSQL superuser."""
    conn = _connect(admin)
    roles = [(owner, "LOGIN CREATEDB NOSUPERUSER"), (app, APP_ATTRS)]
    if platform is not None:
        roles.append((platform, PLATFORM_ATTRS))
    try:
        with conn.cursor() as cur:
            for params, attrs in roles:
                cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [params["USER"]])
                verb = "ALTER" if cur.fetchone() else "CREATE"
                stmt = sql.SQL("{verb} ROLE {role} WITH " + attrs + " PASSWORD {pw}").format(
                    verb=sql.SQL(verb),
                    role=sql.Identifier(params["USER"]),
                    pw=sql.Literal(params.get("PASSWORD") or params["USER"]),
                )
                cur.execute(stmt)
            # Page queries are short: on a small machine parallel workers only add latency
            # (measured: a district's doctor list 127 ms with them, 47 ms without).
            cur.execute(
                sql.SQL("ALTER ROLE {} SET max_parallel_workers_per_gather = 0").format(sql.Identifier(app["USER"]))
            )
            # The app role must not be able to SET ROLE to anything: revoke any membership.
            cur.execute(
                "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
                "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = %s",
                [app["USER"]],
            )
            for (granted,) in cur.fetchall():
                cur.execute(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(granted), sql.Identifier(app["USER"])))
    finally:
        conn.close()


def ensure_database(
    owner: dict,
    app_role: str,
    *,
    name: str | None = None,
    recreate: bool = False,
    app_privileges: str = "SELECT, INSERT, UPDATE, DELETE",
    admin: dict | None = None,
    platform_role: str | None = None,
) -> None:
    """Create database ``name`` owned by the owner role and grant the app and platform roles their rights.

    Default privileges make every table the owner creates later (by migrations) usable by both
    roles without a further grant. ``app_privileges`` gains TRUNCATE in the test database
    only, where Django's transactional tests flush tables between tests. Then the row-level
    security kernel and its key (crm/db/rls.py).
    """
    name = name or owner["NAME"]
    if recreate:
        _terminate_sessions(owner, name, admin)
    conn = _connect(owner, "postgres")
    try:
        with conn.cursor() as cur:
            if recreate:
                cur.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if not cur.fetchone():
                cur.execute(
                    sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(sql.Identifier(name))
                )
    finally:
        conn.close()

    conn = _connect(owner, name)
    try:
        with conn.cursor() as cur:
            privs = sql.SQL(app_privileges)
            for grantee in filter(None, (app_role, platform_role)):
                role = sql.Identifier(grantee)
                for stmt in (
                    sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(name), role),
                    sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role),
                    sql.SQL("GRANT {} ON ALL TABLES IN SCHEMA public TO {}").format(privs, role),
                    sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(role),
                    sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT {} ON TABLES TO {}").format(privs, role),
                    sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {}").format(
                        role
                    ),
                ):
                    cur.execute(stmt)
            rls.ensure_kernel(cur)
    finally:
        conn.close()


def _terminate_sessions(owner: dict, name: str, admin: dict | None) -> None:
    """End the sessions still open on database ``name`` (a stray worker of an earlier run).

    The app role's sessions can only be ended by a superuser (or pg_signal_backend), so the
    admin connection is used when there is one; the owner ends its own sessions otherwise.
    """
    use_admin = admin is not None and reachable(admin) is None
    conn = _connect(admin if use_admin else owner, "postgres")
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                "AND pid <> pg_backend_pid() AND (usename = current_user OR %s)",
                [name, use_admin],
            )
    finally:
        conn.close()


def drop_database(owner: dict, name: str, admin: dict | None = None) -> None:
    """Drop database ``name`` (benchmarks clean up after themselves with it)."""
    _terminate_sessions(owner, name, admin)
    conn = _connect(owner, "postgres")
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
    finally:
        conn.close()


def reachable(params: dict, dbname: str = "postgres") -> str | None:
    """None when PostgreSQL answers with these credentials, else the error in one line."""
    try:
        _connect(params, dbname).close()
    except psycopg2.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    return None
