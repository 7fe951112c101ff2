"""Writes of accounts: one function per use case, each in a transaction."""

from django.db import transaction

from accounts.models import Territory, TerritoryAssignment
from crm.tenancy import tenant_id_of


@transaction.atomic
def territory_create(*, tenant, by, name, code, level, parent=None) -> Territory:
    """Add a node to the territory tree of ``tenant`` (validated: level fits the parent)."""
    territory = Territory(tenant_id=tenant_id_of(tenant), name=name, code=code, level=level, parent=parent)
    territory.full_clean()
    territory.save()
    return territory


@transaction.atomic
def territory_assign(*, tenant, by, user, territory, since=None) -> TerritoryAssignment:
    """Assign ``user`` to ``territory`` (a rep to a territory, a manager to a district or region)."""
    assignment = TerritoryAssignment(tenant_id=tenant_id_of(tenant), user=user, territory=territory, since=since)
    assignment.full_clean()
    assignment.save()
    return assignment
