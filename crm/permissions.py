"""Role rules in one place, used by views, the API and admin alike (DESIGN.md §3)."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.models import Role

# Who may see speaker-fee amounts (events/ uses it once fee records exist).
FEE_AMOUNT_ROLES = frozenset({Role.COMPLIANCE, Role.PRODUCT_MANAGER, Role.TENANT_ADMIN})
FIELD_ROLES = frozenset({Role.REP, Role.DISTRIBUTOR_REP})


def is_tenant_user(user) -> bool:
    """Signed in, active, and working for a tenant (platform staff are not)."""
    return bool(user and user.is_authenticated and user.is_active and user.tenant_id)


def has_role(user, *roles) -> bool:
    """The user is a tenant user holding one of ``roles``."""
    return is_tenant_user(user) and user.role in roles


def is_tenant_admin(user) -> bool:
    """Administrator of their tenant (works in Django admin, scoped to the tenant)."""
    return has_role(user, Role.TENANT_ADMIN)


def can_see_fee_amounts(user) -> bool:
    """Fee amounts are for compliance, product managers and administrators only."""
    return has_role(user, *FEE_AMOUNT_ROLES)


def can_use_admin(user) -> bool:
    """Django admin: platform staff across tenants, tenant administrators in their tenant."""
    return bool(user and user.is_active and (getattr(user, "is_platform_staff", False) or is_tenant_admin(user)))


class IsTenantUser(BasePermission):
    """API access for tenant users only; platform staff use Django admin."""

    def has_permission(self, request, view):
        return is_tenant_user(request.user)


class RoleWritePermission(IsTenantUser):
    """Read for every tenant user; write for the roles in ``view.write_roles``."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if request.method in SAFE_METHODS:
            return True
        return request.user.role in getattr(view, "write_roles", ())
