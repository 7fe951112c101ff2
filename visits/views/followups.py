"""Pages of the task inbox and one task (complete, reopen)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from crm.web import add_service_errors, get_or_404, is_htmx, tenant_user
from visits import selectors, services
from visits.forms import (
    TaskCompleteForm,
)
from visits.models import (
    TaskStatus,
)

# --- tasks ---------------------------------------------------------------------------------

TASK_TABS = ("overdue", "due", "done")


@login_required
@require_GET
def task_inbox(request):
    """The user's tasks: overdue, due, done (with who did them and the answer)."""
    user = tenant_user(request)
    tab = request.GET.get("tab")
    inbox = selectors.task_inbox(tenant=user.tenant_id, user=user)
    if tab not in TASK_TABS:
        tab = "overdue" if inbox.overdue else "due"
    return render(
        request,
        "visits/task_inbox.html",
        {
            "tab": tab,
            "inbox": inbox,
            "rows": getattr(inbox, tab),
            "counts": {"overdue": len(inbox.overdue), "due": len(inbox.due), "done": len(inbox.done)},
            "now": timezone.now(),
            "unread": selectors.unread_notification_count(tenant=user.tenant_id, user=user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_detail(request, pk):
    """One task with its visit and doctor; complete it with an answer (or reopen it)."""
    user = tenant_user(request)
    tenant = user.tenant_id
    task = get_or_404(selectors.followup_task_list(tenant=tenant, user=user), pk)
    form = TaskCompleteForm()
    if request.method == "POST":
        action = request.POST.get("action")
        form = TaskCompleteForm(request.POST)
        try:
            if action == "complete" and form.is_valid():
                task = services.followup_task_complete(
                    tenant=tenant, by=user, task=task, answer=form.cleaned_data["answer"]
                )
                form = TaskCompleteForm()
            elif action == "reopen":
                task = services.followup_task_reopen(tenant=tenant, by=user, task=task)
            elif action not in ("complete", "reopen"):
                raise ValidationError(_("Unknown action."))
        except ValidationError as exc:
            add_service_errors(form, exc)
        task = get_or_404(selectors.followup_task_list(tenant=tenant, user=user), pk)
        if is_htmx(request) and request.POST.get("fragment") == "row":
            return render(request, "visits/_task_row.html", {"t": task, "form": form, "now": timezone.now()})
        if not form.errors:
            messages.success(request, _("Task done.") if task.status == TaskStatus.DONE else _("Task reopened."))
            return redirect("task_detail", pk=task.pk)
    return render(
        request,
        "visits/task_detail.html",
        {
            "t": task,
            "form": form,
            "now": timezone.now(),
            "can_complete": selectors.can_complete_task(tenant=tenant, user=user, task=task),
        },
    )
