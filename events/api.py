"""API of events: serializers and viewsets, declared on the kernel's base (thin: no business rule).

A viewset subclasses ``crm.rest.TenantModelViewSet`` (or ``crm.rest.TenantReadOnlyViewSet``) and
declares its roles and its selector and services::

    class EventViewSet(TenantModelViewSet):
        serializer_class = EventSerializer
        write_roles = permissions.<ROLE_SET>            # crm/permissions.py
        action_roles = {"close": permissions.<ROLE_SET>}
        selector = selectors.event_list
        create_service = services.event_create
        update_service = services.event_update
        instance_kwarg = "event"

``self.tenant`` is the caller's tenant id. Register the route in crm/api.py, and give it an
isolation case (tests/events/isolation_cases.py) and a CRUD/role case (tests/events/api_cases.py).
"""
