"""Analytics reads the other apps' tables; the one thing it owns is the tenant's KPI settings.

:class:`KpiTarget` holds the weight and target of one sales-force KPI (analytics.kpis computes
the scorecard from visits, plans, tasks, adoption and sales). A KPI without a row uses its
default (``analytics.kpis.KPIS``).
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import TenantModel


class Kpi(models.TextChoices):
    """A KPI of the sales-force scorecard (DESIGN.md: objective, reproducible)."""

    CALLS = "calls", _("Calls (submitted visits)")
    AB_COVERAGE = "ab_coverage", _("A/B doctors at target frequency")
    FREQUENCY = "frequency", _("Frequency attainment")
    TIMELINESS = "timeliness", _("Reports on time")
    EVENT_FOLLOWUP = "event_followup", _("Event follow-up within 3 days")
    NEW_ADOPTERS = "new_adopters", _("New adopters")
    SALES = "sales", _("Sales attainment")


class KpiTarget(TenantModel):
    """The weight and target of one KPI in this tenant's scorecard.

    ``target`` is per rep and month for counts (calls, new adopters) and sales (CNY), and a
    percentage for rates; a weight of 0 leaves the KPI out of the score (it is still shown).
    """

    kpi = models.CharField(_("KPI"), max_length=20, choices=Kpi.choices)
    weight = models.DecimalField(
        _("weight"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    target = models.DecimalField(
        _("target"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        help_text=_("Per rep and month for calls, new adopters and sales (CNY); a percentage for rates."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        ordering = ["kpi"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "kpi"], name="kpitarget_tenant_kpi_uniq"),
            models.CheckConstraint(condition=models.Q(weight__gte=0), name="kpitarget_weight_positive"),
            models.CheckConstraint(condition=models.Q(target__gte=0), name="kpitarget_target_positive"),
        ]

    def __str__(self):
        return f"{self.get_kpi_display()}: {self.weight} × {self.target}"
