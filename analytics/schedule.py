"""The periodic job of analytics in django-celery-beat (created idempotently after ``migrate``)."""

import json

JOBS = [
    # name, task, crontab (Asia/Shanghai): after the night's imports and fee flags (02:30)
    ("analytics: nightly KPI rollup", "analytics.kpi_rollup_nightly", {"minute": "10", "hour": "3"}),
]


def ensure_periodic_tasks(using="default", **kwargs):
    """Create or update the beat entries of analytics (looked up by name: safe to run again)."""
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    for name, task, spec in JOBS:
        schedule, _ = CrontabSchedule.objects.using(using).get_or_create(
            **spec, day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
        )
        PeriodicTask.objects.using(using).update_or_create(
            name=name,
            defaults={"task": task, "kwargs": json.dumps({}), "enabled": True, "crontab": schedule, "interval": None},
        )


def _post_migrate(sender, using="default", **kwargs):
    ensure_periodic_tasks(using=using)
