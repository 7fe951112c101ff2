"""Dashboards per role, event ROI, tier movement, exports."""
