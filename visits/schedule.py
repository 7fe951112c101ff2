"""The periodic jobs of visits in django-celery-beat, created idempotently after ``migrate``.

The daily reminders are the kernel's job (crm.schedule, crm.tasks.reminders_daily), which runs
the reminders visits registers with the inbox.
"""

import json

# Entries of earlier versions, removed when the schedule is ensured (their task moved to crm).
RETIRED = ["visits: daily reminders"]

JOBS = [
    # name, task, schedule kind, schedule
    ("visits: follow-up sweeper", "visits.followups_sweep", "interval", {"every": 60, "period": "seconds"}),
]


def ensure_periodic_tasks(using="default", **kwargs):
    """Create or update the beat entries of visits (safe to run again: looked up by name)."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    PeriodicTask.objects.using(using).filter(name__in=RETIRED).delete()
    for name, task, kind, spec in JOBS:
        defaults = {"task": task, "kwargs": json.dumps({}), "enabled": True}
        if kind == "crontab":
            schedule, _ = CrontabSchedule.objects.using(using).get_or_create(
                **spec, day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
            )
            defaults.update(crontab=schedule, interval=None)
        else:
            schedule, _ = IntervalSchedule.objects.using(using).get_or_create(**spec)
            defaults.update(interval=schedule, crontab=None)
        PeriodicTask.objects.using(using).update_or_create(name=name, defaults=defaults)


def _post_migrate(sender, using="default", **kwargs):
    ensure_periodic_tasks(using=using)
