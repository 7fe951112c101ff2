"""Writes of visits: one function per use case, keyword-only, ``tenant`` first, acting user ``by``.

A package split by sub-domain — ``plans``, ``reports``, ``followups``, ``inquiries``, ``content``
(and ``_shared``); every service is importable from here (``from visits.services import X``).

Rules that live here:

* **Visit time** (:func:`check_visit_time`): a visit in the future is refused; a visit dated
  more than ``VisitSettings.backdate_limit_days`` back is refused when the report is created
  or its date changed. Submitting an existing draft is always accepted; when it happens more
  than ``submit_window_hours`` (24 h) after the visit the report is flagged ``is_late``.
* **Locking**: :func:`visit_update` and :func:`visit_delete` refuse a submitted report;
  :func:`visit_amend` records a :class:`VisitAmendment` (who, when, why, old and new values)
  and only then changes the row, inside the amendment guard the database trigger checks
  (migration 0003).
* **Follow-up**: :func:`visit_submit` writes a :class:`PendingFollowUp` outbox row and enqueues
  ``visits.tasks.create_followups`` on commit; :func:`visit_followups_create` applies the
  tenant's rules with ``INSERT … ON CONFLICT DO NOTHING`` on (tenant, visit, rule), so a task
  exists exactly once however often it runs.

Pharmacovigilance: adverse-event tasks go to ``VisitSettings.pv_assignee`` when the tenant
names one, otherwise to the unassigned pharmacovigilance inbox, which medical affairs users
see (ROLE_INBOXES in selectors).
"""

from crm.inbox import notifications_mark_read, reminders_send  # the kernel's inbox, kept importable here
from visits.services.content import (
    CONTENT_FIELDS,
    content_item_approve,
    content_item_create,
    content_item_update,
    content_item_withdraw,
)
from visits.services.followups import (
    DEFAULT_RULES,
    followup_rules_ensure,
    followup_task_complete,
    followup_task_reopen,
    visit_followups_create,
    visit_reminders,
    working_days_after,
)
from visits.services.inquiries import (
    medical_inquiry_answer,
    medical_inquiry_assign,
    medical_inquiry_create,
    medical_inquiry_send_back,
)
from visits.services.plans import (
    VISIT_PLAN_FIELDS,
    cycle_plan_approve,
    cycle_plan_generate,
    cycle_plan_line_set_planned,
    cycle_plan_return,
    cycle_plan_submit,
    cycle_plans_generate,
    visit_plan_cancel,
    visit_plan_create,
    visit_plan_update,
    visit_plans_create_bulk,
    visit_plans_from_suggestions,
)
from visits.services.reports import (
    AMENDABLE_FIELDS,
    FUTURE_TOLERANCE,
    VISIT_CHILD_FIELDS,
    VISIT_FIELDS,
    _locked_error,
    check_visit_time,
    validate_for_submit,
    visit_amend,
    visit_create,
    visit_create_from_plan,
    visit_delete,
    visit_settings_update,
    visit_submit,
    visit_update,
)

__all__ = [
    "AMENDABLE_FIELDS",
    "CONTENT_FIELDS",
    "DEFAULT_RULES",
    "FUTURE_TOLERANCE",
    "VISIT_CHILD_FIELDS",
    "VISIT_FIELDS",
    "VISIT_PLAN_FIELDS",
    "_locked_error",
    "check_visit_time",
    "content_item_approve",
    "content_item_create",
    "content_item_update",
    "content_item_withdraw",
    "cycle_plan_approve",
    "cycle_plan_generate",
    "cycle_plan_line_set_planned",
    "cycle_plan_return",
    "cycle_plan_submit",
    "cycle_plans_generate",
    "followup_rules_ensure",
    "followup_task_complete",
    "followup_task_reopen",
    "medical_inquiry_answer",
    "medical_inquiry_assign",
    "medical_inquiry_create",
    "medical_inquiry_send_back",
    "notifications_mark_read",
    "reminders_send",
    "validate_for_submit",
    "visit_amend",
    "visit_create",
    "visit_create_from_plan",
    "visit_delete",
    "visit_followups_create",
    "visit_plan_cancel",
    "visit_plan_create",
    "visit_plan_update",
    "visit_plans_create_bulk",
    "visit_plans_from_suggestions",
    "visit_reminders",
    "visit_settings_update",
    "visit_submit",
    "visit_update",
    "working_days_after",
]
