"""The event and what belongs to it: products, key messages, transitions and corrections, agenda,
budget and expenses, photos, and its visibility by territory."""

from __future__ import annotations

import uuid

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.models import TenantModel, TenantQuerySet
from events.models.base import MONEY, photo_upload_to, receipt_upload_to
from events.models.programs import Program
from events.vocabulary import (
    FROZEN_STATUSES,
    BudgetCategory,
    EventStatus,
    EventType,
    OrganiserKind,
    PhotoKind,
    VenueKind,
)

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
