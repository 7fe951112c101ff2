from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    """Academic events, attendees, follow-up, field insights, speaker fees and rate cards.

    ``ready()`` is where the app contributes to the apps below it, never the other way round:

    * ``crm.inbox.register_kinds(...)`` / ``crm.inbox.register_reminders("events", fn)`` — the
      notification kinds and the daily reminders (fee caps near, follow-ups due);
    * ``crm.home.register_card(...)`` — cards of the home pages (e.g. the product manager's events);
    * ``visits.hooks.register_event_followups("events", selectors.followup_attendees)`` — the
      attendees a rep follows up, listed in the rep's suggested week.
    """

    name = "events"
    verbose_name = _("Academic events")
