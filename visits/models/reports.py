"""Visit reports (locked once submitted: migration ``0003_visit_lock``) and their amendments."""

from __future__ import annotations

import datetime

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.models import TenantModel, TenantQuerySet
from visits.models.content import ContentItem
from visits.models.plans import VisitPlan
from visits.vocabulary import (
    ObjectiveAchieved,
    Reaction,
    Signal,
    VisitChannel,
    VisitStatus,
    month_start,
)

# --- visit reports -------------------------------------------------------------------------


class VisitQuerySet(TenantQuerySet):
    """Visit reports, with the vocabulary of the field."""

    def submitted(self):
        """Submitted (locked) reports."""
        return self.filter(status=VisitStatus.SUBMITTED)

    def drafts(self):
        """Reports still being written."""
        return self.filter(status=VisitStatus.DRAFT)

    def overdue(self, *, hours=24, now=None):
        """Drafts whose visit is more than ``hours`` ago: the report should have been submitted."""
        now = now or timezone.now()
        return self.drafts().filter(visited_at__lt=now - datetime.timedelta(hours=hours))

    def in_month(self, month: datetime.date):
        """Visits made in the calendar month starting ``month`` (local time)."""
        start = timezone.make_aware(datetime.datetime.combine(month_start(month), datetime.time.min))
        end = timezone.make_aware(
            datetime.datetime.combine(
                (month_start(month) + datetime.timedelta(days=32)).replace(day=1), datetime.time.min
            )
        )
        return self.filter(visited_at__gte=start, visited_at__lt=end)


class Visit(TenantModel):
    """A visit report (call): what happened, what the doctor said, what comes next.

    Locked once submitted (module docstring): corrections go through ``visit_amend``.
    """

    rep = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("rep"))
    doctor = models.ForeignKey(
        "hospitals.Doctor", on_delete=models.PROTECT, related_name="visits", verbose_name=_("doctor")
    )
    plan = models.ForeignKey(
        VisitPlan, on_delete=models.SET_NULL, null=True, blank=True, related_name="visits", verbose_name=_("visit plan")
    )
    channel = models.CharField(
        _("channel"), max_length=24, choices=VisitChannel.choices, default=VisitChannel.IN_PERSON
    )
    visited_at = models.DateTimeField(_("visited at"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), null=True, blank=True, validators=[MaxValueValidator(24 * 60)]
    )
    products = models.ManyToManyField(
        "hospitals.Product", through="VisitProduct", blank=True, related_name="+", verbose_name=_("products discussed")
    )
    content_items = models.ManyToManyField(
        ContentItem, through="VisitContent", blank=True, related_name="+", verbose_name=_("content used")
    )
    objective = models.CharField(_("objective"), max_length=300, blank=True)
    objective_achieved = models.CharField(
        _("objective achieved"), max_length=8, choices=ObjectiveAchieved.choices, blank=True
    )
    feedback = models.TextField(_("feedback summary"), blank=True)
    questions_raised = models.TextField(_("questions raised"), blank=True)
    signals = ArrayField(
        models.CharField(max_length=24, choices=Signal.choices), blank=True, default=list, verbose_name=_("signals")
    )
    signal_notes = models.JSONField(
        _("signal details"),
        default=dict,
        blank=True,
        help_text=_("Per signal, what exactly was asked or reported (e.g. the medical question)."),
    )
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    next_step_due = models.DateField(_("next step due"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=VisitStatus.choices, default=VisitStatus.DRAFT)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    is_late = models.BooleanField(_("submitted late"), default=False)
    amended = models.BooleanField(_("amended"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = VisitQuerySet.as_tenant_manager()

    class Meta:
        verbose_name = _("visit report")
        verbose_name_plural = _("visit reports")
        ordering = ["-visited_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False), name="visit_submitted_has_time"
            ),
            models.CheckConstraint(
                condition=Q(next_step_due__isnull=True) | ~Q(next_step=""), name="visit_due_needs_next_step"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "rep", "-visited_at", "-id"], name="visit_tenant_rep_idx"),
            models.Index(fields=["tenant", "doctor", "-visited_at", "-id"], name="visit_tenant_doctor_idx"),
            models.Index(fields=["tenant", "-visited_at", "-id"], name="visit_tenant_visited_idx"),
            models.Index(fields=["tenant", "visited_at"], condition=Q(status="draft"), name="visit_tenant_draft_idx"),
            models.Index(fields=["tenant", "plan"], condition=Q(plan__isnull=False), name="visit_tenant_plan_idx"),
        ]

    def __str__(self):
        return f"{self.doctor_id} @ {self.visited_at:%Y-%m-%d %H:%M}"

    @property
    def is_locked(self) -> bool:
        """A submitted report cannot be edited, only amended."""
        return self.status == VisitStatus.SUBMITTED


class VisitProduct(TenantModel):
    """A product discussed in a visit."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="+", verbose_name=_("visit"))
    product = models.ForeignKey(
        "hospitals.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )

    class Meta:
        verbose_name = _("product discussed")
        verbose_name_plural = _("products discussed")
        constraints = [models.UniqueConstraint(fields=["tenant", "visit", "product"], name="visitproduct_tenant_uniq")]

    def __str__(self):
        return f"{self.visit_id}: {self.product_id}"


class VisitKeyMessage(TenantModel):
    """A key message of a visit and the doctor's reaction to it (``undelivered``: planned, not delivered)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="key_messages", verbose_name=_("visit"))
    key_message = models.ForeignKey(
        "hospitals.KeyMessage", on_delete=models.PROTECT, related_name="+", verbose_name=_("key message")
    )
    # No default: a reaction is what the rep chose, never what the form assumed (issue 15).
    reaction = models.CharField(_("reaction"), max_length=12, choices=Reaction.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("delivered key message")
        verbose_name_plural = _("delivered key messages")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "visit", "key_message"], name="visitkm_tenant_uniq"),
        ]
        indexes = [models.Index(fields=["tenant", "key_message"], name="visitkm_tenant_km_idx")]

    def __str__(self):
        return f"{self.visit_id}: {self.key_message_id} {self.reaction}"


class VisitContent(TenantModel):
    """A content item used in a visit (counts as one use of the item)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="+", verbose_name=_("visit"))
    content_item = models.ForeignKey(
        ContentItem, on_delete=models.PROTECT, related_name="uses", verbose_name=_("content item")
    )

    class Meta:
        verbose_name = _("content used")
        verbose_name_plural = _("content used")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "visit", "content_item"], name="visitcontent_tenant_uniq"),
        ]
        indexes = [models.Index(fields=["tenant", "content_item"], name="visitcontent_tenant_item_idx")]

    def __str__(self):
        return f"{self.visit_id}: {self.content_item_id}"


class VisitAmendment(TenantModel):
    """A correction of a submitted visit report: who, when, why, and each changed field's old and new value.

    ``changes`` is ``{field: {"from": old, "to": new}}`` (key messages as lists of
    ``[key_message_id, reaction, note]``), so the original is always readable here (and in the
    visit's history).
    """

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="amendments", verbose_name=_("visit"))
    by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("amended by"))
    at = models.DateTimeField(_("amended at"), default=timezone.now)
    reason = models.TextField(_("reason"))
    changes = models.JSONField(_("changes"), default=dict)

    class Meta:
        verbose_name = _("visit amendment")
        verbose_name_plural = _("visit amendments")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["tenant", "visit"], name="amendment_tenant_visit_idx")]

    def __str__(self):
        return f"{self.visit_id} @ {self.at:%Y-%m-%d %H:%M}"
