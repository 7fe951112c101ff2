"""Create the two database roles and a database wired for row-level security.

* the **owner** role owns the tables and runs migrations (``manage.py migrate`` uses it);
* the **app** role is what the web server and the workers connect as: LOGIN, and explicitly
  NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE, never the owner of a table, so the
  FORCE'd tenant policies always apply to it.

Everything here is idempotent: ``make run``, ``.ci/run``, the test suite and the benchmarks
call it every time.
"""

from __future__ import annotations

import psycopg2
from psycopg2 import sql


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


def ensure_roles(admin: dict, owner: dict, app: dict) -> None:
    """Create (or correct) the owner and app roles, connected as a PostgreSQL superuser."""
    conn = _connect(admin)
    try:
        with conn.cursor() as cur:
            for params, attrs in (
                (owner, "LOGIN CREATEDB NOSUPERUSER"),
                (app, "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"),
            ):
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
) -> None:
    """Create database ``name`` owned by the owner role and grant the app role its rights.

    Default privileges make every table the owner creates later (by migrations) usable by the
    app role without a further grant. ``app_privileges`` gains TRUNCATE in the test database
    only, where Django's transactional tests flush tables between tests.
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
            role = sql.Identifier(app_role)
            privs = sql.SQL(app_privileges)
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


def setting(params: dict, name: str, dbname: str = "postgres") -> str | None:
    """The server's value of setting ``name`` (``SHOW``), or None when it cannot be read."""
    try:
        conn = _connect(params, dbname)
    except psycopg2.Error:
        return None
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT current_setting(%s)", [name])
            return cur.fetchone()[0]
    except psycopg2.Error:
        return None
    finally:
        conn.close()
