from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    """Cycle plans, visit plans, visit reports, follow-up tasks, medical inquiries, content library."""

    name = "visits"
    verbose_name = _("Visits")

    def ready(self):
        from django.db.models.signals import post_migrate

        from visits.schedule import _post_migrate

        post_migrate.connect(_post_migrate, sender=self, dispatch_uid="visits_periodic_tasks")

        from visits.merge import register_visit_references

        register_visit_references()
