"""Row-level security: the database itself keeps tenants apart, whatever the application does."""

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.db.utils import ProgrammingError

from accounts.models import Territory
from crm.db.migrations import POLICY_NAME
from crm.models import TenantModel, has_tenant_field
from crm.tenancy import platform_scope, tenant_context
from tests.factories import territory_tree

pytestmark = pytest.mark.django_db


def tenant_owned_models():
    """Every concrete model whose rows belong to a tenant (incl. history tables), except users."""
    user_model = apps.get_model("accounts", "User")
    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if not m._meta.proxy and m is not user_model and has_tenant_field(m)
    ]


def test_there_are_tenant_owned_models_to_check():
    labels = {m._meta.label for m in tenant_owned_models()}
    assert {"accounts.Territory", "accounts.TerritoryAssignment"} <= labels


@pytest.mark.parametrize("model", tenant_owned_models(), ids=lambda m: m._meta.label)
def test_every_tenant_table_has_forced_rls_with_the_tenant_policy(model):
    table = model._meta.db_table
    with connection.cursor() as cur:
        cur.execute("SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = %s", [table])
        enabled, forced = cur.fetchone()
        cur.execute(
            "SELECT qual, with_check FROM pg_policies WHERE tablename = %s AND policyname = %s", [table, POLICY_NAME]
        )
        policy = cur.fetchone()
    assert enabled and forced, f"{table}: add EnableTenantRLS('{model._meta.model_name}') to a migration"
    assert policy is not None, f"{table} has no {POLICY_NAME} policy"
    assert "app.tenant_id" in policy[0] and "app.tenant_id" in policy[1]


@pytest.mark.parametrize(
    "model", [m for m in tenant_owned_models() if issubclass(m, TenantModel)], ids=lambda m: m._meta.label
)
def test_indexes_and_unique_constraints_lead_with_tenant(model):
    for index in model._meta.indexes:
        # An expression index: its first expression must be the plain tenant column.
        first = index.fields[0] if index.fields else getattr(index.expressions[0], "name", None)
        assert first in ("tenant", "tenant_id"), f"{model._meta.label} index {index.name} must start with tenant"
    for constraint in model._meta.constraints:
        fields = getattr(constraint, "fields", ())
        if fields:
            assert fields[0] == "tenant", f"{model._meta.label} constraint {constraint.name} must start with tenant"
    for field in model._meta.concrete_fields:
        assert not (field.unique and not field.primary_key), f"{model._meta.label}.{field.name}: unique per tenant"


def test_no_auto_created_many_to_many_table_escapes_the_tenant():
    for model in tenant_owned_models():
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            if has_tenant_field(model):
                assert has_tenant_field(through), f"{model._meta.label}.{field.name}: use a TenantModel `through`"


def test_app_role_is_not_superuser_bypassrls_nor_table_owner():
    with connection.cursor() as cur:
        cur.execute("SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        user, superuser, bypass = cur.fetchone()
        cur.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user")
        owned = cur.fetchone()[0]
    assert user == "crm_app"
    assert not superuser and not bypass
    assert owned == 0


def test_raw_sql_under_tenant_a_sees_no_row_of_tenant_b(tenant, other_tenant):
    territory_tree(tenant, "A")
    territory_tree(other_tenant, "B")
    with tenant_context(tenant), connection.cursor() as cur:
        cur.execute("SELECT DISTINCT tenant_id FROM accounts_territory")
        assert [r[0] for r in cur.fetchall()] == [tenant.pk]
        # Even asking for the other tenant by id finds nothing.
        cur.execute("SELECT count(*) FROM accounts_territory WHERE tenant_id = %s", [other_tenant.pk])
        assert cur.fetchone()[0] == 0


def test_raw_sql_without_tenant_sees_nothing_and_platform_scope_sees_all(tenant, other_tenant):
    territory_tree(tenant, "A")
    territory_tree(other_tenant, "B")
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM accounts_territory")
        assert cur.fetchone()[0] == 0
    with platform_scope(), connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM accounts_territory")
        assert cur.fetchone()[0] == 8


def test_raw_insert_for_another_tenant_is_refused_by_the_policy(tenant, other_tenant):
    insert = "INSERT INTO accounts_territory (tenant_id, name, code, level) VALUES (%s, 'x', %s, 'region')"
    # The same statement for the tenant in context is accepted (the policy, not the SQL, refuses).
    with tenant_context(tenant), transaction.atomic(), connection.cursor() as cur:
        cur.execute(insert, [tenant.pk, "OWN"])
        assert cur.rowcount == 1
    refused = pytest.raises(ProgrammingError, match="row-level security")
    with tenant_context(tenant), refused, transaction.atomic(), connection.cursor() as cur:
        cur.execute(insert, [other_tenant.pk, "FOREIGN"])


def test_raw_update_cannot_reach_another_tenants_rows(tenant, other_tenant):
    own = territory_tree(tenant, "A")
    _, _, _, foreign = territory_tree(other_tenant, "B")
    with tenant_context(tenant), connection.cursor() as cur:
        cur.execute("UPDATE accounts_territory SET name = 'hijacked'")
        # The statement did run: every row of the tenant in context changed, and only those.
        assert cur.rowcount == len(own)
    with tenant_context(tenant):
        assert set(Territory.objects.values_list("name", flat=True)) == {"hijacked"}
    with tenant_context(other_tenant):
        foreign.refresh_from_db()
    assert foreign.name != "hijacked"


@pytest.mark.django_db(transaction=True)
def test_tenant_setting_does_not_outlive_its_transaction(tenant):
    territory_tree(tenant, "A")
    with tenant_context(tenant), transaction.atomic():
        assert Territory.objects.count() == 4
    # A pooled connection handed to the next request: the setting is gone with the transaction.
    raw = connection.connection.cursor()
    raw.execute("SELECT current_setting('app.tenant_id', true), count(*) FROM accounts_territory")
    setting, count = raw.fetchone()
    assert setting in ("", None)
    assert count == 0
