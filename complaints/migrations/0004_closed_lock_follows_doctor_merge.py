"""A doctor merge (hospitals.steward) may move a closed complaint to the surviving doctor.

The closed-complaint lock (0002) let nothing but the assignee change on a closed row, so merging
two records of one doctor failed on their closed complaints. The doctor column is now among the
columns a closed complaint may change — the same person, one record — and the merge records
the move (and reverts it) as it does for every other reference to a doctor.
"""

from django.db import migrations

from complaints.migrations._lock import lock_sql

OLD = ["assignee_id", "escalate_to_id", "updated_at"]
NEW = ["assignee_id", "escalate_to_id", "updated_at", "doctor_id"]


class Migration(migrations.Migration):
    dependencies = [("complaints", "0003_clock_run_inbox_indexes")]

    operations = [migrations.RunSQL(lock_sql(NEW), reverse_sql=lock_sql(OLD))]
