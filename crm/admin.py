"""Django admin for two audiences: platform staff across tenants, tenant admins in theirs.

``TenantAdmin`` is the base of every tenant-owned model's admin: a tenant administrator sees
and edits only their tenant's rows, never chooses the tenant (it is theirs), and foreign-key
choices offer only their tenant's rows. Platform staff (in ``platform_scope`` for the whole
request, see crm.middleware) see every tenant and pick the tenant of a new row.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from crm.models import Notification, WorkdayOverride, has_tenant_field
from crm.permissions import can_use_admin, is_tenant_admin


class CrmAdminLoginForm(AdminAuthenticationForm):
    """Admin sign-in for platform staff and tenant administrators (no is_staff flag needed)."""

    def confirm_login_allowed(self, user):
        if not can_use_admin(user):
            raise forms.ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class CrmAdminSite(admin.AdminSite):
    """The admin site; ``has_permission`` follows crm.permissions.can_use_admin."""

    site_header = _("PharmaCRM administration")
    site_title = _("PharmaCRM")
    index_title = _("Administration")
    login_form = CrmAdminLoginForm

    def has_permission(self, request):
        return can_use_admin(request.user)


def _is_platform(request) -> bool:
    return bool(getattr(request.user, "is_platform_staff", False))


def tenant_bound_form(form, tenant_id):
    """``form`` whose new instance belongs to ``tenant_id`` before it is validated."""

    class TenantBoundForm(form):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if self.instance.tenant_id is None:
                self.instance.tenant_id = tenant_id

    TenantBoundForm.__name__ = form.__name__
    return TenantBoundForm


class NotFoundAdminMixin:
    """Another tenant's row, or one that does not exist, answers 404 as everywhere else (DESIGN.md
    §3) — not Django admin's redirect to the index with a "doesn't exist" message."""

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404


class PlatformOnlyAdmin(NotFoundAdminMixin, admin.ModelAdmin):
    """Admin of platform-wide models (tenants): platform staff only."""

    def _allowed(self, request):
        return _is_platform(request)

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request)


class TenantAdmin(NotFoundAdminMixin, admin.ModelAdmin):
    """Base ModelAdmin of tenant-owned models (see the module docstring)."""

    def get_queryset(self, request):
        if _is_platform(request):
            return self.model.unscoped_objects.all()
        return super().get_queryset(request)

    def get_list_display(self, request):
        display = super().get_list_display(request)
        if _is_platform(request) and "tenant" not in display:
            return (*display, "tenant")
        return display

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        return (*filters, "tenant") if _is_platform(request) else filters

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if not _is_platform(request):
            exclude.append("tenant")
        return exclude

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return form if _is_platform(request) else tenant_bound_form(form, request.user.tenant_id)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if not _is_platform(request) and has_tenant_field(related) and "queryset" not in kwargs:
            kwargs["queryset"] = related._default_manager.filter(tenant_id=request.user.tenant_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        related = db_field.related_model
        if not _is_platform(request) and has_tenant_field(related) and "queryset" not in kwargs:
            kwargs["queryset"] = related._default_manager.filter(tenant_id=request.user.tenant_id)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not _is_platform(request):
            obj.tenant_id = request.user.tenant_id
        super().save_model(request, obj, form, change)

    # Tenant administrators manage every tenant-owned model of their tenant; other tenant
    # roles do not use admin at all (the site refuses them before these are asked).
    def _allowed(self, request):
        return _is_platform(request) or is_tenant_admin(request.user)

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request)


class NotificationAdmin(TenantAdmin):
    """The inbox's notifications (every app's), read-mostly."""

    show_full_result_count = False
    list_display = ["user", "kind", "text", "date", "read"]
    list_filter = ["kind", "read"]
    autocomplete_fields = ["user"]
    list_select_related = ["user"]


class WorkdayOverrideAdmin(TenantAdmin):
    """The tenant's own working and rest days on top of China's calendar (crm.workdays)."""

    list_display = ["date", "is_workday", "note"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"
    search_fields = ["note"]


def register_kernel_models(site) -> None:
    """Register the kernel's own models on ``site``.

    Called from ``CrmAdminConfig.ready()``, not with ``@admin.register`` at import: this module
    is imported while the default site itself is being built (``default_site`` points here), so a
    decorator would register on a site instance that is then thrown away.
    """
    for model, model_admin in ((Notification, NotificationAdmin), (WorkdayOverride, WorkdayOverrideAdmin)):
        if not site.is_registered(model):
            site.register(model, model_admin)
