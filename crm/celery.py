"""The Celery app and the base task class that enters the tenant of each task.

Tasks are enqueued with ``task.delay_on_commit(...)`` (Celery's Django task class), so a task
never runs before the data it needs is committed, and never for a rolled-back change.
"""

import os

from celery import Celery
from celery.contrib.django.task import DjangoTask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.local")


class CrmTask(DjangoTask):
    """Base of every task of the project: its statements run under the task budget
    (``DB_TASK_STATEMENT_TIMEOUT_MS``, crm/timeouts.py), whatever process runs it."""

    abstract = True

    def __call__(self, *args, **kwargs):
        from crm import timeouts

        with timeouts.statement_timeout(timeouts.task_ms()):
            return super().__call__(*args, **kwargs)


class TenantTask(CrmTask):
    """Base of every tenant task: called with an explicit ``tenant_id`` keyword argument.

    The task body runs inside ``tenant_context(tenant_id)``, so managers and RLS see exactly
    that tenant. Tenant tasks are idempotent (unique constraints or state guards make a second
    run a no-op), which is what makes late acknowledgement safe: a task whose worker died is
    delivered again and re-run.
    """

    abstract = True
    acks_late = True
    reject_on_worker_lost = True

    def __call__(self, *args, **kwargs):
        from crm.tenancy import tenant_context

        tenant_id = kwargs.get("tenant_id")
        if tenant_id is None:
            raise TypeError(f"{self.name} needs tenant_id=… (a tenant task runs for one tenant)")
        with tenant_context(int(tenant_id)):
            return super().__call__(*args, **kwargs)


class PlatformTask(CrmTask):
    """Base of the few platform-wide tasks (e.g. the scheduler fan-out over all tenants).

    Runs inside the explicitly named ``platform_scope()``; such a task only enumerates tenants
    and enqueues one :class:`TenantTask` per tenant, it does no tenant work itself.
    """

    abstract = True

    def __call__(self, *args, **kwargs):
        from crm.tenancy import platform_scope

        with platform_scope():
            return super().__call__(*args, **kwargs)


app = Celery("crm", task_cls="crm.celery:CrmTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
