"""Post-event follow-up (the outbox, follow-ups, recalls) and field insights to product managers."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import TenantModel, TenantQuerySet
from events.models.attendance import Attendee, Question
from events.models.event import Event
from events.vocabulary import (
    FollowUpStatus,
    InsightKind,
    InsightStatus,
    Reaction,
    Recall,
    TrialResult,
)

# --- follow-up ------------------------------------------------------------------------------


class PendingEventFollowUp(TenantModel):
    """Outbox row: an event whose follow-ups have not been created yet (written with the
    transition, deleted with the follow-ups; the sweeper re-enqueues a lost one)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+", verbose_name=_("event"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("sweeper attempts"), default=0)

    class Meta:
        verbose_name = _("pending event follow-up")
        verbose_name_plural = _("pending event follow-ups")
        constraints = [models.UniqueConstraint(fields=["tenant", "event"], name="pendingeventfu_uniq")]
        indexes = [models.Index(fields=["tenant", "created_at"], name="pendingeventfu_created_idx")]

    def __str__(self):
        return f"{self.event_id}"


class EventFollowUpQuerySet(TenantQuerySet):
    """Post-event follow-ups."""

    def open(self):
        return self.filter(status=FollowUpStatus.OPEN)

    def overdue(self, day=None):
        return self.open().filter(due_date__lt=day or timezone.localdate())


class EventFollowUp(TenantModel):
    """The follow-up of one attendee after the event: exactly one per attendee (a unique
    constraint), a visit plan for the assignee, purposes A–E, the answers recorded."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="followups", verbose_name=_("event"))
    attendee = models.ForeignKey(Attendee, on_delete=models.CASCADE, related_name="+", verbose_name=_("attendee"))
    doctor = models.ForeignKey("hospitals.Doctor", on_delete=models.PROTECT, related_name="+", verbose_name=_("doctor"))
    assignee = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("follows up")
    )
    watchers = models.JSONField(_("watching (user ids)"), default=list, blank=True)
    visit_plan = models.ForeignKey(
        "visits.VisitPlan",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("visit plan"),
    )
    purposes = models.JSONField(_("purposes"), default=list)
    open_questions = models.JSONField(_("open questions"), default=list, blank=True)
    due_date = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    visit = models.ForeignKey(
        "visits.Visit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("visit report"),
    )
    trial = models.CharField(_("trial prescribing"), max_length=10, choices=TrialResult.choices, blank=True)
    trial_indication = models.CharField(_("trial indication"), max_length=200, blank=True)
    answers = models.JSONField(_("questionnaire answers"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = EventFollowUpQuerySet.as_tenant_manager()

    class Meta:
        verbose_name = _("event follow-up")
        verbose_name_plural = _("event follow-ups")
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "attendee"], name="eventfollowup_tenant_attendee_uniq"),
            models.CheckConstraint(
                condition=Q(status="open") | Q(done_at__isnull=False) | Q(status="cancelled"),
                name="eventfollowup_done_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "event", "status"], name="eventfu_tenant_event_idx"),
            models.Index(fields=["tenant", "assignee", "status", "due_date"], name="eventfu_tenant_assignee_idx"),
            models.Index(fields=["tenant", "doctor"], name="eventfu_tenant_doctor_idx"),
        ]

    def __str__(self):
        return f"{self.event_id}: {self.doctor_id}"

    @property
    def is_overdue(self) -> bool:
        return self.status == FollowUpStatus.OPEN and self.due_date < timezone.localdate()


class FollowUpRecall(TenantModel):
    """What the doctor recalled of one key message of the meeting, and their reaction."""

    followup = models.ForeignKey(
        EventFollowUp, on_delete=models.CASCADE, related_name="recalls", verbose_name=_("follow-up")
    )
    key_message = models.ForeignKey(
        "hospitals.KeyMessage", on_delete=models.PROTECT, related_name="+", verbose_name=_("key message")
    )
    recall = models.CharField(_("recall"), max_length=10, choices=Recall.choices)
    reaction = models.CharField(_("reaction"), max_length=10, choices=Reaction.choices, default=Reaction.NEUTRAL)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("key-message recall")
        verbose_name_plural = _("key-message recalls")
        constraints = [models.UniqueConstraint(fields=["tenant", "followup", "key_message"], name="fu_recall_uniq")]
        indexes = [models.Index(fields=["tenant", "key_message"], name="fu_recall_tenant_km_idx")]

    def __str__(self):
        return f"{self.followup_id}: {self.key_message_id} {self.recall}"


# --- field insights -------------------------------------------------------------------------


class InsightQuerySet(TenantQuerySet):
    """Field insights."""

    def open(self):
        return self.filter(status=InsightStatus.OPEN)


class Insight(TenantModel):
    """What a rep brings back from the field for the product manager: an unanswered question,
    an objection, a competitor claim, a request for evidence — and the PM's answer back."""

    kind = models.CharField(_("kind"), max_length=20, choices=InsightKind.choices, default=InsightKind.QUESTION)
    text = models.TextField(_("insight"))
    product = models.ForeignKey(
        "hospitals.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    key_message = models.ForeignKey(
        "hospitals.KeyMessage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("key message"),
    )
    doctor = models.ForeignKey(
        "hospitals.Doctor", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("doctor")
    )
    event = models.ForeignKey(
        Event, on_delete=models.PROTECT, null=True, blank=True, related_name="insights", verbose_name=_("event")
    )
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, null=True, blank=True, related_name="insights", verbose_name=_("question")
    )
    visit = models.ForeignKey(
        "visits.Visit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("visit report"),
    )
    raised_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("raised by")
    )
    product_manager = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product manager"),
    )
    status = models.CharField(_("status"), max_length=10, choices=InsightStatus.choices, default=InsightStatus.OPEN)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    addressed_in = models.ForeignKey(
        "visits.ContentItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("addressed in deck"),
    )
    addressed_version = models.CharField(_("deck version"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = InsightQuerySet.as_tenant_manager()

    class Meta:
        verbose_name = _("field insight")
        verbose_name_plural = _("field insights")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | Q(answered_at__isnull=False) | Q(status="closed"),
                name="insight_answered_has_time",
            ),
            # One insight per event question (raising it again returns the same one).
            models.UniqueConstraint(
                fields=["tenant", "question"], condition=Q(question__isnull=False), name="insight_tenant_question_uniq"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "-created_at", "-id"], name="insight_tenant_created_idx"),
            models.Index(fields=["tenant", "status", "-created_at", "-id"], name="insight_tenant_status_idx"),
            models.Index(
                fields=["tenant", "product_manager", "status", "-created_at", "-id"], name="insight_tenant_pm_idx"
            ),
            models.Index(fields=["tenant", "product", "status", "-created_at", "-id"], name="insight_tenant_prod_idx"),
            models.Index(fields=["tenant", "raised_by", "-created_at", "-id"], name="insight_tenant_rep_idx"),
            models.Index(fields=["tenant", "event"], name="insight_tenant_event_idx"),
            models.Index(fields=["tenant", "doctor"], name="insight_tenant_doctor_idx"),
        ]

    def __str__(self):
        return self.text[:60]


# Speaker and consulting fees, the transfer-of-value ledger and audit flags (issue 11).
from events.fees.models import *  # noqa: E402,F401,F403
