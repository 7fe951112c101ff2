"""Notification moves to the kernel's inbox (crm.Notification): the table is renamed, its rows,
indexes, constraints and row-level security policy go with it; crm/migrations/0001 takes the
model over in the state. Nothing is copied, nothing is lost."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("visits", "0004_pending_followup")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.AlterModelTable("notification", "crm_notification")],
            state_operations=[migrations.DeleteModel("notification")],
        ),
    ]
