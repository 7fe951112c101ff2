from django.db import migrations

from crm.db.migrations import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        EnableTenantRLS("territory"),
        EnableTenantRLS("territoryassignment"),
    ]
