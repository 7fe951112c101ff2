"""Academic events: programs, events (科室会 to masterclasses), agenda, budget and expenses,
attendees and sign-in, questions, post-event follow-up, and field insights to product managers.

The life of an event (issue 10, docs/events.md):

* an :class:`Event` goes draft → submitted → approved → held → closed, or cancelled / rejected
  with a reason; every transition is an :class:`EventTransition` row (who, when, why) and, once
  held, a change of the event's facts is an :class:`EventCorrection` (old and new values) —
  ``events.services`` never changes a held event silently;
* :class:`Attendee` rows come from invitations (tier, department, hospital, adoption stage,
  relation network, hand-picked) or walk-ins; a QR self sign-in is a :class:`SelfSignIn` row
  that keeps exactly what the doctor typed, matched to the master or left for review;
* when the event is held (or closed, a tenant setting) an outbox row
  (:class:`PendingEventFollowUp`) and a task on commit create one :class:`EventFollowUp` per
  signed-in attendee — unique on (tenant, attendee) — each with its visit plan made through
  ``visits.services``;
* an :class:`Insight` (unanswered question, objection, competitor claim, evidence request)
  goes to the product's product managers (:class:`ProductManagerAssignment`) and their answer
  back to the rep.
"""

from __future__ import annotations

import uuid

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.models import TenantModel, TenantQuerySet
from events.vocabulary import (  # noqa: F401  (the vocabulary, importable from here)
    DEFAULT_QUESTIONNAIRE,
    FINAL_STATUSES,
    FROZEN_STATUSES,
    BudgetCategory,
    EventStatus,
    EventType,
    FollowUpOn,
    FollowUpStatus,
    InsightKind,
    InsightStatus,
    InvitedVia,
    NotificationKind,
    OrganiserKind,
    PhotoKind,
    ProgramStatus,
    Purpose,
    Reaction,
    Recall,
    Rsvp,
    SelfSignInStatus,
    SignInMethod,
    TrialResult,
    VenueKind,
)

MONEY = {"max_digits": 12, "decimal_places": 2}


def _upload_to(prefix):
    def upload_to(obj, filename):
        import os

        ext = os.path.splitext(filename)[1].lower()[:8]
        return f"events/{prefix}/{obj.tenant_id}/{uuid.uuid4().hex}{ext}"

    upload_to.__name__ = f"upload_{prefix}"
    return upload_to


def receipt_upload_to(obj, filename):
    """events/receipts/<tenant>/<random>.<ext>."""
    return _upload_to("receipts")(obj, filename)


def photo_upload_to(obj, filename):
    """events/photos/<tenant>/<random>.<ext>."""
    return _upload_to("photos")(obj, filename)


# --- settings and product managers ----------------------------------------------------------


class EventSettings(TenantModel):
    """The tenant's event rules (one row per tenant; ``events.selectors.event_settings`` gives
    the defaults when there is none)."""

    followup_days = models.PositiveSmallIntegerField(
        _("follow-up due within (days)"), default=3, validators=[MinValueValidator(1)]
    )
    followup_on = models.CharField(
        _("create follow-ups"), max_length=8, choices=FollowUpOn.choices, default=FollowUpOn.HELD
    )
    pm_approval_above = models.DecimalField(
        _("product manager approves too above (budget)"),
        default=50000,
        help_text=_("An event whose budget is above this amount needs the product manager's approval as well."),
        **MONEY,
    )
    flagged_venue_kinds = models.JSONField(
        _("venue kinds compliance flags"), default=list, blank=True, help_text=_('e.g. ["resort", "scenic_area"]')
    )
    signin_attempts_per_minute = models.PositiveSmallIntegerField(
        _("self sign-in attempts per minute (per address)"), default=20, validators=[MinValueValidator(1)]
    )
    questionnaire = models.JSONField(
        _("follow-up questionnaire templates"),
        default=dict,
        blank=True,
        help_text=_('Per purpose, the questions to ask, e.g. {"A": ["What do you remember?"]}; empty: the defaults.'),
    )

    class Meta:
        verbose_name = _("event settings")
        verbose_name_plural = _("event settings")
        constraints = [models.UniqueConstraint(fields=["tenant"], name="eventsettings_tenant_uniq")]

    def __str__(self):
        return str(_("Event settings"))


