"""Event visibility by territory (issue 10, performance): ``events_eventterritory`` holds, per
event, the territories of its attendees' doctors, so a rep's event list is one index probe per
event instead of a subquery over millions of attendees (``events.selectors.event_list``).

Kept by statement-level triggers (transition tables, one set-based statement per write, however
many rows it touches) so that every writer keeps it right — services, the API, admin, imports,
doctor merges, raw bulk SQL:

* ``events_attendee`` INSERT: add (event, territory) for the new attendees' alignments;
  DELETE: drop the pairs no remaining attendee supports; UPDATE (a merge moves the doctor):
  both.
* ``hospitals_doctorterritory`` INSERT: add the pairs of the events the doctor attends;
  DELETE: drop the pairs no longer supported; UPDATE: both.

The pairs are pruned with ``NOT EXISTS`` against the tables after the statement, so a pair stays
while any attendee of the event is aligned to the territory. Existing rows are backfilled here
(with FORCE row-level security lifted inside this transaction only: the owner role running
migrations sees no tenant). Row-level security as on every tenant table.
"""

import django.db.models.deletion
from django.db import migrations, models

from crm.db.migrations import EnableTenantRLS

FORWARD = '''
-- Attendees added, removed or moved: the (event, territory) pairs of their doctors' alignments.
CREATE OR REPLACE FUNCTION events_eventterritory_attendee_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO events_eventterritory (tenant_id, event_id, territory_id)
        SELECT DISTINCT n.tenant_id, n.event_id, dt.territory_id
        FROM new_rows n
        JOIN hospitals_doctorterritory dt ON dt.tenant_id = n.tenant_id AND dt.doctor_id = n.doctor_id
        ON CONFLICT (tenant_id, territory_id, event_id) DO NOTHING;
    ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM events_eventterritory et
        USING (
            SELECT DISTINCT o.tenant_id, o.event_id, dt.territory_id
            FROM old_rows o
            JOIN hospitals_doctorterritory dt ON dt.tenant_id = o.tenant_id AND dt.doctor_id = o.doctor_id
        ) gone
        WHERE et.tenant_id = gone.tenant_id AND et.event_id = gone.event_id AND et.territory_id = gone.territory_id
          AND NOT EXISTS (
            SELECT 1 FROM events_attendee a
            JOIN hospitals_doctorterritory dt ON dt.tenant_id = a.tenant_id AND dt.doctor_id = a.doctor_id
                                             AND dt.territory_id = gone.territory_id
            WHERE a.tenant_id = gone.tenant_id AND a.event_id = gone.event_id);
    ELSE  -- UPDATE: only the rows whose pair columns changed
        INSERT INTO events_eventterritory (tenant_id, event_id, territory_id)
        SELECT DISTINCT n.tenant_id, n.event_id, dt.territory_id
        FROM new_rows n
        JOIN hospitals_doctorterritory dt ON dt.tenant_id = n.tenant_id AND dt.doctor_id = n.doctor_id
        WHERE NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.id = n.id AND o.doctor_id = n.doctor_id AND o.event_id = n.event_id)
        ON CONFLICT (tenant_id, territory_id, event_id) DO NOTHING;
        DELETE FROM events_eventterritory et
        USING (
            SELECT DISTINCT o.tenant_id, o.event_id, dt.territory_id
            FROM old_rows o
            JOIN hospitals_doctorterritory dt ON dt.tenant_id = o.tenant_id AND dt.doctor_id = o.doctor_id
            WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.id = o.id AND n.doctor_id = o.doctor_id AND n.event_id = o.event_id)
        ) gone
        WHERE et.tenant_id = gone.tenant_id AND et.event_id = gone.event_id AND et.territory_id = gone.territory_id
          AND NOT EXISTS (
            SELECT 1 FROM events_attendee a
            JOIN hospitals_doctorterritory dt ON dt.tenant_id = a.tenant_id AND dt.doctor_id = a.doctor_id
                                             AND dt.territory_id = gone.territory_id
            WHERE a.tenant_id = gone.tenant_id AND a.event_id = gone.event_id);
    END IF;
    RETURN NULL;
END $$;

-- Alignments added, removed or changed: the pairs of the events their doctors attend.
CREATE OR REPLACE FUNCTION events_eventterritory_alignment_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO events_eventterritory (tenant_id, event_id, territory_id)
        SELECT DISTINCT n.tenant_id, a.event_id, n.territory_id
        FROM new_rows n
        JOIN events_attendee a ON a.tenant_id = n.tenant_id AND a.doctor_id = n.doctor_id
        ON CONFLICT (tenant_id, territory_id, event_id) DO NOTHING;
    ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM events_eventterritory et
        USING (
            SELECT DISTINCT o.tenant_id, a.event_id, o.territory_id
            FROM old_rows o
            JOIN events_attendee a ON a.tenant_id = o.tenant_id AND a.doctor_id = o.doctor_id
        ) gone
        WHERE et.tenant_id = gone.tenant_id AND et.event_id = gone.event_id AND et.territory_id = gone.territory_id
          AND NOT EXISTS (
            SELECT 1 FROM events_attendee a
            JOIN hospitals_doctorterritory dt ON dt.tenant_id = a.tenant_id AND dt.doctor_id = a.doctor_id
                                             AND dt.territory_id = gone.territory_id
            WHERE a.tenant_id = gone.tenant_id AND a.event_id = gone.event_id);
    ELSE  -- UPDATE: only the rows whose pair columns changed
        INSERT INTO events_eventterritory (tenant_id, event_id, territory_id)
        SELECT DISTINCT n.tenant_id, a.event_id, n.territory_id
        FROM new_rows n
        JOIN events_attendee a ON a.tenant_id = n.tenant_id AND a.doctor_id = n.doctor_id
        WHERE NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.id = n.id AND o.doctor_id = n.doctor_id AND o.territory_id = n.territory_id)
        ON CONFLICT (tenant_id, territory_id, event_id) DO NOTHING;
        DELETE FROM events_eventterritory et
        USING (
            SELECT DISTINCT o.tenant_id, a.event_id, o.territory_id
            FROM old_rows o
            JOIN events_attendee a ON a.tenant_id = o.tenant_id AND a.doctor_id = o.doctor_id
            WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.id = o.id AND n.doctor_id = o.doctor_id AND n.territory_id = o.territory_id)
        ) gone
        WHERE et.tenant_id = gone.tenant_id AND et.event_id = gone.event_id AND et.territory_id = gone.territory_id
          AND NOT EXISTS (
            SELECT 1 FROM events_attendee a
            JOIN hospitals_doctorterritory dt ON dt.tenant_id = a.tenant_id AND dt.doctor_id = a.doctor_id
                                             AND dt.territory_id = gone.territory_id
            WHERE a.tenant_id = gone.tenant_id AND a.event_id = gone.event_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER events_eventterritory_attendee_ins AFTER INSERT ON events_attendee
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION events_eventterritory_attendee_sync();
CREATE TRIGGER events_eventterritory_attendee_upd AFTER UPDATE ON events_attendee
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION events_eventterritory_attendee_sync();
CREATE TRIGGER events_eventterritory_attendee_del AFTER DELETE ON events_attendee
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION events_eventterritory_attendee_sync();
CREATE TRIGGER events_eventterritory_alignment_ins AFTER INSERT ON hospitals_doctorterritory
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION events_eventterritory_alignment_sync();
CREATE TRIGGER events_eventterritory_alignment_upd AFTER UPDATE ON hospitals_doctorterritory
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION events_eventterritory_alignment_sync();
CREATE TRIGGER events_eventterritory_alignment_del AFTER DELETE ON hospitals_doctorterritory
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION events_eventterritory_alignment_sync();

-- Backfill (the owner sees no tenant under FORCE; lifted inside this transaction only).
ALTER TABLE events_attendee NO FORCE ROW LEVEL SECURITY;
ALTER TABLE hospitals_doctorterritory NO FORCE ROW LEVEL SECURITY;
ALTER TABLE events_eventterritory NO FORCE ROW LEVEL SECURITY;
INSERT INTO events_eventterritory (tenant_id, event_id, territory_id)
SELECT DISTINCT a.tenant_id, a.event_id, dt.territory_id
FROM events_attendee a JOIN hospitals_doctorterritory dt ON dt.tenant_id = a.tenant_id AND dt.doctor_id = a.doctor_id
ON CONFLICT (tenant_id, territory_id, event_id) DO NOTHING;
ALTER TABLE events_attendee FORCE ROW LEVEL SECURITY;
ALTER TABLE hospitals_doctorterritory FORCE ROW LEVEL SECURITY;
ALTER TABLE events_eventterritory FORCE ROW LEVEL SECURITY;
'''

