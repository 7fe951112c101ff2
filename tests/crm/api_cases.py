"""CRUD and role matrix of the kernel's API: the inbox (run by tests/test_api_cases.py)."""

from crm.models import Notification
from crm.tenancy import tenant_context
from tests.api_cases import APICase, api_case


@api_case("notification")
def notification(tenant, make_user):
    # Each user reads only their own notifications (another user's is 404: tests/crm/test_inbox.py);
    # nobody creates, changes or deletes them through the API.
    user = make_user(tenant, "rep")
    with tenant_context(tenant):
        obj = Notification.objects.create(tenant=tenant, user=user, kind="task_due", text="今天到期")
    return APICase(obj=obj, visible_to=frozenset())