class ProductManagerAssignment(TenantModel):
    """A product manager of a product: field insights about the product land in their inbox."""

    product = models.ForeignKey(
        "hospitals.Product", on_delete=models.CASCADE, related_name="+", verbose_name=_("product")
    )
    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="+", verbose_name=_("product manager")
    )

    class Meta:
        verbose_name = _("product manager of a product")
        verbose_name_plural = _("product managers of products")
        constraints = [models.UniqueConstraint(fields=["tenant", "product", "user"], name="pmassign_tenant_uniq")]
        indexes = [models.Index(fields=["tenant", "user"], name="pmassign_tenant_user_idx")]

    def __str__(self):
        return f"{self.product_id}: {self.user_id}"


# --- programs -------------------------------------------------------------------------------


class Program(TenantModel):
    """A sustained academic plan (e.g. a year-long masterclass series): products, objective,
    target audience, owner (a product manager), period and budget. Spend and results of its
    events add up here."""

    name = models.CharField(_("name"), max_length=200)
    objective = models.TextField(_("objective"), blank=True)
    products = models.ManyToManyField(
        "hospitals.Product", through="ProgramProduct", blank=True, related_name="+", verbose_name=_("products")
    )
    target_tiers = models.JSONField(_("target tiers"), default=list, blank=True, help_text=_('e.g. ["A", "B"]'))
    target_departments = models.JSONField(
        _("target departments"), default=list, blank=True, help_text=_("Standard department codes.")
    )
    owner = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("owner (product manager)")
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    budget = models.DecimalField(_("budget"), default=0, validators=[MinValueValidator(0)], **MONEY)
    status = models.CharField(_("status"), max_length=10, choices=ProgramStatus.choices, default=ProgramStatus.ACTIVE)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="program_tenant_name_uniq"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="program_period_order"),
        ]
        indexes = [models.Index(fields=["tenant", "-starts_on", "-id"], name="program_tenant_start_idx")]

    def __str__(self):
        return self.name


class ProgramProduct(TenantModel):
    """A product a program promotes."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+", verbose_name=_("program"))
    product = models.ForeignKey(
        "hospitals.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )

    class Meta:
        verbose_name = _("program product")
        verbose_name_plural = _("program products")
        constraints = [models.UniqueConstraint(fields=["tenant", "program", "product"], name="programproduct_uniq")]

    def __str__(self):
        return f"{self.program_id}: {self.product_id}"


class ProgramTarget(TenantModel):
    """A hand-picked doctor of a program's target audience (e.g. the key opinion leaders)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="targets", verbose_name=_("program"))
    doctor = models.ForeignKey("hospitals.Doctor", on_delete=models.CASCADE, related_name="+", verbose_name=_("doctor"))

    class Meta:
        verbose_name = _("program target doctor")
        verbose_name_plural = _("program target doctors")
        constraints = [models.UniqueConstraint(fields=["tenant", "program", "doctor"], name="programtarget_uniq")]

    def __str__(self):
        return f"{self.program_id}: {self.doctor_id}"


# --- events ---------------------------------------------------------------------------------


class EventQuerySet(TenantQuerySet):
    """Academic events."""

    def upcoming(self, now=None):
        """Not yet started and not cancelled or rejected."""
        return self.filter(starts_at__gte=now or timezone.now()).exclude(
            status__in=[EventStatus.CANCELLED, EventStatus.REJECTED]
        )

    def held_or_closed(self):
        return self.filter(status__in=[EventStatus.HELD, EventStatus.CLOSED])

    def between(self, start, end):
        """Overlapping the period [start, end) (the calendar's month or week)."""
        return self.filter(starts_at__lt=end, ends_at__gt=start)


