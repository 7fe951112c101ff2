"""Admin of events, scoped to the tenant: every model admin subclasses ``crm.admin.TenantAdmin``."""

from events.fees import admin as fees_admin  # noqa: E402,F401  (rate cards, fees, ledger, flags)
