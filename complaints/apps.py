from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    """Quality, adverse-event and service complaints with lot trace and SLAs."""

    name = "complaints"
    verbose_name = _("Complaints")
