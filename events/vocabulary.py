"""The vocabulary of events: choices of event types, organisers, statuses, RSVP, sign-in,
follow-up purposes and insights. ``events.models`` re-exports every name."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    DEPARTMENT_MEETING = "department_meeting", _("Department meeting (科室会)")
    CITY_MEETING = "city_meeting", _("City or regional meeting (城市会/区域会)")
    SATELLITE_SYMPOSIUM = "satellite_symposium", _("Satellite symposium")
    MASTERCLASS = "masterclass", _("Masterclass / training class")
    WEBINAR = "webinar", _("Webinar / online meeting")
    FREE_CLINIC = "free_clinic", _("Free clinic (义诊)")
    ADVISORY = "advisory", _("Expert advisory meeting")


class OrganiserKind(models.TextChoices):
    COMPANY = "company", _("Company")
    DISTRIBUTOR = "distributor", _("Distributor (agency model)")
    THIRD_PARTY = "third_party", _("Third party (society, hospital)")


class VenueKind(models.TextChoices):
    HOSPITAL = "hospital", _("Hospital")
    HOTEL = "hotel", _("Hotel")
    CONFERENCE_CENTRE = "conference_centre", _("Conference centre")
    RESTAURANT = "restaurant", _("Restaurant")
    RESORT = "resort", _("Resort")
    SCENIC_AREA = "scenic_area", _("Scenic area")
    ONLINE = "online", _("Online")
    OTHER = "other", _("Other")


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    HELD = "held", _("Held")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", _("Rejected")


# Statuses after which the event's facts are frozen (corrections are recorded, never silent).
FROZEN_STATUSES = frozenset({EventStatus.HELD, EventStatus.CLOSED})
FINAL_STATUSES = frozenset({EventStatus.CLOSED, EventStatus.CANCELLED, EventStatus.REJECTED})


class ProgramStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class BudgetCategory(models.TextChoices):
    VENUE = "venue", _("Venue")
    CATERING = "catering", _("Catering")
    MATERIALS = "materials", _("Materials")
    TRAVEL = "travel", _("Travel and lodging")
    REGISTRATION = "registration", _("Registration")
    SPEAKER_FEES = "speaker_fees", _("Speaker fees")
    OTHER = "other", _("Other")


class Rsvp(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    TENTATIVE = "tentative", _("Tentative")
    WALK_IN = "walk_in", _("Walk-in (not invited)")


class InvitedVia(models.TextChoices):
    HAND_PICKED = "hand_picked", _("Hand-picked")
    TIER = "tier", _("Tier")
    DEPARTMENT = "department", _("Department")
    HOSPITAL = "hospital", _("Hospital")
    ADOPTION = "adoption", _("Adoption stage")
    RELATION = "relation", _("Relation network")
    PROGRAM = "program", _("Program audience")
    WALK_IN = "walk_in", _("Walk-in")


class SignInMethod(models.TextChoices):
    REP = "rep", _("Marked by the rep")
    QR = "qr", _("QR self sign-in")


class SelfSignInStatus(models.TextChoices):
    MATCHED = "matched", _("Matched")
    REVIEW = "review", _("To review")
    RESOLVED = "resolved", _("Resolved by hand")
    DISMISSED = "dismissed", _("Dismissed")


class PhotoKind(models.TextChoices):
    SIGNIN_SHEET = "signin_sheet", _("Sign-in sheet")
    PHOTO = "photo", _("Event photo")


class FollowUpOn(models.TextChoices):
    HELD = "held", _("When the event is held")
    CLOSED = "closed", _("When the event is closed")


class Purpose(models.TextChoices):
    """What an event follow-up is for (A–E)."""

    RECALL = "A", _("A · key-message recall")
    ANSWER = "B", _("B · answer the open question")
    TRIAL = "C", _("C · trial prescribing since the meeting")
    COURTESY = "D", _("D · courtesy visit repeating the key message")
    OTHER = "E", _("E · other")


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Recall(models.TextChoices):
    REMEMBERED = "remembered", _("Remembered")
    PARTLY = "partly", _("Partly")
    NOT = "not", _("Not remembered")


class Reaction(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    NEUTRAL = "neutral", _("Neutral")
    DOUBT = "doubt", _("Doubts")


class TrialResult(models.TextChoices):
    NONE = "none", _("No trial yet")
    STARTED = "started", _("Trial started")
    GOOD = "good", _("Trial, good result")
    POOR = "poor", _("Trial, poor result")


class InsightKind(models.TextChoices):
    QUESTION = "question", _("Unanswered question")
    OBJECTION = "objection", _("Objection")
    COMPETITOR_CLAIM = "competitor_claim", _("Competitor claim")
    EVIDENCE_REQUEST = "evidence_request", _("Request for evidence")
    OTHER = "other", _("Other")


class InsightStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class NotificationKind(models.TextChoices):
    """Kinds of the inbox notifications events writes (crm.inbox)."""

    EVENT_SUBMITTED = "event_submitted", _("Event to approve")
    EVENT_DECIDED = "event_decided", _("Event approved or rejected")
    EVENT_FOLLOWUP = "event_followup", _("Event follow-up assigned")
    EVENT_FU_DUE = "event_fu_due", _("Event follow-up due")
    EVENT_FU_OVERDUE = "event_fu_overdue", _("Event follow-up overdue")
    EVENT_FU_ESCALATED = "event_fu_escalated", _("Event follow-up overdue (team)")
    INSIGHT_NEW = "insight_new", _("New field insight")
    INSIGHT_ANSWERED = "insight_answered", _("Field insight answered")


DEFAULT_QUESTIONNAIRE = {
    Purpose.RECALL: [
        _("What do you remember from the meeting?"),
        _("Which point do you accept, which do you doubt?"),
    ],
    Purpose.ANSWER: [_("Here is the answer to your question: does it settle it?")],
    Purpose.TRIAL: [_("Have you tried the product since the meeting? For which indication, with what result?")],
    Purpose.COURTESY: [_("Anything we can help with after the meeting?")],
    Purpose.OTHER: [],
}
