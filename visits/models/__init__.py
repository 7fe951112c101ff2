"""Cycle plans, visit plans, visit reports, follow-up tasks, medical inquiries, content library.

The life of a visit (DESIGN.md §4, issue 5):

* a :class:`CyclePlan` per rep and month holds a target per aligned doctor (from the tier's call
  frequency); a manager approves it;
* a :class:`VisitPlan` prepares one visit (objective, key messages, content, questions);
* a :class:`Visit` is the report: a draft, then submitted. A submitted report is *locked*:
  a PostgreSQL trigger (migration ``0003_visit_lock``) refuses UPDATE and DELETE of a
  submitted row and any change to its child rows, unless the transaction names an existing
  :class:`VisitAmendment` of that visit (``app.visit_amendment``), which is how
  ``visits.services.visit_amend`` records a correction: the amendment keeps the original
  values, who, when and why; django-simple-history keeps every version too;
* submitting enqueues the follow-up job, which applies the tenant's :class:`FollowUpRule` rows:
  exactly one :class:`FollowUpTask` per (visit, rule), by a unique constraint and
  ``INSERT … ON CONFLICT DO NOTHING``.

The models live in one module per sub-domain (settings, content, plans, reports, followups) and
are all importable from ``visits.models`` as before: the app label, the model names and the
migrations do not change.
"""

from crm.models import Notification, TenantQuerySet  # noqa: F401  (Notification: the kernel's inbox)
from visits.models.content import ContentItem, ContentItemQuerySet, content_upload_to
from visits.models.followups import (
    FollowUpRule,
    FollowUpTask,
    FollowUpTaskQuerySet,
    MedicalInquiry,
    MedicalInquiryQuerySet,
    PendingFollowUp,
)
from visits.models.plans import (
    CyclePlan,
    CyclePlanLine,
    VisitPlan,
    VisitPlanContent,
    VisitPlanKeyMessage,
    VisitPlanQuerySet,
)
from visits.models.reports import (
    Visit,
    VisitAmendment,
    VisitContent,
    VisitKeyMessage,
    VisitProduct,
    VisitQuerySet,
)
from visits.models.settings import RepCapacity, RepLeave, VisitSettings
from visits.vocabulary import (  # noqa: F401  (the vocabulary, importable from here as ever)
    DEFAULT_OBJECTIVES,
    Assignee,
    ContentKind,
    FollowUpTrigger,
    InquiryStatus,
    NotificationKind,
    ObjectiveAchieved,
    PlanStatus,
    Priority,
    Reaction,
    SendBackChannel,
    Signal,
    TaskStatus,
    VisitChannel,
    VisitPlanSource,
    VisitPlanStatus,
    VisitStatus,
    month_start,
)

__all__ = [
    "ContentItem",
    "ContentItemQuerySet",
    "CyclePlan",
    "CyclePlanLine",
    "FollowUpRule",
    "FollowUpTask",
    "FollowUpTaskQuerySet",
    "MedicalInquiry",
    "MedicalInquiryQuerySet",
    "PendingFollowUp",
    "RepCapacity",
    "RepLeave",
    "Visit",
    "VisitAmendment",
    "VisitContent",
    "VisitKeyMessage",
    "VisitPlan",
    "VisitPlanContent",
    "VisitPlanKeyMessage",
    "VisitPlanQuerySet",
    "VisitProduct",
    "VisitQuerySet",
    "VisitSettings",
    "content_upload_to",
]
