"""API of complaints: serializers and viewsets, declared on the kernel's base (thin: no business rule).

A viewset subclasses ``crm.rest.TenantModelViewSet`` (or ``crm.rest.TenantReadOnlyViewSet``) and
declares its roles and its selector and services::

    class ComplaintViewSet(TenantModelViewSet):
        serializer_class = ComplaintSerializer
        write_roles = permissions.<ROLE_SET>            # crm/permissions.py
        action_roles = {"close": permissions.<ROLE_SET>}
        selector = selectors.complaint_list
        create_service = services.complaint_create
        update_service = services.complaint_update
        instance_kwarg = "complaint"

``self.tenant`` is the caller's tenant id. Register the route in crm/api.py, and give it an
isolation case (tests/complaints/isolation_cases.py) and a CRUD/role case (tests/complaints/api_cases.py).
"""
