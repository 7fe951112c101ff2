"""Pages of the rep's day and the manager's team."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET

from crm import exports
from crm.permissions import MANAGER_ROLES, VISITING_ROLES
from crm.web import get_or_404, is_htmx, tenant_user
from visits import pages, selectors
from visits.forms import (
    CyclePlanReviewForm,
)
from visits.views._shared import _visiting_user

# --- my day --------------------------------------------------------------------------------


@login_required
@require_GET
def my_day(request):
    """The rep's day (also on their home page): plans, reports to submit, tasks, doctors behind."""
    user = _visiting_user(request)
    return render(request, "visits/my_day.html", {"my_day": pages.my_day_context(user)})


# --- the manager's team --------------------------------------------------------------------


@login_required
@require_GET
def team(request):
    """Per rep: plan adherence, reports on time vs late, A/B doctors at target frequency, overdue
    tasks — this month in a table, this month and the last six in charts; plans to review."""
    user = tenant_user(request, MANAGER_ROLES)
    return render(request, "visits/team.html", {**pages.team_context(user), "review_form": CyclePlanReviewForm()})


# --- report lists and the manager's drill-down (issue 15) ----------------------------------


@login_required
@require_GET
def report_list(request):
    """ "My reports" for a rep; the team's reports for a manager (by rep, date, doctor, tier,
    status, late, amended); keyset pages, each row opens the report."""
    user = tenant_user(request, VISITING_ROLES)
    context = pages.report_list_page(user, request.GET)
    template = "visits/_report_rows.html" if is_htmx(request, "report-rows") else "visits/report_list.html"
    return render(request, template, context)


@login_required
@require_GET
def report_export(request, fmt):
    """The report list with its filters as CSV or Excel."""
    user = tenant_user(request, VISITING_ROLES)
    if fmt not in exports.FORMATS:
        return HttpResponseBadRequest()
    filters = pages.report_filters(user, request.GET)
    qs = selectors.report_list(tenant=user.tenant_id, user=user, **filters.selector_kwargs())
    return exports.export_response(qs, pages.REPORT_EXPORT_COLUMNS, fmt, "visit-reports")


@login_required
@require_GET
def team_rep(request, pk):
    """A manager's drill-down to one rep: this month's figures, their cycle plan, the reports of
    the last seven days (late ones first to see), drafts not submitted and overdue tasks."""
    user = tenant_user(request, MANAGER_ROLES)
    rep = get_or_404(selectors.team_reps(tenant=user.tenant_id, manager=user), pk)
    if rep is None:
        raise Http404
    return render(request, "visits/team_rep.html", pages.team_rep_context(user, rep))
