"""The vocabulary of visits: choices of channels, statuses, signals, follow-up triggers and
assignees, plus the objective templates and the month helper. ``visits.models`` re-exports
every name (the models use them; code may import them from either)."""

from __future__ import annotations

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _


class VisitChannel(models.TextChoices):
    """How a visit took place: the doctor-contact channels of hospitals.models.Channel plus two."""

    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    WECHAT = "wechat", _("WeChat")
    ONLINE_MEETING = "online_meeting", _("Online meeting")
    VIDEO = "video", _("Video call")
    DEPARTMENT_MEETING = "department_meeting", _("Department meeting")


class VisitStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class ObjectiveAchieved(models.TextChoices):
    YES = "yes", _("Yes")
    PARTLY = "partly", _("Partly")
    NO = "no", _("No")


class Reaction(models.TextChoices):
    """The doctor's reaction to a key message."""

    ACCEPTED = "accepted", _("Accepted")
    NEUTRAL = "neutral", _("Neutral")
    OBJECTION = "objection", _("Objection")
    # A planned key message the rep did not get to: recorded so that the report says so, never
    # left to a default reaction (issue 15).
    NOT_DELIVERED = "undelivered", _("Not delivered")


class Signal(models.TextChoices):
    """Demand signals a rep ticks on a visit report; follow-up rules react to them."""

    LITERATURE_REQUEST = "literature_request", _("Literature request")
    MEDICAL_QUESTION = "medical_question", _("Medical question")
    COMPLIANCE_QUESTION = "compliance_question", _("Compliance question")
    ADVERSE_EVENT = "adverse_event", _("Adverse-event mention")
    QUALITY_COMPLAINT = "quality_complaint", _("Product-quality complaint")
    EVENT_INVITATION = "event_invitation", _("Event invitation")
    SAMPLE_REQUEST = "sample_request", _("Sample request")


class FollowUpTrigger(models.TextChoices):
    """What on a submitted visit fires a follow-up rule: the next step, or one of the signals."""

    NEXT_STEP = "next_step", _("Next step")
    LITERATURE_REQUEST = "literature_request", _("Literature request")
    MEDICAL_QUESTION = "medical_question", _("Medical question")
    COMPLIANCE_QUESTION = "compliance_question", _("Compliance question")
    ADVERSE_EVENT = "adverse_event", _("Adverse-event mention")
    EVENT_INVITATION = "event_invitation", _("Event invitation")
    SAMPLE_REQUEST = "sample_request", _("Sample request")


class Assignee(models.TextChoices):
    """Who a follow-up rule gives its task to."""

    VISIT_REP = "visit_rep", _("The rep who made the visit")
    MEDICAL_AFFAIRS = "medical_affairs", _("Medical affairs")
    COMPLIANCE = "compliance", _("Compliance")
    PHARMACOVIGILANCE = "pharmacovigilance", _("Pharmacovigilance")
    MANAGER = "manager", _("The rep's manager")


class Priority(models.IntegerChoices):
    """Lower is more urgent (so ordering by priority puts urgent first)."""

    URGENT = 1, _("Urgent")
    HIGH = 2, _("High")
    NORMAL = 3, _("Normal")
    LOW = 4, _("Low")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class PlanStatus(models.TextChoices):
    """Cycle plan approval: draft → submitted → approved, or → returned (back to the rep) → submitted."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")


class VisitPlanStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class VisitPlanSource(models.TextChoices):
    """Why a visit plan exists."""

    MANUAL = "manual", _("Planned by the rep")
    BEHIND_FREQUENCY = "behind_frequency", _("Behind call frequency")
    FOLLOW_UP = "follow_up", _("Follow-up due")
    EVENT = "event", _("Event attendee")


class InquiryStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    SENT = "sent", _("Answer sent to the doctor")
    CLOSED = "closed", _("Closed")


class SendBackChannel(models.TextChoices):
    REP = "rep", _("Through the rep")
    EMAIL = "email", _("Email")
    WECHAT = "wechat", _("WeChat")
    PHONE = "phone", _("Phone")
    LETTER = "letter", _("Letter")


class ContentKind(models.TextChoices):
    SLIDE_DECK = "slide_deck", _("Slide deck")
    BROCHURE = "brochure", _("Brochure")
    CLINICAL_SUMMARY = "clinical_summary", _("Clinical summary")
    GUIDELINE = "guideline", _("Guideline interpretation")
    COMPETITOR_ANALYSIS = "competitor_analysis", _("Competitor analysis")
    CASE_VIDEO = "case_video", _("Case video link")


class NotificationKind(models.TextChoices):
    """The kinds of notification visits sends (crm.inbox; labels registered in VisitsConfig.ready)."""

    REPORT_OVERDUE = "report_overdue", _("Visit report not submitted")
    TASK_DUE = "task_due", _("Task due today")
    TASK_OVERDUE = "task_overdue", _("Task overdue")
    INQUIRY_OVERDUE = "inquiry_overdue", _("Medical inquiry past its SLA")
    TASK_ASSIGNED = "task_assigned", _("New task")
    PLAN_SUBMITTED = "plan_submitted", _("Cycle plan to approve")
    PLAN_REVIEWED = "plan_reviewed", _("Cycle plan reviewed")


# Objective templates per tier when the tenant has not written its own (VisitSettings).
DEFAULT_OBJECTIVES = {
    "A": _("Discuss clinical study data"),
    "B": _("Introduce the new indication"),
    "C": _("Build awareness"),
    "D": _("Keep informed through online channels"),
}


def month_start(day: datetime.date) -> datetime.date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)
