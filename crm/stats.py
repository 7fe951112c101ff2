"""Planner statistics after bulk writes: the one helper every bulk job calls (DESIGN.md §4).

PostgreSQL plans every query from the statistics ``ANALYZE`` gathers. The machines this project
runs on have autovacuum off, and even with it on a fresh bulk load leaves minutes of stale
plans: right after a 30,000-doctor import the planner still believed the tables held a
handful of rows and a rep's doctor list took over a minute. So every job that writes in bulk
(seed_demo, each import kind, scoring runs, cycle-plan generation, and the event follow-up and
fee-flag jobs to come) refreshes the statistics of the tables it changed substantially, as part
of the job, before it reports done::

    from crm import stats

    with transaction.atomic():
        ...bulk writes...
        stats.analyze_on_commit()  # last statement of the transaction

:func:`analyze_on_commit` reads, from PostgreSQL itself (``pg_stat_xact_user_tables``), how
many rows this transaction inserted, updated or deleted in each table, and after the commit
analyses those where that is "substantial" (:func:`is_substantial`: at least
``50 + 5 %`` of the rows the planner believes the table has, or any change to a table never
analysed). The job need not list its tables, so a table added to a job later is covered too.
:func:`analyze` analyses named models or tables unconditionally.

The application role does not own the tables and so may not run ``ANALYZE`` itself; it calls
``crm_analyze(text[])``, a ``SECURITY DEFINER`` function owned by the owner role that analyses
only the owner's tables in ``public`` (migration ``crm/0003_statistics``). ``ANALYZE`` reads a sample of
the rows (30,000 by default) and takes a lock that blocks neither reads nor writes.

:func:`analyze_stale` is the safety net for what is not a bulk job (rows written one by one
over weeks): the beat task ``crm.analyze_stale`` runs it every 30 minutes, which is what
autovacuum's analyse would do when it is off.
"""

from __future__ import annotations

import logging

from django.db import connections, transaction

logger = logging.getLogger(__name__)

# Autovacuum analyses a table after 50 + 10 % of its rows changed; a bulk job knows it has just
# changed many rows at once, so it analyses earlier.
MIN_CHANGED_ROWS = 50
CHANGED_FRACTION = 0.05

_CHANGED_SQL = """
    SELECT s.relname, s.n_tup_ins + s.n_tup_upd + s.n_tup_del
    FROM pg_stat_xact_user_tables s
    WHERE s.schemaname = 'public' AND s.n_tup_ins + s.n_tup_upd + s.n_tup_del > 0
"""
_RELTUPLES_SQL = """
    SELECT c.relname, c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relname = ANY(%s)
"""
_STALE_SQL = """
    SELECT s.relname, s.n_mod_since_analyze, c.reltuples
    FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
    WHERE s.schemaname = 'public' AND s.n_mod_since_analyze > 0
"""


def _table(model_or_table) -> str:
    return model_or_table if isinstance(model_or_table, str) else model_or_table._meta.db_table


def is_substantial(changed: int, reltuples: float) -> bool:
    """Does a change of ``changed`` rows make the statistics of a table of ``reltuples`` stale?

    ``reltuples`` is the planner's belief (``pg_class``): -1 for a table never analysed.
    """
    if changed <= 0:
        return False
    if reltuples < 0:
        return True
    return changed >= MIN_CHANGED_ROWS + CHANGED_FRACTION * reltuples


def changed_in_transaction(*, using: str = "default") -> dict[str, int]:
    """Rows inserted + updated + deleted so far by the current transaction, per table."""
    connection = connections[using]
    if not connection.in_atomic_block:
        raise RuntimeError("changed_in_transaction() needs a transaction (transaction.atomic)")
    with connection.cursor() as cursor:
        cursor.execute(_CHANGED_SQL)
        return {name: int(count) for name, count in cursor.fetchall()}


def analyze(*tables, using: str = "default") -> list[str]:
    """ANALYZE ``tables`` (models or table names) now; returns the tables analysed.

    Runs outside any transaction of the caller's (call it after the commit, or use
    :func:`analyze_on_commit`): the statistics then describe committed rows.
    """
    names = sorted({_table(t) for t in tables})
    if not names:
        return []
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT crm_analyze(%s)", [names])
        done = list(cursor.fetchone()[0] or [])
    logger.info("analysed %s", ", ".join(done))
    return done


def analyze_changed(changed: dict[str, int], *, using: str = "default") -> list[str]:
    """ANALYZE the tables of ``changed`` (table → rows changed) where the change is substantial."""
    if not changed:
        return []
    with connections[using].cursor() as cursor:
        cursor.execute(_RELTUPLES_SQL, [sorted(changed)])
        reltuples = dict(cursor.fetchall())
    return analyze(*(t for t, n in changed.items() if t in reltuples and is_substantial(n, reltuples[t])), using=using)


def analyze_on_commit(*, using: str = "default") -> dict[str, int]:
    """Register the statistics refresh of what this transaction changed, to run after its commit.

    Call it as the last statement inside the job's ``transaction.atomic()`` block; returns the
    rows changed per table (for logs and tests). In the outermost transaction the ANALYZE runs
    right after the COMMIT, before the job goes on to report that it is done.
    """
    changed = changed_in_transaction(using=using)
    connection = connections[using]
    pending = getattr(connection, "_crm_pending_analyze", None)
    if pending is not None and any(func is pending["refresh"] for _, func, _ in connection.run_on_commit):
        # Already registered in this transaction (a seed calls many services that each end with
        # analyze_on_commit): the counts are cumulative for the transaction, so the one refresh
        # takes the latest. One ANALYZE per table per commit, not one per call (the demo seed
        # spent 80 s re-analysing every table some thirty times after its commit).
        pending["changed"] = changed
        return changed

    def refresh():
        connection._crm_pending_analyze = None
        analyze_changed(state["changed"], using=using)

    state = {"changed": changed, "refresh": refresh}
    connection._crm_pending_analyze = state
    transaction.on_commit(refresh, using=using)
    return changed


def analyze_so_far(*, using: str = "default") -> list[str]:
    """ANALYZE, inside the current transaction, the tables it has changed substantially so far.

    For one long bulk transaction whose later statements query what its earlier ones wrote (the
    demo seed: doctors, then cycle plans from them). ``ANALYZE`` counts the rows the current
    transaction inserted as live, so the later statements are planned from the real sizes instead
    of statistics taken while the tables were empty (seen: a 77 s nested loop in cycle-plan
    generation after a test had analysed the empty tables). Still call :func:`analyze_on_commit`
    at the end: the committed picture is what every other session plans from.
    """
    return analyze_changed(changed_in_transaction(using=using), using=using)


def analyze_stale(*, using: str = "default") -> list[str]:
    """ANALYZE every table whose rows changed substantially since its last analysis.

    Reads PostgreSQL's cumulative counters (``n_mod_since_analyze``), which lag by a second or
    so: the periodic safety net, not the job's own refresh.
    """
    with connections[using].cursor() as cursor:
        cursor.execute(_STALE_SQL)
        rows = cursor.fetchall()
    return analyze(*(name for name, changed, tuples in rows if is_substantial(int(changed), tuples)), using=using)


def autovacuum_enabled(*, using: str = "default") -> bool:
    """The server's ``autovacuum`` setting (``manage.py preflight`` warns when it is off)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT current_setting('autovacuum')")
        return cursor.fetchone()[0] == "on"
