"""Academic events, attendees, follow-up, field insights, speaker fees and rate cards:
the data and the invariants of one row.

Every tenant-owned model subclasses ``crm.models.TenantModel`` (a NOT NULL ``tenant``, managers
that fail closed without a tenant), starts its indexes and unique constraints with ``tenant``,
and gets ``crm.db.migrations.EnableTenantRLS("<model>")`` in a migration (tests/crm/test_rls.py
checks both). A model's docstring says what it is for; history of records compliance relies on
is kept with django-simple-history. Shape of an app and its touch points: docs/adding-an-app.md.
"""
