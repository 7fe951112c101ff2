"""Browser pages of segmentation: the tier dashboard, scorecards (editor, what-if, activation),
scoring runs with live progress, overrides, and the adoption ladder form of the doctor profile.

Views are thin: they check who asks (segmentation.pages role rules), call a selector, a page
read (segmentation.pages) or one service (segmentation.services), and render. Another tenant's
object is a 404, like an object that does not exist.
"""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm import exports
from crm.keyset import keyset_page
from crm.permissions import SCORECARD_ROLES, TIER_DASHBOARD_ROLES
from crm.web import add_service_errors, error_messages, get_or_404, is_htmx, tenant_user
from hospitals import selectors as hospital_selectors
from segmentation import forms, pages, selectors, services, whatif
from segmentation.models import AdoptionStage, ScorecardVersion, TierOverride

OVERRIDES_PAGE_SIZE = 50
DOCTOR_SEARCH_SHOWN = 20


# --- dashboard ------------------------------------------------------------------------------------


@login_required
@require_GET
def dashboard(request):
    """The national tier table: distribution across a place dimension, movement, movers; filters."""
    user = tenant_user(request, TIER_DASHBOARD_ROLES)
    tenant = user.tenant_id
    filters = pages.dashboard_filters(tenant=tenant, params=request.GET)
    doctors = pages.dashboard_doctors(tenant=tenant, user=user, filters=filters)
    context = {
        "filters": filters,
        "options": pages.dashboard_options(),
        **pages.dashboard_data(tenant=tenant, user=user, filters=filters, doctors=doctors),
        "adoption": pages.dashboard_adoption(tenant=tenant, doctors=doctors),
        "record": pages.dashboard_record(tenant=tenant, user=user),
        "movers_shown": pages.MOVERS_SHOWN,
        "tier_colours": pages.TIER_COLOURS,
        "can_manage": pages.can_manage_tiers(user),
    }
    response = render(request, "segmentation/dashboard.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
def dashboard_export(request, kind, fmt):
    """The dashboard as filtered: the distribution table, or every doctor's tier of the period."""
    user = tenant_user(request, TIER_DASHBOARD_ROLES)
    if fmt not in exports.FORMATS or kind not in ("table", "doctors"):
        return HttpResponseBadRequest(_("Unknown export format."))
    tenant = user.tenant_id
    filters = pages.dashboard_filters(tenant=tenant, params=request.GET)
    doctors = pages.dashboard_doctors(tenant=tenant, user=user, filters=filters)
    suffix = filters.period or "none"
    if kind == "table":
        dist = pages.distribution(tenant=tenant, filters=filters, doctors=doctors, table_rows=10**9)
        rows = [*dist.rows, dist.totals]
        return exports.export_response(
            rows, pages.distribution_export_columns(dist), fmt, f"tiers-{filters.by}-{suffix}"
        )
    qs = pages.assignments_for_export(tenant=tenant, filters=filters, doctors=doctors)
    return exports.export_response(qs, pages.ASSIGNMENT_EXPORT_COLUMNS, fmt, f"doctor-tiers-{suffix}")


# --- scorecards and versions ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def scorecard_list(request):
    """Scorecards with their versions; a product manager creates a new one here."""
    user = tenant_user(request, SCORECARD_ROLES)
    tenant = user.tenant_id
    form = forms.ScorecardForm(request.POST or None, tenant=tenant)
    if request.method == "POST" and form.is_valid():
        try:
            scorecard = services.scorecard_create(tenant=tenant, by=user, **form.cleaned_data)
            version = services.version_create(tenant=tenant, by=user, scorecard=scorecard, dimensions=None)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Scorecard created. Give its first version weights and a tier rule."))
            return redirect("tier_version", pk=version.pk)
    scorecards = list(selectors.scorecard_list(tenant=tenant))
    versions = {}
    for v in ScorecardVersion.objects.for_tenant(tenant).order_by("scorecard_id", "-number"):
        versions.setdefault(v.scorecard_id, []).append(v)
    for s in scorecards:
        s.version_list = versions.get(s.pk, [])
    return render(request, "segmentation/scorecard_list.html", {"scorecards": scorecards, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def scorecard_detail(request, pk):
    """One scorecard: its versions (new version, make primary) and its last runs."""
    user = tenant_user(request, SCORECARD_ROLES)
    tenant = user.tenant_id
    scorecard = get_or_404(selectors.scorecard_list(tenant=tenant), pk)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "new_version":
                base = (
                    selectors.active_version(tenant=tenant, scorecard=scorecard)
                    or ScorecardVersion.objects.for_tenant(tenant)
                    .filter(scorecard=scorecard)
                    .order_by("-number")
                    .first()
                )
                version = services.version_create(tenant=tenant, by=user, scorecard=scorecard, copy_from=base)
                messages.success(request, _("Draft version %(n)s created.") % {"n": version.number})
                return redirect("tier_version", pk=version.pk)
            if action == "make_primary":
                services.scorecard_update(tenant=tenant, by=user, scorecard=scorecard, is_primary=True)
                messages.success(request, _("This scorecard now gives the tiers of record."))
                return redirect("tier_scorecard", pk=scorecard.pk)
        except ValidationError as exc:
            for message in error_messages(exc):
                messages.error(request, message)
            return redirect("tier_scorecard", pk=scorecard.pk)
        return HttpResponseBadRequest(_("Unknown action."))
    versions = list(ScorecardVersion.objects.for_tenant(tenant).filter(scorecard=scorecard).order_by("-number"))
    runs = list(selectors.run_list(tenant=tenant).filter(version__scorecard=scorecard)[:10])
    return render(
        request,
        "segmentation/scorecard_detail.html",
        {"scorecard": scorecard, "versions": versions, "runs": runs},
    )


def _version(tenant, pk):
    return get_or_404(ScorecardVersion.objects.for_tenant(tenant).select_related("scorecard"), pk)


@login_required
@require_http_methods(["GET", "POST"])
def version_edit(request, pk):
    """The version editor: weights of the dimensions (adding up to 100 %) and the tier rule.

    A version a run has used is shown read-only (it is frozen); a new version copies it.
    """
    user = tenant_user(request, SCORECARD_ROLES)
    tenant = user.tenant_id
    version = _version(tenant, pk)
    editable = not version.is_frozen
    if request.method == "POST":
        if not editable:
            messages.error(
                request, _("This version was used by a scoring run and cannot change; create a new version.")
            )
            return redirect("tier_version", pk=version.pk)
        rule_form = forms.VersionRuleForm(request.POST, instance=copy.copy(version))
        weights_form = forms.DimensionWeightsForm(request.POST, tenant=tenant, version=version)
        if rule_form.is_valid() & weights_form.is_valid():
            fields = {name: rule_form.cleaned_data[name] for name in forms.VersionRuleForm.Meta.fields}
            try:
                services.version_update(
                    tenant=tenant, by=user, version=version, dimensions=weights_form.dimensions(), **fields
                )
            except ValidationError as exc:
                add_service_errors(rule_form, exc)
            else:
                messages.success(request, _("Version saved."))
                return redirect("tier_version", pk=version.pk)
    else:
        rule_form = forms.VersionRuleForm(instance=copy.copy(version))
        weights_form = forms.DimensionWeightsForm(tenant=tenant, version=version)
    dimensions = list(version.dimensions.select_related("imported_dimension"))
    context = {
        "version": version,
        "scorecard": version.scorecard,
        "editable": editable,
        "rule_form": rule_form,
        "weights_form": weights_form,
        "dimensions": dimensions,
        "weight_total": sum(d.weight for d in dimensions),
        "whatif_form": forms.WhatIfForm(periods=_whatif_periods(tenant)),
        "active": selectors.active_version(tenant=tenant, scorecard=version.scorecard),
    }
    return render(request, "segmentation/version_edit.html", context)


def _whatif_periods(tenant) -> list[str]:
    periods = pages.finished_periods(tenant=tenant)
    return periods or forms.recent_periods(1)


@login_required
@require_GET
def version_preview(request, pk):
    """What-if: the version's tier distribution and movement against the tiers of the active
    version, scored on the chosen quarter's inputs. Nothing is written."""
    user = tenant_user(request, SCORECARD_ROLES)
    tenant = user.tenant_id
    version = _version(tenant, pk)
    periods = _whatif_periods(tenant)
    period = request.GET.get("period") if request.GET.get("period") in periods else periods[0]
    context = {"version": version, "scorecard": version.scorecard, "period": period}
    state = whatif.whatif_request(tenant=tenant, by=user, version=version, period=period)
    if state["status"] in ("pending", "running"):
        context["pending"] = True
        context["progress"] = pages.whatif_progress_view(state)
    elif state["status"] == "failed":
        context["errors"] = state["errors"]
    else:
        context["whatif"] = pages.what_if_view(state["result"])
    template = "segmentation/_whatif.html" if is_htmx(request) else "segmentation/version_preview.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_http_methods(["GET", "POST"])
def version_activate(request, pk):
    """Make the version the active one of its scorecard (GET asks for confirmation)."""
    user = tenant_user(request, SCORECARD_ROLES)
    tenant = user.tenant_id
    version = _version(tenant, pk)
    if request.method == "POST":
        try:
            services.version_activate(tenant=tenant, by=user, version=version)
        except ValidationError as exc:
            for message in error_messages(exc):
                messages.error(request, message)
            return redirect("tier_version", pk=version.pk)
        messages.success(request, _("Version %(n)s is now active.") % {"n": version.number})
        return redirect("tier_scorecard", pk=version.scorecard_id)
    active = selectors.active_version(tenant=tenant, scorecard=version.scorecard)
    return render(request, "segmentation/version_activate.html", {"version": version, "active": active})


# --- scoring runs ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def run_list(request):
    """Scoring runs, newest first, and "run now" for a quarter with an active version."""
    user = tenant_user(request, SCORECARD_ROLES)
    tenant = user.tenant_id
    form = forms.RunForm(request.POST or None, tenant=tenant)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.run_start(
                tenant=tenant, by=user, period=form.cleaned_data["period"], version=form.cleaned_data["version"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("tier_run", pk=run.pk)
    runs = list(selectors.run_list(tenant=tenant)[:50])
    return render(request, "segmentation/run_list.html", {"runs": runs, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def run_detail(request, pk):
    """One run: a progress bar while it runs (htmx polls the fragment), then its statistics."""
    user = tenant_user(request, SCORECARD_ROLES)
    tenant = user.tenant_id
    run = get_or_404(selectors.run_list(tenant=tenant), pk)
    if request.method == "POST":
        # "Run again": a new run of the same period and version (a no-op when nothing changed).
        try:
            again = services.run_start(tenant=tenant, by=user, period=run.period, version=run.version)
        except ValidationError as exc:
            for message in error_messages(exc):
                messages.error(request, message)
            return redirect("tier_run", pk=run.pk)
        return redirect("tier_run", pk=again.pk)
    context = {
        "run": run,
        "progress": pages.run_progress_view(tenant=tenant, run=run),
        "tier_rows": pages.run_tier_rows(run),
    }
    if is_htmx(request, "run-progress"):
        return render(request, "segmentation/_run_progress.html", context)
    return render(request, "segmentation/run_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def run_publish(request, pk):
    """A draft run against the period's record (tier counts, moves); POST publishes it with a reason."""
    user = tenant_user(request, SCORECARD_ROLES)
    tenant = user.tenant_id
    run = get_or_404(selectors.run_list(tenant=tenant), pk)
    form = forms.PublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.run_publish(tenant=tenant, by=user, run=run, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Published: this result is now the tiers of record for %(period)s.") % {"period": run.period}
            )
            return redirect("tier_run", pk=run.pk)
    context = {
        "run": run,
        "form": form,
        "comparison": selectors.draft_comparison(tenant=tenant, run=run) if run.is_draft else None,
        "history": selectors.run_history(tenant=tenant, period=run.period),
    }
    return render(request, "segmentation/run_publish.html", context)


@login_required
@require_POST
def score_new_doctors(request):
    """Score the doctors added since the latest record against its cut-offs (nobody else moves)."""
    user = tenant_user(request, SCORECARD_ROLES)
    try:
        run = services.tier_score_new_doctors(tenant=user.tenant_id, by=user)
    except ValidationError as exc:
        for message in error_messages(exc):
            messages.error(request, message)
        return redirect("tier_dashboard")
    return redirect("tier_run", pk=run.pk)


@login_required
@require_http_methods(["GET", "POST"])
def schedule(request):
    """The tenant's quarterly re-score: on or off, which day of the quarter's first month; the next
    date and the last scheduled run (tenant administrators and product managers)."""
    user = tenant_user(request, SCORECARD_ROLES)
    tenant = user.tenant_id
    current = selectors.segmentation_settings(tenant=tenant)
    form = forms.ScheduleForm(
        request.POST or None,
        initial={"rescore_enabled": current.rescore_enabled, "rescore_day": current.rescore_day},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.segmentation_settings_update(tenant=tenant, by=user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Re-score schedule saved."))
            return redirect("tier_schedule")
    context = {
        "form": form,
        "next_rescore": selectors.next_rescore_date(settings_obj=current),
        "last_scheduled": selectors.last_scheduled_run(tenant=tenant),
        "settings_obj": current,
    }
    return render(request, "segmentation/schedule.html", context)


# --- overrides ------------------------------------------------------------------------------------


@login_required
@require_GET
def override_list(request):
    """Overrides in force (who set them, when, why, until when), and a doctor search to set one."""
    user = tenant_user(request, SCORECARD_ROLES)
    tenant = user.tenant_id
    qs = (
        selectors.overrides_in_force(tenant=tenant)
        .select_related("doctor__hospital", "created_by")
        .order_by("-created_at", "-id")
    )
    page = keyset_page(qs, ordering=("-created_at", "-id"), cursor=request.GET.get("cursor"), size=OVERRIDES_PAGE_SIZE)
    q = (request.GET.get("q") or "").strip()
    found = []
    if q:
        found = list(
            hospital_selectors.visible_doctors(tenant=tenant, user=user)
            .search(q)
            .select_related("hospital")
            .order_by("name", "id")[:DOCTOR_SEARCH_SHOWN]
        )
    context = {"page": page, "q": q, "found": found}
    if is_htmx(request, "override-doctor-results"):
        return render(request, "segmentation/_override_doctor_results.html", context)
    return render(request, "segmentation/override_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def override_new(request, pk):
    """Set a doctor's tier by hand, with a reason and an expiry."""
    user = tenant_user(request, SCORECARD_ROLES)
    tenant = user.tenant_id
    doctor = get_or_404(
        hospital_selectors.visible_doctors(tenant=tenant, user=user).select_related("hospital", "department"), pk
    )
    form = forms.OverrideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.tier_override_set(tenant=tenant, by=user, doctor=doctor, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Tier set by hand."))
            return redirect(reverse("doctor_detail", args=[doctor.pk]) + "#tier")
    current = selectors.doctor_current_tier(tenant=tenant, doctor=doctor)
    return render(request, "segmentation/override_form.html", {"doctor": doctor, "form": form, "current": current})


@login_required
@require_http_methods(["GET", "POST"])
def override_revoke(request, pk):
    """End an override now (GET asks for confirmation); it stays in the history."""
    user = tenant_user(request, SCORECARD_ROLES)
    tenant = user.tenant_id
    override = get_or_404(
        TierOverride.objects.for_tenant(tenant).select_related("doctor__hospital", "created_by", "revoked_by"), pk
    )
    if request.method == "POST":
        services.tier_override_revoke(tenant=tenant, by=user, override=override)
        messages.success(request, _("Override revoked."))
        if request.POST.get("next") == "doctor":
            return redirect(reverse("doctor_detail", args=[override.doctor_id]) + "#tier")
        return redirect("tier_overrides")
    return render(request, "segmentation/override_revoke.html", {"override": override})


# --- tier settings ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def tier_settings(request):
    """Tier-driven work: target visits per month, preferred channel and whether online visits count, per tier."""
    user = tenant_user(request, SCORECARD_ROLES)
    tenant = user.tenant_id
    current = selectors.tier_settings(tenant=tenant)
    rows = []
    for tier, setting in current.items():
        initial = {
            "visits_per_month": setting.visits_per_month,
            "preferred_channel": setting.preferred_channel,
            "online_allowed": setting.online_allowed,
        }
        form = forms.TierSettingForm(request.POST or None, prefix=tier, initial=initial)
        rows.append((tier, setting, form))
    if request.method == "POST" and all(form.is_valid() for _tier, _setting, form in rows):
        try:
            with transaction.atomic():
                for tier, setting, form in rows:
                    if form.has_changed() or setting.is_default:
                        services.tier_setting_set(tenant=tenant, by=user, tier=tier, **form.cleaned_data)
        except ValidationError as exc:
            for message in error_messages(exc):
                messages.error(request, message)
        else:
            messages.success(request, _("Tier settings saved."))
            return redirect("tier_settings")
    return render(request, "segmentation/tier_settings.html", {"rows": rows})


# --- doctor profile: adoption ladder --------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def adoption_set(request, pk):
    """The doctor's adoption ladder block; POST sets one product's stage (htmx swaps the block)."""
    user = tenant_user(request)
    tenant = user.tenant_id
    doctor = get_or_404(hospital_selectors.visible_doctors(tenant=tenant, user=user), pk)
    error = None
    if request.method == "POST":
        if not pages.can_set_adoption(user):
            raise PermissionDenied
        form = forms.AdoptionForm(request.POST, tenant=tenant)
        if form.is_valid():
            try:
                services.adoption_set(tenant=tenant, by=user, doctor=doctor, **form.cleaned_data)
            except ValidationError as exc:
                error = "; ".join(error_messages(exc))
        else:
            error = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        if not is_htmx(request):
            if error:
                messages.error(request, error)
            return redirect(reverse("doctor_detail", args=[doctor.pk]) + "#adoption")
    block = {
        "adoption": pages.doctor_adoption(tenant=tenant, doctor=doctor),
        "can_set_adoption": pages.can_set_adoption(user),
        "stages": AdoptionStage.choices,
    }
    # htmx swaps only successful answers: a refusal comes back as the block with its message.
    return render(request, "segmentation/_adoption.html", {"doctor": doctor, "tiers": block, "adoption_error": error})
