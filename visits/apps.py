from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    """Cycle plans, visit plans, visit reports, follow-up tasks, medical inquiries, content library."""

    name = "visits"
    verbose_name = _("Visits")
