"""Isolation cases of the kernel's API and pages: the inbox (run by tests/test_isolation.py)."""

from django.urls import reverse

from crm.models import Notification
from crm.tenancy import tenant_context
from tests.isolation import IsolationCase, isolation_case


@isolation_case("notification")
def notification_api(tenant, other_tenant, make_user):
    users = [make_user(tenant, "rep"), make_user(other_tenant, "rep")]
    notes = []
    for user in users:
        with tenant_context(user.tenant_id):
            notes.append(Notification.objects.create(tenant_id=user.tenant_id, user=user, kind="task_due", text="提醒"))
    return IsolationCase(
        user=users[0],
        own=[notes[0]],
        foreign=[notes[1]],
        list_url=reverse("notification-list"),
        detail_url=lambda o: reverse("notification-detail", args=[o.pk]),
        writable=False,
    )
