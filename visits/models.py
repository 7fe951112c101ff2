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
"""

from __future__ import annotations

import datetime

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.models import Notification, TenantModel, TenantQuerySet  # noqa: F401  (Notification: the kernel's inbox)
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

# --- settings ------------------------------------------------------------------------------


class VisitSettings(TenantModel):
    """The tenant's visit rules (one row per tenant; ``visits.selectors.visit_settings`` gives
    the defaults when there is none)."""

    submit_window_hours = models.PositiveSmallIntegerField(
        _("submit within (hours)"),
        default=24,
        help_text=_("A report submitted later than this after the visit is accepted but flagged late."),
    )
    backdate_limit_days = models.PositiveSmallIntegerField(
        _("oldest visit date accepted (days back)"),
        default=7,
        validators=[MinValueValidator(1)],
        help_text=_("A visit dated further back than this is refused."),
    )
    visits_per_day = models.PositiveSmallIntegerField(
        _("visits a rep can make per working day"),
        default=9,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_("Bounds each rep's cycle plan: working days of the month × this (a rep may have their own)."),
    )
    inquiry_sla_days = models.PositiveSmallIntegerField(
        _("medical inquiry SLA (working days)"), default=5, validators=[MinValueValidator(1)]
    )
    objective_templates = models.JSONField(
        _("objective templates per tier"),
        default=dict,
        blank=True,
        help_text=_('e.g. {"A": "Discuss clinical study data", "B": "New indication"}; empty tiers use the defaults.'),
    )
    pv_assignee = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pharmacovigilance assignee"),
        help_text=_("Receives adverse-event tasks; when empty they go to the medical affairs inbox."),
    )

    class Meta:
        verbose_name = _("visit settings")
        verbose_name_plural = _("visit settings")
        constraints = [models.UniqueConstraint(fields=["tenant"], name="visitsettings_tenant_uniq")]

    def __str__(self):
        return str(_("Visit settings"))

    def objective_for(self, tier: str | None) -> str:
        """The objective template of ``tier`` (tenant's text, else the default)."""
        tier = tier or "C"
        return (self.objective_templates or {}).get(tier) or str(DEFAULT_OBJECTIVES.get(tier, ""))


class RepCapacity(TenantModel):
    """A rep's own visits per working day, when it differs from the tenant's (part-time, a big
    territory with long drives, a new hire ramping up)."""

    rep = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+", verbose_name=_("rep"))
    visits_per_day = models.PositiveSmallIntegerField(
        _("visits per working day"), validators=[MinValueValidator(0), MaxValueValidator(30)]
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("rep capacity")
        verbose_name_plural = _("rep capacities")
        constraints = [models.UniqueConstraint(fields=["tenant", "rep"], name="repcapacity_tenant_rep_uniq")]

    def __str__(self):
        return f"{self.rep_id}: {self.visits_per_day}"


class RepLeave(TenantModel):
    """Days a rep is away (leave, training, congress): no visits planned on them."""

    rep = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+", verbose_name=_("rep"))
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("rep leave")
        verbose_name_plural = _("rep leave")
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["tenant", "rep", "start"], name="repleave_tenant_rep_idx")]
        constraints = [models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="repleave_range")]

    def __str__(self):
        return f"{self.rep_id}: {self.start}–{self.end}"


# --- content library -----------------------------------------------------------------------


class ContentItemQuerySet(TenantQuerySet):
    """Items of the content library."""

    def approved(self):
        """Approved by medical affairs."""
        return self.filter(approved_at__isnull=False)

    def valid_on(self, day=None):
        """Valid on ``day`` (today): started (or no start) and not expired (or no end)."""
        day = day or timezone.localdate()
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=day)
        )

    def usable(self, day=None):
        """What reps may see and use: approved and valid."""
        return self.approved().valid_on(day)


def content_upload_to(item, filename):
    """content/<tenant id>/<random>.<ext> (the title carries the human name)."""
    import os
    import uuid

    return f"content/{item.tenant_id}/{uuid.uuid4().hex}{os.path.splitext(filename)[1].lower()[:8]}"


