"""Pages of plans: the rep's week and its suggestions, visit plans, monthly cycle plans."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Role
from crm.web import add_service_errors, error_messages, get_or_404, int_or_none, ints, is_htmx, tenant_user
from hospitals.selectors import visible_doctors
from visits import pages, selectors, services
from visits.forms import (
    CyclePlanReviewForm,
    PlannedCountForm,
    VisitPlanForm,
    own_products,
)
from visits.models import (
    VisitPlanStatus,
    month_start,
)
from visits.views._shared import _visiting_user

# --- the week and visit plans --------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def week(request):
    """The rep's week: plans day by day, and the suggested doctors to plan (several at once)."""
    user = _visiting_user(request)
    today = timezone.localdate()
    week_start = pages.week_start_of(pages.parse_day(request.GET.get("start") or request.POST.get("start"), today))
    if request.method == "POST":
        doctor_ids = ints(request.POST.getlist("doctor"))
        if not doctor_ids:
            messages.error(request, _("Choose at least one doctor to plan."))
        else:
            try:
                plans = services.visit_plans_from_suggestions(
                    tenant=user.tenant_id, by=user, week_start=week_start, doctor_ids=doctor_ids
                )
            except ValidationError as exc:
                for m in error_messages(exc):
                    messages.error(request, m)
            else:
                messages.success(request, _("%(n)s visits planned.") % {"n": len(plans)})
        return redirect(f"{reverse('visit_week')}?start={week_start.isoformat()}")
    return render(request, "visits/week.html", pages.week_context(user, week_start=week_start))


def _plan_form(user, data=None, *, initial=None, plan=None):
    """The visit plan form with the choices of the product chosen (posted, else initial)."""
    tenant = user.tenant_id
    source = data if data is not None else (initial or {})
    product_id = int_or_none(getattr(source.get("product"), "pk", source.get("product")))
    keep_km, keep_content = pages.plan_children(tenant, plan) if plan is not None else ([], [])
    key_messages, content = pages.plan_choices(
        tenant, user, product_id=product_id, keep_km_ids=keep_km, keep_content_ids=keep_content
    )
    return VisitPlanForm(
        data,
        initial=initial,
        tenant=tenant,
        doctors=visible_doctors(tenant=tenant, user=user).active(),
        key_messages=key_messages,
        content_items=content,
    )


