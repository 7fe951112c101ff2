"""Writes of events: one function per use case, ``<entity>_<action>(*, tenant, by, …)``, keyword-only,
in a transaction, validated, refusing with a ``ValidationError`` (the API turns it into a 400, the
pages into a form error).

Rules that live here (docs/events.md):

* **Workflow**: draft → submitted → approved (by the organiser's manager; by a product manager
  of the event's products as well when the budget is above the tenant threshold) → held →
  closed, or cancelled / rejected with a reason. Every step is an :class:`EventTransition`.
  Once held, :func:`event_update` refuses and :func:`event_correct` records the old and new
  values with the reason.
* **Follow-up, exactly once**: marking an event held (or closed, a tenant setting) writes an
  outbox row and enqueues ``events.create_followups`` on commit; :func:`event_followups_create`
  inserts one :class:`EventFollowUp` per signed-in attendee with ``ON CONFLICT DO NOTHING`` on
  (tenant, attendee), and only for the rows it inserted makes the visit plans
  (``visits.services.visit_plans_create_bulk``), in one transaction that also clears the outbox.
* **Sign-in**: the rep marks attendance, or the doctor signs in on the QR page; what the doctor
  typed is always kept (:class:`SelfSignIn`), matched to the master by name, pinyin, hospital and
  phone (rapidfuzz) or left for review.
* **Insights** land in the product managers' inbox (crm.inbox) and their answer goes back to
  the rep (and to the open follow-ups of that doctor, purpose B).
"""

from events.services._shared import ALLOWED_UPLOADS, EVENT_FIELDS, MAX_UPLOAD_BYTES, PROGRAM_FIELDS
from events.services.attendees import (
    attendee_add_walk_in,
    attendee_rsvp,
    attendee_sign_in,
    attendees_invite,
    attendees_invite_from_list,
    event_territories_rebuild,
    program_targets_from_list,
    self_sign_in,
    self_signin_resolve,
)
from events.services.followups import (
    event_followups_create,
    event_reminders,
    followup_complete,
    followup_save_draft,
)
from events.services.insights import (
    insight_address,
    insight_answer,
    insight_raise,
    user_may_see_event,
)
from events.services.records import (
    agenda_item_create,
    agenda_item_delete,
    budget_line_set,
    check_upload,
    expense_add,
    photo_add,
    question_record,
)
from events.services.workflow import (
    event_approve,
    event_cancel,
    event_close,
    event_correct,
    event_create,
    event_delete,
    event_mark_held,
    event_reject,
    event_settings_update,
    event_submit,
    event_update,
    program_create,
    program_update,
)

__all__ = [
    "event_delete",
    "ALLOWED_UPLOADS",
    "EVENT_FIELDS",
    "MAX_UPLOAD_BYTES",
    "PROGRAM_FIELDS",
    "agenda_item_create",
    "agenda_item_delete",
    "attendee_add_walk_in",
    "attendee_rsvp",
    "attendee_sign_in",
    "attendees_invite",
    "event_territories_rebuild",
    "attendees_invite_from_list",
    "program_targets_from_list",
    "budget_line_set",
    "check_upload",
    "event_approve",
    "event_cancel",
    "event_close",
    "event_correct",
    "event_create",
    "event_followups_create",
    "event_mark_held",
    "event_reject",
    "event_reminders",
    "event_settings_update",
    "event_submit",
    "event_update",
    "expense_add",
    "followup_complete",
    "followup_save_draft",
    "insight_address",
    "insight_answer",
    "insight_raise",
    "photo_add",
    "program_create",
    "program_update",
    "question_record",
    "self_sign_in",
    "self_signin_resolve",
    "user_may_see_event",
]
