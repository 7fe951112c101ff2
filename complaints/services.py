"""Writes of complaints: one function per use case, ``<entity>_<action>(*, tenant, by, …)``, keyword-only,
in a transaction (``@transaction.atomic``), validated (``full_clean``), refusing with a
``django.core.exceptions.ValidationError`` (the API turns it into a 400, the pages into a form
error: ``crm.web.add_service_errors``).

``tenant`` is a Tenant or its id (``crm.tenancy.tenant_id_of``); who may act is checked with the
role sets of crm/permissions.py. Tell people through the kernel's inbox (``crm.inbox.notify``),
enqueue work with ``task.delay_on_commit(tenant_id=…, …)``, and create follow-up visit plans
through ``visits.services`` (a lower app: import it, never the reverse).
"""
