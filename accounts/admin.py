"""Admin of accounts: tenants (platform staff), users, territories and assignments."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Tenant, Territory, TerritoryAssignment, User
from crm.admin import NotFoundAdminMixin, PlatformOnlyAdmin, TenantAdmin, tenant_bound_form
from crm.permissions import is_tenant_admin


@admin.register(Tenant)
class TenantModelAdmin(PlatformOnlyAdmin):
    """Companies on the platform: platform staff only."""

    list_display = ["name", "code", "is_active", "created_at"]
    search_fields = ["name", "code"]


@admin.register(User)
class UserAdmin(NotFoundAdminMixin, DjangoUserAdmin):
    """Users: platform staff see all; a tenant admin manages the users of their tenant only.

    A tenant admin cannot create superusers or move a user to another tenant.
    """

    list_display = ["username", "name", "role", "tenant", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "name", "email"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("name", "email", "phone")}),
        (_("Membership"), {"fields": ("tenant", "role", "is_active")}),
        (_("Platform"), {"fields": ("is_superuser", "is_staff")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2", "tenant", "role")}),
    )
    readonly_fields = ["last_login", "date_joined"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_platform_staff:
            return qs
        return qs.filter(tenant_id=request.user.tenant_id)

    def _tenant_admin_hidden(self, fieldsets):
        hidden = {"tenant", "is_superuser", "is_staff"}
        return tuple(
            (name, {**opts, "fields": tuple(f for f in opts["fields"] if f not in hidden)})
            for name, opts in fieldsets
            if any(f not in hidden for f in opts["fields"])
        )

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return form if request.user.is_platform_staff else tenant_bound_form(form, request.user.tenant_id)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        return fieldsets if request.user.is_platform_staff else self._tenant_admin_hidden(fieldsets)

    def save_model(self, request, obj, form, change):
        if not request.user.is_platform_staff:
            obj.tenant_id = request.user.tenant_id
            obj.is_superuser = False
            obj.is_staff = False
        super().save_model(request, obj, form, change)

    def _allowed(self, request):
        return getattr(request.user, "is_platform_staff", False) or is_tenant_admin(request.user)

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request) and obj != request.user


@admin.register(Territory)
class TerritoryAdmin(TenantAdmin):
    """The territory tree."""

    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]


@admin.register(TerritoryAssignment)
class TerritoryAssignmentAdmin(TenantAdmin):
    """Who covers which node."""

    list_display = ["user", "territory", "since"]
    search_fields = ["user__username", "user__name", "territory__name"]
