"""Celery tasks of analytics: thin wrappers; they write nothing but the cache."""

from crm.celery import TenantTask, app


@app.task(base=TenantTask, name="analytics.tasks.program_roi")
def program_roi(*, tenant_id, program_id=None, event_id=None, product_id=None, key):
    """The ROI of a big program (or event) with progress, kept in the cache under ``key`` for the
    page to pick up (analytics.roi); a re-run computes the same result again, harmlessly."""
    from analytics.roi import roi_run

    return roi_run(tenant=tenant_id, program_id=program_id, event_id=event_id, product_id=product_id, key=key)["status"]
