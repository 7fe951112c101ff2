"""Quality, adverse-event, service and delivery complaints with lot trace, clocks and SLAs:
the data and the invariants of one row.

Every tenant-owned model subclasses ``crm.models.TenantModel``, starts its indexes and unique
constraints with ``tenant`` and has ``EnableTenantRLS`` in a migration. A closed complaint is
locked in the database (trigger ``complaint_closed_lock``, migration 0002): nothing of it
changes except a reopen, which must count itself (``reopen_count + 1``) and leave the content
as it was; its timeline rows (:class:`ComplaintEvent`) are append-only.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import TenantModel, TenantQuerySet


class ComplaintType(models.TextChoices):
    """What the complaint is about; decides the inbox it goes to and its clocks."""

    QUALITY = "quality", _("Product quality")
    ADVERSE_EVENT = "adverse_event", _("Adverse event")
    SERVICE = "service", _("Service")
    DELIVERY = "delivery", _("Delivery")


class QualityDefect(models.TextChoices):
    """The kind of a product-quality complaint."""

    DEFECT = "defect", _("Product defect")
    PACKAGING = "packaging", _("Packaging")
    LABELLING = "labelling", _("Labelling")
    FOREIGN_MATTER = "foreign_matter", _("Foreign matter")
    EFFICACY = "efficacy", _("Efficacy doubt")


class Severity(models.TextChoices):
    """One scale for every type: for an adverse event non-serious / serious / death or
    life-threatening; for the others minor / major / critical."""

    LOW = "low", _("Non-serious / minor")
    HIGH = "high", _("Serious / major")
    CRITICAL = "critical", _("Death or life-threatening / critical")


class ReporterKind(models.TextChoices):
    """Who complains."""

    DOCTOR = "doctor", _("Doctor")
    HOSPITAL = "hospital", _("Hospital (pharmacy, department)")
    DISTRIBUTOR = "distributor", _("Distributor")
    PATIENT = "patient", _("Patient (through a rep)")


class IntakeChannel(models.TextChoices):
    """How the complaint reached the company."""

    VISIT = "visit", _("Visit report")
    PHONE = "phone", _("Rep's phone")
    SALES_OPS = "sales_ops", _("Sales operations")
    API = "api", _("API")


class Status(models.TextChoices):
    """The workflow: new → triaged → investigating → resolved → closed; reopen with a reason."""

    NEW = "new", _("New")
    TRIAGED = "triaged", _("Triaged")
    INVESTIGATING = "investigating", _("Investigating")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (Status.NEW, Status.TRIAGED, Status.INVESTIGATING, Status.RESOLVED)


class Queue(models.TextChoices):
    """The inbox a complaint is routed to."""

    QA = "qa", _("Quality assurance")
    PV = "pv", _("Pharmacovigilance")
    SALES_OPS = "sales_ops", _("Sales operations")


class ClockKind(models.TextChoices):
    """A deadline of a complaint, counted from first awareness (day 0)."""

    ACKNOWLEDGE = "acknowledge", _("Acknowledge to the reporter")
    REGULATOR = "regulator", _("Report to the regulator")
    INVESTIGATION = "investigation", _("Finish the investigation")
    CLOSURE = "closure", _("Close with the customer")


class RootCause(models.TextChoices):
    """Root-cause category of an investigation."""

    MANUFACTURING = "manufacturing", _("Manufacturing")
    PACKAGING = "packaging", _("Packaging / labelling")
    STORAGE = "storage", _("Storage or transport")
    USE = "use", _("Use or handling")
    NOT_CONFIRMED = "not_confirmed", _("Not confirmed")
    OTHER = "other", _("Other")


class Decision(models.TextChoices):
    """What the investigation decided."""

    NO_ACTION = "no_action", _("No action")
    REPLACE = "replace", _("Replace the product")
    RECALL = "recall", _("Recall recommended")


class ReplyChannel(models.TextChoices):
    """How the customer was answered."""

    VISIT = "visit", _("In person")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    LETTER = "letter", _("Letter")
    WECHAT = "wechat", _("WeChat")


class EventKind(models.TextChoices):
    """A line of a complaint's timeline."""

    CREATED = "created", _("Recorded")
    TRANSITION = "transition", _("Status changed")
    EDITED = "edited", _("Edited")
    INVESTIGATION = "investigation", _("Investigation recorded")
    REGULATOR = "regulator", _("Reported to the regulator")
    REPLY = "reply", _("Reply to the customer")
    ATTACHMENT = "attachment", _("Attachment added")
    WARNING = "warning", _("Warning")
    FOLLOW_UP = "follow_up", _("Satisfaction follow-up planned")


