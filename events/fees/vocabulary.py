"""The words of speaker and consulting fees: service types, fee workflow, ledger categories, flags."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceType(models.TextChoices):
    LECTURE = "lecture", _("Lecture")
    CHAIR = "chair", _("Chair / moderator")
    PANEL = "panel", _("Panel discussion")
    CONSULTING = "consulting", _("Consulting")
    ADVISORY = "advisory", _("Advisory board")
    TRAINING = "training", _("Training faculty")
    REVIEW = "review", _("Article / slide review")


# Services held in front of an audience: the doctor's hospital must approve the outside work
# before the service (issue 11: "required before the service for lectures").
HOSPITAL_APPROVAL_REQUIRED = frozenset({ServiceType.LECTURE, ServiceType.CHAIR, ServiceType.PANEL})
# Services of a speaker at an event (the "same speaker at many events of one product" rule).
SPEAKER_SERVICES = HOSPITAL_APPROVAL_REQUIRED


class FeeStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    REVIEW = "review", _("In compliance review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    DELIVERED = "delivered", _("Service delivered")
    PAYMENT_REQUESTED = "payment_requested", _("Payment requested")
    PAID = "paid", _("Paid")


# Fee records still owed or paid: they count against the annual cap.
COMMITTED_STATUSES = (
    FeeStatus.REQUESTED,
    FeeStatus.REVIEW,
    FeeStatus.APPROVED,
    FeeStatus.DELIVERED,
    FeeStatus.PAYMENT_REQUESTED,
)


class FeeKind(models.TextChoices):
    FEE = "fee", _("Fee")
    REVERSAL = "reversal", _("Reversal")


class PaymentChannel(models.TextChoices):
    DOCTOR_BANK = "doctor_bank", _("Bank transfer to the doctor")
    HOSPITAL_BANK = "hospital_bank", _("Bank transfer to the hospital")


class ToVCategory(models.TextChoices):
    FEE = "fee", _("Service fee")
    TRAVEL = "travel", _("Travel and lodging")
    REGISTRATION = "registration", _("Registration fee")
    MEAL = "meal", _("Meals")
    MATERIALS = "materials", _("Materials")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class FlagRule(models.TextChoices):
    ABOVE_RATE_CARD = "above_rate_card", _("Fee above the rate card")
    ABOVE_ANNUAL_CAP = "above_annual_cap", _("Doctor above the annual cap")
    TOO_MANY_ENGAGEMENTS = "too_many_engagements", _("Too many engagements in 90 days")
    TOO_MANY_HOURS = "too_many_hours", _("Too many hours in one day")
    MISSING_CONTRACT = "missing_contract", _("Missing contract")
    MISSING_HOSPITAL_APPROVAL = "missing_hospital_approval", _("Missing hospital approval")
    MISSING_EVIDENCE = "missing_evidence", _("Missing evidence of service")
    APPROVED_AFTER_SERVICE = "approved_after_service", _("Approval dated after the service")
    PAID_BEFORE_DELIVERED = "paid_before_delivered", _("Paid before the service was delivered")
    DUPLICATE_PAYMENT = "duplicate_payment", _("Duplicate payment")
    NO_ATTENDEES = "no_attendees", _("Event without signed-in attendees")
    FEW_ATTENDEES = "few_attendees", _("Event with fewer attendees than the threshold")
    ATTENDEE_INFLATION = "attendee_inflation", _("Attendee inflation")
    PHOTO_REUSED = "photo_reused", _("Sign-in sheet or photo reused across events")
    LOW_ACADEMIC_CONTENT = "low_academic_content", _("Too little academic content")
    FLAGGED_VENUE = "flagged_venue", _("Venue of a flagged kind")
    SPEAKER_REPEAT = "speaker_repeat", _("Same speaker at many events of one product")
    SALES_JUMP = "sales_jump", _("Fees in the quarter of the hospital's sales jump")


SEVERITY = {
    FlagRule.ABOVE_RATE_CARD: Severity.HIGH,
    FlagRule.ABOVE_ANNUAL_CAP: Severity.HIGH,
    FlagRule.TOO_MANY_ENGAGEMENTS: Severity.MEDIUM,
    FlagRule.TOO_MANY_HOURS: Severity.MEDIUM,
    FlagRule.MISSING_CONTRACT: Severity.HIGH,
    FlagRule.MISSING_HOSPITAL_APPROVAL: Severity.HIGH,
    FlagRule.MISSING_EVIDENCE: Severity.HIGH,
    FlagRule.APPROVED_AFTER_SERVICE: Severity.HIGH,
    FlagRule.PAID_BEFORE_DELIVERED: Severity.HIGH,
    FlagRule.DUPLICATE_PAYMENT: Severity.HIGH,
    FlagRule.NO_ATTENDEES: Severity.HIGH,
    FlagRule.FEW_ATTENDEES: Severity.MEDIUM,
    FlagRule.ATTENDEE_INFLATION: Severity.HIGH,
    FlagRule.PHOTO_REUSED: Severity.HIGH,
    FlagRule.LOW_ACADEMIC_CONTENT: Severity.MEDIUM,
    FlagRule.FLAGGED_VENUE: Severity.MEDIUM,
    FlagRule.SPEAKER_REPEAT: Severity.MEDIUM,
    FlagRule.SALES_JUMP: Severity.LOW,
}


class FlagStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLEARED = "cleared", _("Cleared by compliance")
    RESOLVED = "resolved", _("No longer applies")


class SampleKind(models.TextChoices):
    EVENTS = "events", _("Events")
    ENGAGEMENTS = "engagements", _("Engagements")


class SampleOutcome(models.TextChoices):
    PENDING = "pending", _("Not reviewed yet")
    OK = "ok", _("Evidence complete")
    ISSUE = "issue", _("Issue found")


class FeeNotification(models.TextChoices):
    """Kinds of the inbox notifications fees write (crm.inbox)."""

    FEE_REQUESTED = "fee_requested", _("Fee to review")
    FEE_DECIDED = "fee_decided", _("Fee approved or rejected")
    FEE_CAP_NEAR = "fee_cap_near", _("Doctor near the annual fee cap")
