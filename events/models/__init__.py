"""Academic events: programs, events (科室会 to masterclasses), agenda, budget and expenses,
attendees and sign-in, questions, post-event follow-up, and field insights to product managers.

The life of an event (issue 10, docs/events.md):

* an :class:`Event` goes draft → submitted → approved → held → closed, or cancelled / rejected
  with a reason; every transition is an :class:`EventTransition` row (who, when, why) and, once
  held, a change of the event's facts is an :class:`EventCorrection` (old and new values) —
  ``events.services`` never changes a held event silently;
* :class:`Attendee` rows come from invitations (tier, department, hospital, adoption stage,
  relation network, hand-picked) or walk-ins; a QR self sign-in is a :class:`SelfSignIn` row
  that keeps exactly what the doctor typed, matched to the master or left for review;
* when the event is held (or closed, a tenant setting) an outbox row
  (:class:`PendingEventFollowUp`) and a task on commit create one :class:`EventFollowUp` per
  signed-in attendee — unique on (tenant, attendee) — each with its visit plan made through
  ``visits.services``;
* an :class:`Insight` (unanswered question, objection, competitor claim, evidence request)
  goes to the product's product managers (:class:`ProductManagerAssignment`) and their answer
  back to the rep.

One module per part (programs, event, attendance, followup; base: money fields and upload
paths); everything is importable from ``events.models`` as before.
"""

from events.models.attendance import (  # noqa: F401
    Attendee,
    AttendeeQuerySet,
    Question,
    SelfSignIn,
)
from events.models.base import MONEY, photo_upload_to, receipt_upload_to  # noqa: F401  (migrations name these)
from events.models.event import (  # noqa: F401
    AgendaItem,
    BudgetLine,
    Event,
    EventCorrection,
    EventKeyMessage,
    EventPhoto,
    EventProduct,
    EventQuerySet,
    EventTerritory,
    EventTransition,
    Expense,
)
from events.models.followup import (  # noqa: F401
    EventFollowUp,
    EventFollowUpQuerySet,
    FollowUpRecall,
    Insight,
    InsightQuerySet,
    PendingEventFollowUp,
)
from events.models.programs import (  # noqa: F401
    EventSettings,
    ProductManagerAssignment,
    Program,
    ProgramProduct,
    ProgramTarget,
)
from events.vocabulary import (  # noqa: F401  (the vocabulary, importable from here)
    DEFAULT_QUESTIONNAIRE,
    FINAL_STATUSES,
    FROZEN_STATUSES,
    BudgetCategory,
    EventStatus,
    EventType,
    FollowUpOn,
    FollowUpStatus,
    InsightKind,
    InsightStatus,
    InvitedVia,
    NotificationKind,
    OrganiserKind,
    PhotoKind,
    ProgramStatus,
    Purpose,
    Reaction,
    Recall,
    Rsvp,
    SelfSignInStatus,
    SignInMethod,
    TrialResult,
    VenueKind,
)