class ComplaintQuerySet(TenantQuerySet):
    """Complaints, with the vocabulary of the inboxes."""

    def open(self):
        """Not closed."""
        return self.exclude(status=Status.CLOSED)

    def overdue(self, day: datetime.date | None = None):
        """Open with a clock past its due date."""
        return self.open().filter(next_due_on__lt=day or timezone.localdate())


class Complaint(TenantModel):
    """A complaint: what happened, about which product and lot, who reported it and who heard of
    it first (``aware_on`` is day 0 of every clock), where it is in the workflow, what the
    investigation found and what the customer was told."""

    type = models.CharField(_("type"), max_length=16, choices=ComplaintType.choices)
    defect = models.CharField(_("quality defect"), max_length=16, choices=QualityDefect.choices, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.LOW)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW)
    queue = models.CharField(_("inbox"), max_length=12, choices=Queue.choices)
    title = models.CharField(_("summary"), max_length=200)
    description = models.TextField(_("description"))
    pv_narrative = models.TextField(
        _("PV narrative"),
        blank=True,
        help_text=_("Case narrative: visible to pharmacovigilance and the reporter only."),
    )

    product = models.ForeignKey(
        "hospitals.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    lot_number = models.CharField(_("lot number"), max_length=64, blank=True)
    lot_known = models.BooleanField(_("lot found in shipments"), default=False)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    quantity = models.PositiveIntegerField(_("quantity affected"), null=True, blank=True)

    reporter_kind = models.CharField(_("reporter"), max_length=12, choices=ReporterKind.choices)
    doctor = models.ForeignKey(
        "hospitals.Doctor", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("doctor")
    )
    hospital = models.ForeignKey(
        "hospitals.Hospital",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hospital"),
    )
    distributor = models.ForeignKey(
        "hospitals.Distributor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("distributor"),
    )
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)

    channel = models.CharField(_("received through"), max_length=12, choices=IntakeChannel.choices)
    visit = models.ForeignKey(
        "visits.Visit", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("visit")
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    aware_on = models.DateField(
        _("first awareness"), help_text=_("Day 0 of every clock: when any employee first heard.")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assignee"),
    )
    escalate_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("escalate to"),
    )
    next_due_on = models.DateField(_("next due"), null=True, blank=True)

    root_cause = models.CharField(_("root cause"), max_length=16, choices=RootCause.choices, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    capa_ref = models.CharField(_("CAPA reference"), max_length=64, blank=True)
    lot_affected = models.BooleanField(_("lot affected"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=12, choices=Decision.choices, blank=True)
    regulator_reported_on = models.DateField(_("reported to the regulator on"), null=True, blank=True)
    regulator_ref = models.CharField(_("regulator reference"), max_length=64, blank=True)

    reply_channel = models.CharField(_("reply channel"), max_length=10, choices=ReplyChannel.choices, blank=True)
    reply_on = models.DateField(_("replied on"), null=True, blank=True)
    reply_text = models.TextField(_("reply"), blank=True)

    reopen_count = models.PositiveSmallIntegerField(_("reopened"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = ComplaintQuerySet.as_tenant_manager()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One complaint per visit and type: the intake hook may run twice.
            models.UniqueConstraint(
                fields=["tenant", "visit", "type"],
                name="complaint_tenant_visit_type",
                condition=models.Q(visit__isnull=False),
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__isnull=True) | models.Q(quantity__gte=1),
                name="complaint_quantity_positive",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "queue", "status", "-created_at", "-id"], name="complaint_inbox_idx"),
            models.Index(fields=["tenant", "-created_at", "-id"], name="complaint_recent_idx"),
            models.Index(fields=["tenant", "queue", "-created_at", "-id"], name="complaint_queue_idx"),
            models.Index(fields=["tenant", "assignee", "-created_at", "-id"], name="complaint_assignee_idx"),
            models.Index(fields=["tenant", "reported_by", "-created_at", "-id"], name="complaint_reporter_idx"),
            models.Index(fields=["tenant", "lot_number", "-created_at"], name="complaint_lot_idx"),
            models.Index(fields=["tenant", "product", "status", "-created_at", "-id"], name="complaint_product_st_idx"),
            models.Index(fields=["tenant", "doctor"], name="complaint_doctor_idx"),
            models.Index(fields=["tenant", "hospital"], name="complaint_hospital_idx"),
            # Overdue lists sort by due date (most overdue first) and the daily job reads them.
            models.Index(
                fields=["tenant", "next_due_on", "id"],
                name="complaint_open_due_id_idx",
                condition=~models.Q(status="closed"),
            ),
            # A handler's overdue inbox (queue QA or PV), most overdue first: without the queue in
            # the index, the most overdue rows of the other queues were read and thrown away.
            models.Index(
                fields=["tenant", "queue", "next_due_on", "id"],
                name="complaint_queue_due_idx",
                condition=~models.Q(status="closed"),
            ),
            # A handler's inbox by severity (PV's critical ones), newest first.
            models.Index(fields=["tenant", "queue", "severity", "-created_at", "-id"], name="complaint_queue_sev_idx"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.title}"

    @property
    def is_closed(self) -> bool:
        return self.status == Status.CLOSED

    def clean(self):
        super().clean()
        errors = {}
        if self.type == ComplaintType.QUALITY and not self.defect:
            errors["defect"] = _("Say what kind of quality problem it is.")
        if self.type != ComplaintType.QUALITY and self.defect:
            self.defect = ""
        if self.reporter_kind == ReporterKind.DOCTOR and not self.doctor_id:
            errors["doctor"] = _("Choose the doctor who reported it.")
        if self.reporter_kind == ReporterKind.HOSPITAL and not self.hospital_id:
            errors["hospital"] = _("Choose the hospital that reported it.")
        if self.reporter_kind == ReporterKind.DISTRIBUTOR and not self.distributor_id:
            errors["distributor"] = _("Choose the distributor that reported it.")
        if self.aware_on and self.aware_on > timezone.localdate():
            errors["aware_on"] = _("First awareness cannot be in the future.")
        if errors:
            raise ValidationError(errors)


class ComplaintClock(TenantModel):
    """One deadline of a complaint: due on ``due_on`` (from first awareness, by its SLA rule),
    met on ``met_on``. The daily job reminds the assignee before and escalates after."""

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="clocks", verbose_name=_("complaint")
    )
    kind = models.CharField(_("clock"), max_length=16, choices=ClockKind.choices)
    due_on = models.DateField(_("due on"))
    remind_from = models.DateField(_("remind from"))
    met_on = models.DateField(_("met on"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint clock")
        verbose_name_plural = _("complaint clocks")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "complaint", "kind"], name="complaintclock_tenant_uniq")
        ]
        indexes = [
            # The daily job's reminders: unmet clocks due today or later (a small window of them).
            models.Index(
                fields=["tenant", "due_on"],
                name="complaintclock_due_idx",
                condition=models.Q(met_on__isnull=True),
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.due_on}"

    def state(self, day: datetime.date | None = None) -> str:
        """met / overdue / due_soon / running."""
        day = day or timezone.localdate()
        if self.met_on:
            return "met"
        if self.due_on < day:
            return "overdue"
        return "due_soon" if self.remind_from <= day else "running"


class ClockRun(TenantModel):
    """The daily clock job ran for this tenant and day (its reminders and escalations were sent).

    Written in the job's transaction: a second run the same day finds it and adds nothing
    without probing every overdue complaint again (the notifications' own once-a-day
    constraint still holds underneath)."""

    day = models.DateField(_("day"))
    reminders = models.PositiveIntegerField(_("reminders"), default=0)
    escalations = models.PositiveIntegerField(_("escalations"), default=0)
    ran_at = models.DateTimeField(_("ran at"), default=timezone.now)

    class Meta:
        verbose_name = _("clock job run")
        verbose_name_plural = _("clock job runs")
        constraints = [models.UniqueConstraint(fields=["tenant", "day"], name="clockrun_tenant_day")]

    def __str__(self):
        return f"{self.day}"


class ComplaintEvent(TenantModel):
    """A line of the timeline, and the audit of every change: who, when, what, and the note."""

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="events", verbose_name=_("complaint")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    from_status = models.CharField(_("from"), max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=Status.choices, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["tenant", "complaint", "at"], name="complaintevent_tenant_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


def _attachment_path(instance, filename):
    return f"complaints/{instance.tenant_id}/{timezone.now():%Y/%m}/{filename}"


class ComplaintAttachment(TenantModel):
    """A photo or document of a complaint (images and PDF, size-limited: services.ATTACHMENT_*)."""

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("complaint")
    )
    file = models.FileField(_("file"), upload_to=_attachment_path, max_length=300)
    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=60)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["tenant", "complaint"], name="complaintattach_tenant_idx")]

    def __str__(self):
        return self.name


