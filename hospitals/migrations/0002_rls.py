from django.db import migrations

from crm.db.migrations import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("hospitals", "0001_initial")]

    operations = [
        EnableTenantRLS("hospital"),
        EnableTenantRLS("department"),
        EnableTenantRLS("historicaldoctor"),
        EnableTenantRLS("doctor"),
        EnableTenantRLS("societyposition"),
        EnableTenantRLS("doctorrelation"),
        EnableTenantRLS("doctorterritory"),
        EnableTenantRLS("distributor"),
        EnableTenantRLS("distributorstaff"),
        EnableTenantRLS("product"),
        EnableTenantRLS("productcompetitor"),
        EnableTenantRLS("keymessage"),
        EnableTenantRLS("distributorcoverage"),
        EnableTenantRLS("distributoragreement"),
        EnableTenantRLS("agreementproduct"),
        EnableTenantRLS("usageshare"),
        EnableTenantRLS("salesrecord"),
        EnableTenantRLS("shipment"),
    ]
