"""Celery tasks of analytics: thin wrappers. They write the cache and the KPI rollup only.

* ``analytics.tasks.program_roi`` — a big program's ROI with progress (analytics.roi);
* ``analytics.kpi_rollup_refresh`` — enqueued on commit by the writes that change the KPI
  facts (analytics.rollup.mark_dirty): the touched (rep, month) cells;
* ``analytics.kpi_rollup_nightly`` — beat, 03:10 Asia/Shanghai: one window refresh per active
  tenant (``analytics.kpi_rollup_window``), for what no signal sees (bulk writes), and one
  refresh of the doctors' matching strata per active tenant (``analytics.doctor_strata_refresh``,
  analytics.strata: what the ROI's control pool reads).
"""

import datetime

from crm.celery import PlatformTask, TenantTask, app


@app.task(base=TenantTask, name="analytics.tasks.program_roi")
def program_roi(*, tenant_id, program_id=None, event_id=None, product_id=None, key):
    """The ROI of a big program (or event) with progress, kept in the cache under ``key`` for the
    page to pick up (analytics.roi); a re-run computes the same result again, harmlessly."""
    from analytics.roi import roi_run

    return roi_run(tenant=tenant_id, program_id=program_id, event_id=event_id, product_id=product_id, key=key)["status"]


@app.task(base=TenantTask, name="analytics.kpi_rollup_refresh")
def kpi_rollup_refresh(*, tenant_id, months, rep_ids=None, doctor_ids=(), territory_ids=()):
    """Recompute the KPI rollup cells of ``months`` (ISO dates) for these reps (None: all);
    idempotent (an upsert of what the sources say now), so a re-delivery is harmless."""
    from analytics.rollup import kpi_rollup_refresh as refresh

    return refresh(
        tenant=tenant_id,
        months=[datetime.date.fromisoformat(m) for m in months],
        rep_ids=rep_ids,
        doctor_ids=doctor_ids,
        territory_ids=territory_ids,
    )


@app.task(base=TenantTask, name="analytics.kpi_rollup_window")
def kpi_rollup_window(*, tenant_id):
    """The tenant's rollup of the last months for every field user (analytics.rollup.WINDOW_MONTHS)."""
    from analytics.rollup import kpi_rollup_rebuild

    return kpi_rollup_rebuild(tenant=tenant_id)


@app.task(base=PlatformTask, name="analytics.kpi_rollup_nightly")
def kpi_rollup_nightly():
    """Fan out: one rollup window refresh and one strata refresh per active tenant."""
    from django.apps import apps

    tenant_model = apps.get_model("accounts", "Tenant")
    ids = list(tenant_model.objects.filter(is_active=True).values_list("pk", flat=True))
    for tenant_id in ids:
        kpi_rollup_window.delay(tenant_id=tenant_id)
        doctor_strata_refresh.delay(tenant_id=tenant_id)
    return len(ids)


@app.task(base=TenantTask, name="analytics.doctor_strata_refresh")
def doctor_strata_refresh(*, tenant_id):
    """Upsert the tenant's doctor strata (analytics.strata.refresh); idempotent."""
    from analytics.strata import refresh

    return refresh(tenant=tenant_id)
