"""PostgreSQL backend that carries the current tenant, signed, into every transaction.

Row-level security policies call ``crm_tenant_id()`` (crm/db/rls.py), which reads
``app.tenant_id`` and believes it only with a valid ``app.tenant_sig`` for this database
session. This backend makes sure that, whatever the transaction, the settings the database
sees are the ones of the current context (:mod:`crm.tenancy`):

* in autocommit mode every statement is its own transaction, so the statement is prefixed
  with ``SELECT set_config(..., true), ...;`` and both run as one implicit transaction;
* inside a transaction, ``set_config(..., true)`` runs once before the first statement and
  again only when the context changes, or after a rollback (to a savepoint) undid it.

``set_config(..., is_local => true)`` lasts until the end of the transaction, so nothing leaks
to the next user of a pooled connection (the reason STYLE.md asks for it). The signature is
bound to the database session (its pid and start time, read once per connection), so it is
worthless on any other connection. Transaction-pooling PgBouncer would hand the signed
settings to another server session, where they verify as nothing (fail closed): use session
pooling, or none.

Server-side cursors are disabled in settings: a ``DECLARE ... CURSOR`` cannot be prefixed.
Code that bypasses the cursor (``copy_expert`` on the raw connection, ``pandas.read_sql`` on
it) must call :func:`apply_tenant_settings` inside its transaction first.
"""

from django.db.backends.postgresql import base

from crm import tenancy
from crm.db import rls

_NO_TENANT = ("", "")


def _settings_values(connection) -> tuple[str, str]:
    tenant_id = tenancy.current_tenant_id()
    if tenant_id is None:
        return _NO_TENANT
    return (str(int(tenant_id)), connection.tenant_signature(int(tenant_id)))


def _set_config_sql(values: tuple[str, str]) -> str:
    # Both values are generated here (an int and a hex digest), never user input.
    tenant_id, sig = values
    return f"SELECT set_config('app.tenant_id', '{tenant_id}', true), set_config('app.tenant_sig', '{sig}', true)"


def apply_tenant_settings(connection) -> None:
    """Force the tenant settings into the current transaction of ``connection`` (a Django one)."""
    connection.ensure_connection()
    values = _settings_values(connection)
    with connection.connection.cursor() as raw:
        raw.execute(_set_config_sql(values))
    connection.tenant_settings_in_transaction = values


def _tenant_settings_wrapper(execute, sql, params, many, context):
    connection = context["connection"]
    values = _settings_values(connection)
    if connection.in_atomic_block or not connection.get_autocommit():
        if connection.tenant_settings_in_transaction != values:
            with connection.connection.cursor() as raw:
                raw.execute(_set_config_sql(values))
            connection.tenant_settings_in_transaction = values
        return execute(sql, params, many, context)
    # Autocommit: one implicit transaction per execute (each row of an executemany too).
    return execute(f"{_set_config_sql(values)}; {sql}", params, many, context)


class DatabaseWrapper(base.DatabaseWrapper):
    """Django's PostgreSQL backend plus the signed tenant settings of :mod:`crm.tenancy`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenant_settings_in_transaction = None
        self._rls_binding = None
        self._rls_signatures = {}
        self.execute_wrappers.append(_tenant_settings_wrapper)

    def tenant_signature(self, tenant_id: int) -> str:
        """``app.tenant_sig`` for ``tenant_id`` on this database session (cached per session)."""
        sig = self._rls_signatures.get(tenant_id)
        if sig is None:
            if self._rls_binding is None:
                # Its own implicit transaction in autocommit mode; harmless inside one.
                with self.connection.cursor() as raw:
                    raw.execute("SELECT public.crm_session_binding()")
                    self._rls_binding = raw.fetchone()[0]
            sig = self._rls_signatures[tenant_id] = rls.sign(self._rls_binding, tenant_id)
        return sig

    def get_new_connection(self, conn_params):
        self._rls_binding = None
        self._rls_signatures = {}
        return super().get_new_connection(conn_params)

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
