"""Migration operations for row-level security on tenant-owned tables."""

from django.db import migrations

POLICY_NAME = "tenant_isolation"

# Rows are visible and writable when they belong to the tenant of the transaction, or inside
# the explicitly named platform path (crm.tenancy.platform_scope). NULLIF: a setting that was
# used earlier in the session reads back as '' after its transaction, not NULL.
POLICY_EXPR = (
    "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint "
    "OR current_setting('app.platform', true) = 'on'"
)


class EnableTenantRLS(migrations.operations.base.Operation):
    """ENABLE + FORCE row-level security on a model's table with the tenant policy.

    ``FORCE`` makes the policy apply to the table owner too; the application role is neither
    owner, superuser nor BYPASSRLS (see crm/db/provision.py), so the policy always holds.
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
