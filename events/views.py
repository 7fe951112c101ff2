"""Browser pages of events (thin: parse, check, call one service or selector, render).

The calendar and list, one event (agenda, attendees, questions, budget vs actual, follow-up
board, scorecard, the workflow's buttons), the phone sign-in page, the public QR self sign-in
page, programs, the product manager's insight inbox and the rep's follow-up list.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from crm.keyset import keyset_page
from crm.permissions import (
    EVENT_FOLLOWUP_ROLES,
    EVENT_ORGANISERS,
    EVENT_ROLES,
    INSIGHT_ANSWERERS,
    INSIGHT_RAISERS,
    INSIGHT_ROLES,
    NETWORK_INVITERS,
    PROGRAM_EDITORS,
)
from crm.tenancy import tenant_context
from crm.web import add_service_errors, dispatch_action, error_messages, get_or_404, int_or_none, tenant_user
from events import forms, pages, selectors, services
from events.models import Event, EventStatus, EventType, FollowUpStatus, InsightStatus

# --- calendar and list ----------------------------------------------------------------------


def _month(value) -> datetime.date:
    try:
        return datetime.date.fromisoformat(f"{value}-01") if value else timezone.localdate().replace(day=1)
    except ValueError:
        return timezone.localdate().replace(day=1)


CALENDAR_MAX = 200  # events drawn in one month's grid (the list below pages through all)
CALENDAR_FILTERS = ("type", "status", "program", "mine")


def _week(value) -> datetime.date:
    """The Monday of the week holding ``value`` (an ISO date), else of today."""
    try:
        day = datetime.date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    return day - datetime.timedelta(days=day.weekday())


def _calendar_filtered(request, user):
    """The events ``user`` may see, narrowed by the calendar's filters (month and week alike)."""
    qs = selectors.event_list(tenant=user.tenant_id, user=user)
    if request.GET.get("type") in EventType.values:
        qs = qs.filter(type=request.GET["type"])
    if request.GET.get("status") in EventStatus.values:
        qs = qs.filter(status=request.GET["status"])
    if int_or_none(request.GET.get("program")):
        qs = qs.filter(program_id=int(request.GET["program"]))
    if request.GET.get("mine"):
        qs = qs.filter(owner=user)
    return qs


def _calendar_context(request, user) -> dict:
    """What both calendar views share: the filter choices and the filters as a query string."""
    kept = QueryDict(mutable=True)
    for name in CALENDAR_FILTERS:
        if request.GET.get(name):
            kept[name] = request.GET[name]
    return {
        "types": EventType.choices,
        "statuses": EventStatus.choices,
        "programs": selectors.program_list(tenant=user.tenant_id, user=user).order_by("-starts_on")[:50],
        "can_create": user.role in EVENT_ORGANISERS,
        "filter_query": kept.urlencode(),
        "today": timezone.localdate(),
    }


@login_required
@require_GET
def event_list(request):
    """The month calendar (filters: type, status, program, mine) and the list below it."""
    user = tenant_user(request, EVENT_ROLES)
    month = _month(request.GET.get("month"))
    start = timezone.make_aware(datetime.datetime.combine(month, datetime.time.min))
    end_day = (month + datetime.timedelta(days=32)).replace(day=1)
    end = timezone.make_aware(datetime.datetime.combine(end_day, datetime.time.min))
    qs = _calendar_filtered(request, user)
    in_month = list(qs.between(start, end).select_related("host_hospital").order_by("starts_at", "id")[:CALENDAR_MAX])
    page = keyset_page(
        qs.select_related("host_hospital", "owner", "host_department"),
        ordering=["-starts_at", "-id"],
        cursor=request.GET.get("cursor"),
        size=30,
    )
    return render(
        request,
        "events/event_list.html",
        {
            "month": month,
            "prev_month": (month - datetime.timedelta(days=1)).replace(day=1),
            "next_month": end_day,
            "weeks": pages.month_grid(in_month, month),
            "page": page,
            "approvals": list(selectors.pending_approvals(tenant=user.tenant_id, user=user)[:20]),
            **_calendar_context(request, user),
        },
    )


