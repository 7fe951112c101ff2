"""PostgreSQL backend that carries the current tenant into every transaction.

Row-level security policies read ``app.tenant_id`` (and ``app.platform``); this backend makes
sure that, whatever the transaction, the settings the database sees are the ones of the
current context (:mod:`crm.tenancy`):

* in autocommit mode every statement is its own transaction, so the statement is prefixed
  with ``SELECT set_config(..., true);`` and both run as one implicit transaction;
* inside a transaction, ``set_config(..., true)`` runs once before the first statement and
  again only when the context changes, or after a rollback (to a savepoint) undid it.

``set_config(..., is_local => true)`` lasts until the end of the transaction, so nothing leaks
to the next user of a pooled connection (the reason STYLE.md asks for it). The statement
timeout of the current request or task (:mod:`crm.timeouts`) travels in the same prefix.
Server-side cursors are disabled in settings: a ``DECLARE ... CURSOR`` cannot be prefixed.
Code that bypasses the cursor (``copy_expert`` on the raw connection, ``pandas.read_sql`` on
it) must call :func:`apply_tenant_settings` inside its transaction first.
"""

from django.db.backends.postgresql import base

from crm import tenancy, timeouts


def _settings_values() -> tuple[str, str, str]:
    tenant_id = tenancy.current_tenant_id()
    timeout = timeouts.current()  # the request's or task's statement budget (crm/timeouts.py)
    return (
        "" if tenant_id is None else str(int(tenant_id)),
        "on" if tenancy.in_platform_scope() else "",
        "" if timeout is None else str(int(timeout)),
    )


def _set_config_sql(values: tuple[str, str, str]) -> str:
    # Every value is generated here (ints and a fixed word), never user input.
    tenant_id, platform, timeout = values
    sql = f"SELECT set_config('app.tenant_id', '{tenant_id}', true), set_config('app.platform', '{platform}', true)"
    if timeout:
        sql += f", set_config('statement_timeout', '{timeout}', true)"
    return sql


def apply_tenant_settings(connection) -> None:
    """Force the tenant settings into the current transaction of ``connection`` (a Django one)."""
    values = _settings_values()
    connection.ensure_connection()
    with connection.connection.cursor() as raw:
        raw.execute(_set_config_sql(values))
    connection.tenant_settings_in_transaction = values


def _tenant_settings_wrapper(execute, sql, params, many, context):
    connection = context["connection"]
    values = _settings_values()
    if connection.in_atomic_block or not connection.get_autocommit():
        if connection.tenant_settings_in_transaction != values:
            with connection.connection.cursor() as raw:
                raw.execute(_set_config_sql(values))
            connection.tenant_settings_in_transaction = values
        return execute(sql, params, many, context)
    # Autocommit: one implicit transaction per execute (each row of an executemany too).
    return execute(f"{_set_config_sql(values)}; {sql}", params, many, context)


class DatabaseWrapper(base.DatabaseWrapper):
    """Django's PostgreSQL backend plus the tenant settings of :mod:`crm.tenancy`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenant_settings_in_transaction = None
        self.execute_wrappers.append(_tenant_settings_wrapper)

    def _forget_tenant_settings(self):
        self.tenant_settings_in_transaction = None

    def _commit(self):
        self._forget_tenant_settings()
        return super()._commit()

    def _rollback(self):
        self._forget_tenant_settings()
        return super()._rollback()

    def _savepoint_rollback(self, sid):
        result = super()._savepoint_rollback(sid)
        self._forget_tenant_settings()
        return result

    def _set_autocommit(self, autocommit):
        self._forget_tenant_settings()
        return super()._set_autocommit(autocommit)

    def _close(self):
        self._forget_tenant_settings()
        return super()._close()
