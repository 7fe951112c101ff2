from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    """The shared kernel: tenancy, the API base and role rules, view helpers, keyset pagination,
    the inbox (its one model, Notification), the home-page registry, commands and checks."""

    name = "crm"
    verbose_name = _("PharmaCRM")

    def ready(self):
        from django.db.models.signals import post_migrate

        from crm.schedule import _post_migrate

        post_migrate.connect(_post_migrate, sender=self, dispatch_uid="crm_periodic_tasks")
