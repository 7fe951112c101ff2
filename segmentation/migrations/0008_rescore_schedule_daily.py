"""The re-score beat entry looks every day of a quarter's first month (tenants choose their day)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from segmentation.schedule import ensure_quarterly_schedule

    ensure_quarterly_schedule(
        apps.get_model("django_celery_beat", "CrontabSchedule"), apps.get_model("django_celery_beat", "PeriodicTask")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("segmentation", "0007_tiers_of_record"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
