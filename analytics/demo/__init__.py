"""Demo data of analytics: the tenant's KPI weights and targets (the scorecard works without
them, on the defaults; the demo sets its own so that the settings are visible), and the doctors'
matching strata the ROI reads (what the nightly job would write; analytics.strata), and the ROI
story of the masterclass program (analytics.demo.roi_story). Idempotent."""

from analytics import services, strata
from analytics.models import KpiTarget

DEMO_TARGETS = {
    "calls": (20, 50),
    "ab_coverage": (25, 85),
    "frequency": (20, 85),
    "timeliness": (15, 95),
    "event_followup": (10, 90),
    "new_adopters": (5, 2),
    "sales": (5, 80000),
}


def seed(*, tenant, stdout=None):
    """Set the demo KPI weights and targets of ``tenant`` once (an administrator's later change
    stays); bring the doctor strata up to date (as the nightly job does); write the ROI story of
    the masterclass program once (analytics.demo.roi_story)."""
    from analytics.demo import roi_story

    refreshed = strata.refresh(tenant=tenant)
    if stdout is not None:
        stdout.write(
            f"  analytics: doctor strata of {refreshed['period'] or 'no tier period'} ({refreshed['written']} written)"
        )
    roi_story.seed(tenant=tenant, stdout=stdout)
    if KpiTarget.objects.for_tenant(tenant).exists():
        return
    for kpi, (weight, target) in DEMO_TARGETS.items():
        services.kpi_target_set(tenant=tenant, by=None, kpi=kpi, weight=weight, target=target)
    if stdout is not None:
        stdout.write(f"  analytics: {len(DEMO_TARGETS)} KPI targets")
