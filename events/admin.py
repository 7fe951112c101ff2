"""Admin of events, scoped to the tenant: every model admin subclasses ``crm.admin.TenantAdmin``."""
