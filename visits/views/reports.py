"""Pages of the visit report: write it (from a plan or for a doctor), the draft's form (save,
submit, delete), the submitted report (read only, amendments). One URL per report; each POSTed
``action`` is a view of its own (crm.web.dispatch_action)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from crm.web import (
    add_service_errors,
    dispatch_action,
    error_messages,
    get_or_404,
    int_or_none,
    ints,
    is_htmx,
    tenant_user,
)
from hospitals.selectors import visible_doctors
from visits import hooks, pages, selectors, services
from visits.forms import (
    VisitAmendForm,
    VisitReportForm,
)
from visits.models import (
    VisitPlanStatus,
    VisitStatus,
)
from visits.views._shared import _visiting_user

# --- the visit report ----------------------------------------------------------------------


def _report_form(user, data=None, *, visit=None, plan=None, amend=False, product_ids=None):
    """The report form (or the amendment form) with its key messages and content for the
    products discussed (posted, else the report's, else the plan's)."""
    tenant = user.tenant_id
    plan_km, plan_content = pages.plan_children(tenant, plan) if plan is not None else ([], [])
    if visit is not None:
        children = pages.visit_children(tenant, visit)
        initial = VisitReportForm.initial_for(
            visit,
            key_messages=children["key_messages"],
            product_ids=children["product_ids"],
            content_ids=children["content_ids"],
        )
        keep_km = [k for k, _r, _n in children["key_messages"]]
        keep_content = children["content_ids"]
    else:
        products = [plan.product_id] if plan is not None and plan.product_id else []
        initial = VisitReportForm.initial_for(
            plan=plan,
            # Nothing is assumed: no reaction chosen, no content ticked as used (issue 15).
            key_messages=[],
            product_ids=products,
            content_ids=[],
        )
        keep_km, keep_content = [], plan_content
    if product_ids is None:
        product_ids = ints(data.getlist("products")) if data is not None else initial["products"]
    choices = pages.report_choices(
        tenant,
        user,
        product_ids=product_ids,
        plan_km_ids=plan_km,
        keep_km_ids=keep_km,
        keep_content_ids=keep_content,
    )
    form_class = VisitAmendForm if amend else VisitReportForm
    return form_class(
        data,
        initial=initial,
        tenant=tenant,
        key_message_choices=choices.key_messages,
        content_choices=choices.content_items,
        planned_km_ids=plan_km,
    )


def _sections(user, *, plan=None, visit=None, data=None) -> list:
    """The sections apps above add to this report's form (visits.hooks.register_report_section)."""
    return hooks.report_sections(tenant=user.tenant_id, user=user, plan=plan, visit=visit, data=data)


def _valid(form, sections, submit: bool) -> bool:
    """The report form and every added section valid; a section's errors are flagged on top."""
    ok = form.is_valid()
    valid = [s.is_valid(submit=submit) for s in sections]  # every section, to show all their errors
    if not all(valid):
        form.add_error(None, _("Please complete the marked questions below; nothing you typed is lost."))
        ok = False
    return ok


def _report_context(user, *, form, doctor, plan=None, visit=None, saved=False, sections=None) -> dict:
    settings_obj = selectors.visit_settings(tenant=user.tenant_id)
    clock = None
    if visit is not None:
        clock = pages.report_clock(visit.visited_at, window_hours=settings_obj.submit_window_hours)
    return {
        "form": form,
        "doctor": doctor,
        "plan": plan,
        "visit": visit,
        "saved": saved,
        "clock": clock,
        "window_hours": settings_obj.submit_window_hours,
        "backdate_days": settings_obj.backdate_limit_days,
        "action_url": reverse("visit_detail", args=[visit.pk]) if visit is not None else None,
        "sections": _sections(user, plan=plan, visit=visit) if sections is None else sections,
    }


def _render_report_form(request, context, *, push_url=None):
    template = "visits/_report_form.html" if is_htmx(request) else "visits/report_form.html"
    response = render(request, template, context)
    if push_url and is_htmx(request):
        response["HX-Push-Url"] = push_url
    return response


def _render_report(request, user, visit, *, amend_form=None, push=False, status=200):
    """The read-only report (locked badge, amendments, amend form); a fragment for htmx."""
    tenant = user.tenant_id
    visit = selectors.visit_detail(tenant=tenant, user=user, pk=visit.pk)
    can_amend = selectors.can_amend_visit(tenant=tenant, user=user, visit=visit)
    if amend_form is None and can_amend:
        amend_form = _report_form(user, visit=visit, amend=True)
    context = {
        "visit": visit,
        "can_amend": can_amend,
        "amend_form": amend_form,
        "links": hooks.report_links(tenant=tenant, user=user, visit=visit),
        **pages.report_view(tenant, visit),
    }
    template = "visits/_report.html" if is_htmx(request) else "visits/report_detail.html"
    response = render(request, template, context, status=status)
    if push and is_htmx(request):
        response["HX-Push-Url"] = reverse("visit_detail", args=[visit.pk])
    return response


