"""Browser pages of complaints (thin: parse, check, call one service or selector, render).

Helpers are the kernel's (``crm.web``): ``tenant_user(request, ROLES)`` (403 otherwise),
``get_or_404(selector_queryset, pk)`` (another tenant's object is 404), ``is_htmx``,
``render_list``, ``add_service_errors``, ``dispatch_action`` (one URL per object, one view
per action). Lists use ``crm.keyset.keyset_page`` and are exportable (``crm.exports``).
"""
