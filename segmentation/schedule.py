"""The quarterly re-score in django-celery-beat: 00:30 Asia/Shanghai every day of Jan/Apr/Jul/Oct,
where the job starts only the tenants whose day it is (their :class:`SegmentationSettings`,
default the 1st): a tenant moves its own re-score without touching beat rows (issue 15).

:func:`ensure_quarterly_schedule` is idempotent (looked up by name, brought back to this
definition); the data migration ``0003_quarterly_schedule`` calls it with the historical models,
and it may be called again at any time (e.g. after a deploy) with the real ones.
"""

TASK_NAME = "quarterly re-score"
TASK = "segmentation.tasks.quarterly_rescore"
CRONTAB = {"minute": "30", "hour": "0", "day_of_month": "1-28", "month_of_year": "1,4,7,10", "day_of_week": "*"}
TIMEZONE = "Asia/Shanghai"


def ensure_quarterly_schedule(crontab_model=None, periodic_task_model=None):
    """Create or repair the "quarterly re-score" PeriodicTask; returns it."""
    if crontab_model is None or periodic_task_model is None:
        from django_celery_beat.models import CrontabSchedule, PeriodicTask

        crontab_model, periodic_task_model = CrontabSchedule, PeriodicTask
    schedule, _ = crontab_model.objects.get_or_create(**CRONTAB, timezone=TIMEZONE)
    task, _ = periodic_task_model.objects.update_or_create(
        name=TASK_NAME,
        defaults={
            "task": TASK,
            "crontab": schedule,
            "interval": None,
            "solar": None,
            "clocked": None,
            "one_off": False,
            "enabled": True,
            "description": "Re-score doctor tiers of every active tenant for the quarter that just ended.",
        },
    )
    return task
