"""seed_demo leaves fresh planner statistics (crm.stats). Checked by tests/test_demo.py (one
seeded demo for every app's checks), right after the first seed."""

import pytest
from django.db import connection

from crm.tenancy import tenant_context
from tests.crm.test_stats import reltuples


def check():
    """Right after the seed's commit: reltuples of the big tables match their rows."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM hospitals_doctor")  # RLS: no tenant, no rows
        assert cursor.fetchone()[0] == 0
    from accounts.models import Tenant
    from hospitals.models import Doctor, DoctorTerritory

    counts = {}
    for table, model in (("hospitals_doctor", Doctor), ("hospitals_doctorterritory", DoctorTerritory)):
        counts[table] = 0
        for t in Tenant.objects.all():
            with tenant_context(t):
                counts[table] += model.objects.count()
        assert counts[table] > 5000
        assert reltuples(table) == pytest.approx(counts[table], rel=0.01), table
