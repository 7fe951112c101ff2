"""Platform-level tasks of the kernel: the tenant round trip, and the daily reminders of the inbox."""

from crm.celery import PlatformTask, TenantTask, app


@app.task(base=TenantTask, name="crm.tenant_echo")
def tenant_echo(*, tenant_id, token):
    """Answer which tenant the task ran as, and what it sees — the round trip of a tenant task.

    Used by the health check of the task path and by the tests of :class:`TenantTask`.
    """
    from django.apps import apps

    from crm.tenancy import current_tenant_id

    # A tenant table of an app, looked up by name: the kernel imports no app.
    territory = apps.get_model("accounts", "Territory")
    return {"tenant_id": current_tenant_id(), "territories": territory.objects.count(), "token": token}


@app.task(base=TenantTask, name="crm.send_reminders")
def send_reminders(*, tenant_id):
    """The daily reminders of one tenant: every app's registered reminders (idempotent per day)."""
    from crm.inbox import reminders_send

    return reminders_send(tenant=tenant_id)


@app.task(base=PlatformTask, name="crm.reminders_daily")
def reminders_daily():
    """Fan out: one ``send_reminders`` per active tenant (beat, 08:00 Asia/Shanghai: crm.schedule)."""
    from django.apps import apps

    tenant_model = apps.get_model("accounts", "Tenant")
    ids = list(tenant_model.objects.filter(is_active=True).values_list("pk", flat=True))
    for tenant_id in ids:
        send_reminders.delay(tenant_id=tenant_id)
    return len(ids)