def _plan_initial(user, doctor, *, day=None, product_id=None) -> dict:
    defaults = selectors.visit_plan_defaults(tenant=user.tenant_id, rep=user, doctor=doctor, product=product_id)
    now = timezone.localtime()
    if day and day > now.date():
        at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))
    else:
        at = (now + datetime.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    return {
        "doctor": doctor.pk,
        "planned_at": at,
        "channel": defaults.channel,
        "product": product_id,
        "objective": defaults.objective,
        "key_messages": [k.pk for k in defaults.key_messages],
        "content_items": [c.pk for c in defaults.content_items],
        "tier": defaults.tier,
    }


@login_required
@require_http_methods(["GET", "POST"])
def plan_new(request):
    """Plan a visit: pick a doctor (search), then when, channel, product, objective (tier
    template), key messages (the product's approved ones), content and questions."""
    user = _visiting_user(request)
    tenant = user.tenant_id
    doctors = visible_doctors(tenant=tenant, user=user).active().select_related("hospital", "department")
    if request.method == "POST":
        form = _plan_form(user, request.POST)
        doctor = doctors.filter(pk=int_or_none(request.POST.get("doctor"))).first()
        if form.is_valid():
            try:
                plan = services.visit_plan_create(tenant=tenant, by=user, **form.service_kwargs())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Visit planned."))
                return redirect("visit_plan_detail", pk=plan.pk)
        return render(request, "visits/plan_form.html", {"form": form, "doctor": doctor, "tier": None})
    doctor_id = int_or_none(request.GET.get("doctor"))
    if doctor_id is None:
        return render(request, "visits/plan_form.html", {"form": None, "doctor": None, "q": request.GET.get("q", "")})
    doctor = get_or_404(doctors, doctor_id)
    product_id = int_or_none(request.GET.get("product"))
    if product_id is None:
        product_id = own_products(tenant).values_list("pk", flat=True).first()
    initial = _plan_initial(user, doctor, day=pages.parse_day(request.GET.get("date"), None), product_id=product_id)
    form = _plan_form(user, initial=initial)
    return render(request, "visits/plan_form.html", {"form": form, "doctor": doctor, "tier": initial["tier"]})


@login_required
@require_GET
def plan_doctor_search(request):
    """htmx: doctors matching the typed name, pinyin or initials, each a link to plan a visit."""
    user = _visiting_user(request)
    rows = pages.doctor_search(user.tenant_id, user, request.GET.get("q", ""))
    return render(
        request,
        "visits/_doctor_choices.html",
        {"rows": rows, "q": request.GET.get("q", ""), "date": request.GET.get("date", "")},
    )


@login_required
@require_GET
def plan_choices(request):
    """htmx: the key messages and content a plan offers for the chosen product (all ticked)."""
    user = _visiting_user(request)
    product_id = int_or_none(request.GET.get("product"))
    form = _plan_form(user, initial={"product": product_id})
    if product_id:
        form.initial["key_messages"] = [k.pk for k in form.fields["key_messages"].queryset]
    return render(request, "visits/_plan_choices.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def plan_detail(request, pk):
    """One visit plan: what to say, bring and ask; write the report, change or cancel the plan."""
    user = tenant_user(request)
    tenant = user.tenant_id
    plan = get_or_404(selectors.visit_plan_list(tenant=tenant, user=user), pk)
    is_mine = plan.rep_id == user.pk and plan.status == VisitPlanStatus.PLANNED
    km_ids, content_ids = pages.plan_children(tenant, plan)
    initial = {
        "doctor": plan.doctor_id,
        "planned_at": timezone.localtime(plan.planned_at),
        "channel": plan.channel,
        "product": plan.product_id,
        "objective": plan.objective,
        "key_messages": km_ids,
        "content_items": content_ids,
        "questions": plan.questions,
    }
    form = _plan_form(user, initial=initial, plan=plan) if is_mine else None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "cancel":
                services.visit_plan_cancel(tenant=tenant, by=user, plan=plan)
                messages.success(request, _("Visit plan cancelled."))
                return redirect("visit_plan_detail", pk=plan.pk)
            if action == "update":
                form = _plan_form(user, request.POST, plan=plan)
                if form.is_valid():
                    kwargs = form.service_kwargs()
                    services.visit_plan_update(tenant=tenant, by=user, plan=plan, **kwargs)
                    messages.success(request, _("Visit plan saved."))
                    return redirect("visit_plan_detail", pk=plan.pk)
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as exc:
            if form is not None:
                add_service_errors(form, exc)
            else:
                for m in error_messages(exc):
                    messages.error(request, m)
                return redirect("visit_plan_detail", pk=plan.pk)
    context = {"plan": plan, "form": form, "is_mine": is_mine, **pages.plan_detail(tenant, plan)}
    context["edit_open"] = bool(form is not None and form.is_bound)
    return render(request, "visits/plan_detail.html", context)


# --- cycle plans ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def cycle_plan_list(request):
    """Cycle plans: a rep's own by month (create this or next month's); a manager's team's."""
    user = tenant_user(request)
    tenant = user.tenant_id
    this_month = month_start(timezone.localdate())
    next_month = selectors.add_months(this_month, 1)
    if request.method == "POST":
        if user.role != Role.REP:
            raise PermissionDenied
        month = pages.parse_day(request.POST.get("month"), this_month)
        if month_start(month) not in (this_month, next_month):
            messages.error(request, _("Plans are made for this month or the next."))
            return redirect("cycle_plan_list")
        plan = services.cycle_plan_generate(tenant=tenant, rep=user, month=month, by=user)
        return redirect("cycle_plan_detail", pk=plan.pk)
    plans = list(selectors.cycle_plan_list(tenant=tenant, user=user).order_by("-month", "rep__name", "id")[:100])
    mine = {p.month for p in plans if p.rep_id == user.pk}
    # Cycle plans are the reps' (distributor reps see doctors through coverage, not alignment).
    can_create = [m for m in (this_month, next_month) if m not in mine] if user.role == Role.REP else []
    return render(request, "visits/cycle_plan_list.html", {"plans": plans, "can_create": can_create})


@login_required
@require_http_methods(["GET", "POST"])
def cycle_plan_detail(request, pk):
    """A cycle plan: per doctor tier, target, planned, actual and remaining; the rep refreshes,
    adjusts and submits it; their manager approves it or sends it back."""
    user = tenant_user(request)
    tenant = user.tenant_id
    plan = get_or_404(selectors.cycle_plan_list(tenant=tenant, user=user), pk)
    review_form = CyclePlanReviewForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "refresh":
                if plan.rep_id != user.pk:
                    raise PermissionDenied
                services.cycle_plan_generate(tenant=tenant, rep=user, month=plan.month, by=user)
                messages.success(request, _("Targets refreshed from the current tiers."))
            elif action == "submit":
                services.cycle_plan_submit(tenant=tenant, by=user, plan=plan)
                messages.success(request, _("Plan submitted to your manager."))
            elif action == "review":
                review_form = CyclePlanReviewForm(request.POST)
                if not review_form.is_valid():
                    raise ValidationError(review_form.errors.get("note") or _("Choose a decision."))
                note = review_form.cleaned_data["note"]
                if review_form.cleaned_data["decision"] == "approve":
                    services.cycle_plan_approve(tenant=tenant, by=user, plan=plan, note=note)
                    messages.success(request, _("Plan approved."))
                else:
                    services.cycle_plan_return(tenant=tenant, by=user, plan=plan, note=note)
                    messages.success(request, _("Plan returned to the rep."))
            elif action == "set_planned":
                form = PlannedCountForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("Plan between 0 and 31 visits."))
                line = get_or_404(plan.lines.all(), form.cleaned_data["line"])
                services.cycle_plan_line_set_planned(
                    tenant=tenant, by=user, line=line, planned=form.cleaned_data["planned"]
                )
                if is_htmx(request):
                    return HttpResponse(status=204)
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as exc:
            for m in error_messages(exc):
                messages.error(request, m)
            if is_htmx(request):
                return HttpResponse(" ".join(error_messages(exc)), status=422)
        next_url = request.POST.get("next")
        if next_url == "team" and user.role == Role.MANAGER:
            return redirect("team")
        return redirect("cycle_plan_detail", pk=plan.pk)
    lines = list(selectors.cycle_plan_lines(tenant=tenant, plan=plan))
    totals = selectors.cycle_plan_totals(tenant=tenant, plan=plan)
    return render(
        request,
        "visits/cycle_plan_detail.html",
        {
            "plan": plan,
            "lines": lines,
            "totals": totals,
            "is_mine": plan.rep_id == user.pk,
            "editable": plan.rep_id == user.pk and plan.status in ("draft", "returned"),
            "can_review": user.role == Role.MANAGER and plan.rep_id != user.pk and plan.status == "submitted",
            "review_form": review_form,
        },
    )
