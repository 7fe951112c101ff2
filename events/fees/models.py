"""Speaker and consulting fees (issue 11, docs/compliance.md).

* :class:`ComplianceSettings` — the tenant's caps and audit thresholds (one row; defaults when none);
* :class:`RateCard` / :class:`RateCardLine` — versioned by validity date: service type × academic
  level (``hospitals.selectors.academic_level``) → hourly rate and maximum per engagement;
* :class:`Engagement` — a doctor's service (lecture, chair …), at an event and agenda item when
  there is one, with contract, hospital approval and evidence;
* :class:`FeeRecord` — the money of an engagement and its workflow; a paid record is immutable in
  the database (trigger, migration ``0004_fees_triggers``): corrections are reversal records;
* :class:`ToVEntry` — the append-only transfer-of-value ledger (trigger): every value given to a
  doctor; per-doctor year totals come from it only;
* :class:`FeeFlag` / :class:`FlagClearing` — audit flags computed in SQL (``events.fees.flags``)
  and their audited clearing; :class:`PhotoFingerprint` — hashes of event photos;
* :class:`AuditSample` / :class:`AuditSampleItem` — seeded random samples for evidence review.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.models import TenantModel, TenantQuerySet
from events.fees.vocabulary import (
    FeeKind,
    FeeStatus,
    FlagRule,
    FlagStatus,
    PaymentChannel,
    SampleKind,
    SampleOutcome,
    ServiceType,
    Severity,
    ToVCategory,
)
from hospitals.models.experts import AcademicLevel

__all__ = [
    "ComplianceSettings",
    "RateCard",
    "RateCardLine",
    "VenueCapacity",
    "AttendanceDenial",
    "Engagement",
    "FeeRecord",
    "ToVEntry",
    "PhotoFingerprint",
    "FeeFlag",
    "FlagClearing",
    "AuditSample",
    "AuditSampleItem",
]

MONEY = {"max_digits": 12, "decimal_places": 2}
HOURS = {"max_digits": 5, "decimal_places": 2}


def _upload(prefix):
    def upload_to(obj, filename):
        import os

        ext = os.path.splitext(filename)[1].lower()[:8]
        return f"events/{prefix}/{obj.tenant_id}/{uuid.uuid4().hex}{ext}"

    upload_to.__name__ = f"upload_{prefix}"
    return upload_to


def contract_upload_to(obj, filename):
    """events/contracts/<tenant>/<random>.<ext>."""
    return _upload("contracts")(obj, filename)


def approval_upload_to(obj, filename):
    """events/approvals/<tenant>/<random>.<ext>."""
    return _upload("approvals")(obj, filename)


def evidence_upload_to(obj, filename):
    """events/evidence/<tenant>/<random>.<ext>."""
    return _upload("evidence")(obj, filename)


class ComplianceSettings(TenantModel):
    """The tenant's caps and audit thresholds (``events.fees.selectors.compliance_settings``
    gives the defaults when there is no row)."""

    annual_cap = models.DecimalField(
        _("annual cap per doctor (CNY)"), default=Decimal("50000"), validators=[MinValueValidator(0)], **MONEY
    )
    max_engagements_90d = models.PositiveSmallIntegerField(_("maximum engagements per doctor in 90 days"), default=6)
    max_hours_per_day = models.DecimalField(_("maximum hours per doctor and day"), default=Decimal("8"), **HOURS)
    min_attendees = models.PositiveSmallIntegerField(_("minimum signed-in attendees of an event"), default=5)
    inflation_factor = models.DecimalField(
        _("attendee inflation factor"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.5"),
        help_text=_("Flag an event whose signed-in attendees exceed the invited ones times this factor."),
    )
    min_academic_share = models.PositiveSmallIntegerField(
        _("minimum academic share of the agenda (%)"), default=50, validators=[MaxValueValidator(100)]
    )
    speaker_repeat_count = models.PositiveSmallIntegerField(
        _("speaker events of one product to flag"), default=4, validators=[MinValueValidator(2)]
    )
    speaker_repeat_days = models.PositiveSmallIntegerField(_("within (days)"), default=30)
    sales_jump_percent = models.PositiveSmallIntegerField(_("hospital sales jump to flag (%)"), default=50)
    photo_hash_distance = models.PositiveSmallIntegerField(
        _("photo hash distance counted as the same photo (pHash + dHash bits, of 128)"),
        default=16,
        validators=[MaxValueValidator(64)],
    )
    discloses_abroad = models.BooleanField(
        _("discloses transfers of value abroad (Open Payments, EFPIA)"), default=False
    )

    class Meta:
        verbose_name = _("compliance settings")
        verbose_name_plural = _("compliance settings")
        constraints = [models.UniqueConstraint(fields=["tenant"], name="compliancesettings_tenant_uniq")]

    def __str__(self):
        return str(_("Compliance settings"))


class RateCard(TenantModel):
    """A version of the tenant's rate card, valid from a date until the next version."""

    name = models.CharField(_("name"), max_length=100)
    valid_from = models.DateField(_("valid from"))
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rate card")
        verbose_name_plural = _("rate cards")
        ordering = ["-valid_from", "-id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "valid_from"], name="ratecard_tenant_from_uniq")]

    def __str__(self):
        return f"{self.name} ({self.valid_from:%Y-%m-%d})"


class RateCardLine(TenantModel):
    """The hourly rate and the maximum per engagement of one service type and academic level."""

    rate_card = models.ForeignKey(RateCard, on_delete=models.CASCADE, related_name="lines", verbose_name=_("rate card"))
    service_type = models.CharField(_("service type"), max_length=12, choices=ServiceType.choices)
    academic_level = models.CharField(_("academic level"), max_length=12, choices=AcademicLevel.choices)
    hourly_rate = models.DecimalField(_("hourly rate (CNY)"), validators=[MinValueValidator(0)], **MONEY)
    max_per_engagement = models.DecimalField(
        _("maximum per engagement (CNY)"), validators=[MinValueValidator(0)], **MONEY
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rate card line")
        verbose_name_plural = _("rate card lines")
        ordering = ["service_type", "academic_level"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "rate_card", "service_type", "academic_level"], name="ratecardline_uniq"
            )
        ]

    def __str__(self):
        return f"{self.get_service_type_display()} · {self.get_academic_level_display()}: {self.hourly_rate}/h"


