"""The inbox's Notification, taken over from visits (visits/migrations/0005 renamed the table to
``crm_notification``; its row-level security policy, indexes and constraints came with it).

State only, plus the content type, so that admin permissions and history keep pointing at it.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not content_type.objects.using(db).filter(app_label="crm", model="notification").exists():
        content_type.objects.using(db).filter(app_label="visits", model="notification").update(app_label="crm")


def content_type_back(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    content_type.objects.using(db).filter(app_label="crm", model="notification").update(app_label="visits")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0002_rls"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("visits", "0005_notification_to_kernel"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        ("kind", models.CharField(max_length=20, verbose_name="kind")),
                        ("text", models.CharField(max_length=300, verbose_name="text")),
                        ("link", models.CharField(blank=True, max_length=300, verbose_name="link")),
                        ("object_type", models.CharField(blank=True, max_length=40, verbose_name="object type")),
                        ("object_id", models.BigIntegerField(blank=True, null=True, verbose_name="object id")),
                        ("date", models.DateField(default=django.utils.timezone.localdate, verbose_name="date")),
                        ("read", models.BooleanField(default=False, verbose_name="read")),
                        (
                            "created_at",
                            models.DateTimeField(default=django.utils.timezone.now, verbose_name="created at"),
                        ),
                        (
                            "tenant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="accounts.tenant",
                                verbose_name="tenant",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="user",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "notification",
                        "verbose_name_plural": "notifications",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(fields=["tenant", "user", "read", "-created_at"], name="notif_tenant_user_idx")
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("tenant", "user", "kind", "object_type", "object_id", "date"),
                                name="notification_tenant_once_a_day",
                                nulls_distinct=False,
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, content_type_back),
    ]
