"""Dashboards per role, event ROI, tier movement, exports.

Models arrive with their issue; every one of them subclasses crm.tenancy.TenantModel.
"""
