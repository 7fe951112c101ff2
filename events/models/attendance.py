"""Attendees and sign-in (invitations, walk-ins, QR self sign-in) and questions asked."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import TenantModel, TenantQuerySet
from events.models.event import Event
from events.vocabulary import (
    InvitedVia,
    Rsvp,
    SelfSignInStatus,
    SignInMethod,
)

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
