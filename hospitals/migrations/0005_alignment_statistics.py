"""Per-territory statistics for doctor alignment.

Tenants differ wildly in size (a territory of one tenant aligns 1,000 doctors, of another 50),
and PostgreSQL's column statistics are table-wide: with the default sample it estimated a
district of 27 territories at 4,800 aligned doctors instead of 27,800, chose to fetch and
sort every one of them for a 50-row page (470 ms), where walking the (tenant, name, id) index
takes 40 ms. A larger statistics target keeps a most-common-values entry per territory (up to
10,000 of them), so the estimate for a list of territories is the real count. ANALYZE reads
a larger sample of this narrow table (well under a second at two million rows).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("hospitals", "0004_doctor_search_c_indexes")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE hospitals_doctorterritory ALTER COLUMN territory_id SET STATISTICS 10000",
            reverse_sql="ALTER TABLE hospitals_doctorterritory ALTER COLUMN territory_id SET STATISTICS -1",
        ),
    ]
