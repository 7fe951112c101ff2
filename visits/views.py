"""Browser pages of visits: my day, the week and visit plans, the visit report (draft, submit,
amend), task inbox, medical inquiries, notifications, cycle plans, the manager's team view and
the content library.

Views are thin: they check who asks, read through ``visits.selectors`` / ``visits.pages``, call
one service of ``visits.services`` and render. A page showing one object answers GET with the
object and POST with an ``action`` on it, so every object has one URL (and one isolation case).
The report form talks htmx: saving, submitting and amending swap the form in place and never
lose what was typed; without JavaScript the same POSTs redirect.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Role
from crm.keyset import keyset_page
from crm.permissions import INQUIRY_ANSWERERS, INQUIRY_SENDERS, MANAGER_ROLES, VISITING_ROLES
from crm.web import add_service_errors, error_messages, get_or_404, int_or_none, ints, is_htmx, tenant_user
from hospitals.selectors import visible_doctors
from visits import pages, selectors, services
from visits.forms import (
    CyclePlanReviewForm,
    InquiryAnswerForm,
    InquirySendBackForm,
    PlannedCountForm,
    TaskCompleteForm,
    VisitAmendForm,
    VisitPlanForm,
    VisitReportForm,
    own_products,
)
from visits.models import (
    ContentKind,
    InquiryStatus,
    Reaction,
    TaskStatus,
    VisitPlanStatus,
    VisitStatus,
    month_start,
)

CONTENT_PAGE_SIZE = 30


def _visiting_user(request):
    return tenant_user(request, VISITING_ROLES)


# --- my day --------------------------------------------------------------------------------


@login_required
@require_GET
def my_day(request):
    """The rep's day (also on their home page): plans, reports to submit, tasks, doctors behind."""
    user = _visiting_user(request)
    return render(request, "visits/my_day.html", {"my_day": pages.my_day_context(user)})


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
            key_messages=[(k, Reaction.NEUTRAL, "") for k in plan_km],
            product_ids=products,
            content_ids=plan_content,
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
    )


def _report_context(user, *, form, doctor, plan=None, visit=None, saved=False) -> dict:
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
        **pages.report_view(tenant, visit),
    }
    template = "visits/_report.html" if is_htmx(request) else "visits/report_detail.html"
    response = render(request, template, context, status=status)
    if push and is_htmx(request):
        response["HX-Push-Url"] = reverse("visit_detail", args=[visit.pk])
    return response