class Event(TenantModel):
    """An academic event: type, organiser, host hospital or venue, time, agenda, deck, budget."""

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, null=True, blank=True, related_name="events", verbose_name=_("program")
    )
    title = models.CharField(_("title"), max_length=200)
    type = models.CharField(_("type"), max_length=24, choices=EventType.choices)
    products = models.ManyToManyField(
        "hospitals.Product", through="EventProduct", blank=True, related_name="+", verbose_name=_("products")
    )
    organiser_kind = models.CharField(
        _("organised by"), max_length=12, choices=OrganiserKind.choices, default=OrganiserKind.COMPANY
    )
    distributor = models.ForeignKey(
        "hospitals.Distributor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("distributor"),
        help_text=_("The distributor that runs the event (agency model)."),
    )
    third_party = models.CharField(_("third-party organiser"), max_length=200, blank=True)
    host_hospital = models.ForeignKey(
        "hospitals.Hospital",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("host hospital"),
    )
    host_department = models.ForeignKey(
        "hospitals.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("host department"),
    )
    venue_name = models.CharField(_("venue"), max_length=200, blank=True)
    venue_city = models.CharField(_("city"), max_length=60, blank=True)
    venue_address = models.CharField(_("address"), max_length=300, blank=True)
    venue_kind = models.CharField(_("venue kind"), max_length=20, choices=VenueKind.choices, default=VenueKind.HOSPITAL)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    slide_deck = models.ForeignKey(
        "visits.ContentItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("slide deck"),
        help_text=_("An approved content-library item, valid on the event's day."),
    )
    expected_attendees = models.PositiveIntegerField(_("expected attendees"), default=0)
    owner = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("organiser"))
    status = models.CharField(_("status"), max_length=10, choices=EventStatus.choices, default=EventStatus.DRAFT)
    needs_pm_approval = models.BooleanField(_("needs the product manager's approval"), default=False)
    manager_approved_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by (manager)"),
    )
    manager_approved_at = models.DateTimeField(_("manager approved at"), null=True, blank=True)
    pm_approved_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by (product manager)"),
    )
    pm_approved_at = models.DateTimeField(_("product manager approved at"), null=True, blank=True)
    held_at = models.DateTimeField(_("marked held at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    status_reason = models.TextField(_("reason (cancelled or rejected)"), blank=True)
    signin_token = models.UUIDField(_("sign-in code"), default=uuid.uuid4, editable=False)
    questionnaire = models.JSONField(
        _("follow-up questionnaire"), default=dict, blank=True, help_text=_("Per purpose (A–E), the questions to ask.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()
    objects = EventQuerySet.as_tenant_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="event_ends_after_start"),
            models.UniqueConstraint(fields=["tenant", "signin_token"], name="event_signin_token_uniq"),
        ]
        indexes = [
            models.Index(fields=["tenant", "-starts_at", "-id"], name="event_tenant_start_idx"),
            models.Index(fields=["tenant", "status", "-starts_at", "-id"], name="event_tenant_status_idx"),
            models.Index(fields=["tenant", "owner", "-starts_at", "-id"], name="event_tenant_owner_idx"),
            models.Index(fields=["tenant", "program", "-starts_at"], name="event_tenant_program_idx"),
            models.Index(fields=["tenant", "type", "-starts_at", "-id"], name="event_tenant_type_idx"),
            models.Index(fields=["tenant", "distributor"], name="event_tenant_distributor_idx"),
            models.Index(fields=["tenant", "host_hospital"], name="event_tenant_hospital_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_frozen(self) -> bool:
        """Held or closed: its facts change only by a recorded correction."""
        return self.status in FROZEN_STATUSES

    @property
    def where(self) -> str:
        """Host hospital (and department) or venue, for lists."""
        if self.host_hospital_id:
            dept = f" · {self.host_department.name}" if self.host_department_id else ""
            return f"{self.host_hospital.name}{dept}"
        return ", ".join(x for x in (self.venue_name, self.venue_city) if x)


class EventProduct(TenantModel):
    """A product an event is about."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+", verbose_name=_("event"))
    product = models.ForeignKey(
        "hospitals.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )

    class Meta:
        verbose_name = _("event product")
        verbose_name_plural = _("event products")
        constraints = [models.UniqueConstraint(fields=["tenant", "event", "product"], name="eventproduct_uniq")]
        indexes = [models.Index(fields=["tenant", "product"], name="eventproduct_tenant_prod_idx")]

    def __str__(self):
        return f"{self.event_id}: {self.product_id}"


class EventKeyMessage(TenantModel):
    """A key message the event delivers (each gets a recall answer at follow-up)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="key_messages", verbose_name=_("event"))
    key_message = models.ForeignKey(
        "hospitals.KeyMessage", on_delete=models.PROTECT, related_name="+", verbose_name=_("key message")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("event key message")
        verbose_name_plural = _("event key messages")
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "event", "key_message"], name="eventkm_uniq")]

    def __str__(self):
        return f"{self.event_id}: {self.key_message_id}"


class EventTransition(TenantModel):
    """One step of an event's workflow: from, to, who, when and why (the audit trail)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("event"))
    from_status = models.CharField(_("from"), max_length=10, choices=EventStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=10, choices=EventStatus.choices)
    by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("event transition")
        verbose_name_plural = _("event transitions")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["tenant", "event", "at"], name="eventtrans_tenant_event_idx")]

    def __str__(self):
        return f"{self.event_id}: {self.from_status} → {self.to_status}"


class EventCorrection(TenantModel):
    """A correction of a held or closed event: who, when, why, and each field's old and new value."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="corrections", verbose_name=_("event"))
    by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    reason = models.TextField(_("reason"))
    changes = models.JSONField(_("changes"), default=dict)

    class Meta:
        verbose_name = _("event correction")
        verbose_name_plural = _("event corrections")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["tenant", "event"], name="eventcorr_tenant_event_idx")]

    def __str__(self):
        return f"{self.event_id} @ {self.at:%Y-%m-%d %H:%M}"


