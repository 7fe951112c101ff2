"""Compliance workbench pages, mounted at /compliance/: the flagged list (filters, keyset pages,
bulk clear), engagements (request, the workflow), the per-doctor view (year total vs cap from the
ledger), audit samples and the transfer-of-value exports. Amounts: FEE_AMOUNT_ROLES only; a
requester sees the status of what they requested."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.exports import FORMATS, export_response
from crm.keyset import keyset_page
from crm.permissions import COMPLIANCE_ROLES, ENGAGEMENT_READERS, FEE_REQUESTERS, FEE_WORKBENCH_ROLES, has_role
from crm.web import add_service_errors, error_messages, get_or_404, int_or_none, ints, tenant_user
from events.fees import exports, forms, selectors, services
from events.fees.models import FeeRecord
from events.fees.vocabulary import FeeKind, ToVCategory

PAGE_SIZE = 50


def _year(request) -> int:
    year = int_or_none(request.GET.get("year"))
    return year if year and 2000 <= year <= 2100 else timezone.localdate().year


# --- flags ----------------------------------------------------------------------------------


@login_required
@require_GET
def flag_list(request):
    """Flags with filters (rule, severity, product, region, period, status); keyset by date."""
    user = tenant_user(request, FEE_WORKBENCH_ROLES)
    form = forms.FlagFilterForm(request.GET or {"status": "open"})
    filters = form.cleaned_data if form.is_valid() else {"status": "open"}
    qs = selectors.flag_list(tenant=user.tenant_id, user=user, **{k: v for k, v in filters.items() if v})
    page = keyset_page(qs, ordering=("-on_date", "-id"), cursor=request.GET.get("cursor"), size=PAGE_SIZE)
    query = request.GET.copy()
    query.pop("cursor", None)
    from hospitals.models import Product

    return render(
        request,
        "events/compliance/flag_list.html",
        {
            "page": page,
            "form": form,
            "query": query.urlencode(),
            "products": Product.objects.for_tenant(user.tenant_id).order_by("name"),
            "can_clear": has_role(user, COMPLIANCE_ROLES),
        },
    )


@login_required
@require_POST
def flag_bulk_clear(request):
    """Clear the selected open flags with one reason (compliance)."""
    user = tenant_user(request, COMPLIANCE_ROLES)
    ids = ints(request.POST.getlist("flag"))
    try:
        n = services.flags_clear(tenant=user.tenant_id, by=user, flags=ids, reason=request.POST.get("reason", ""))
        messages.success(request, _("%(n)s flags cleared.") % {"n": n})
    except ValidationError as exc:
        for m in error_messages(exc):
            messages.error(request, m)
    back = request.POST.get("next") or ""
    return redirect(back if back.startswith("/compliance/") else "compliance_flags")


# --- engagements ----------------------------------------------------------------------------


@login_required
@require_GET
def engagement_list(request):
    user = tenant_user(request, ENGAGEMENT_READERS)
    qs = selectors.engagement_list(tenant=user.tenant_id, user=user)
    page = keyset_page(qs, ordering=("-service_date", "-id"), cursor=request.GET.get("cursor"), size=PAGE_SIZE)
    return render(
        request,
        "events/compliance/engagement_list.html",
        {"page": page, "amounts": selectors.can_see_amounts(user), "can_request": has_role(user, FEE_REQUESTERS)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def engagement_new(request):
    """A requester asks for a doctor's service; the fee comes from the rate card."""
    from events.models import Event
    from hospitals.selectors import doctor_list

    user = tenant_user(request, FEE_REQUESTERS)
    events = Event.objects.for_tenant(user.tenant_id).exclude(status__in=("cancelled", "rejected"))
    if user.role in ("rep", "distributor_rep"):
        events = events.filter(owner=user)
    doctors = doctor_list(tenant=user.tenant_id, user=user)
    initial = {"event": int_or_none(request.GET.get("event")), "doctor": int_or_none(request.GET.get("doctor"))}
    form = forms.EngagementRequestForm(
        request.POST or None,
        request.FILES or None,
        doctors=doctors,
        events=events.order_by("-starts_at"),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            engagement = services.engagement_request(tenant=user.tenant_id, by=user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Fee requested; compliance reviews it."))
            return redirect("compliance_engagement", pk=engagement.pk)
    return render(request, "events/compliance/engagement_form.html", {"form": form})


ACTIONS = (
    "review",
    "approve",
    "approve_exception",
    "reject",
    "documents",
    "deliver",
    "request_payment",
    "pay",
    "reverse",
)


@login_required
@require_http_methods(["GET", "POST"])
def engagement_detail(request, pk):
    """One engagement: the doctor, the service, the documents, the fee as the card computes it
    (amounts: FEE_AMOUNT_ROLES), the workflow's actions and the full history."""
    user = tenant_user(request, ENGAGEMENT_READERS)
    tenant = user.tenant_id
    engagement = get_or_404(selectors.engagement_list(tenant=tenant, user=user), pk)
    fee = FeeRecord.objects.for_tenant(tenant).filter(engagement=engagement, kind=FeeKind.FEE).first()
    reason_form, deliver_form = forms.ReasonForm(), forms.DeliverForm()
    pay_form, documents_form = forms.PayForm(initial={"channel": "doctor_bank"}), forms.DocumentsForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action not in ACTIONS or fee is None:
                raise ValidationError(_("Unknown action."))
            if action == "review":
                services.fee_review(tenant=tenant, by=user, fee=fee)
            elif action == "approve":
                services.fee_approve(tenant=tenant, by=user, fee=fee)
            elif action == "approve_exception":
                services.fee_exception_approve(tenant=tenant, by=user, fee=fee)
            elif action in ("reject", "reverse"):
                reason_form = forms.ReasonForm(request.POST)
                if not reason_form.is_valid():
                    raise ValidationError(_("Give the reason."))
                call = services.fee_reject if action == "reject" else services.fee_reverse
                call(tenant=tenant, by=user, fee=fee, reason=reason_form.cleaned_data["reason"])
            elif action == "documents":
                documents_form = forms.DocumentsForm(request.POST, request.FILES)
                if not documents_form.is_valid():
                    raise ValidationError(_("Check the documents."))
                services.engagement_documents(
                    tenant=tenant, by=user, engagement=engagement, **documents_form.cleaned_data
                )
            elif action == "deliver":
                deliver_form = forms.DeliverForm(request.POST, request.FILES)
                if not deliver_form.is_valid():
                    raise ValidationError(_("Check the evidence."))
                services.engagement_deliver(tenant=tenant, by=user, engagement=engagement, **deliver_form.cleaned_data)
            elif action == "request_payment":
                services.fee_request_payment(tenant=tenant, by=user, fee=fee)
            elif action == "pay":
                pay_form = forms.PayForm(request.POST)
                if not pay_form.is_valid():
                    raise ValidationError(_("Check the payment."))
                services.fee_pay(tenant=tenant, by=user, fee=fee, **pay_form.cleaned_data)
        except ValidationError as exc:
            for m in error_messages(exc):
                messages.error(request, m)
        else:
            messages.success(request, _("Saved."))
            return redirect("compliance_engagement", pk=engagement.pk)
    amounts = selectors.can_see_amounts(user)
    context = {
        "e": engagement,
        "fee": fee,
        "amounts": amounts,
        "is_compliance": has_role(user, COMPLIANCE_ROLES),
        "is_requester": engagement.requested_by_id == user.pk or has_role(user, COMPLIANCE_ROLES),
        "reason_form": reason_form,
        "deliver_form": deliver_form,
        "pay_form": pay_form,
        "documents_form": documents_form,
    }
    if amounts:
        context["reversal"] = FeeRecord.objects.for_tenant(tenant).filter(reverses=fee).first() if fee else None
        context["flags"] = list(engagement.flags.all())
        context["history"] = (
            list(fee.history.select_related("history_user").order_by("-history_date")[:30]) if fee else []
        )
        context["totals"] = selectors.doctor_year_totals(
            tenant=tenant, doctor_id=engagement.doctor_id, year=engagement.service_date.year
        )
    return render(request, "events/compliance/engagement_detail.html", context)


# --- per doctor -----------------------------------------------------------------------------


@login_required
@require_GET
def doctor_view(request, pk):
    """A doctor's year: total vs cap from the ledger, by category; engagements, flags, a timeline."""
    from hospitals.models import Doctor

    user = tenant_user(request, FEE_WORKBENCH_ROLES)
    doctor = get_or_404(Doctor.objects.for_tenant(user.tenant_id).select_related("hospital"), pk)
    year = _year(request)
    totals = selectors.doctor_year_totals(tenant=user.tenant_id, doctor_id=doctor.pk, year=year)
    engagements = selectors.engagement_list(tenant=user.tenant_id, user=user).filter(
        doctor=doctor, service_date__year=year
    )[:100]
    flags = selectors.flag_list(tenant=user.tenant_id, user=user, doctor=doctor.pk).filter(on_date__year=year)[:100]
    from hospitals.selectors import academic_level

    return render(
        request,
        "events/compliance/doctor.html",
        {
            "doctor": doctor,
            "year": year,
            "totals": totals,
            "categories": [(label, totals["by_category"][value]) for value, label in ToVCategory.choices],
            "engagements": engagements,
            "flags": flags,
            "timeline": selectors.doctor_timeline(tenant=user.tenant_id, doctor_id=doctor.pk, year=year)[:100],
            "level": academic_level(doctor),
        },
    )


# --- audit samples --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def sample_list(request):
    user = tenant_user(request, FEE_WORKBENCH_ROLES)
    today = timezone.localdate()
    form = forms.SampleDrawForm(
        request.POST or None,
        initial={
            "seed": int(timezone.now().timestamp()) % 100000,
            "period_from": today.replace(month=1, day=1),
            "period_until": today,
        },
    )
    if request.method == "POST":
        if not has_role(user, COMPLIANCE_ROLES):
            raise PermissionDenied
        if form.is_valid():
            try:
                sample = services.audit_sample_draw(tenant=user.tenant_id, by=user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect("compliance_sample", pk=sample.pk)
    samples = selectors.audit_sample_list(tenant=user.tenant_id, user=user)[:50]
    return render(
        request,
        "events/compliance/sample_list.html",
        {"form": form, "samples": samples, "can_draw": has_role(user, COMPLIANCE_ROLES)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def sample_detail(request, pk):
    user = tenant_user(request, FEE_WORKBENCH_ROLES)
    sample = get_or_404(selectors.audit_sample_list(tenant=user.tenant_id, user=user), pk)
    if request.method == "POST":
        if not has_role(user, COMPLIANCE_ROLES):
            raise PermissionDenied
        item = get_or_404(sample.items.all(), int_or_none(request.POST.get("item")))
        form = forms.SampleReviewForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(_("Choose an outcome."))
            services.audit_item_review(tenant=user.tenant_id, by=user, item=item, **form.cleaned_data)
        except ValidationError as exc:
            for m in error_messages(exc):
                messages.error(request, m)
        return redirect("compliance_sample", pk=sample.pk)
    items = sample.items.select_related("event", "engagement", "engagement__doctor")
    return render(
        request,
        "events/compliance/sample_detail.html",
        {"sample": sample, "items": items, "can_review": has_role(user, COMPLIANCE_ROLES)},
    )


# --- exports --------------------------------------------------------------------------------

REPORTS = ("ledger", "summary", "open_payments", "efpia")


@login_required
@require_GET
def export_page(request):
    user = tenant_user(request, FEE_WORKBENCH_ROLES)
    settings_row = selectors.compliance_settings(tenant=user.tenant_id)
    years = list(range(timezone.localdate().year, timezone.localdate().year - 5, -1))
    return render(
        request,
        "events/compliance/exports.html",
        {"years": years, "year": _year(request), "discloses_abroad": settings_row.discloses_abroad},
    )


@login_required
@require_GET
def export_download(request, report, fmt):
    """Stream one report of the year (CSV or XLSX; formulas neutralised by crm.exports)."""
    user = tenant_user(request, FEE_WORKBENCH_ROLES)
    if report not in REPORTS or fmt not in FORMATS:
        return HttpResponseBadRequest(_("Unknown report or format."))
    year = _year(request)
    tenant = user.tenant_id
    if report == "ledger" and fmt == "csv":
        from django.http import StreamingHttpResponse
        from django.utils.http import content_disposition_header

        response = StreamingHttpResponse(
            exports.ledger_csv_stream(tenant=tenant, year=year), content_type="text/csv; charset=utf-8"
        )
        name = f"tov-ledger-{year}-{timezone.localdate():%Y%m%d}.csv"
        response["Content-Disposition"] = content_disposition_header(True, name)
        response["Cache-Control"] = "no-store"
        return response
    if report == "ledger":
        rows, columns = exports.ledger_rows(tenant=tenant, year=year), exports.ledger_columns()
    elif report == "open_payments":
        rows, columns = exports.ledger_rows(tenant=tenant, year=year), exports.open_payments_columns(user.tenant.name)
    elif report == "summary":
        rows, columns = exports.summary_rows(tenant=tenant, year=year), exports.summary_columns()
    else:
        rows, columns = exports.summary_rows(tenant=tenant, year=year), exports.efpia_columns()
    return export_response(rows, columns, fmt, f"tov-{report}-{year}")
