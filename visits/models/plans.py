"""Cycle plans (a target per aligned doctor and month) and visit plans (one prepared visit)."""

from __future__ import annotations

import datetime

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.models import TenantModel, TenantQuerySet
from visits.models.content import ContentItem
from visits.vocabulary import (
    PlanStatus,
    VisitChannel,
    VisitPlanSource,
    VisitPlanStatus,
)

# --- cycle plans ---------------------------------------------------------------------------


class CyclePlan(TenantModel):
    """A rep's call plan for one month: a target per aligned doctor, approved by their manager."""

    rep = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("rep"))
    month = models.DateField(_("month"), help_text=_("First day of the month."))
    status = models.CharField(_("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("manager's note"), blank=True)
    generated_at = models.DateTimeField(_("targets refreshed at"), null=True, blank=True)
    # Capacity (issue 15): working days of the month (holidays, weekends and the rep's leave
    # out) × visits per day. Targets fill from the highest tier down; what does not fit is
    # reported (a realignment signal for the manager), never hidden.
    working_days = models.PositiveSmallIntegerField(_("working days"), default=0)
    capacity = models.PositiveIntegerField(_("capacity (visits)"), default=0)
    unfitted_visits = models.PositiveIntegerField(_("visits over capacity"), default=0)
    over_capacity_ab = models.PositiveIntegerField(_("A/B doctors over capacity"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cycle plan")
        verbose_name_plural = _("cycle plans")
        ordering = ["-month", "rep_id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "rep", "month"], name="cycleplan_tenant_rep_month_uniq"),
            models.CheckConstraint(condition=Q(month__day=1), name="cycleplan_month_first_day"),
        ]
        indexes = [models.Index(fields=["tenant", "month", "status"], name="cycleplan_tenant_month_idx")]

    def __str__(self):
        return f"{self.rep} {self.month:%Y-%m}"

    @property
    def month_end(self) -> datetime.date:
        """First day of the next month (exclusive end)."""
        return (self.month + datetime.timedelta(days=32)).replace(day=1)


class CyclePlanLine(TenantModel):
    """One doctor of a cycle plan: tier at generation, ``ideal`` the tier frequency, ``target`` what
    fits the rep's capacity (attainment is measured against it), planned count.

    ``actual`` is not stored: it is the number of submitted visits to the doctor in the month
    (``visits.selectors.cycle_plan_lines``), so it can never drift.
    """

    plan = models.ForeignKey(CyclePlan, on_delete=models.CASCADE, related_name="lines", verbose_name=_("plan"))
    doctor = models.ForeignKey("hospitals.Doctor", on_delete=models.CASCADE, related_name="+", verbose_name=_("doctor"))
    tier = models.CharField(_("tier"), max_length=1, default="C")
    ideal = models.PositiveSmallIntegerField(_("tier frequency"), default=0)
    target = models.PositiveSmallIntegerField(_("target visits"), default=0)
    planned = models.PositiveSmallIntegerField(_("planned visits"), default=0)

    class Meta:
        verbose_name = _("cycle plan line")
        verbose_name_plural = _("cycle plan lines")
        ordering = ["tier", "doctor_id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "plan", "doctor"], name="cycleline_tenant_plan_doctor_uniq"),
        ]
        indexes = [models.Index(fields=["tenant", "doctor"], name="cycleline_tenant_doctor_idx")]

    def __str__(self):
        return f"{self.plan_id}: {self.doctor_id} {self.tier} {self.target}"


# --- visit plans ---------------------------------------------------------------------------


class VisitPlanQuerySet(TenantQuerySet):
    """Pre-visit plans."""

    def open(self):
        """Still to be done."""
        return self.filter(status=VisitPlanStatus.PLANNED)

    def on_day(self, day):
        """Planned for the local calendar day ``day``."""
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        return self.filter(planned_at__gte=start, planned_at__lt=start + datetime.timedelta(days=1))


class VisitPlan(TenantModel):
    """A planned visit: doctor, when, channel, objective, key messages, content to bring, questions."""

    rep = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("rep"))
    doctor = models.ForeignKey(
        "hospitals.Doctor", on_delete=models.PROTECT, related_name="visit_plans", verbose_name=_("doctor")
    )
    planned_at = models.DateTimeField(_("planned for"))
    channel = models.CharField(
        _("channel"), max_length=24, choices=VisitChannel.choices, default=VisitChannel.IN_PERSON
    )
    product = models.ForeignKey(
        "hospitals.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    objective = models.CharField(_("objective"), max_length=300, blank=True)
    questions = ArrayField(
        models.CharField(max_length=300), blank=True, default=list, verbose_name=_("questions to ask")
    )
    key_messages = models.ManyToManyField(
        "hospitals.KeyMessage",
        through="VisitPlanKeyMessage",
        blank=True,
        related_name="+",
        verbose_name=_("key messages"),
    )
    content_items = models.ManyToManyField(
        ContentItem, through="VisitPlanContent", blank=True, related_name="+", verbose_name=_("content to bring")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=VisitPlanStatus.choices, default=VisitPlanStatus.PLANNED
    )
    source = models.CharField(
        _("source"), max_length=20, choices=VisitPlanSource.choices, default=VisitPlanSource.MANUAL
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = VisitPlanQuerySet.as_tenant_manager()

    class Meta:
        verbose_name = _("visit plan")
        verbose_name_plural = _("visit plans")
        ordering = ["planned_at", "id"]
        indexes = [
            models.Index(fields=["tenant", "rep", "planned_at"], name="visitplan_tenant_rep_idx"),
            models.Index(fields=["tenant", "doctor", "planned_at"], name="visitplan_tenant_doctor_idx"),
        ]

    def __str__(self):
        return f"{self.doctor_id} @ {self.planned_at:%Y-%m-%d %H:%M}"


class VisitPlanKeyMessage(TenantModel):
    """A key message a visit plan means to deliver."""

    plan = models.ForeignKey(VisitPlan, on_delete=models.CASCADE, related_name="+", verbose_name=_("visit plan"))
    key_message = models.ForeignKey(
        "hospitals.KeyMessage", on_delete=models.PROTECT, related_name="+", verbose_name=_("key message")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("planned key message")
        verbose_name_plural = _("planned key messages")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "plan", "key_message"], name="plankm_tenant_uniq"),
        ]

    def __str__(self):
        return f"{self.plan_id}: {self.key_message_id}"


class VisitPlanContent(TenantModel):
    """A content item to bring to a planned visit."""

    plan = models.ForeignKey(VisitPlan, on_delete=models.CASCADE, related_name="+", verbose_name=_("visit plan"))
    content_item = models.ForeignKey(
        ContentItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("content item")
    )

    class Meta:
        verbose_name = _("planned content")
        verbose_name_plural = _("planned content")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "plan", "content_item"], name="plancontent_tenant_uniq"),
        ]

    def __str__(self):
        return f"{self.plan_id}: {self.content_item_id}"
