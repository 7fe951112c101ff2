"""The periodic jobs of events in django-celery-beat, created idempotently after ``migrate``.

The daily reminders are the kernel's job (crm.tasks.reminders_daily), which runs the reminders
events registers with the inbox.
"""

import json

JOBS = [
    # name, task, interval
    ("events: follow-up sweeper", "events.followups_sweep", {"every": 60, "period": "seconds"}),
]


def ensure_periodic_tasks(using="default", **kwargs):
    """Create or update the beat entries of events (safe to run again: looked up by name)."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    for name, task, spec in JOBS:
        schedule, _ = IntervalSchedule.objects.using(using).get_or_create(**spec)
        PeriodicTask.objects.using(using).update_or_create(
            name=name,
            defaults={"task": task, "kwargs": json.dumps({}), "enabled": True, "interval": schedule, "crontab": None},
        )


def _post_migrate(sender, using="default", **kwargs):
    ensure_periodic_tasks(using=using)
