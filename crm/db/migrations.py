"""Migration operations for row-level security on tenant-owned tables."""

from django.db import migrations

from crm.db import rls

POLICY_NAME = "tenant_isolation"

# Rows are visible and writable when they belong to the tenant this session signed for
# (crm/db/rls.py). Nothing else opens the policy: platform work connects as the platform role,
# which bypasses RLS; there is no setting that does.
POLICY_EXPR = rls.POLICY_EXPR


class EnableTenantRLS(migrations.operations.base.Operation):
    """ENABLE + FORCE row-level security on a model's table with the tenant policy.

    ``FORCE`` makes the policy apply to the table owner too; the application role is neither
    owner, superuser nor BYPASSRLS (see crm/db/provision.py), so the policy always holds.
    Running it again on a table replaces the policy with the current :data:`POLICY_EXPR`
    (that is how ``*_rls_signed`` migrations upgraded the tables of earlier migrations).
    """

    reduces_to_sql = True
    reversible = True

    def __init__(self, model_name):
        self.model_name = model_name

    def state_forwards(self, app_label, state):
        pass

    def _table(self, app_label, to_state):
        return to_state.apps.get_model(app_label, self.model_name)._meta.db_table

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        table = schema_editor.quote_name(self._table(app_label, to_state))
        policy = schema_editor.quote_name(POLICY_NAME)
        if not schema_editor.collect_sql:
            with schema_editor.connection.cursor() as cursor:
                rls.ensure_kernel(cursor)
        schema_editor.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        schema_editor.execute(f"DROP POLICY IF EXISTS {policy} ON {table}")
        schema_editor.execute(f"CREATE POLICY {policy} ON {table} USING ({POLICY_EXPR}) WITH CHECK ({POLICY_EXPR})")

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        table = schema_editor.quote_name(self._table(app_label, from_state))
        schema_editor.execute(f"DROP POLICY IF EXISTS {schema_editor.quote_name(POLICY_NAME)} ON {table}")
        schema_editor.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")

    def describe(self):
        return f"Enable tenant row-level security on {self.model_name}"

    @property
    def migration_name_fragment(self):
        return f"rls_{self.model_name.lower()}"

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.model_name], {})


def _has_rls(schema_editor, table) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT relrowsecurity FROM pg_class WHERE oid = to_regclass(%s)", [table])
        row = cursor.fetchone()
    return bool(row and row[0])


class ReplaceTenantPolicies(migrations.operations.base.Operation):
    """Re-apply :class:`EnableTenantRLS` to every model of the app that has a ``tenant`` field.

    Used once per app to replace the policies of earlier migrations (the ``app.platform``
    escape) by the signed one. Only tables that already have row-level security are touched:
    the operation upgrades exactly what earlier ``EnableTenantRLS`` operations made.
    """

    reduces_to_sql = True
    reversible = False

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        for model in to_state.apps.get_app_config(app_label).get_models(include_auto_created=True):
            if _has_rls(schema_editor, model._meta.db_table):
                EnableTenantRLS(model._meta.model_name).database_forwards(
                    app_label, schema_editor, from_state, to_state
                )

    def describe(self):
        return "Replace the tenant policies of every tenant-owned table of the app"

    @property
    def migration_name_fragment(self):
        return "rls_signed"

    def deconstruct(self):
        return (self.__class__.__qualname__, [], {})
