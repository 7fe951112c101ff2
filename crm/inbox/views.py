"""The notifications page of the inbox (every app's notifications of the signed-in user)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from crm import inbox
from crm.keyset import keyset_page
from crm.web import ints, tenant_user


@login_required
@require_http_methods(["GET", "POST"])
def notification_list(request):
    """The user's notifications, newest first; mark them read."""
    user = tenant_user(request)
    tenant = user.tenant_id
    if request.method == "POST":
        ids = ints(request.POST.getlist("id"))
        inbox.notifications_mark_read(tenant=tenant, by=user, ids=ids or None)
        return redirect("notification_list")
    qs = inbox.notification_list(tenant=tenant, user=user)
    page = keyset_page(qs, ordering=("-created_at", "-id"), cursor=request.GET.get("cursor"), size=50)
    return render(
        request,
        "inbox/notification_list.html",
        {"page": page, "unread": inbox.unread_notification_count(tenant=tenant, user=user)},
    )
