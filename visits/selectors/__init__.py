"""Reads of visits: role visibility in one place, the pages' data, set-based aggregates.

A package split by sub-domain — ``reports``, ``plans``, ``followups``, ``inquiries``, ``content``,
``team`` (the rep's day, the manager's view) and ``common``; every selector is importable from
here (``from visits.selectors import X``).

Who sees what (DESIGN.md §3, issue 5):

* rep / distributor rep: their own reports (drafts included) and the *submitted* reports of
  the doctors they see (``hospitals.selectors.visible_doctors``) — the doctor's history;
* manager: the reports of their team (``accounts.selectors.team_members``) and their own,
  and the submitted reports of the doctors they see;
* head office (product manager, medical affairs, compliance, administrator): every submitted
  report, read-only;
* a draft is only ever visible to its author.

Follow-up tasks land in inboxes (``assignee_role``): a person sees the tasks assigned to them
and the unassigned tasks of their inbox; a manager also their team's tasks; administrators
and product managers read all. Medical inquiries: medical affairs those assigned to them or
unassigned; the rep the ones they raised or of doctors they see; compliance, administrators
and product managers read all.

Tiers and call frequencies come from ``segmentation`` (an unscored doctor counts as tier C);
event attendees to follow up from the events app, through :mod:`visits.hooks`.
"""

from accounts.selectors import team_members  # used through this module by the pages
from crm.inbox import notification_list, unread_notification_count  # the kernel's inbox, kept importable here
from crm.permissions import CONTENT_EDITORS, FIELD_ROLES  # the role sets (crm/permissions.py), by the names
from crm.permissions import INQUIRY_ALL_READERS as ALL_READERS  # this module used
from crm.permissions import VISITING_ROLES as REPORTING_ROLES
from hospitals.selectors import visible_doctors  # used through this module by the pages
from visits.selectors.common import (
    DEFAULT_TIER,
    DEFAULT_TIER_FREQUENCY,
    Capacity,
    _same_tenant,
    add_months,
    doctor_tiers,
    is_working_day,
    local_day_bounds,
    month_bounds,
    objective_template,
    rep_capacity,
    rep_doctors,
    team_user_ids,
    tier_frequencies,
    visit_settings,
    working_days,
)
from visits.selectors.content import (
    content_item_list,
    content_usage,
    with_usage,
)
from visits.selectors.followups import (
    ROLE_INBOXES,
    Inbox,
    can_complete_task,
    followup_rule_list,
    followup_task_list,
    task_counts_by_status,
    task_inbox,
)
from visits.selectors.inquiries import (
    medical_inquiry_list,
)
from visits.selectors.plans import (
    DoctorBehind,
    PlanTotals,
    Suggestion,
    VisitPlanDefaults,
    approved_key_messages,
    behind_frequency_changed,
    behind_frequency_rows,
    cycle_plan_line_list,
    cycle_plan_lines,
    cycle_plan_list,
    cycle_plan_totals,
    doctor_targets,
    doctors_behind_frequency,
    event_followup_suggestions,
    reps_behind_affected_by,
    suggested_week,
    suggested_week_head,
    visit_counts,
    visit_plan_defaults,
    visit_plan_list,
)
from visits.selectors.reports import (
    amendment_list,
    can_amend_visit,
    can_edit_visit,
    doctor_timeline,
    report_list,
    visit_detail,
    visit_list,
)
from visits.selectors.team import (
    MyDay,
    RepAdherence,
    manager_adherence,
    my_day,
    team_reps,
)

__all__ = [
    "ALL_READERS",
    "CONTENT_EDITORS",
    "FIELD_ROLES",
    "REPORTING_ROLES",
    "DEFAULT_TIER",
    "DEFAULT_TIER_FREQUENCY",
    "DoctorBehind",
    "Inbox",
    "MyDay",
    "PlanTotals",
    "ROLE_INBOXES",
    "RepAdherence",
    "Suggestion",
    "VisitPlanDefaults",
    "_same_tenant",
    "add_months",
    "amendment_list",
    "approved_key_messages",
    "can_amend_visit",
    "can_complete_task",
    "can_edit_visit",
    "content_item_list",
    "content_usage",
    "cycle_plan_line_list",
    "cycle_plan_lines",
    "cycle_plan_list",
    "cycle_plan_totals",
    "doctor_targets",
    "doctor_tiers",
    "doctor_timeline",
    "behind_frequency_changed",
    "behind_frequency_rows",
    "reps_behind_affected_by",
    "doctors_behind_frequency",
    "event_followup_suggestions",
    "followup_rule_list",
    "followup_task_list",
    "local_day_bounds",
    "manager_adherence",
    "medical_inquiry_list",
    "month_bounds",
    "my_day",
    "notification_list",
    "objective_template",
    "Capacity",
    "is_working_day",
    "rep_capacity",
    "working_days",
    "rep_doctors",
    "report_list",
    "suggested_week",
    "suggested_week_head",
    "task_counts_by_status",
    "task_inbox",
    "team_members",
    "team_reps",
    "team_user_ids",
    "tier_frequencies",
    "unread_notification_count",
    "visible_doctors",
    "visit_counts",
    "visit_detail",
    "visit_list",
    "visit_plan_defaults",
    "visit_plan_list",
    "visit_settings",
    "with_usage",
]
