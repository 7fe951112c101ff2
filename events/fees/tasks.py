"""Celery tasks of fees (thin: enter the tenant, call a service).

* ``events.fee_flags_refresh`` — enqueued on commit by every fee, ledger or evidence change; the
  photo fingerprints still missing are computed first, then every flag (set-based SQL);
* ``events.fee_flags_nightly`` — beat, 02:30 Asia/Shanghai: one refresh per active tenant
  (what changed without a service call — an event held, attendees signed in, sales loaded).
"""

from crm.celery import PlatformTask, TenantTask, app


@app.task(base=TenantTask, name="events.fee_flags_refresh")
def fee_flags_refresh_task(*, tenant_id):
    """Recompute the tenant's audit flags (idempotent; one at a time per tenant by an advisory lock)."""
    from events.fees.flags import flags_refresh
    from events.fees.services import photos_fingerprint_missing

    photos_fingerprint_missing(tenant=tenant_id)
    return flags_refresh(tenant=tenant_id)


@app.task(base=PlatformTask, name="events.fee_flags_nightly")
def fee_flags_nightly():
    """Fan out: one flag refresh per active tenant."""
    from django.apps import apps

    tenant_model = apps.get_model("accounts", "Tenant")
    ids = list(tenant_model.objects.filter(is_active=True).values_list("pk", flat=True))
    for tenant_id in ids:
        fee_flags_refresh_task.delay(tenant_id=tenant_id)
    return len(ids)
