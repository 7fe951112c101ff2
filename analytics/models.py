"""Dashboards per role, event ROI, tier movement, exports: reads only, no model of its own yet.

Should it need one, it subclasses ``crm.models.TenantModel`` (see docs/adding-an-app.md). The
role dashboards are cards registered with ``crm.home.register_card`` in ``AnalyticsConfig.ready()``.
"""
