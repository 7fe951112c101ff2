"""Replace the tenant policy of every tenant table of segmentation by the signed one (crm/db/rls.py).

The earlier policy also opened on ``app.platform = 'on'``, a setting any session may set.
"""

from django.db import migrations

from crm.db.migrations import ReplaceTenantPolicies


class Migration(migrations.Migration):
    dependencies = [("segmentation", "0005_assignment_tenant_no_db_fk")]

    operations = [ReplaceTenantPolicies()]