class ContentItem(TenantModel):
    """An item of the content library (slide deck, brochure, …) for a product, approved and dated."""

    kind = models.CharField(_("kind"), max_length=24, choices=ContentKind.choices)
    product = models.ForeignKey(
        "hospitals.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="content_items",
        verbose_name=_("product"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    file = models.FileField(_("file"), upload_to=content_upload_to, max_length=200, blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    tags = ArrayField(models.CharField(max_length=40), blank=True, default=list, verbose_name=_("tags"))
    approved_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ContentItemQuerySet.as_tenant_manager()

    class Meta:
        verbose_name = _("content item")
        verbose_name_plural = _("content items")
        ordering = ["title", "id"]
        indexes = [
            models.Index(fields=["tenant", "product"], name="content_tenant_product_idx"),
            models.Index(fields=["tenant", "kind"], name="content_tenant_kind_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_until__gte=models.F("valid_from")),
                name="content_valid_range",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


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


# --- follow-up -----------------------------------------------------------------------------


class FollowUpRule(TenantModel):
    """A tenant rule: when a submitted visit has ``trigger``, create a task for ``assignee``.

    Defaults (``visits.services.DEFAULT_RULES``) are inserted for a tenant the first time they
    are needed; administrators edit them in Django admin.
    """

    trigger = models.CharField(_("when the visit has"), max_length=24, choices=FollowUpTrigger.choices)
    assignee = models.CharField(_("task for"), max_length=20, choices=Assignee.choices)
    due_hours = models.PositiveIntegerField(
        _("due within (hours)"),
        default=72,
        help_text=_("Ignored for the next step, which is due on the date the rep gave."),
    )
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    creates_inquiry = models.BooleanField(
        _("opens a medical inquiry"), default=False, help_text=_("The task is linked to a new medical inquiry.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("follow-up rule")
        verbose_name_plural = _("follow-up rules")
        ordering = ["trigger"]
        constraints = [models.UniqueConstraint(fields=["tenant", "trigger"], name="followuprule_tenant_trigger_uniq")]

    def __str__(self):
        return f"{self.get_trigger_display()} → {self.get_assignee_display()}"


class PendingFollowUp(TenantModel):
    """Outbox row: a submitted visit whose follow-up rules have not been applied yet.

    Inserted in the same transaction as the submission and deleted in the same transaction
    as the tasks are created, so a visit is never forgotten: if the queued message is lost
    (a worker killed while holding it waits for the broker's visibility timeout), the
    minute sweeper (``visits.tasks.followups_sweep``) enqueues it again.
    """

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="+", verbose_name=_("visit"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("sweeper attempts"), default=0)

    class Meta:
        verbose_name = _("pending follow-up")
        verbose_name_plural = _("pending follow-ups")
        constraints = [models.UniqueConstraint(fields=["tenant", "visit"], name="pendingfollowup_tenant_visit_uniq")]
        indexes = [models.Index(fields=["tenant", "created_at"], name="pendingfu_tenant_created_idx")]

    def __str__(self):
        return f"{self.visit_id}"


class FollowUpTaskQuerySet(TenantQuerySet):
    """Follow-up tasks, with the inbox vocabulary."""

    def open(self):
        return self.filter(status=TaskStatus.OPEN)

    def done(self):
        return self.filter(status=TaskStatus.DONE)

    def overdue(self, now=None):
        """Open and past their due time."""
        return self.open().filter(due_at__lt=now or timezone.now())

    def due_by(self, moment):
        """Open and due before ``moment`` (e.g. the end of today)."""
        return self.open().filter(due_at__lt=moment)


class FollowUpTask(TenantModel):
    """A task created from a visit by a follow-up rule (or by hand): who, by when, and how it ended.

    ``assignee_role`` is the inbox it lands in; ``assignee`` the person when known (the rep
    for a next step, the PV assignee, …). Exactly one task per (visit, rule).
    """

    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks", verbose_name=_("visit")
    )
    rule = models.ForeignKey(
        FollowUpRule, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("rule")
    )
    kind = models.CharField(_("kind"), max_length=24, choices=FollowUpTrigger.choices)
    doctor = models.ForeignKey(
        "hospitals.Doctor", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("doctor")
    )
    title = models.CharField(_("task"), max_length=300)
    detail = models.TextField(_("details"), blank=True)
    assignee_role = models.CharField(_("inbox"), max_length=20, choices=Assignee.choices)
    assignee = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("assignee")
    )
    inquiry = models.ForeignKey(
        "MedicalInquiry",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("medical inquiry"),
    )
    due_at = models.DateTimeField(_("due"))
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("status"), max_length=8, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    done_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("done by")
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = FollowUpTaskQuerySet.as_tenant_manager()

    class Meta:
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        ordering = ["status", "priority", "due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "visit", "rule"], name="followuptask_tenant_visit_rule_uniq"),
            models.CheckConstraint(
                condition=Q(status="open") | Q(done_at__isnull=False), name="followuptask_done_has_time"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "assignee_role", "status", "due_at"], name="task_tenant_inbox_idx"),
            models.Index(fields=["tenant", "assignee", "status", "due_at"], name="task_tenant_assignee_idx"),
            models.Index(fields=["tenant", "doctor"], name="task_tenant_doctor_idx"),
        ]

    def __str__(self):
        return self.title


class MedicalInquiryQuerySet(TenantQuerySet):
    """Medical inquiries."""

    def open(self):
        return self.filter(status=InquiryStatus.OPEN)

    def past_sla(self, day=None):
        """Not answered and past their due date."""
        return self.open().filter(due_date__lt=day or timezone.localdate())


class MedicalInquiry(TenantModel):
    """A doctor's medical question, answered by medical affairs within the SLA and sent back."""

    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="inquiries", verbose_name=_("visit")
    )
    doctor = models.ForeignKey(
        "hospitals.Doctor", on_delete=models.PROTECT, related_name="medical_inquiries", verbose_name=_("doctor")
    )
    product = models.ForeignKey(
        "hospitals.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    question = models.TextField(_("question"))
    asked_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("raised by")
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    due_date = models.DateField(_("answer due (SLA)"))
    assignee = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("assignee")
    )
    status = models.CharField(_("status"), max_length=10, choices=InquiryStatus.choices, default=InquiryStatus.OPEN)
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
    sent_back_channel = models.CharField(_("sent back by"), max_length=10, choices=SendBackChannel.choices, blank=True)
    sent_back_at = models.DateTimeField(_("sent back at"), null=True, blank=True)

    objects = MedicalInquiryQuerySet.as_tenant_manager()

    class Meta:
        verbose_name = _("medical inquiry")
        verbose_name_plural = _("medical inquiries")
        ordering = ["due_date", "id"]
        constraints = [
            # One inquiry per visit (the follow-up job inserts it with ON CONFLICT DO NOTHING).
            models.UniqueConstraint(
                fields=["tenant", "visit"], condition=Q(visit__isnull=False), name="inquiry_tenant_visit_uniq"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "due_date"], name="inquiry_tenant_status_idx"),
            models.Index(fields=["tenant", "doctor"], name="inquiry_tenant_doctor_idx"),
        ]

    def __str__(self):
        return self.question[:60]

    @property
    def is_past_sla(self) -> bool:
        return self.status == InquiryStatus.OPEN and self.due_date < timezone.localdate()