class VenueCapacity(TenantModel):
    """The capacity of an event's room, as the venue states it (attendee-inflation rule)."""

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="+", verbose_name=_("event"))
    capacity = models.PositiveIntegerField(_("venue capacity"))

    class Meta:
        verbose_name = _("venue capacity")
        verbose_name_plural = _("venue capacities")
        constraints = [models.UniqueConstraint(fields=["tenant", "event"], name="venuecapacity_uniq")]

    def __str__(self):
        return f"{self.event_id}: {self.capacity}"


class AttendanceDenial(TenantModel):
    """At follow-up, a signed-in attendee said they were not at the event."""

    attendee = models.ForeignKey(
        "events.Attendee", on_delete=models.CASCADE, related_name="+", verbose_name=_("attendee")
    )
    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="+", verbose_name=_("event"))
    noted_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("noted by")
    )
    noted_at = models.DateTimeField(_("noted at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("attendance denial")
        verbose_name_plural = _("attendance denials")
        constraints = [models.UniqueConstraint(fields=["tenant", "attendee"], name="attendancedenial_uniq")]
        indexes = [models.Index(fields=["tenant", "event"], name="attdenial_tenant_event_idx")]

    def __str__(self):
        return f"{self.attendee_id}"


class EngagementQuerySet(TenantQuerySet):
    """Engagements of doctors."""

    def requested_by(self, user):
        return self.filter(requested_by=user)


class Engagement(TenantModel):
    """A doctor's service to the company: what, where (event and agenda item), how long, under
    which contract and hospital approval, and the evidence that it happened."""

    doctor = models.ForeignKey("hospitals.Doctor", on_delete=models.PROTECT, related_name="+", verbose_name=_("doctor"))
    service_type = models.CharField(_("service type"), max_length=12, choices=ServiceType.choices)
    event = models.ForeignKey(
        "events.Event", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("event")
    )
    agenda_item = models.ForeignKey(
        "events.AgendaItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agenda item"),
    )
    product = models.ForeignKey(
        "hospitals.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    service_date = models.DateField(_("service date"))
    planned_hours = models.DecimalField(_("planned hours"), validators=[MinValueValidator(Decimal("0.25"))], **HOURS)
    actual_hours = models.DecimalField(_("actual hours"), null=True, blank=True, **HOURS)
    contract_file = models.FileField(_("contract"), upload_to=contract_upload_to, max_length=200, blank=True)
    contract_signed_on = models.DateField(_("contract signed on"), null=True, blank=True)
    hospital_approval_file = models.FileField(
        _("hospital approval for outside work"), upload_to=approval_upload_to, max_length=200, blank=True
    )
    hospital_approval_on = models.DateField(_("hospital approval dated"), null=True, blank=True)
    evidence_attendance = models.BooleanField(_("attendance confirmed"), default=False)
    evidence_slides = models.FileField(_("slides"), upload_to=evidence_upload_to, max_length=200, blank=True)
    evidence_recording_url = models.URLField(_("recording link"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    requested_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    history = HistoricalRecords()
    objects = EngagementQuerySet.as_tenant_manager()

    class Meta:
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")
        ordering = ["-service_date", "-id"]
        indexes = [
            models.Index(fields=["tenant", "doctor", "service_date"], name="engagement_tenant_doctor_idx"),
            models.Index(fields=["tenant", "event"], name="engagement_tenant_event_idx"),
            models.Index(fields=["tenant", "requested_by", "-service_date"], name="engagement_tenant_req_idx"),
            models.Index(fields=["tenant", "-service_date", "-id"], name="engagement_tenant_date_idx"),
        ]

    def __str__(self):
        return f"{self.get_service_type_display()} · {self.service_date:%Y-%m-%d}"

    @property
    def has_evidence(self) -> bool:
        return bool(self.evidence_attendance or self.evidence_slides or self.evidence_recording_url)

    @property
    def hours(self) -> Decimal:
        return self.actual_hours if self.actual_hours is not None else self.planned_hours


class FeeRecordQuerySet(TenantQuerySet):
    """Fee records."""

    def fees(self):
        """The fee records themselves, not their reversals."""
        return self.filter(kind=FeeKind.FEE)


class FeeRecord(TenantModel):
    """The fee of an engagement: computed from the rate card (rate × hours, capped), its workflow
    (requested → review → approved / rejected → delivered → payment requested → paid) and the
    payment. Once paid the row is immutable (trigger); a correction is a ``reversal`` record
    pointing at it, with the negative amount."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.PROTECT, related_name="fees", verbose_name=_("engagement")
    )
    doctor = models.ForeignKey("hospitals.Doctor", on_delete=models.PROTECT, related_name="+", verbose_name=_("doctor"))
    kind = models.CharField(_("kind"), max_length=8, choices=FeeKind.choices, default=FeeKind.FEE)
    reverses = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversals", verbose_name=_("reverses")
    )
    academic_level = models.CharField(_("academic level"), max_length=12, choices=AcademicLevel.choices)
    rate_card_line = models.ForeignKey(
        RateCardLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rate card line"),
    )
    hourly_rate = models.DecimalField(_("hourly rate"), **MONEY)
    hours = models.DecimalField(_("hours"), **HOURS)
    card_amount = models.DecimalField(_("amount the rate card allows"), **MONEY)
    amount = models.DecimalField(_("gross amount"), **MONEY)
    exception_reason = models.TextField(_("exception reason"), blank=True)
    exception_approved_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("exception approved by (second approver)"),
    )
    exception_approved_at = models.DateTimeField(_("exception approved at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=18, choices=FeeStatus.choices, default=FeeStatus.REQUESTED)
    status_reason = models.TextField(_("reason"), blank=True)
    requested_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    approved_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    payment_requested_at = models.DateTimeField(_("payment requested at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("paid by")
    )
    payer_entity = models.CharField(_("payer legal entity"), max_length=200, blank=True)
    channel = models.CharField(_("channel"), max_length=14, choices=PaymentChannel.choices, blank=True)
    tax_withheld = models.DecimalField(_("individual income tax withheld"), default=0, **MONEY)
    net_amount = models.DecimalField(_("net amount"), default=0, **MONEY)

    history = HistoricalRecords()
    objects = FeeRecordQuerySet.as_tenant_manager()

    class Meta:
        verbose_name = _("fee record")
        verbose_name_plural = _("fee records")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="fee", reverses__isnull=True) | Q(kind="reversal", reverses__isnull=False),
                name="feerecord_reversal_points_back",
            ),
            models.CheckConstraint(
                condition=Q(exception_approved_by__isnull=True) | ~Q(exception_reason=""),
                name="feerecord_exception_has_reason",
            ),
            models.UniqueConstraint(
                fields=["tenant", "engagement"], condition=Q(kind="fee"), name="feerecord_one_fee_per_engagement"
            ),
            models.UniqueConstraint(
                fields=["tenant", "reverses"], condition=Q(reverses__isnull=False), name="feerecord_reversed_once"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "doctor", "status"], name="feerecord_tenant_doctor_idx"),
            models.Index(fields=["tenant", "status", "-requested_at"], name="feerecord_tenant_status_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} · {self.get_status_display()}"

    @property
    def is_exception(self) -> bool:
        return self.amount > self.card_amount


class ToVEntryQuerySet(TenantQuerySet):
    """Rows of the transfer-of-value ledger."""

    def in_year(self, year: int):
        return self.filter(on_date__year=year)


class ToVEntry(TenantModel):
    """One value given to a doctor (append-only: a trigger refuses UPDATE and DELETE, except the
    doctor column moved by a doctor merge). Corrections are negative entries."""

    doctor = models.ForeignKey("hospitals.Doctor", on_delete=models.PROTECT, related_name="+", verbose_name=_("doctor"))
    on_date = models.DateField(_("date"))
    category = models.CharField(_("category"), max_length=14, choices=ToVCategory.choices)
    amount = models.DecimalField(_("amount (CNY)"), **MONEY)
    fee_record = models.ForeignKey(
        FeeRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("fee record")
    )
    event = models.ForeignKey(
        "events.Event", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("event")
    )
    source = models.CharField(_("source record"), max_length=60, help_text=_("e.g. fee:12, expense:7, event:3"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("posted at"), default=timezone.now)

    objects = ToVEntryQuerySet.as_tenant_manager()

    class Meta:
        verbose_name = _("transfer of value")
        verbose_name_plural = _("transfers of value")
        ordering = ["-on_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "source", "doctor", "category"], name="toventry_source_once"),
        ]
        indexes = [
            models.Index(fields=["tenant", "doctor", "on_date"], name="toventry_tenant_doctor_idx"),
            models.Index(fields=["tenant", "on_date", "id"], name="toventry_tenant_date_idx"),
        ]

    def __str__(self):
        return f"{self.on_date:%Y-%m-%d} {self.get_category_display()} {self.amount}"


class PhotoFingerprint(TenantModel):
    """The exact (SHA-256) and perceptual hashes of an event photo or sign-in sheet."""

    photo = models.ForeignKey("events.EventPhoto", on_delete=models.CASCADE, related_name="+", verbose_name=_("photo"))
    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="+", verbose_name=_("event"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    phash = models.BigIntegerField(_("perceptual hash"), null=True, blank=True)
    dhash = models.BigIntegerField(_("difference hash"), null=True, blank=True)
    # The same two hashes of the picture's centre (5 % cut off each side): a copy cropped by about
    # that much hashes like the original's centre (events.fees.flags, photo_reused).
    phash_inner = models.BigIntegerField(_("perceptual hash of the centre"), null=True, blank=True)
    dhash_inner = models.BigIntegerField(_("difference hash of the centre"), null=True, blank=True)

    class Meta:
        verbose_name = _("photo fingerprint")
        verbose_name_plural = _("photo fingerprints")
        constraints = [models.UniqueConstraint(fields=["tenant", "photo"], name="photofp_photo_uniq")]
        indexes = [
            models.Index(fields=["tenant", "sha256"], name="photofp_tenant_sha_idx"),
            models.Index(fields=["tenant", "event"], name="photofp_tenant_event_idx"),
        ]

    def __str__(self):
        return self.sha256[:12]


class FeeFlagQuerySet(TenantQuerySet):
    """Audit flags."""

    def open(self):
        return self.filter(status=FlagStatus.OPEN)


class FeeFlag(TenantModel):
    """An audit flag: which rule, on what (engagement, fee record, event, doctor), the numbers
    (``detail``) and its life (open → cleared by compliance with a reason, or resolved when the
    rule no longer applies). Written only by ``events.fees.flags.flags_refresh``."""

    rule = models.CharField(_("rule"), max_length=28, choices=FlagRule.choices)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    key = models.CharField(_("subject key"), max_length=80)
    doctor = models.ForeignKey(
        "hospitals.Doctor", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("doctor")
    )
    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, null=True, blank=True, related_name="flags", verbose_name=_("engagement")
    )
    fee_record = models.ForeignKey(
        FeeRecord, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("fee record")
    )
    event = models.ForeignKey(
        "events.Event", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("event")
    )
    product = models.ForeignKey(
        "hospitals.Product",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    region = models.CharField(_("region (province)"), max_length=20, blank=True)
    on_date = models.DateField(_("date"))
    detail = models.JSONField(_("numbers"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    first_seen = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now)
    cleared_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("cleared by")
    )
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    cleared_reason = models.TextField(_("reason for clearing"), blank=True)

    objects = FeeFlagQuerySet.as_tenant_manager()

    class Meta:
        verbose_name = _("audit flag")
        verbose_name_plural = _("audit flags")
        ordering = ["-on_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "rule", "key"], name="feeflag_rule_key_uniq"),
            models.CheckConstraint(
                condition=~Q(status="cleared") | (Q(cleared_by__isnull=False) & ~Q(cleared_reason="")),
                name="feeflag_cleared_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "-on_date", "-id"], name="feeflag_tenant_status_idx"),
            # any status, newest first (the list's period filter and "every status")
            models.Index(fields=["tenant", "-on_date", "-id"], name="feeflag_tenant_date_idx"),
            models.Index(fields=["tenant", "rule", "status", "-on_date", "-id"], name="feeflag_tenant_rule_idx"),
            models.Index(fields=["tenant", "doctor", "status"], name="feeflag_tenant_doctor_idx"),
            models.Index(fields=["tenant", "event"], name="feeflag_tenant_event_idx"),
        ]

    def __str__(self):
        return f"{self.get_rule_display()} ({self.key})"

    @property
    def explanation(self) -> str:
        from events.fees.explain import explain

        return explain(self)


class FlagClearing(TenantModel):
    """The audit record of a flag cleared (or reopened) by compliance: who, when, why."""

    flag = models.ForeignKey(FeeFlag, on_delete=models.CASCADE, related_name="clearings", verbose_name=_("flag"))
    by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    reason = models.TextField(_("reason"))
    detail = models.JSONField(_("numbers when cleared"), default=dict)

    class Meta:
        verbose_name = _("flag clearing")
        verbose_name_plural = _("flag clearings")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["tenant", "flag"], name="flagclearing_tenant_flag_idx")]

    def __str__(self):
        return f"{self.flag_id}: {self.reason[:40]}"


class AuditSample(TenantModel):
    """A seeded random sample of events or engagements for evidence review (reproducible: the
    same seed over the same population draws the same items)."""

    kind = models.CharField(_("kind"), max_length=12, choices=SampleKind.choices)
    size = models.PositiveIntegerField(_("size"), validators=[MinValueValidator(1), MaxValueValidator(1000)])
    seed = models.BigIntegerField(_("seed"))
    period_from = models.DateField(_("from"))
    period_until = models.DateField(_("until"))
    population = models.PositiveIntegerField(_("population"), default=0)
    drawn_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("drawn by")
    )
    drawn_at = models.DateTimeField(_("drawn at"), default=timezone.now)

    class Meta:
        verbose_name = _("audit sample")
        verbose_name_plural = _("audit samples")
        ordering = ["-drawn_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} × {self.size} (seed {self.seed})"


class AuditSampleItem(TenantModel):
    """One drawn item and the outcome of its evidence review."""

    sample = models.ForeignKey(AuditSample, on_delete=models.CASCADE, related_name="items", verbose_name=_("sample"))
    position = models.PositiveIntegerField(_("position"))
    event = models.ForeignKey(
        "events.Event", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("event")
    )
    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("engagement")
    )
    outcome = models.CharField(_("outcome"), max_length=8, choices=SampleOutcome.choices, default=SampleOutcome.PENDING)
    note = models.TextField(_("note"), blank=True)
    reviewed_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit sample item")
        verbose_name_plural = _("audit sample items")
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["tenant", "sample", "position"], name="sampleitem_uniq")]

    def __str__(self):
        return f"{self.sample_id}#{self.position}"
