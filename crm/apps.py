from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    """The shared kernel; it holds no models, only commands, templates, checks and bases."""

    name = "crm"
    verbose_name = _("PharmaCRM")
