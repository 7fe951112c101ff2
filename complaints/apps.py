from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    """Quality, adverse-event and service complaints with lot trace, clocks and SLAs.

    ``ready()`` is where the app contributes to the apps below it, never the other way round:

    * ``crm.inbox.register_kinds`` / ``register_reminders("complaints", …)`` — the notification
      kinds and the daily clock job (reminders before due, escalations after), run by the
      kernel's daily beat job;
    * ``visits.hooks.register_report_submitted`` — a submitted visit report's adverse-event or
      quality signal becomes a complaint (first awareness = the visit date);
    * ``crm.home.register_card`` — the complaints card of the handlers' and reps' home pages.
    """

    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self):
        from crm import home, inbox
        from crm.permissions import COMPLAINT_ALL_READERS, FIELD_ROLES
        from visits import hooks

        from . import pages, services
        from .vocabulary import NotificationKind

        inbox.register_kinds(NotificationKind)
        inbox.register_reminders("complaints", services.complaint_reminders)
        hooks.register_report_submitted("complaints", services.complaints_from_visit)
        # A doctor merge (hospitals.steward) moves complaints to the surviving doctor, closed ones too.
        from hospitals.steward.hooks import register_doctor_reference

        from .models import Complaint

        register_doctor_reference(Complaint)
        home.register_card(
            key="complaints",
            template="complaints/_home_card.html",
            roles=COMPLAINT_ALL_READERS | FIELD_ROLES,
            context=pages.home_card,
            order=20,
        )
