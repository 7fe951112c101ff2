"""Event settings, product managers of a product, programs and their products and target audience."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.models import TenantModel
from events.models.base import MONEY
from events.vocabulary import (
    FollowUpOn,
    ProgramStatus,
)

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