BACKWARD = '''
DROP TRIGGER IF EXISTS events_eventterritory_attendee_ins ON events_attendee;
DROP TRIGGER IF EXISTS events_eventterritory_attendee_upd ON events_attendee;
DROP TRIGGER IF EXISTS events_eventterritory_attendee_del ON events_attendee;
DROP TRIGGER IF EXISTS events_eventterritory_alignment_ins ON hospitals_doctorterritory;
DROP TRIGGER IF EXISTS events_eventterritory_alignment_upd ON hospitals_doctorterritory;
DROP TRIGGER IF EXISTS events_eventterritory_alignment_del ON hospitals_doctorterritory;
DROP FUNCTION IF EXISTS events_eventterritory_attendee_sync();
DROP FUNCTION IF EXISTS events_eventterritory_alignment_sync();
'''


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_quality_pv_roles'),
        ('events', '0006_fees_reversed_once'),
        ('hospitals', '0008_expert_database'),
    ]

    operations = [
        migrations.CreateModel(
            name='EventTerritory',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('event', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='events.event', verbose_name='event')),
                ('tenant', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.tenant', verbose_name='tenant')),
                ('territory', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.territory', verbose_name='territory')),
            ],
            options={
                'verbose_name': 'event territory',
                'verbose_name_plural': 'event territories',
                'indexes': [models.Index(fields=['tenant', 'event'], name='eventterr_tenant_event_idx')],
                'constraints': [models.UniqueConstraint(fields=('tenant', 'territory', 'event'), name='eventterritory_tenant_uniq')],
            },
        ),
        EnableTenantRLS('eventterritory'),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