class AgendaItem(TenantModel):
    """A session of the agenda: topic, speaker (a doctor or an employee), minutes, academic or not."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="agenda", verbose_name=_("event"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    topic = models.CharField(_("topic"), max_length=300)
    speaker_doctor = models.ForeignKey(
        "hospitals.Doctor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("speaker (doctor)"),
    )
    speaker_user = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("speaker (employee)"),
    )
    minutes = models.PositiveSmallIntegerField(_("minutes"), validators=[MinValueValidator(1)])
    is_academic = models.BooleanField(_("academic content"), default=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(speaker_doctor__isnull=True) | Q(speaker_user__isnull=True), name="agenda_one_speaker"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "event"], name="agenda_tenant_event_idx"),
            models.Index(fields=["tenant", "speaker_doctor"], name="agenda_tenant_speaker_idx"),
        ]

    def __str__(self):
        return self.topic


class BudgetLine(TenantModel):
    """The budget of one category of an event (speaker-fee amounts live with the fee records)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="budget_lines", verbose_name=_("event"))
    category = models.CharField(_("category"), max_length=16, choices=BudgetCategory.choices)
    amount = models.DecimalField(_("budget"), validators=[MinValueValidator(0)], **MONEY)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["category"]
        constraints = [models.UniqueConstraint(fields=["tenant", "event", "category"], name="budgetline_uniq")]

    def __str__(self):
        return f"{self.event_id}: {self.category} {self.amount}"


class Expense(TenantModel):
    """An actual expense of an event, by category, with its receipt (an image or a PDF)."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="expenses", verbose_name=_("event"))
    category = models.CharField(_("category"), max_length=16, choices=BudgetCategory.choices)
    amount = models.DecimalField(_("amount"), validators=[MinValueValidator(0)], **MONEY)
    spent_on = models.DateField(_("date"))
    description = models.CharField(_("description"), max_length=300, blank=True)
    receipt = models.FileField(_("receipt"), upload_to=receipt_upload_to, max_length=200, blank=True)
    receipt_sha256 = models.CharField(_("receipt SHA-256"), max_length=64, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("expense")
        verbose_name_plural = _("expenses")
        ordering = ["spent_on", "id"]
        indexes = [models.Index(fields=["tenant", "event", "category"], name="expense_tenant_event_idx")]

    def __str__(self):
        return f"{self.event_id}: {self.category} {self.amount}"


class EventPhoto(TenantModel):
    """A sign-in sheet photo or an event photo (the fee audit checks them for reuse across events)."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="photos", verbose_name=_("event"))
    kind = models.CharField(_("kind"), max_length=16, choices=PhotoKind.choices, default=PhotoKind.PHOTO)
    file = models.FileField(_("file"), upload_to=photo_upload_to, max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("event photo")
        verbose_name_plural = _("event photos")
        ordering = ["uploaded_at", "id"]
        indexes = [
            models.Index(fields=["tenant", "event"], name="eventphoto_tenant_event_idx"),
            models.Index(fields=["tenant", "sha256"], name="eventphoto_tenant_sha_idx"),
        ]

    def __str__(self):
        return f"{self.event_id}: {self.kind}"


# --- attendees and sign-in ------------------------------------------------------------------


class AttendeeQuerySet(TenantQuerySet):
    """Attendees of events."""

    def signed_in(self):
        return self.filter(signed_in_at__isnull=False)


class Attendee(TenantModel):
    """A doctor invited to (or walking into) an event: RSVP, and sign-in on the day."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="attendees", verbose_name=_("event"))
    doctor = models.ForeignKey("hospitals.Doctor", on_delete=models.PROTECT, related_name="+", verbose_name=_("doctor"))
    rsvp = models.CharField(_("RSVP"), max_length=10, choices=Rsvp.choices, default=Rsvp.INVITED)
    invited_via = models.CharField(
        _("invited via"), max_length=12, choices=InvitedVia.choices, default=InvitedVia.HAND_PICKED
    )
    invited_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    invited_at = models.DateTimeField(_("invited at"), default=timezone.now)
    signed_in_at = models.DateTimeField(_("signed in at"), null=True, blank=True)
    signin_method = models.CharField(_("signed in by"), max_length=4, choices=SignInMethod.choices, blank=True)
    signed_in_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marked by"),
    )

    objects = AttendeeQuerySet.as_tenant_manager()

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        ordering = ["event_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "event", "doctor"], name="attendee_tenant_event_doctor_uniq"),
            models.CheckConstraint(
                condition=Q(signed_in_at__isnull=True) | ~Q(signin_method=""), name="attendee_signin_has_method"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "doctor"], name="attendee_tenant_doctor_idx"),
            models.Index(fields=["tenant", "event", "signed_in_at"], name="attendee_tenant_signed_idx"),
        ]

    def __str__(self):
        return f"{self.event_id}: {self.doctor_id}"

    @property
    def is_signed_in(self) -> bool:
        return self.signed_in_at is not None


class SelfSignIn(TenantModel):
    """What a doctor typed on the QR sign-in page, kept as typed: matched to the master (then an
    attendee is signed in) or left for review. Nothing entered at sign-in is lost."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="self_signins", verbose_name=_("event"))
    name = models.CharField(_("name"), max_length=100)
    hospital_text = models.CharField(_("hospital (as typed)"), max_length=200)
    phone_last4 = models.CharField(_("phone, last 4 digits"), max_length=4)
    at = models.DateTimeField(_("at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=SelfSignInStatus.choices)
    doctor = models.ForeignKey(
        "hospitals.Doctor",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("matched doctor"),
    )
    score = models.PositiveSmallIntegerField(_("match score"), default=0)
    candidates = models.JSONField(_("candidates"), default=list, blank=True)
    attendee = models.ForeignKey(
        Attendee, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("attendee")
    )
    resolved_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )

    class Meta:
        verbose_name = _("self sign-in")
        verbose_name_plural = _("self sign-ins")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["tenant", "event", "status"], name="selfsignin_tenant_event_idx")]

    def __str__(self):
        return f"{self.event_id}: {self.name}"


