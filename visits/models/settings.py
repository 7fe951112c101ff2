"""The tenant's visit rules and each rep's capacity and leave."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.models import TenantModel
from visits.vocabulary import (
    DEFAULT_OBJECTIVES,
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
