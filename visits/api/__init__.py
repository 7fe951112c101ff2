"""API of visits: serializers and viewsets (thin: reads via selectors, writes via services), a
package split by sub-domain; the viewsets are importable from here (crm/api.py registers them).

Routes (registered in crm/api.py): ``visits`` (+ ``submit``, ``amend``), ``visit-amendments``,
``visit-plans``, ``cycle-plans`` (+ ``generate``, ``submit``, ``approve``, ``return``),
``cycle-plan-lines``, ``followup-tasks`` (+ ``complete``, ``reopen``), ``medical-inquiries``
(+ ``answer``, ``send-back``, ``assign``), ``content-items`` (+ ``approve``, ``withdraw``),
``followup-rules``, ``visit-settings``. Notifications are the kernel's inbox (crm.inbox.api).
Bases, roles per action: crm.rest / crm.permissions.

A change to a submitted visit report answers **409 Conflict** (the report is locked); the
correction is ``POST /visits/{id}/amend/`` with a reason. Another tenant's object, or one
the caller may not see, is 404.
"""

from visits.api.content import (
    ContentItemSerializer,
    ContentItemViewSet,
)
from visits.api.followups import (
    CompleteSerializer,
    FollowUpTaskSerializer,
    FollowUpTaskViewSet,
)
from visits.api.inquiries import (
    AnswerSerializer,
    AssignSerializer,
    MedicalInquirySerializer,
    MedicalInquiryViewSet,
    SendBackSerializer,
)
from visits.api.plans import (
    CyclePlanGenerateSerializer,
    CyclePlanLineSerializer,
    CyclePlanLineViewSet,
    CyclePlanSerializer,
    CyclePlanViewSet,
    ReviewSerializer,
    VisitPlanSerializer,
    VisitPlanViewSet,
)
from visits.api.reports import (
    KeyMessageReactionSerializer,
    Locked,
    VisitAmendmentSerializer,
    VisitAmendmentViewSet,
    VisitAmendSerializer,
    VisitSerializer,
    VisitViewSet,
)
from visits.api.settings import (
    FollowUpRuleSerializer,
    FollowUpRuleViewSet,
    VisitSettingsSerializer,
    VisitSettingsViewSet,
)

__all__ = [
    "AnswerSerializer",
    "AssignSerializer",
    "CompleteSerializer",
    "ContentItemSerializer",
    "ContentItemViewSet",
    "CyclePlanGenerateSerializer",
    "CyclePlanLineSerializer",
    "CyclePlanLineViewSet",
    "CyclePlanSerializer",
    "CyclePlanViewSet",
    "FollowUpRuleSerializer",
    "FollowUpRuleViewSet",
    "FollowUpTaskSerializer",
    "FollowUpTaskViewSet",
    "KeyMessageReactionSerializer",
    "Locked",
    "MedicalInquirySerializer",
    "MedicalInquiryViewSet",
    "ReviewSerializer",
    "SendBackSerializer",
    "VisitAmendSerializer",
    "VisitAmendmentSerializer",
    "VisitAmendmentViewSet",
    "VisitPlanSerializer",
    "VisitPlanViewSet",
    "VisitSerializer",
    "VisitSettingsSerializer",
    "VisitSettingsViewSet",
    "VisitViewSet",
]