def _save_report(request, user, *, form, doctor, plan=None, visit=None):
    """Save (create or update) the draft, then submit when asked; errors go back on the form."""
    tenant = user.tenant_id
    submit = request.POST.get("action") == "submit"
    kwargs = form.service_kwargs()
    try:
        if visit is None:
            visit = services.visit_create(tenant=tenant, by=user, doctor=doctor, plan=plan, **kwargs)
            created = True
        else:
            visit = services.visit_update(tenant=tenant, by=user, visit=visit, **kwargs)
            created = False
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None, False
    if submit:
        try:
            visit = services.visit_submit(tenant=tenant, by=user, visit=visit)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return visit, created
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
    if not form.is_valid():
        return _render_report_form(request, _report_context(user, form=form, doctor=doctor, plan=plan))
    visit, _created = _save_report(request, user, form=form, doctor=doctor, plan=plan)
    if visit is None:
        return _render_report_form(request, _report_context(user, form=form, doctor=doctor, plan=plan))
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
    context = _report_context(user, form=form, doctor=doctor, plan=plan, visit=visit, saved=not form.errors)
    return _render_report_form(request, context, push_url=reverse("visit_detail", args=[visit.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def visit_detail(request, pk):
    """One report. A draft of one's own: the form (save, submit, delete). A submitted one: read
    only with its locked badge and amendment history, and the amendment form for those allowed."""
    user = tenant_user(request)
    tenant = user.tenant_id
    visit = selectors.visit_detail(tenant=tenant, user=user, pk=pk)
    if visit is None:
        raise Http404
    plan = visit.plan
    editable = visit.status == VisitStatus.DRAFT and selectors.can_edit_visit(user=user, visit=visit)
    action = request.POST.get("action") if request.method == "POST" else None

    if visit.status == VisitStatus.DRAFT and not editable:
        raise Http404  # drafts are their author's only (the selector already hides them)
    if request.method == "GET":
        if editable:
            form = _report_form(user, visit=visit, plan=plan)
            return render(
                request,
                "visits/report_form.html",
                _report_context(user, form=form, doctor=visit.doctor, plan=plan, visit=visit),
            )
        return _render_report(request, user, visit)

    if editable and action == "delete":
        try:
            services.visit_delete(tenant=tenant, by=user, visit=visit)
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
    if editable and action in ("draft", "submit"):
        form = _report_form(user, request.POST, visit=visit, plan=plan)
        if form.is_valid():
            visit, _created = _save_report(request, user, form=form, doctor=visit.doctor, plan=plan, visit=visit)
            if visit.status == VisitStatus.SUBMITTED:
                if not is_htmx(request):
                    messages.success(request, _("Report submitted."))
                    return redirect("visit_detail", pk=visit.pk)
                return _render_report(request, user, visit, push=True)
        context = _report_context(
            user, form=form, doctor=visit.doctor, plan=plan, visit=visit, saved=form.is_valid() and not form.errors
        )
        return _render_report_form(request, context)
    if visit.status == VisitStatus.SUBMITTED and action == "amend":
        if not selectors.can_amend_visit(tenant=tenant, user=user, visit=visit):
            raise PermissionDenied
        form = _report_form(user, request.POST, visit=visit, amend=True)
        if form.is_valid():
            try:
                services.visit_amend(tenant=tenant, by=user, visit=visit, **form.service_kwargs())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if not is_htmx(request):
                    messages.success(request, _("Amendment recorded."))
                    return redirect("visit_detail", pk=visit.pk)
                return _render_report(request, user, visit)
        return _render_report(request, user, visit, amend_form=form)
    if visit.status == VisitStatus.SUBMITTED and action in ("draft", "submit", "delete"):
        # A stale form of a report submitted meanwhile (another tab): it is locked.
        messages.error(
            request, _("This visit report has been submitted and is locked. Record an amendment to correct it.")
        )
        return _render_report(request, user, visit, status=409 if not is_htmx(request) else 200)
    return HttpResponse(status=400)


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


# --- the manager's team --------------------------------------------------------------------


@login_required
@require_GET
def team(request):
    """Per rep: plan adherence, reports on time vs late, A/B doctors at target frequency, overdue
    tasks — this month in a table, this month and the last six in charts; plans to review."""
    user = tenant_user(request, MANAGER_ROLES)
    return render(request, "visits/team.html", {**pages.team_context(user), "review_form": CyclePlanReviewForm()})


# --- content library -----------------------------------------------------------------------


@login_required
@require_GET
def content_list(request):
    """The content library: reps see approved, currently valid items; search by title, tag or
    product; filter by product and kind."""
    user = tenant_user(request)
    tenant = user.tenant_id
    qs = selectors.content_item_list(tenant=tenant, user=user, search=request.GET.get("q", ""))
    product_id = int_or_none(request.GET.get("product"))
    if product_id:
        qs = qs.filter(product_id=product_id)
    kind = request.GET.get("kind")
    if kind in ContentKind.values:
        qs = qs.filter(kind=kind)
    tag = (request.GET.get("tag") or "").strip()
    if tag:
        qs = qs.filter(tags__contains=[tag])
    page = keyset_page(qs, ordering=("title", "id"), cursor=request.GET.get("cursor"), size=CONTENT_PAGE_SIZE)
    usage = selectors.content_usage(tenant=tenant, item_ids=[i.pk for i in page.rows]) if page.rows else {}
    for item in page.rows:
        item.use_count = usage.get(item.pk, 0)
    context = {
        "page": page,
        "products": list(own_products(tenant).values_list("pk", "name")),
        "kinds": ContentKind.choices,
        "product_id": product_id,
        "kind": kind,
        "tag": tag,
    }
    if is_htmx(request) and request.headers.get("HX-Target") == "content-results":
        return render(request, "visits/_content_results.html", context)
    return render(request, "visits/content_list.html", context)
