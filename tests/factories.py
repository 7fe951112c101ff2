"""factory-boy factories. A tenant-owned factory derives its tenant from its parent and
creates its row inside that tenant's context, so a factory never mixes tenants."""

import factory
import pytest
from factory.django import DjangoModelFactory

from accounts.auth import scope_for_tenant
from accounts.models import Tenant, Territory, TerritoryAssignment, TerritoryLevel, User
from crm.tenancy import tenant_context

TEST_PASSWORD = "pw-test-123"

# Tests that use the platform role's connection (platform staff, platform_scope, platform jobs)
# declare it. Each connection has its own transaction: when the platform path must see rows the
# test made through the app role, the test commits (transaction=True).
WITH_PLATFORM = pytest.mark.django_db(databases=["default", "platform"])
WITH_PLATFORM_COMMITTED = pytest.mark.django_db(transaction=True, databases=["default", "platform"])


class TenantOwnedFactory(DjangoModelFactory):
    """Creates the row inside ``tenant_context(tenant)``, as application code would."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with tenant_context(kwargs["tenant"]):
            return super()._create(model_class, *args, **kwargs)


class TenantFactory(DjangoModelFactory):
    class Meta:
        model = Tenant
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"测试药企{n}")
    code = factory.Sequence(lambda n: f"tenant-{n}")


class UserFactory(DjangoModelFactory):
    """A user, made in their own tenant (users are walled); platform staff (no tenant) are made
    through the platform role, so a test that makes them declares the ``platform`` database."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        tenant = kwargs.get("tenant")
        with scope_for_tenant(getattr(tenant, "pk", tenant)):
            return super()._create(model_class, *args, **kwargs)

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"用户{n}")
    tenant = factory.SubFactory(TenantFactory)
    role = "rep"
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            with scope_for_tenant(obj.tenant_id):
                obj.save(update_fields=["password"])


class RegionFactory(TenantOwnedFactory):
    class Meta:
        model = Territory

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"大区{n}")
    code = factory.Sequence(lambda n: f"R{n}")
    level = TerritoryLevel.REGION
    parent = None


class DistrictFactory(RegionFactory):
    parent = factory.SubFactory(RegionFactory)
    tenant = factory.SelfAttribute("parent.tenant")
    name = factory.Sequence(lambda n: f"地区{n}")
    code = factory.Sequence(lambda n: f"D{n}")
    level = TerritoryLevel.DISTRICT


class TerritoryFactory(RegionFactory):
    parent = factory.SubFactory(DistrictFactory)
    tenant = factory.SelfAttribute("parent.tenant")
    name = factory.Sequence(lambda n: f"片区{n}")
    code = factory.Sequence(lambda n: f"T{n}")
    level = TerritoryLevel.TERRITORY


class TerritoryAssignmentFactory(TenantOwnedFactory):
    class Meta:
        model = TerritoryAssignment

    territory = factory.SubFactory(TerritoryFactory)
    tenant = factory.SelfAttribute("territory.tenant")
    user = factory.SubFactory(UserFactory, tenant=factory.SelfAttribute("..tenant"))


def territory_tree(tenant, prefix="X"):
    """A region > district > two territories of ``tenant``: returns (region, district, t1, t2)."""
    region = RegionFactory(tenant=tenant, code=f"{prefix}-R", name=f"{prefix}大区")
    district = DistrictFactory(parent=region, code=f"{prefix}-D", name=f"{prefix}地区")
    t1 = TerritoryFactory(parent=district, code=f"{prefix}-T1", name=f"{prefix}片区一")
    t2 = TerritoryFactory(parent=district, code=f"{prefix}-T2", name=f"{prefix}片区二")
    return region, district, t1, t2
