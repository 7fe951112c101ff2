"""Celery tasks of visits: thin wrappers over services (DESIGN.md §4).

* ``create_followups`` — enqueued on commit by ``visit_submit``; applies the follow-up rules
  (idempotent: ON CONFLICT DO NOTHING on (tenant, visit, rule)).
* ``followups_sweep`` — every minute (beat): re-enqueues submitted visits whose outbox row
  (``PendingFollowUp``) is older than a minute, i.e. whose message was lost or is held by a
  dead worker until the broker's visibility timeout.

The daily reminders of visits are registered with the kernel's inbox (crm.inbox, VisitsConfig.ready).
"""

import datetime

from django.utils import timezone

from crm.celery import PlatformTask, TenantTask, app

SWEEP_AFTER = datetime.timedelta(seconds=60)
SWEEP_BATCH = 500


@app.task(base=TenantTask, name="visits.create_followups")
def create_followups(*, tenant_id, visit_id):
    """Create the follow-up tasks of one submitted visit (exactly once per rule)."""
    from visits.services import visit_followups_create

    return visit_followups_create(tenant=tenant_id, visit_id=visit_id)


@app.task(base=PlatformTask, name="visits.followups_sweep")
def followups_sweep(older_than_seconds=None):
    """Re-enqueue the follow-ups of visits still pending after a minute (all tenants, bounded batch)."""
    from visits.models import PendingFollowUp

    age = datetime.timedelta(seconds=older_than_seconds) if older_than_seconds is not None else SWEEP_AFTER
    cutoff = timezone.now() - age
    pending = list(
        PendingFollowUp.unscoped_objects.filter(created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", "tenant_id", "visit_id")[:SWEEP_BATCH]
    )
    if pending:
        PendingFollowUp.unscoped_objects.filter(pk__in=[p[0] for p in pending]).update(created_at=timezone.now())
    for _pk, tenant_id, visit_id in pending:
        create_followups.delay(tenant_id=tenant_id, visit_id=visit_id)
    return len(pending)
