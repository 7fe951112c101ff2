"""Follow-up rules and the tasks they create (one per visit and rule), and medical inquiries."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import TenantModel, TenantQuerySet
from visits.models.reports import Visit
from visits.vocabulary import (
    Assignee,
    FollowUpTrigger,
    InquiryStatus,
    Priority,
    SendBackChannel,
    TaskStatus,
)

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