class _SectionRefused(Exception):
    """A report section refused on submit: the submit is rolled back (its errors are on it)."""


def _save_report(request, user, *, form, doctor, plan=None, visit=None, sections=()):
    """Save (create or update) the draft with its sections, then submit when asked (the submit and
    the sections' final records in one transaction); errors go back on the form."""
    tenant = user.tenant_id
    submit = request.POST.get("action") == "submit"
    kwargs = form.service_kwargs()
    existing = visit
    try:
        with transaction.atomic():
            if visit is None:
                visit = services.visit_create(tenant=tenant, by=user, doctor=doctor, plan=plan, **kwargs)
                created = True
            else:
                visit = services.visit_update(tenant=tenant, by=user, visit=visit, **kwargs)
                created = False
            saved = [s.save(visit=visit, submit=False) for s in sections]
            if not all(saved):
                raise _SectionRefused
    except (ValidationError, _SectionRefused) as exc:
        if isinstance(exc, ValidationError):
            add_service_errors(form, exc)
        else:
            form.add_error(None, _("Please complete the marked questions below; nothing you typed is lost."))
        if existing is not None:
            existing.refresh_from_db()
        return existing, False
    if submit:
        draft = visit
        try:
            with transaction.atomic():
                visit = services.visit_submit(tenant=tenant, by=user, visit=visit)
                saved = [s.save(visit=visit, submit=True) for s in sections]
                if not all(saved):
                    raise _SectionRefused
        except ValidationError as exc:
            add_service_errors(form, exc)
            draft.refresh_from_db()
            return draft, created
        except _SectionRefused:
            form.add_error(None, _("Please complete the marked questions below; nothing you typed is lost."))
            draft.refresh_from_db()
            return draft, created
    return visit, created


