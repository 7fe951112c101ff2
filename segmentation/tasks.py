"""Celery tasks of segmentation: thin wrappers over services.

* :func:`rescore` — one tenant, one period (a :class:`~crm.celery.TenantTask`): carries out a
  scoring run; idempotent (a finished run is a no-op, a re-run changes no row) and crash-safe
  (the write is one transaction), so late acknowledgement is safe.
* :func:`quarterly_rescore` — the beat entry (a :class:`~crm.celery.PlatformTask`): enumerates
  the active tenants and enqueues one :func:`rescore` per tenant on commit; does no tenant work.
"""

from crm.celery import PlatformTask, TenantTask, app


@app.task(base=TenantTask, name="segmentation.tasks.rescore")
def rescore(*, tenant_id, period, run_id=None):
    """Score every active doctor of the tenant for ``period`` (the run ``run_id``, or the scheduled one)."""
    from segmentation.services import tier_rescore

    run = tier_rescore(tenant=tenant_id, period=period, run_id=run_id)
    return None if run is None else {"run_id": run.pk, "status": run.status, "changed_rows": run.changed_rows}


@app.task(base=PlatformTask, name="segmentation.tasks.quarterly_rescore")
def quarterly_rescore(period=None, day=None):
    """Fan out the quarterly re-score: one :func:`rescore` per active tenant whose re-score day is
    today (``day``, a date; the beat calls it daily in the first month of each quarter). Given a
    ``period`` explicitly, every active tenant is scored for it (a manual catch-up)."""
    from django.db import transaction
    from django.utils import timezone

    from segmentation.selectors import tenants_due_for_rescore
    from segmentation.services import default_period

    if period is None:
        day = day or timezone.localdate()
        tenant_ids = tenants_due_for_rescore(day=day)
        period = default_period(day)
    else:
        from accounts.models import Tenant

        tenant_ids = list(Tenant.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    with transaction.atomic():
        for tenant_id in tenant_ids:
            rescore.delay_on_commit(tenant_id=tenant_id, period=period)
    return {"period": period, "tenants": len(tenant_ids)}


@app.task(base=TenantTask, name="segmentation.tasks.whatif")
def whatif(*, tenant_id, version_id, period, key):
    """The what-if of a version for a big tenant, with progress, kept in the cache under ``key``
    for the page or the API to pick up (segmentation.whatif); writes nothing else, so a re-run
    is harmless."""
    from segmentation.whatif import whatif_run

    outcome = whatif_run(tenant=tenant_id, version_id=version_id, period=period, key=key)
    return outcome["status"]
