"""Row-level security on every tenant table of events (crm/db/rls.py)."""

from django.db import migrations

from crm.db.migrations import EnableTenantRLS


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]

    operations = [
        EnableTenantRLS("event"),
        EnableTenantRLS("attendee"),
        EnableTenantRLS("agendaitem"),
        EnableTenantRLS("eventcorrection"),
        EnableTenantRLS("eventfollowup"),
        EnableTenantRLS("eventkeymessage"),
        EnableTenantRLS("eventphoto"),
        EnableTenantRLS("eventproduct"),
        EnableTenantRLS("eventsettings"),
        EnableTenantRLS("eventtransition"),
        EnableTenantRLS("expense"),
        EnableTenantRLS("followuprecall"),
        EnableTenantRLS("historicalprogram"),
        EnableTenantRLS("pendingeventfollowup"),
        EnableTenantRLS("productmanagerassignment"),
        EnableTenantRLS("program"),
        EnableTenantRLS("historicalevent"),
        EnableTenantRLS("programproduct"),
        EnableTenantRLS("programtarget"),
        EnableTenantRLS("question"),
        EnableTenantRLS("insight"),
        EnableTenantRLS("selfsignin"),
        EnableTenantRLS("budgetline"),
    ]
