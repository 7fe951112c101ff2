"""Analytics reads the other apps' tables; it owns the tenant's KPI settings and one rollup.

:class:`KpiTarget` holds the weight and target of one sales-force KPI (analytics.kpis computes
the scorecard from visits, plans, tasks, adoption and sales). A KPI without a row uses its
default (``analytics.kpis.KPIS``).

:class:`KpiMonth` is the maintained monthly rollup the scorecard reads: one row per rep and
month with the facts of every KPI (analytics.rollup keeps it fresh; nothing else writes it).
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


class KpiMonth(TenantModel):
    """The KPI facts of one rep in one month: a rollup derived from visits, plans, adoption
    history and sales by ``analytics.rollup`` (refreshed after the writes that change it and
    nightly); the scorecard reads it instead of the millions of visits behind it.

    Every column is what ``analytics.kpis.kpi_facts_live`` computes for the (rep, month), so a
    refresh is idempotent and the rollup can always be rebuilt from the sources.
    """

    rep = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+", verbose_name=_("rep"))
    month = models.DateField(_("month"), help_text=_("First day of the month."))
    calls = models.IntegerField(_("calls"), default=0)
    plan_target = models.IntegerField(_("planned target visits"), default=0)
    plan_covered = models.IntegerField(_("visits counted towards targets"), default=0)
    ab_doctors = models.IntegerField(_("A/B doctors planned"), default=0)
    ab_at_target = models.IntegerField(_("A/B doctors at target frequency"), default=0)
    on_time = models.IntegerField(_("reports on time"), default=0)
    late = models.IntegerField(_("reports late"), default=0)
    evt_total = models.IntegerField(_("event follow-ups"), default=0)
    evt_done = models.IntegerField(_("event follow-ups done within 3 days"), default=0)
    new_adopters = models.IntegerField(_("new adopters"), default=0)
    sales = models.DecimalField(_("sell-out value (CNY)"), max_digits=16, decimal_places=2, default=0)
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("KPI month")
        verbose_name_plural = _("KPI months")
        ordering = ["month", "rep_id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "rep", "month"], name="kpimonth_tenant_rep_month_uniq"),
        ]
        indexes = [models.Index(fields=["tenant", "month"], name="kpimonth_tenant_month_idx")]

    def __str__(self):
        return f"{self.rep_id} · {self.month:%Y-%m}"


class DoctorStratum(TenantModel):
    """One doctor's matching stratum for event ROI (analytics.roi): the tier of the tenant's latest
    scoring period, the hospital grade and the department key, with a fixed pseudo-random ``draw``
    (0–9999, a hash of the id) that orders the control candidates of a stratum.

    Derived from doctors, hospitals, departments and tier assignments by ``analytics.strata``
    (an upsert of what changed, nightly): the ROI reads the candidates of the attendees' strata
    from its index instead of joining a million doctors with their tiers at every computation.
    """

    doctor = models.ForeignKey("hospitals.Doctor", on_delete=models.CASCADE, related_name="+", verbose_name=_("doctor"))
    period = models.CharField(_("tier period"), max_length=6, blank=True)
    tier = models.CharField(_("tier"), max_length=1, blank=True)
    grade = models.CharField(_("hospital grade"), max_length=4)
    dept = models.CharField(_("department"), max_length=200, blank=True)
    draw = models.SmallIntegerField(_("draw"))
    is_active = models.BooleanField(_("active"), default=True)
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("doctor stratum")
        verbose_name_plural = _("doctor strata")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "doctor"], name="doctorstratum_tenant_doctor_uniq"),
        ]
        indexes = [
            models.Index(fields=["tenant", "tier", "grade", "dept", "draw"], name="doctorstratum_draw_idx"),
        ]

    def __str__(self):
        return f"{self.doctor_id} · {self.tier or '—'}/{self.grade}/{self.dept}"
