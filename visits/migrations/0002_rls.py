from django.db import migrations

from crm.db.migrations import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_initial")]

    operations = [
        EnableTenantRLS("visitsettings"),
        EnableTenantRLS("contentitem"),
        EnableTenantRLS("cycleplan"),
        EnableTenantRLS("historicalcycleplan"),
        EnableTenantRLS("cycleplanline"),
        EnableTenantRLS("visitplan"),
        EnableTenantRLS("visitplankeymessage"),
        EnableTenantRLS("visitplancontent"),
        EnableTenantRLS("visit"),
        EnableTenantRLS("historicalvisit"),
        EnableTenantRLS("visitproduct"),
        EnableTenantRLS("visitkeymessage"),
        EnableTenantRLS("visitcontent"),
        EnableTenantRLS("visitamendment"),
        EnableTenantRLS("followuprule"),
        EnableTenantRLS("followuptask"),
        EnableTenantRLS("medicalinquiry"),
        EnableTenantRLS("notification"),
    ]
