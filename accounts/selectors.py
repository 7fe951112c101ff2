"""Reads of accounts: who covers what, within one tenant."""

from django.db.models import QuerySet

from accounts.models import Territory, TerritoryAssignment, User
from crm.permissions import VISITING_ROLES


def territory_list(*, tenant, user) -> QuerySet[Territory]:
    """The territory nodes ``user`` may see.

    Field reps and managers see their own subtree (a rep: the territories assigned to them; a
    manager: the district or region they manage and everything below); head-office roles see
    the whole tree of the tenant.
    """
    qs = Territory.objects.for_tenant(tenant).select_related("parent")
    if user.role in VISITING_ROLES:
        return qs.subtree_of(user_territory_roots(tenant=tenant, user=user))
    return qs


def user_territory_roots(*, tenant, user) -> list[int]:
    """Ids of the nodes assigned to ``user`` (the roots of what they cover)."""
    return list(TerritoryAssignment.objects.for_tenant(tenant).filter(user=user).values_list("territory_id", flat=True))


def user_territories(*, tenant, user) -> QuerySet[Territory]:
    """The bottom-level territories ``user`` covers, directly or through a district or region."""
    return Territory.objects.for_tenant(tenant).subtree_of(user_territory_roots(tenant=tenant, user=user)).leaves()


def team_members(*, tenant, manager) -> QuerySet[User]:
    """Users assigned anywhere below the nodes ``manager`` manages (their team)."""
    nodes = Territory.objects.for_tenant(tenant).subtree_of(user_territory_roots(tenant=tenant, user=manager))
    return (
        User.objects.in_tenant(tenant)
        .filter(territory_assignments__territory__in=nodes)
        .exclude(pk=manager.pk)
        .distinct()
        .order_by("username")
    )


def colleague_list(*, tenant) -> QuerySet[User]:
    """Active users of ``tenant``."""
    return User.objects.in_tenant(tenant).filter(is_active=True).order_by("username")


def assignment_list(*, tenant) -> QuerySet[TerritoryAssignment]:
    """Every territory assignment of ``tenant``."""
    return TerritoryAssignment.objects.for_tenant(tenant).select_related("user", "territory")
