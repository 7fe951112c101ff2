from django.db import migrations

from crm.db.migrations import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("analytics", "0001_kpi_target")]

    operations = [EnableTenantRLS("kpitarget")]
