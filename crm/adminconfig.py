"""Django admin's app config with the tenant-aware site (crm.admin.CrmAdminSite)."""

from django.contrib.admin.apps import AdminConfig


class CrmAdminConfig(AdminConfig):
    default_site = "crm.admin.CrmAdminSite"

    def ready(self):
        super().ready()
        from django.contrib import admin

        from crm.admin import register_kernel_models

        register_kernel_models(admin.site)
