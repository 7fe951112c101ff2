"""What fees contribute to the kernel and the lower apps, called from ``EventsConfig.ready()``."""


def ready(app_config):
    from django.db.models.signals import post_migrate

    from crm.home import register_card
    from crm.inbox import register_kinds
    from crm.permissions import FEE_WORKBENCH_ROLES
    from events.fees import tasks  # noqa: F401  (registers the Celery tasks)
    from events.fees.models import Engagement, FeeFlag, FeeRecord, ToVEntry
    from events.fees.schedule import _post_migrate
    from events.fees.vocabulary import FeeNotification
    from hospitals.steward.hooks import register_doctor_reference

    register_doctor_reference(Engagement)
    register_doctor_reference(FeeRecord)
    register_doctor_reference(ToVEntry)
    register_doctor_reference(FeeFlag)
    register_kinds(FeeNotification)
    register_card(
        key="compliance_flags",
        template="events/compliance/_home_card.html",
        roles=FEE_WORKBENCH_ROLES,
        context=_home_context,
        order=30,
    )
    post_migrate.connect(_post_migrate, sender=app_config, dispatch_uid="events_fees_periodic_tasks")


def _home_context(user):
    from events.fees.models import FeeFlag
    from events.fees.vocabulary import FlagStatus

    open_flags = FeeFlag.objects.for_tenant(user.tenant_id).filter(status=FlagStatus.OPEN)
    return {
        "open": open_flags.count(),
        "high": open_flags.filter(severity="high").count(),
    }
