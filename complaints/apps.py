from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    """Quality, adverse-event and service complaints with lot trace, clocks and SLAs.

    ``ready()`` is where the app contributes to the apps below it, never the other way round:

    * ``crm.inbox.register_kinds(...)`` / ``crm.inbox.register_reminders("complaints", fn)`` — the
      notification kinds and the daily SLA reminders and escalations;
    * ``crm.home.register_card(...)`` — cards of the home pages (quality, pharmacovigilance).
    """

    name = "complaints"
    verbose_name = _("Complaints")
