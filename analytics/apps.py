from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """Dashboards per role, event ROI, tier movement, exports."""

    name = "analytics"
    verbose_name = _("Analytics")
