from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    """Academic events, attendees, follow-up, field insights, speaker fees and rate cards.

    ``ready()`` is where the app contributes to the apps below it, never the other way round:
    notification kinds and daily reminders (crm.inbox), home cards (crm.home), the event
    attendees of the rep's week, the follow-up questionnaire in the visit report form and its "Send
    an insight" link (visits.hooks), the doctor references a merge moves
    (hospitals.steward.hooks), and to account plans (segmentation.hooks): events on the plan
    timeline, and inviting a saved network invitation list to an event.
    """

    name = "events"
    verbose_name = _("Academic events")

    def ready(self):
        from events.models import AgendaItem, Attendee, EventFollowUp, Insight, ProgramTarget, SelfSignIn
        from hospitals.steward.hooks import register_doctor_reference

        register_doctor_reference(Attendee, unique_with=("event_id",))
        register_doctor_reference(AgendaItem, "speaker_doctor")
        register_doctor_reference(EventFollowUp)
        register_doctor_reference(Insight)
        register_doctor_reference(ProgramTarget, unique_with=("program_id",))
        register_doctor_reference(SelfSignIn)

        from django.db.models.signals import post_migrate

        from crm import home, inbox
        from crm.permissions import FIELD_ROLES, INSIGHT_ANSWERERS
        from events import pages, selectors, services
        from events.models import NotificationKind
        from events.schedule import _post_migrate
        from visits import hooks as visit_hooks

        post_migrate.connect(_post_migrate, sender=self, dispatch_uid="events_periodic_tasks")
        inbox.register_kinds(NotificationKind)
        inbox.register_reminders("events", services.event_reminders)
        visit_hooks.register_event_followups("events", selectors.followup_attendees)
        from events import visit_reports

        visit_hooks.register_report_section("events_followup", visit_reports.followup_section)
        visit_hooks.register_report_links("events_insight", visit_reports.report_links)
        home.register_card(
            key="event_followups",
            template="events/_followups_home.html",
            roles=FIELD_ROLES,
            context=pages.followups_home_context,
            order=15,
        )
        home.register_card(
            key="insights_home",
            template="events/_insights_home.html",
            roles=INSIGHT_ANSWERERS,
            context=pages.insights_home_context,
            order=15,
        )
        from events.kol import invitation_list_action
        from events.plan_timeline import plan_timeline_entries
        from segmentation import hooks as segmentation_hooks

        segmentation_hooks.register_timeline_source("events", plan_timeline_entries)
        segmentation_hooks.register_invitation_list_action("events", invitation_list_action)
        from events.fees.hooks import ready as fees_ready

        fees_ready(self)
