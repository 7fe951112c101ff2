"""Celery tasks of events: thin wrappers over services (DESIGN.md §4).

* ``create_followups`` — enqueued on commit when an event is held (or closed); creates the
  attendees' follow-ups exactly once (ON CONFLICT DO NOTHING on (tenant, attendee)).
* ``followups_sweep`` — every minute (beat): re-enqueues events whose outbox row
  (``PendingEventFollowUp``) is older than a minute (a lost message, a dead worker).

Daily reminders are registered with the kernel's inbox (EventsConfig.ready).
"""

import datetime

from django.utils import timezone

from crm.celery import PlatformTask, TenantTask, app

SWEEP_AFTER = datetime.timedelta(seconds=60)
SWEEP_BATCH = 500


@app.task(base=TenantTask, name="events.create_followups")
def create_followups(*, tenant_id, event_id):
    """Create the follow-ups of one held event's attendees (exactly once per attendee)."""
    from events.services import event_followups_create

    return event_followups_create(tenant=tenant_id, event_id=event_id)


@app.task(base=PlatformTask, name="events.followups_sweep")
def followups_sweep(older_than_seconds=None):
    """Re-enqueue the follow-ups of events still pending after a minute (all tenants, bounded batch)."""
    from events.models import PendingEventFollowUp

    age = datetime.timedelta(seconds=older_than_seconds) if older_than_seconds is not None else SWEEP_AFTER
    cutoff = timezone.now() - age
    pending = list(
        PendingEventFollowUp.unscoped_objects.filter(created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", "tenant_id", "event_id")[:SWEEP_BATCH]
    )
    if pending:
        PendingEventFollowUp.unscoped_objects.filter(pk__in=[p[0] for p in pending]).update(created_at=timezone.now())
    for _pk, tenant_id, event_id in pending:
        create_followups.delay(tenant_id=tenant_id, event_id=event_id)
    return len(pending)