class Question(TenantModel):
    """A question raised at the event: who asked, what, answered on the spot or not."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="questions", verbose_name=_("event"))
    attendee = models.ForeignKey(
        Attendee, on_delete=models.CASCADE, null=True, blank=True, related_name="questions", verbose_name=_("asked by")
    )
    text = models.TextField(_("question"))
    product = models.ForeignKey(
        "hospitals.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    key_message = models.ForeignKey(
        "hospitals.KeyMessage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("key message"),
    )
    answered_on_spot = models.BooleanField(_("answered on the spot"), default=False)
    answer = models.TextField(_("answer given"), blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["tenant", "event"], name="question_tenant_event_idx"),
            models.Index(fields=["tenant", "attendee"], name="question_tenant_attendee_idx"),
        ]

    def __str__(self):
        return self.text[:60]


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

# --- event visibility by territory (issue 10, performance) -------------------------------------


class EventTerritory(TenantModel):
    """A territory one of whose aligned doctors is an attendee of the event: what lets a rep's
    event list ask "events my doctors attend" with one index probe instead of a subquery over
    millions of attendees (``events.selectors.event_list``).

    Derived data, kept by database triggers (migration ``0007_event_territory_visibility``) on
    ``events_attendee`` (added, removed, moved to another doctor by a merge) and on
    ``hospitals_doctorterritory`` (alignment changed by any path: admin, API, import, merge), so
    no writer can forget it. A rep's own territories are read at query time, so reassigning a
    rep needs no maintenance. ``events.services.event_territories_rebuild`` recomputes a
    tenant's rows from scratch (repair, and the check the tests make).
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+", verbose_name=_("event"))
    territory = models.ForeignKey(
        "accounts.Territory", on_delete=models.CASCADE, related_name="+", verbose_name=_("territory")
    )

    class Meta:
        verbose_name = _("event territory")
        verbose_name_plural = _("event territories")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "territory", "event"], name="eventterritory_tenant_uniq"),
        ]
        indexes = [models.Index(fields=["tenant", "event"], name="eventterr_tenant_event_idx")]

    def __str__(self):
        return f"{self.event_id} ↔ {self.territory_id}"
