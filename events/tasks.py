"""Celery tasks of events: thin wrappers over services.

A task subclasses ``crm.celery.TenantTask`` (``@app.task(base=TenantTask, name="events.<name>")``),
takes ``tenant_id`` and ids (JSON only), is idempotent (unique constraints or state guards) and is
enqueued with ``delay_on_commit``. Bulk writes refresh planner statistics before they report done.
Daily reminders are not a task of the app: register them with ``crm.inbox.register_reminders``.
"""
