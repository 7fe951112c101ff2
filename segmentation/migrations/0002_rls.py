from django.db import migrations

from crm.db.migrations import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("segmentation", "0001_initial")]

    operations = [
        EnableTenantRLS("scorecard"),
        EnableTenantRLS("scorecardversion"),
        EnableTenantRLS("importeddimension"),
        EnableTenantRLS("importedvalue"),
        EnableTenantRLS("scorecarddimension"),
        EnableTenantRLS("scoringrun"),
        EnableTenantRLS("tierassignment"),
        EnableTenantRLS("tieroverride"),
        EnableTenantRLS("historicaltieroverride"),
        EnableTenantRLS("tiersetting"),
        EnableTenantRLS("historicaltiersetting"),
        EnableTenantRLS("adoption"),
        EnableTenantRLS("historicaladoption"),
    ]
