from django.db import migrations


def forwards(apps, schema_editor):
    from segmentation.schedule import ensure_quarterly_schedule

    ensure_quarterly_schedule(
        apps.get_model("django_celery_beat", "CrontabSchedule"), apps.get_model("django_celery_beat", "PeriodicTask")
    )


def backwards(apps, schema_editor):
    from segmentation.schedule import TASK_NAME

    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("segmentation", "0002_rls"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
