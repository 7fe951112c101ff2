"""The application wall: fail-closed managers and same-tenant references."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Territory, TerritoryAssignment
from crm.tenancy import TenantNotSetError, platform_scope, tenant_context
from tests.factories import WITH_PLATFORM_COMMITTED, territory_tree

pytestmark = pytest.mark.django_db


def test_unscoped_default_manager_query_raises(tenant):
    territory_tree(tenant, "A")
    with pytest.raises(TenantNotSetError):
        list(Territory.objects.all())
    with pytest.raises(TenantNotSetError):
        Territory.objects.count()
    with pytest.raises(TenantNotSetError):
        Territory.objects.filter(code="A-R").update(name="x")
    with pytest.raises(TenantNotSetError):
        Territory.objects.all().delete()


def test_querysets_can_be_built_without_tenant_but_not_run():
    qs = Territory.objects.filter(level="region").order_by("code")  # libraries do this at import time
    with pytest.raises(TenantNotSetError):
        qs.exists()


@WITH_PLATFORM_COMMITTED
def test_manager_scopes_to_the_current_tenant(tenant, other_tenant):
    territory_tree(tenant, "A")
    territory_tree(other_tenant, "B")
    with tenant_context(tenant):
        assert set(Territory.objects.values_list("code", flat=True)) == {"A-R", "A-D", "A-T1", "A-T2"}
    with tenant_context(other_tenant):
        assert Territory.objects.count() == 4
    with platform_scope():
        assert Territory.objects.count() == 8


def test_new_row_takes_the_current_tenant(tenant):
    with tenant_context(tenant):
        region = Territory.objects.create(name="华南大区", code="S", level="region")
    assert region.tenant_id == tenant.pk


def test_saving_a_row_of_another_tenant_is_refused(tenant, other_tenant):
    with tenant_context(tenant), pytest.raises(TenantNotSetError):
        Territory(tenant=other_tenant, name="x", code="X", level="region").save()


def test_reference_to_another_tenants_row_is_refused(tenant, other_tenant, make_user):
    _, _, foreign_territory, _ = territory_tree(other_tenant, "B")
    rep = make_user(tenant, "rep")
    with tenant_context(tenant), pytest.raises(ValidationError):
        # A guessed id of the other tenant's territory: PostgreSQL's FK check alone would accept it.
        TerritoryAssignment(user=rep, territory_id=foreign_territory.pk).save()
    with tenant_context(tenant):
        assert TerritoryAssignment.objects.count() == 0


def test_reference_to_a_user_of_another_tenant_is_refused(tenant, other_tenant, make_user):
    _, _, own_territory, _ = territory_tree(tenant, "A")
    stranger = make_user(other_tenant, "rep")
    with tenant_context(tenant), pytest.raises(ValidationError):
        TerritoryAssignment(user_id=stranger.pk, territory=own_territory).save()
