"""Platform-level tasks of the kernel."""

from crm.celery import TenantTask, app


@app.task(base=TenantTask, name="crm.tenant_echo")
def tenant_echo(*, tenant_id, token):
    """Answer which tenant the task ran as, and what it sees — the round trip of a tenant task.

    Used by the health check of the task path and by the tests of :class:`TenantTask`.
    """
    from accounts.models import Territory
    from crm.tenancy import current_tenant_id

    return {"tenant_id": current_tenant_id(), "territories": Territory.objects.count(), "token": token}


@app.task(name="crm.analyze_stale")
def analyze_stale():
    """Refresh the planner statistics of every table that changed substantially since its last
    analysis (crm.stats.analyze_stale): autovacuum's analyse, for servers that run without it."""
    from crm import stats

    return stats.analyze_stale()
