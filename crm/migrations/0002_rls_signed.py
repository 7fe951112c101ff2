"""Replace the tenant policy of the kernel's tenant tables (the inbox) by the signed one (crm/db/rls.py).

The earlier policy also opened on ``app.platform = 'on'``, a setting any session may set.
"""

from django.db import migrations

from crm.db.migrations import ReplaceTenantPolicies


class Migration(migrations.Migration):
    dependencies = [("crm", "0001_notification")]

    operations = [ReplaceTenantPolicies()]
