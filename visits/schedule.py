"""The periodic jobs of visits in django-celery-beat, created idempotently after ``migrate``."""

import json

JOBS = [
    # name, task, schedule kind, schedule
    ("visits: daily reminders", "visits.reminders_daily", "crontab", {"minute": "0", "hour": "8"}),
    ("visits: follow-up sweeper", "visits.followups_sweep", "interval", {"every": 60, "period": "seconds"}),
]


def ensure_periodic_tasks(using="default", **kwargs):
    """Create or update the beat entries of visits (safe to run again: looked up by name)."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

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
