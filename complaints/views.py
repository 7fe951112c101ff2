"""Browser pages of complaints (thin: parse, check, call one service or selector, render).

* ``complaint_list`` — the inbox per role (mine / my team's or my inbox / all) with filters and due dates;
* ``complaint_new`` — the phone-friendly intake form;
* ``complaint_detail`` — facts, clocks, timeline, attachments; each workflow action POSTs here;
* ``complaint_attachment`` — download an attachment of a visible complaint;
* ``lot_trace`` — the reverse trace of a lot (and its CSV/XLSX export); ``lot_search`` — find a
  lot, and the lots a hospital or distributor received in a period;
* ``complaint_dashboard`` — open by type and age, overdue, median time to close, top lots and products.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from crm.exports import FORMATS
from crm.keyset import keyset_page
from crm.permissions import COMPLAINT_INTAKE_ROLES, LOT_TRACE_ROLES
from crm.web import add_service_errors, dispatch_action, get_or_404, tenant_user

from . import exports, pages, selectors, services
from .forms import (
    AttachmentForm,
    InboxFilterForm,
    IntakeForm,
    InvestigationForm,
    LotsReceivedForm,
    NoteForm,
    RegulatorForm,
    ReopenForm,
    ReplyForm,
    TriageForm,
)
from .models import ComplaintAttachment

PAGE_SIZE = 50
# What a row of the inbox shows (and its keyset sorts by): not the long texts of the complaint
# nor the whole rows of its product and hospital.
_LIST_FIELDS = (
    "id", "tenant_id", "title", "type", "defect", "severity", "status", "lot_number", "lot_known", "next_due_on",
    "created_at", "product_id", "hospital_id", "product__name", "hospital__name",
)  # fmt: skip


@login_required
@require_GET
def complaint_list(request):
    """The complaint inbox: scope tabs, filters, due dates on every row, keyset pages."""
    user = tenant_user(request)
    tenant = user.tenant_id
    scope = request.GET.get("scope")
    if scope not in selectors.SCOPES:
        scope = "mine"
    data = request.GET.copy()
    if "status" not in data:
        data["status"] = "open"
    form = InboxFilterForm(data, tenant=tenant)
    filters = form.cleaned_data if form.is_valid() else {"status": "open"}
    qs = selectors.complaint_inbox(tenant=tenant, user=user, scope=scope, filters=filters)
    qs = qs.select_related("product", "hospital").only(*_LIST_FIELDS)
    ordering = selectors.inbox_ordering(filters)
    page = keyset_page(qs, ordering=ordering, cursor=request.GET.get("cursor"), size=PAGE_SIZE)
    today = timezone.localdate()
    pages.inbox_rows(page.rows, today)
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(
        request,
        "complaints/list.html",
        {
            "page": page,
            "form": form,
            "scope": scope,
            "scopes": [("mine", _("Mine")), ("team", _("My inbox / team")), ("all", _("All I can see"))],
            "query": query.urlencode(),
            "query_without_scope": _without(request.GET, "scope", "cursor"),
            "today": today,
            "overdue_since": _("overdue since"),
            "due_label": _("due"),
            "can_intake": user.role in COMPLAINT_INTAKE_ROLES,
        },
    )


def _without(params, *names):
    q = params.copy()
    for n in names:
        q.pop(n, None)
    return q.urlencode()


@login_required
@require_http_methods(["GET", "POST"])
def complaint_new(request):
    """Record a complaint (a rep on the phone, sales ops, a handler)."""
    user = tenant_user(request, COMPLAINT_INTAKE_ROLES)
    tenant = user.tenant_id
    form = IntakeForm(request.POST or None, request.FILES or None, tenant=tenant, user=user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        upload = data.pop("attachment", None)
        try:
            with transaction.atomic():
                complaint = services.complaint_create(tenant=tenant, by=user, channel="phone", **data)
                if upload:
                    services.attachment_add(tenant=tenant, by=user, complaint=complaint, upload=upload)
        except ValidationError as exc:
            add_service_errors(form, _attachment_errors(exc))
        else:
            messages.success(request, _("Complaint #%(id)s recorded.") % {"id": complaint.pk})
            if not complaint.lot_known and complaint.lot_number:
                messages.warning(
                    request, _("Lot %(lot)s is not in our shipments: kept as reported.") % {"lot": complaint.lot_number}
                )
            return redirect("complaint_detail", complaint.pk)
    return render(request, "complaints/new.html", {"form": form})


def _attachment_errors(exc):
    if hasattr(exc, "error_dict") and "file" in exc.error_dict:
        return ValidationError({"attachment": exc.error_dict["file"]})
    return exc


def _visible(request, pk):
    user = tenant_user(request)
    complaint = get_or_404(
        selectors.complaint_list(tenant=user.tenant_id, user=user).select_related(
            "product", "doctor", "hospital", "distributor", "reported_by", "assignee", "visit"
        ),
        pk,
    )
    return user, complaint


FORMS = {
    "triage": TriageForm,
    "start_investigation": NoteForm,
    "investigation": InvestigationForm,
    "resolve": NoteForm,
    "regulator": RegulatorForm,
    "reply": ReplyForm,
    "close": NoteForm,
    "reopen": ReopenForm,
    "attach": AttachmentForm,
}


def _forms(complaint, bound=None, bound_form=None):
    initial = {
        "triage": {"severity": complaint.severity},
        "investigation": {
            "root_cause": complaint.root_cause, "findings": complaint.findings, "capa_ref": complaint.capa_ref,
            "lot_affected": complaint.lot_affected, "decision": complaint.decision,
        },
    }  # fmt: skip
    out = {name: cls(initial=initial.get(name)) for name, cls in FORMS.items()}
    if bound:
        out[bound] = bound_form
    return out


def _render_detail(request, user, complaint, forms_=None, status=200):
    context = pages.complaint_page(tenant=user.tenant_id, user=user, complaint=complaint)
    context["forms"] = forms_ or _forms(complaint)
    return render(request, "complaints/detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def complaint_detail(request, pk):
    """One complaint: facts, clocks, timeline; the workflow actions POST here (``action``)."""
    user, complaint = _visible(request, pk)
    if request.method == "GET":
        return _render_detail(request, user, complaint)
    return dispatch_action(request, {name: _action(name) for name in FORMS}, user, complaint)


SERVICE_OF = {
    "triage": services.complaint_triage,
    "start_investigation": services.complaint_start_investigation,
    "investigation": services.complaint_investigation_record,
    "resolve": services.complaint_resolve,
    "regulator": services.complaint_regulator_report,
    "reply": services.complaint_reply,
    "close": services.complaint_close,
    "reopen": services.complaint_reopen,
}
DONE = {
    "triage": gettext_lazy("Triaged."),
    "start_investigation": gettext_lazy("Investigation started."),
    "investigation": gettext_lazy("Investigation recorded."),
    "resolve": gettext_lazy("Resolved."),
    "regulator": gettext_lazy("Regulatory report recorded."),
    "reply": gettext_lazy("Reply recorded."),
    "close": gettext_lazy("Closed. The covering rep has the satisfaction follow-up."),
    "reopen": gettext_lazy("Reopened."),
    "attach": gettext_lazy("Attachment added."),
}


def _action(name):
    def handle(request, user, complaint):
        form = FORMS[name](request.POST, request.FILES)
        if form.is_valid():
            try:
                if name == "attach":
                    services.attachment_add(
                        tenant=user.tenant_id, by=user, complaint=complaint, upload=form.cleaned_data["file"]
                    )
                else:
                    SERVICE_OF[name](tenant=user.tenant_id, by=user, complaint=complaint, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, str(DONE[name]))
                return redirect("complaint_detail", complaint.pk)
        complaint.refresh_from_db()
        return _render_detail(request, user, complaint, _forms(complaint, name, form), status=400)

    return handle


@login_required
@require_GET
def complaint_attachment(request, pk, attachment_pk):
    """An attachment of a complaint the user may see."""
    user, complaint = _visible(request, pk)
    attachment = (
        ComplaintAttachment.objects.for_tenant(user.tenant_id).filter(pk=attachment_pk, complaint=complaint).first()
    )
    if attachment is None:
        raise Http404
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["Content-Disposition"] = f'inline; filename="{attachment.pk}{attachment.name[-5:]}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def lot_trace(request, lot):
    """The reverse trace of a lot: shipments, hospitals, distributors, complaints; ``?export=csv``."""
    user = tenant_user(request, LOT_TRACE_ROLES)
    trace = selectors.lot_trace(tenant=user.tenant_id, lot_number=lot)
    fmt = request.GET.get("export")
    if fmt:
        if fmt not in FORMATS:
            raise Http404
        return exports.lot_trace_export(trace, fmt)
    return render(request, "complaints/lot_trace.html", {"t": trace})


@login_required
@require_GET
def lot_search(request):
    """Find a lot; the lots a hospital or a distributor received in a period."""
    user = tenant_user(request, LOT_TRACE_ROLES)
    lot = (request.GET.get("lot") or "").strip()
    if lot:
        return redirect("lot_trace", lot.upper())
    form = LotsReceivedForm(request.GET or None, tenant=user.tenant_id, user=user)
    rows = None
    if form.is_valid() and (form.cleaned_data["hospital"] or form.cleaned_data["distributor"]):
        d = form.cleaned_data
        rows = list(
            selectors.lots_received(
                tenant=user.tenant_id,
                hospital=d["hospital"],
                distributor=d["distributor"],
                start=d["start"],
                end=d["end"],
            )[:500]
        )
    return render(request, "complaints/lots.html", {"form": form, "rows": rows})


@login_required
@require_GET
def complaint_dashboard(request):
    """Open complaints by type and age, overdue, median days to close, top lots and products."""
    user = tenant_user(request)
    return render(request, "complaints/dashboard.html", pages.dashboard_view(tenant=user.tenant_id, user=user))
