from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    """Academic events, attendees, follow-up, field insights, speaker fees and rate cards."""

    name = "events"
    verbose_name = _("Academic events")
