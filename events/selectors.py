"""Reads of events: ``<entity>_list(*, tenant, user) -> QuerySet`` with the role visibility in one
place (what a role may see is decided here, and the API, pages and exports all read through it).

Querysets filter by ``tenant`` explicitly (``Model.objects.for_tenant(tenant)``); lists are
keyset-paginated (``crm.keyset.keyset_page`` in pages, ``crm.pagination`` in the API) and never
count a big table.
"""