@login_required
@require_GET
def event_week(request):
    """The week calendar (Monday first; the month view's filters): on a phone, the days one under
    the other with their events; ``?week=`` any day of the week, prev/next week links."""
    user = tenant_user(request, EVENT_ROLES)
    monday = _week(request.GET.get("week"))
    start = timezone.make_aware(datetime.datetime.combine(monday, datetime.time.min))
    end = start + datetime.timedelta(days=7)
    qs = _calendar_filtered(request, user).between(start, end)
    in_week = list(
        qs.select_related("host_hospital", "host_department").order_by("starts_at", "id")[: CALENDAR_MAX + 1]
    )
    return render(
        request,
        "events/event_week.html",
        {
            "monday": monday,
            "sunday": monday + datetime.timedelta(days=6),
            "prev_week": monday - datetime.timedelta(days=7),
            "next_week": monday + datetime.timedelta(days=7),
            "days": pages.week_days(in_week[:CALENDAR_MAX], monday),
            "truncated": len(in_week) > CALENDAR_MAX,
            **_calendar_context(request, user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_new(request):
    """Plan an event (a draft), optionally in a program."""
    user = tenant_user(request, EVENT_ORGANISERS)
    tenant = user.tenant_id
    initial = {"program": int_or_none(request.GET.get("program")), "venue_kind": "hospital"}
    form = forms.EventForm(request.POST or None, tenant=tenant, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        products, key_messages = data.pop("products"), data.pop("key_messages")
        try:
            event = services.event_create(tenant=tenant, by=user, products=products, key_messages=key_messages, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Event saved as a draft."))
            return redirect("event_detail", event.pk)
    return render(request, "events/event_form.html", {"form": form}, status=400 if form.errors else 200)


# --- one event ------------------------------------------------------------------------------


def _event(request, pk, roles=EVENT_ROLES):
    user = tenant_user(request, roles)
    return user, get_or_404(selectors.event_list(tenant=user.tenant_id, user=user), pk)


def _detail(request, user, event, bound=None, status=200):
    context = pages.event_detail_context(user, event)
    tenant = user.tenant_id
    context["forms"] = {
        "invite": forms.InviteForm(tenant=tenant, user=user),
        "agenda": forms.AgendaForm(),
        "budget": forms.BudgetForm(),
        "expense": forms.ExpenseForm(initial={"spent_on": timezone.localdate()}),
        "photo": forms.PhotoForm(),
        "question": forms.QuestionForm(attendees=[a for a in context["attendees"] if a.signed_in_at]),
        "reason": forms.ReasonForm(),
        "insight": forms.InsightForm(tenant=tenant),
    } | (bound or {})
    return render(request, "events/event_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def event_detail(request, pk):
    """One event; its workflow and records are POSTed ``action``s (one URL per event)."""
    user, event = _event(request, pk)
    if request.method == "POST":
        return dispatch_action(request, EVENT_ACTIONS, user, event)
    return _detail(request, user, event)


def _step(fn, ok_message, **kwargs):
    def handler(request, user, event):
        try:
            fn(tenant=user.tenant_id, by=user, event=event, **kwargs)
        except ValidationError as exc:
            for m in error_messages(exc):
                messages.error(request, m)
        else:
            messages.success(request, ok_message())
        return redirect("event_detail", event.pk)

    return handler


def _with_form(form_name, form_class, call, ok_message, form_kwargs=None, files=False):
    """A handler that validates ``form_class`` and calls ``call(user, event, cleaned)``; on a
    refusal the page is shown again with the form as typed and the message on its field."""

    def handler(request, user, event):
        kwargs = form_kwargs(user, event) if form_kwargs else {}
        form = form_class(request.POST, request.FILES if files else None, **kwargs)
        if form.is_valid():
            try:
                call(user, event, form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, ok_message())
                return redirect("event_detail", event.pk)
        return _detail(request, user, event, {form_name: form}, status=400)

    return handler


def _reasoned(fn, ok_message):
    def call(user, event, data):
        fn(tenant=user.tenant_id, by=user, event=event, reason=data["reason"])

    return _with_form("reason", forms.ReasonForm, call, ok_message)


def _invite(user, event, data):
    services.attendees_invite(
        tenant=user.tenant_id,
        by=user,
        event=event,
        doctors=data["doctor_ids"],
        tiers=data["tiers"],
        departments=data["departments"],
        hospitals=list(data["hospitals"]),
        adoption_stages=data["adoption_stages"],
        relations_of=data["relations_of"],
    )


def _question(user, event, data):
    services.question_record(tenant=user.tenant_id, by=user, event=event, **data)


def _attendees_of(user, event):
    from events.models import Attendee

    return {
        "attendees": Attendee.objects.for_tenant(user.tenant_id)
        .filter(event=event, signed_in_at__isnull=False)
        .select_related("doctor")
    }


def _correct(request, user, event):
    form = forms.ReasonForm(request.POST)
    title = (request.POST.get("title") or "").strip()
    if form.is_valid() and title:
        try:
            services.event_correct(
                tenant=user.tenant_id, by=user, event=event, reason=form.cleaned_data["reason"], title=title
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Correction recorded."))
            return redirect("event_detail", event.pk)
    return _detail(request, user, event, {"reason": form}, status=400)


def _resolve(request, user, event):
    from events.models import SelfSignIn

    row = get_or_404(
        SelfSignIn.objects.for_tenant(user.tenant_id).filter(event=event), int_or_none(request.POST.get("signin"))
    )
    try:
        services.self_signin_resolve(
            tenant=user.tenant_id,
            by=user,
            signin=row,
            doctor=int_or_none(request.POST.get("doctor")),
            dismiss=bool(request.POST.get("dismiss")),
        )
    except ValidationError as exc:
        for m in error_messages(exc):
            messages.error(request, m)
    return redirect(request.POST.get("next") or reverse("event_detail", args=[event.pk]))


EVENT_ACTIONS = {
    "submit": _step(services.event_submit, lambda: _("Submitted for approval.")),
    "approve": _step(services.event_approve, lambda: _("Approved.")),
    "held": _step(services.event_mark_held, lambda: _("Marked held: the follow-ups are being created.")),
    "close": _step(services.event_close, lambda: _("Event closed.")),
    "reject": _reasoned(services.event_reject, lambda: _("Rejected.")),
    "cancel": _reasoned(services.event_cancel, lambda: _("Cancelled.")),
    "correct": _correct,
    "resolve": _resolve,
    "invite": _with_form(
        "invite",
        forms.InviteForm,
        _invite,
        lambda: _("Doctors invited."),
        form_kwargs=lambda u, e: {"tenant": u.tenant_id, "user": u},
    ),
    "agenda": _with_form(
        "agenda",
        forms.AgendaForm,
        lambda u, e, d: services.agenda_item_create(tenant=u.tenant_id, by=u, event=e, **d),
        lambda: _("Agenda item added."),
    ),
    "budget": _with_form(
        "budget",
        forms.BudgetForm,
        lambda u, e, d: services.budget_line_set(tenant=u.tenant_id, by=u, event=e, **d),
        lambda: _("Budget saved."),
    ),
    "expense": _with_form(
        "expense",
        forms.ExpenseForm,
        lambda u, e, d: services.expense_add(tenant=u.tenant_id, by=u, event=e, **d),
        lambda: _("Expense recorded."),
        files=True,
    ),
    "photo": _with_form(
        "photo",
        forms.PhotoForm,
        lambda u, e, d: services.photo_add(tenant=u.tenant_id, by=u, event=e, **d),
        lambda: _("Photo attached."),
        files=True,
    ),
    "question": _with_form(
        "question", forms.QuestionForm, _question, lambda: _("Question recorded."), form_kwargs=_attendees_of
    ),
    "insight": _with_form(
        "insight",
        forms.InsightForm,
        lambda u, e, d: services.insight_raise(tenant=u.tenant_id, by=u, event=e, **d),
        lambda: _("Insight sent to the product manager."),
        form_kwargs=lambda u, e: {"tenant": u.tenant_id},
    ),
}


# --- sign-in on the day ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def event_signin(request, pk):
    """The rep's phone page: tap an attendee to sign them in (again to undo), add a walk-in,
    settle the QR sign-ins waiting for review; the QR code for doctors to scan."""
    user, event = _event(request, pk, EVENT_ORGANISERS)
    tenant = user.tenant_id
    if request.method == "POST":
        from events.models import Attendee

        try:
            if request.POST.get("action") == "walk_in":
                services.attendee_add_walk_in(
                    tenant=tenant, by=user, event=event, doctor=int_or_none(request.POST.get("doctor"))
                )
            elif request.POST.get("action") == "resolve":
                return _resolve(request, user, event)
            else:
                attendee = get_or_404(
                    Attendee.objects.for_tenant(tenant).filter(event=event), int_or_none(request.POST.get("attendee"))
                )
                services.attendee_sign_in(
                    tenant=tenant, by=user, attendee=attendee, signed_in=request.POST.get("signed_in") == "1"
                )
        except ValidationError as exc:
            for m in error_messages(exc):
                messages.error(request, m)
        return redirect("event_signin", event.pk)
    context = pages.event_detail_context(user, event)
    url = pages.signin_url(request, event)
    q = (request.GET.get("q") or "").strip()
    found = []
    if q:
        from hospitals.selectors import visible_doctors

        found = list(visible_doctors(tenant=tenant, user=user).search(q).select_related("hospital")[:10])
    return render(
        request, "events/signin.html", context | {"signin_url": url, "qr": pages.qr_svg(url), "q": q, "found": found}
    )


def _rate_limited(request, event, per_minute) -> bool:
    ip = request.META.get("REMOTE_ADDR", "-")
    key = f"events:signin:{event.pk}:{ip}:{timezone.now():%Y%m%d%H%M}"
    if cache.add(key, 1, timeout=70):
        return False
    try:
        return cache.incr(key) > per_minute
    except ValueError:
        return False


@require_http_methods(["GET", "POST"])
def event_self_signin(request, tenant_id, token):
    """The public QR page: name, hospital, last 4 digits of the phone. No account; rate-limited
    per address; closed once the event is over. What the doctor typed is never lost."""
    with tenant_context(tenant_id):
        event = Event.objects.for_tenant(tenant_id).filter(signin_token=token).first()
        if event is None:
            raise Http404
        form = forms.SelfSignInForm(request.POST or None)
        done, closed = (
            None,
            event.status not in (EventStatus.APPROVED, EventStatus.HELD)
            or (timezone.now() > event.ends_at + datetime.timedelta(hours=6)),
        )
        status = 200
        if request.method == "POST" and not closed:
            limit = selectors.event_settings(tenant=tenant_id).signin_attempts_per_minute
            if _rate_limited(request, event, limit):
                form.add_error(None, _("Too many sign-ins from this device; wait a minute and try again."))
                status = 429
            elif form.is_valid():
                try:
                    done = services.self_sign_in(tenant=tenant_id, event=event, **form.cleaned_data)
                except ValidationError as exc:
                    add_service_errors(form, exc)
            if form.errors and status == 200:
                status = 400
        return render(
            request,
            "events/self_signin.html",
            {"event": event, "form": form, "done": done, "closed": closed},
            status=status,
        )


# --- programs -------------------------------------------------------------------------------


@login_required
@require_GET
def program_list(request):
    user = tenant_user(request, EVENT_ROLES)
    rows = (
        selectors.program_list(tenant=user.tenant_id, user=user).select_related("owner").order_by("-starts_on", "-id")
    )
    return render(request, "events/program_list.html", {"rows": rows[:200], "can_create": user.role in PROGRAM_EDITORS})


@login_required
@require_http_methods(["GET", "POST"])
def program_new(request):
    user = tenant_user(request, PROGRAM_EDITORS)
    form = forms.ProgramForm(request.POST or None, tenant=user.tenant_id)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        products = data.pop("products")
        try:
            program = services.program_create(tenant=user.tenant_id, by=user, products=products, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("program_detail", program.pk)
    return render(request, "events/program_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_GET
def program_detail(request, pk):
    """A program: its events, spend (budget vs actual), reach and follow-up figures."""
    user = tenant_user(request, EVENT_ROLES)
    program = get_or_404(selectors.program_list(tenant=user.tenant_id, user=user), pk)
    events = selectors.event_list(tenant=user.tenant_id, user=user).filter(program=program).order_by("-starts_at")
    return render(
        request,
        "events/program_detail.html",
        {
            "program": program,
            "events": events.select_related("host_hospital")[:200],
            "summary": selectors.program_summary(tenant=user.tenant_id, program=program),
            "can_plan": user.role in EVENT_ORGANISERS,
            # The target audience: its size for everyone, the doctors for those who set programs up.
            "targets": selectors.program_targets(tenant=user.tenant_id, program=program),
            "show_targets": user.role in PROGRAM_EDITORS,
        },
    )


# --- insights -------------------------------------------------------------------------------


@login_required
@require_GET
def insight_inbox(request):
    """The PM's inbox (their products' insights, open first) — or a rep's own insights."""
    user = tenant_user(request, INSIGHT_ROLES)
    status = request.GET.get("status", "open" if user.role in INSIGHT_ANSWERERS else "")
    if status not in InsightStatus.values:
        status = ""
    # Small relations by prefetch (one IN query each): a join to 100,000 events is not worth planning.
    qs = (
        selectors.insight_inbox(tenant=user.tenant_id, user=user, status=status or None)
        .select_related("product", "raised_by")
        .prefetch_related("event", "doctor")
    )
    page = keyset_page(qs, ordering=["-created_at", "-id"], cursor=request.GET.get("cursor"), size=30)
    aggregates = None
    if user.role in INSIGHT_ANSWERERS and request.GET.get("view") == "doubts":  # a GROUP BY: on demand only
        aggregates = selectors.insight_aggregates(tenant=user.tenant_id, user=user)
    return render(
        request,
        "events/insight_inbox.html",
        {"page": page, "status": status, "statuses": InsightStatus.choices, "aggregates": aggregates},
    )


@login_required
@require_http_methods(["GET", "POST"])
def insight_detail(request, pk):
    """One insight; the product manager answers it (the answer goes back to the rep)."""
    user = tenant_user(request, INSIGHT_ROLES)
    insight = get_or_404(selectors.insight_list(tenant=user.tenant_id, user=user), pk)
    form = forms.InsightAnswerForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if user.role not in INSIGHT_ANSWERERS:
            raise Http404
        if form.is_valid():
            try:
                services.insight_answer(
                    tenant=user.tenant_id, by=user, insight=insight, answer=form.cleaned_data["answer"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Answer sent to the rep."))
                return redirect("insight_detail", insight.pk)
        status = 400
    return render(
        request,
        "events/insight_detail.html",
        {"insight": insight, "form": form, "can_answer": user.role in INSIGHT_ANSWERERS},
        status=status,
    )


def _insight_about(request, user) -> dict:
    """What a new insight is about (``?visit=&doctor=&event=``, prefilled by the "Send an insight"
    buttons of a visit report and an event): only what ``user`` may see; another's is 404."""
    from hospitals.selectors import visible_doctors
    from visits.selectors import visit_list

    def given(name):
        return int_or_none(request.POST.get(name) or request.GET.get(name))

    tenant = user.tenant_id
    about = {"doctor": None, "visit": None, "event": None}
    if given("visit") is not None:
        about["visit"] = get_or_404(visit_list(tenant=tenant, user=user).select_related("doctor"), given("visit"))
        about["doctor"] = about["visit"].doctor
    elif given("doctor") is not None:
        about["doctor"] = get_or_404(visible_doctors(tenant=tenant, user=user), given("doctor"))
    if given("event") is not None:
        about["event"] = get_or_404(selectors.event_list(tenant=tenant, user=user), given("event"))
    return about


@login_required
@require_http_methods(["GET", "POST"])
def insight_new(request):
    """A rep sends an insight from a visit report, an event or a doctor's page; the form comes
    prefilled with the product, key message and event (``?product=&key_message=&event=``) and
    lands in the product manager's inbox."""
    user = tenant_user(request, INSIGHT_RAISERS)
    about = _insight_about(request, user)
    initial = {
        "product": int_or_none(request.GET.get("product")),
        "key_message": int_or_none(request.GET.get("key_message")),
    }
    if initial["product"] is None and initial["key_message"] is not None:
        from hospitals.models import KeyMessage

        km = KeyMessage.objects.for_tenant(user.tenant_id).filter(pk=initial["key_message"]).first()
        initial["product"] = km.product_id if km else None
    form = forms.InsightForm(request.POST or None, tenant=user.tenant_id, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            row = services.insight_raise(tenant=user.tenant_id, by=user, **about, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Insight sent to the product manager."))
            return redirect("insight_detail", row.pk)
    return render(
        request,
        "events/insight_form.html",
        {"form": form, **about},
        status=400 if form.errors else 200,
    )


# --- follow-ups -----------------------------------------------------------------------------


@login_required
@require_GET
def followup_list(request):
    """The rep's event follow-ups: overdue, due, done."""
    user = tenant_user(request, EVENT_ROLES)
    rows = list(selectors.my_followups(tenant=user.tenant_id, user=user, include_done=True)[:300])
    today = timezone.localdate()
    return render(
        request,
        "events/followup_list.html",
        {
            "overdue": [f for f in rows if f.status == FollowUpStatus.OPEN and f.due_date < today],
            "due": [f for f in rows if f.status == FollowUpStatus.OPEN and f.due_date >= today],
            "done": [f for f in rows if f.status == FollowUpStatus.DONE][:50],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def followup_detail(request, pk):
    """One follow-up: the open question (with the PM's answer once given), the questionnaire,
    recall and reaction per key message, trial prescribing."""
    from hospitals.models import KeyMessage

    user = tenant_user(request, EVENT_ROLES)
    f = get_or_404(selectors.followup_list(tenant=user.tenant_id, user=user).select_related("event", "doctor"), pk)
    kms = KeyMessage.objects.for_tenant(user.tenant_id).filter(
        pk__in=selectors.event_key_message_ids(tenant=user.tenant_id, event=f.event_id)
    )
    questions = [q for p in f.purposes for q in (f.event.questionnaire or {}).get(p, [])]
    form = forms.FollowUpForm(request.POST or None, key_messages=kms, questions=questions)
    status = 200
    if request.method == "POST":
        if user.role not in EVENT_FOLLOWUP_ROLES:
            raise Http404
        if form.is_valid():
            try:
                services.followup_complete(
                    tenant=user.tenant_id,
                    by=user,
                    followup=f,
                    recalls=form.recalls(),
                    trial=form.cleaned_data["trial"],
                    trial_indication=form.cleaned_data["trial_indication"],
                    answers=form.answers(),
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Follow-up recorded."))
                return redirect("event_followup_list")
        status = 400
    return render(
        request,
        "events/followup_detail.html",
        {
            "f": f,
            "form": form,
            "can_record": f.assignee_id == user.pk and f.status == FollowUpStatus.OPEN,
            "today": timezone.localdate(),
        },
        status=status,
    )


# --- invitations from a KOL's network (segmentation.kol invitation lists) -------------------


@login_required
@require_http_methods(["GET", "POST"])
def event_invite_network(request, list_pk):
    """Invite the doctors of a saved network invitation list (or those picked among them) to an
    event the user organises, or add them to a program's target audience (product managers and
    administrators); the result says how many were added and how many already were."""
    from segmentation.kol.selectors import invitation_list_list

    user = tenant_user(request, NETWORK_INVITERS)
    invitation = get_or_404(invitation_list_list(tenant=user.tenant_id, user=user), list_pk)
    events = selectors.invitable_events(tenant=user.tenant_id, user=user)
    programs = selectors.programs_taking_audience(tenant=user.tenant_id, user=user)
    if request.method == "POST":
        # ``destination`` is "event:<id>" or "program:<id>"; a bare ``event`` still names an event.
        kind, _sep, pk = (request.POST.get("destination") or f"event:{request.POST.get('event', '')}").partition(":")
        picked = [i for i in (int_or_none(v) for v in request.POST.getlist("doctor")) if i is not None]
        if kind == "program":
            target = get_or_404(selectors.program_list(tenant=user.tenant_id, user=user), int_or_none(pk))
            step, done = services.program_targets_from_list, "program_detail"
            kwargs = {"program": target}
            text = _("%(invited)s added to the program's target audience, %(already)s already in it.")
        else:
            target = get_or_404(selectors.event_list(tenant=user.tenant_id, user=user), int_or_none(pk))
            step, done = services.attendees_invite_from_list, "event_detail"
            kwargs = {"event": target}
            text = _("%(invited)s invited, %(already)s already invited.")
        try:
            invited, already = step(tenant=user.tenant_id, by=user, invitation_list=invitation, doctor_ids=picked,
                                    **kwargs)  # fmt: skip
        except ValidationError as exc:
            for m in error_messages(exc):
                messages.error(request, m)
            return redirect("event_invite_network", list_pk=invitation.pk)
        messages.success(request, text % {"invited": invited, "already": already})
        return redirect(done, target.pk)
    entries = list(
        invitation.entries.select_related("doctor__hospital", "doctor__department").order_by("hops", "id")
    )
    events, programs = list(events.select_related("program")[:200]), list(programs[:100])
    for obj, kind in [(e, "event") for e in events] + [(p, "program") for p in programs]:
        obj.option = f"{kind}:{obj.pk}"
    return render(request, "events/invite_network.html", {
        "invitation": invitation, "entries": entries, "events": events, "programs": programs,
        "selected": request.GET.get("destination") or f"event:{request.GET.get('event', '')}",
    })  # fmt: skip
