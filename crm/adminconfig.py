"""Django admin's app config with the tenant-aware site (crm.admin.CrmAdminSite)."""

from django.contrib.admin.apps import AdminConfig


class CrmAdminConfig(AdminConfig):
    default_site = "crm.admin.CrmAdminSite"