@login_required
@require_http_methods(["GET", "POST"])
def visit_new(request):
    """Write a report: from a plan (``?plan=``, pre-filled) or for a doctor (``?doctor=``)."""
    user = _visiting_user(request)
    tenant = user.tenant_id
    plan = None
    source = request.POST if request.method == "POST" else request.GET
    plan_id = int_or_none(source.get("plan"))
    if plan_id is not None:
        plan = get_or_404(selectors.visit_plan_list(tenant=tenant, user=user).filter(rep=user), plan_id)
        doctor = plan.doctor
        existing = plan.visits.filter(rep=user).order_by("-id").first()
        if existing is not None:  # one report per plan: continue the draft or show the report
            return redirect("visit_detail", pk=existing.pk)
        if plan.status != VisitPlanStatus.PLANNED:
            raise Http404  # a cancelled plan has no report
    else:
        doctor = get_or_404(
            visible_doctors(tenant=tenant, user=user).select_related("hospital"), int_or_none(source.get("doctor"))
        )
    if request.method == "GET":
        form = _report_form(user, plan=plan)
        return render(request, "visits/report_form.html", _report_context(user, form=form, doctor=doctor, plan=plan))
    form = _report_form(user, request.POST, plan=plan)
    sections = _sections(user, plan=plan, data=request.POST)
    if not _valid(form, sections, request.POST.get("action") == "submit"):
        context = _report_context(user, form=form, doctor=doctor, plan=plan, sections=sections)
        return _render_report_form(request, context)
    visit, _created = _save_report(request, user, form=form, doctor=doctor, plan=plan, sections=sections)
    if visit is None:
        context = _report_context(user, form=form, doctor=doctor, plan=plan, sections=sections)
        return _render_report_form(request, context)
    if visit.status == VisitStatus.SUBMITTED:
        if not is_htmx(request):
            messages.success(request, _("Report submitted."))
            return redirect("visit_detail", pk=visit.pk)
        return _render_report(request, user, visit, push=True)
    if not is_htmx(request):
        if not form.errors:
            messages.success(request, _("Draft saved."))
        return redirect("visit_detail", pk=visit.pk)
    # The draft exists now: the form goes on at the draft's address, with what was typed.
    context = _report_context(
        user, form=form, doctor=doctor, plan=plan, visit=visit, saved=not form.errors, sections=sections
    )
    return _render_report_form(request, context, push_url=reverse("visit_detail", args=[visit.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def visit_detail(request, pk):
    """One report. A draft of one's own: the form (save, submit, delete). A submitted one: read
    only with its locked badge and amendment history, and the amendment form for those allowed.
    Each POSTed ``action`` is a view of its own: :func:`visit_save` (``draft``, ``submit``),
    :func:`visit_delete`, :func:`visit_amend`."""
    user = tenant_user(request)
    visit = selectors.visit_detail(tenant=user.tenant_id, user=user, pk=pk)
    if visit is None:
        raise Http404
    if visit.status == VisitStatus.DRAFT and not selectors.can_edit_visit(user=user, visit=visit):
        raise Http404  # drafts are their author's only (the selector already hides them)
    if request.method == "POST":
        return dispatch_action(request, VISIT_ACTIONS, user, visit)
    if visit.status == VisitStatus.DRAFT:
        form = _report_form(user, visit=visit, plan=visit.plan)
        return render(
            request,
            "visits/report_form.html",
            _report_context(user, form=form, doctor=visit.doctor, plan=visit.plan, visit=visit),
        )
    return _render_report(request, user, visit)


def _locked(request, user, visit):
    """A stale form of a report submitted meanwhile (another tab): it is locked."""
    messages.error(request, _("This visit report has been submitted and is locked. Record an amendment to correct it."))
    return _render_report(request, user, visit, status=409 if not is_htmx(request) else 200)


def visit_save(request, user, visit):
    """``draft`` / ``submit``: save the author's draft, and submit it when asked."""
    if visit.status == VisitStatus.SUBMITTED:
        return _locked(request, user, visit)
    plan = visit.plan
    form = _report_form(user, request.POST, visit=visit, plan=plan)
    sections = _sections(user, plan=plan, visit=visit, data=request.POST)
    if _valid(form, sections, request.POST.get("action") == "submit"):
        visit, _created = _save_report(
            request, user, form=form, doctor=visit.doctor, plan=plan, visit=visit, sections=sections
        )
        if visit.status == VisitStatus.SUBMITTED:
            if not is_htmx(request):
                messages.success(request, _("Report submitted."))
                return redirect("visit_detail", pk=visit.pk)
            return _render_report(request, user, visit, push=True)
    context = _report_context(
        user,
        form=form,
        doctor=visit.doctor,
        plan=plan,
        visit=visit,
        saved=form.is_valid() and not form.errors,
        sections=sections,
    )
    return _render_report_form(request, context)


def visit_delete(request, user, visit):
    """``delete``: delete the author's draft (a submitted report is never deleted)."""
    if visit.status == VisitStatus.SUBMITTED:
        return _locked(request, user, visit)
    try:
        services.visit_delete(tenant=user.tenant_id, by=user, visit=visit)
    except ValidationError as exc:
        for m in error_messages(exc):
            messages.error(request, m)
        return redirect("visit_detail", pk=visit.pk)
    messages.success(request, _("Draft deleted."))
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("my_day")
        return response
    return redirect("my_day")


def visit_amend(request, user, visit):
    """``amend``: correct a submitted report (its author or their manager); the amendment keeps
    the original, who, when and why."""
    if visit.status != VisitStatus.SUBMITTED:
        return HttpResponse(status=400)  # a draft is edited, not amended
    if not selectors.can_amend_visit(tenant=user.tenant_id, user=user, visit=visit):
        raise PermissionDenied
    form = _report_form(user, request.POST, visit=visit, amend=True)
    if form.is_valid():
        try:
            services.visit_amend(tenant=user.tenant_id, by=user, visit=visit, **form.service_kwargs())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if not is_htmx(request):
                messages.success(request, _("Amendment recorded."))
                return redirect("visit_detail", pk=visit.pk)
            return _render_report(request, user, visit)
    return _render_report(request, user, visit, amend_form=form)


VISIT_ACTIONS = {"draft": visit_save, "submit": visit_save, "delete": visit_delete, "amend": visit_amend}


@login_required
@require_GET
def report_choices(request):
    """htmx: the key messages and content of the report form for the products ticked, keeping
    the reactions and notes already tapped in."""
    user = _visiting_user(request)
    tenant = user.tenant_id
    visit = None
    plan = None
    visit_id = int_or_none(request.GET.get("visit"))
    if visit_id is not None:
        visit = get_or_404(selectors.visit_list(tenant=tenant, user=user), visit_id)
        plan = visit.plan
    elif int_or_none(request.GET.get("plan")) is not None:
        plan = get_or_404(
            selectors.visit_plan_list(tenant=tenant, user=user).filter(rep=user), int_or_none(request.GET["plan"])
        )
    product_ids = ints(request.GET.getlist("products"))
    form = _report_form(user, visit=visit, plan=plan, product_ids=product_ids)
    # Keep what was already tapped: copy the sent reactions, notes and content into the initial values.
    for name in form.fields:
        if name.startswith("km_") and name in request.GET:
            form.initial[name] = request.GET.get(name)
    form.initial["content_items"] = ints(request.GET.getlist("content_items"))
    form.initial["products"] = product_ids
    return render(request, "visits/_report_choices.html", {"form": form})
