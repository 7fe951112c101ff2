"""Reads of analytics' own rows (the KPI settings); the figures are in kpis, channel and pages."""

from django.db.models import QuerySet

from analytics.models import KpiTarget


def kpi_target_list(*, tenant, user) -> QuerySet[KpiTarget]:
    """The tenant's KPI weights and targets (every reader of the scorecard may see them)."""
    return KpiTarget.objects.for_tenant(tenant).order_by("kpi")
