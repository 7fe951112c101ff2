"""Celery tasks of master data: thin wrappers over services."""

from crm.celery import TenantTask, app


@app.task(base=TenantTask, name="hospitals.import_job_run")
def import_job_run(*, tenant_id, job_id):
    """Run one ImportJob (idempotent: a job already taken or finished is left alone)."""
    from hospitals.imports.services import import_job_run as run

    job = run(tenant=tenant_id, job_id=job_id)
    return None if job is None else job.status


@app.task(base=TenantTask, name="hospitals.duplicate_scan_run")
def duplicate_scan_run(*, tenant_id):
    """Find the tenant's likely duplicate doctors (idempotent: a scan replaces the open pairs)."""
    from hospitals.steward.duplicates import duplicate_scan

    result = duplicate_scan(tenant=tenant_id)
    return {"found": result.found, "removed": result.removed}
