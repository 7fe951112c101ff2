"""Pages of medical inquiries: the list by status with SLA badges, one inquiry (answer, send back)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from crm.keyset import keyset_page
from crm.permissions import INQUIRY_ANSWERERS, INQUIRY_SENDERS
from crm.web import add_service_errors, get_or_404, tenant_user
from visits import pages, selectors, services
from visits.forms import (
    InquiryAnswerForm,
    InquirySendBackForm,
)
from visits.models import (
    InquiryStatus,
)
from visits.views._shared import CONTENT_PAGE_SIZE

# --- medical inquiries ---------------------------------------------------------------------

INQUIRY_TABS = ("open", "answered", "sent", "all")


@login_required
@require_GET
def inquiry_list(request):
    """Medical inquiries the user may see, by status, with their SLA badge; keyset by due date."""
    user = tenant_user(request)
    tab = request.GET.get("status")
    if tab not in INQUIRY_TABS:
        tab = "open"
    qs = selectors.medical_inquiry_list(tenant=user.tenant_id, user=user)
    if tab == "open":
        qs = qs.filter(status=InquiryStatus.OPEN)
    elif tab == "answered":
        qs = qs.filter(status=InquiryStatus.ANSWERED)
    elif tab == "sent":
        qs = qs.filter(status__in=(InquiryStatus.SENT, InquiryStatus.CLOSED))
    page = keyset_page(qs, ordering=("due_date", "id"), cursor=request.GET.get("cursor"), size=CONTENT_PAGE_SIZE)
    for row in page.rows:
        row.sla = pages.inquiry_sla(row)
    return render(request, "visits/inquiry_list.html", {"page": page, "tab": tab, "tabs": INQUIRY_TABS})


@login_required
@require_http_methods(["GET", "POST"])
def inquiry_detail(request, pk):
    """One inquiry: the question and its visit; medical affairs answers; the answer's way back."""
    user = tenant_user(request)
    tenant = user.tenant_id
    inquiry = get_or_404(selectors.medical_inquiry_list(tenant=tenant, user=user), pk)
    answer_form = InquiryAnswerForm(initial={"answer": inquiry.answer})
    send_form = InquirySendBackForm(initial={"channel": "rep"})
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "answer":
                answer_form = InquiryAnswerForm(request.POST)
                if answer_form.is_valid():
                    services.medical_inquiry_answer(
                        tenant=tenant, by=user, inquiry=inquiry, answer=answer_form.cleaned_data["answer"]
                    )
                    messages.success(request, _("Answer saved."))
                    return redirect("inquiry_detail", pk=inquiry.pk)
            elif action == "send_back":
                send_form = InquirySendBackForm(request.POST)
                if send_form.is_valid():
                    services.medical_inquiry_send_back(
                        tenant=tenant,
                        by=user,
                        inquiry=inquiry,
                        channel=send_form.cleaned_data["channel"],
                        sent_at=send_form.cleaned_data["sent_at"],
                    )
                    messages.success(request, _("Recorded how the answer was sent back."))
                    return redirect("inquiry_detail", pk=inquiry.pk)
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as exc:
            add_service_errors(send_form if action == "send_back" else answer_form, exc)
    inquiry.sla = pages.inquiry_sla(inquiry)
    return render(
        request,
        "visits/inquiry_detail.html",
        {
            "inquiry": inquiry,
            "answer_form": answer_form,
            "send_form": send_form,
            "can_answer": user.role in INQUIRY_ANSWERERS
            and inquiry.status in (InquiryStatus.OPEN, InquiryStatus.ANSWERED),
            "can_send_back": inquiry.status == InquiryStatus.ANSWERED and user.role in INQUIRY_SENDERS,
            "tasks": list(inquiry.tasks.select_related("done_by").order_by("id")),
        },
    )
