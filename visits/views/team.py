"""Pages of the rep's day and the manager's team."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from crm.permissions import MANAGER_ROLES
from crm.web import tenant_user
from visits import pages
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