class ComplaintSLA(TenantModel):
    """A tenant's clock rule for one type × severity: due ``days`` after first awareness
    (working days of China's calendar, crm.workdays, or calendar days), reminder
    ``remind_days`` before. Without a row the defaults of ``complaints.rules`` apply."""

    type = models.CharField(_("type"), max_length=16, choices=ComplaintType.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    clock = models.CharField(_("clock"), max_length=16, choices=ClockKind.choices)
    days = models.PositiveSmallIntegerField(_("days"))
    working_days = models.BooleanField(_("working days"), default=True)
    remind_days = models.PositiveSmallIntegerField(_("remind days before"), default=1)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("complaint SLA")
        verbose_name_plural = _("complaint SLAs")
        ordering = ["type", "severity", "clock"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "type", "severity", "clock"], name="complaintsla_tenant_uniq")
        ]

    def __str__(self):
        return f"{self.get_type_display()} / {self.get_severity_display()} / {self.get_clock_display()}"


class ComplaintSettings(TenantModel):
    """A tenant's routing and signal rules: who receives each inbox, who it escalates to, and the
    lot signal threshold. Empty assignees fall back as ``complaints.rules`` describes."""

    qa_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("quality inbox owner"),
    )
    qa_escalation = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("quality escalation"),
    )
    pv_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pharmacovigilance inbox owner"),
    )
    pv_escalation = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pharmacovigilance escalation"),
    )
    ops_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sales operations inbox owner"),
    )
    ops_escalation = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sales operations escalation"),
    )
    signal_threshold = models.PositiveSmallIntegerField(
        _("lot signal threshold"),
        default=3,
        help_text=_(
            "QA is alerted when this many complaints on one lot (or one product and kind) arrive in the window."
        ),
    )
    signal_window_days = models.PositiveSmallIntegerField(_("signal window (days)"), default=30)

    class Meta:
        verbose_name = _("complaint settings")
        verbose_name_plural = _("complaint settings")
        constraints = [models.UniqueConstraint(fields=["tenant"], name="complaintsettings_tenant_uniq")]

    def __str__(self):
        return str(_("Complaint settings"))


class LotSignal(TenantModel):
    """A signal raised once: complaints on one lot (or one product and kind) passed the threshold."""

    key = models.CharField(_("key"), max_length=120)
    lot_number = models.CharField(_("lot number"), max_length=64, blank=True)
    product = models.ForeignKey(
        "hospitals.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    defect = models.CharField(_("kind"), max_length=16, blank=True)
    complaints = models.PositiveIntegerField(_("complaints"))
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)

    class Meta:
        verbose_name = _("lot signal")
        verbose_name_plural = _("lot signals")
        ordering = ["-raised_at"]
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="lotsignal_tenant_key")]

    def __str__(self):
        return self.key
