"""Segmentation: scorecards, dimension inputs, scoring runs, tier assignments and their history,
overrides, tier-driven call frequency and the adoption ladder.

How a tier comes about (the whole story, so a product manager can be told *why*):

1. A :class:`Scorecard` (for one product or all) has numbered :class:`ScorecardVersion` s. A
   version holds weighted :class:`ScorecardDimension` s (weights add up to 100 %) and a tier
   rule (score cut-offs or quotas). One version per scorecard is active; a version that a
   scoring run has used is frozen (``used_at`` set) and never changes again.
2. A :class:`ScoringRun` scores every active doctor of the tenant for a period (a quarter,
   ``"2026Q4"``) with one version: each dimension's raw value is read set-based from the master
   data (segmentation.dimensions), *normalised within the tenant* to 0–1 (percentile rank by
   default: the share of the tenant's doctors with a strictly lower raw value, so ties score the
   same and a dimension without data scores 0 for everyone; or min-max per dimension), and
   contributes ``weight % × normalised`` points; the total score is 0–100.
3. The result is one :class:`TierAssignment` per doctor and period (the tier history), with the
   score, each dimension's contribution and the previous period's tier.
4. The *current* tier of a doctor is the tier of their latest assignment, unless a
   :class:`TierOverride` that has not expired and was not revoked says otherwise.

The tenant's tier of record comes from one scorecard: the *primary* one (``is_primary``); other
scorecards (e.g. per product) can be previewed with what-if and made primary.
"""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.models import TenantModel, TenantQuerySet
from hospitals.models import Channel

PERIOD_RE = re.compile(r"^(\d{4})Q([1-4])$")


def validate_period(value: str) -> None:
    """A quarter written as ``YYYYQn`` (e.g. ``2026Q4``)."""
    if not PERIOD_RE.match(value or ""):
        raise ValidationError(_("Enter a quarter such as 2026Q4."), code="invalid_period")


def period_bounds(period: str) -> tuple[date, date]:
    """First day of the quarter and first day of the next one (half-open interval)."""
    validate_period(period)
    year, quarter = int(period[:4]), int(period[5])
    start = date(year, 3 * (quarter - 1) + 1, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, end


def period_of(day: date) -> str:
    """The quarter a day falls in."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def previous_period(period: str) -> str:
    """The quarter before ``period``."""
    validate_period(period)
    year, quarter = int(period[:4]), int(period[5])
    return f"{year - 1}Q4" if quarter == 1 else f"{year}Q{quarter - 1}"


class Tier(models.TextChoices):
    """Doctor tiers, A the most valuable."""

    A = "A", _("Tier A")
    B = "B", _("Tier B")
    C = "C", _("Tier C")
    D = "D", _("Tier D")


TIER_ORDER = {"A": 0, "B": 1, "C": 2, "D": 3}


class Scorecard(TenantModel):
    """A tenant's way of tiering doctors, for one product or (product empty) for all products."""

    name = models.CharField(_("name"), max_length=100)
    product = models.ForeignKey(
        "hospitals.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
        help_text=_("Empty: all of our products."),
    )
    description = models.TextField(_("description"), blank=True)
    is_primary = models.BooleanField(
        _("primary"),
        default=False,
        help_text=_("The quarterly re-score uses the active version of the primary scorecard."),
    )
    created_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        ordering = ["-is_primary", "name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="scorecard_tenant_name_uniq"),
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(is_primary=True), name="scorecard_tenant_one_primary"
            ),
        ]

    def __str__(self):
        return self.name


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


class TierRule(models.TextChoices):
    """How total scores become tiers."""

    CUTOFFS = "cutoffs", _("Score cut-offs")
    QUOTAS = "quotas", _("Quotas (share of doctors per tier)")


class MissingData(models.TextChoices):
    """What a doctor's score takes for a dimension without input data (no usage, no visits, no
    imported value): a scorecard setting, shown beside every "no data" in an explanation."""

    LOWEST = "lowest", _("Counted as the lowest value")
    MEDIAN = "median", _("Counted as the median of doctors with data")
    EXCLUDED = "excluded", _("Left out, the other weights renormalised")


class VersionFrozenError(ValidationError):
    """A scorecard version that a scoring run used cannot change."""


class ScorecardVersion(TenantModel):
    """One numbered version of a scorecard: dimensions with weights, and a tier rule.

    Cut-offs: A when score ≥ ``cutoff_a``, B when ≥ ``cutoff_b``, C when ≥ ``cutoff_c``, else D.
    Quotas: doctors ordered by score (ties by id) — the top ``quota_a`` % are A, the next
    ``quota_b`` % B, the next ``quota_c`` % C, the rest D.
    Frozen once a scoring run used it (``used_at``): only its status may still change.
    """

    scorecard = models.ForeignKey(
        Scorecard, on_delete=models.CASCADE, related_name="versions", verbose_name=_("scorecard")
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    tier_rule = models.CharField(_("tier rule"), max_length=10, choices=TierRule.choices, default=TierRule.QUOTAS)
    cutoff_a = models.DecimalField(_("A from score"), max_digits=5, decimal_places=2, default=75)
    cutoff_b = models.DecimalField(_("B from score"), max_digits=5, decimal_places=2, default=50)
    cutoff_c = models.DecimalField(_("C from score"), max_digits=5, decimal_places=2, default=25)
    quota_a = models.DecimalField(_("A share (%)"), max_digits=5, decimal_places=2, default=10)
    quota_b = models.DecimalField(_("B share (%)"), max_digits=5, decimal_places=2, default=20)
    quota_c = models.DecimalField(_("C share (%)"), max_digits=5, decimal_places=2, default=30)
    missing_data = models.CharField(
        _("missing data"),
        max_length=10,
        choices=MissingData.choices,
        default=MissingData.LOWEST,
        help_text=_("What a doctor without data for a dimension scores on it (default: the lowest value)."),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    used_at = models.DateTimeField(_("first used at"), null=True, blank=True, editable=False)

    # Fields that may change after the version was used (its life cycle, not its content).
    LIFECYCLE_FIELDS = frozenset({"status", "activated_at", "used_at"})

    class Meta:
        verbose_name = _("scorecard version")
        verbose_name_plural = _("scorecard versions")
        ordering = ["scorecard", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "scorecard", "number"], name="scversion_tenant_number_uniq"),
            models.UniqueConstraint(
                fields=["tenant", "scorecard"],
                condition=Q(status="active"),
                name="scversion_tenant_one_active",
                violation_error_message=_("A scorecard has one active version at a time."),
            ),
            models.CheckConstraint(
                condition=Q(cutoff_a__gte=models.F("cutoff_b")) & Q(cutoff_b__gte=models.F("cutoff_c")),
                name="scversion_cutoffs_ordered",
                violation_error_message=_("Cut-offs must go down from A to C."),
            ),
            models.CheckConstraint(
                condition=Q(quota_a__gte=0) & Q(quota_b__gte=0) & Q(quota_c__gte=0),
                name="scversion_quotas_positive",
            ),
        ]

    def __str__(self):
        return f"{self.scorecard} v{self.number}" if "scorecard" in self._state.fields_cache else f"v{self.number}"

    @property
    def is_frozen(self) -> bool:
        """Used by a scoring run: content can no longer change."""
        return self.used_at is not None

    def clean(self):
        super().clean()
        if self.tier_rule == TierRule.QUOTAS:
            total = (self.quota_a or 0) + (self.quota_b or 0) + (self.quota_c or 0)
            if total > 100:
                raise ValidationError({"quota_c": _("Quotas of A, B and C add up to more than 100%.")})
        for name in ("cutoff_a", "cutoff_b", "cutoff_c"):
            value = getattr(self, name)
            if value is not None and not (0 <= value <= 100):
                raise ValidationError({name: _("A score is between 0 and 100.")})

    def save(self, *args, **kwargs):
        if self.pk is not None:
            self._refuse_frozen_change(kwargs.get("update_fields"))
        super().save(*args, **kwargs)

    def _refuse_frozen_change(self, update_fields):
        stored = type(self)._base_manager.filter(pk=self.pk).values().first()
        if not stored or stored["used_at"] is None:
            return
        names = update_fields or [f.attname for f in self._meta.concrete_fields]
        changed = [
            name
            for name in names
            if name not in self.LIFECYCLE_FIELDS and name in stored and stored[name] != getattr(self, name)
        ]
        if changed:
            raise VersionFrozenError(
                _("Version %(number)s was used by a scoring run and cannot change; create a new version.")
                % {"number": self.number}
            )


class DimensionKind(models.TextChoices):
    """The dimension catalogue (how each raw value is computed: segmentation.dimensions)."""

    ACADEMIC_INFLUENCE = "academic_influence", _("Academic influence")
    PRESCRIBING_POTENTIAL = "prescribing_potential", _("Prescribing potential")
    BUSINESS_CONTRIBUTION = "business_contribution", _("Business contribution")
    DIGITAL_ACCEPTANCE = "digital_acceptance", _("Digital acceptance")
    WILLINGNESS = "willingness", _("Willingness to cooperate")
    IMPORTED = "imported", _("Imported dimension")


class Normalisation(models.TextChoices):
    """How raw values become 0–1 within the tenant."""

    PERCENTILE = "percentile", _("Percentile rank")
    MINMAX = "minmax", _("Min-max")


class ImportedDimension(TenantModel):
    """A dimension whose values are uploaded per doctor and period (e.g. a third-party KOL score)."""

    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("imported dimension")
        verbose_name_plural = _("imported dimensions")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "code"], name="importeddim_tenant_code_uniq")]

    def __str__(self):
        return self.name


class ImportedValue(TenantModel):
    """The value of an imported dimension for one doctor and period."""

    dimension = models.ForeignKey(
        ImportedDimension, on_delete=models.CASCADE, related_name="values", verbose_name=_("dimension")
    )
    doctor = models.ForeignKey("hospitals.Doctor", on_delete=models.CASCADE, related_name="+", verbose_name=_("doctor"))
    period = models.CharField(_("period"), max_length=6, validators=[validate_period])
    value = models.FloatField(_("value"))

    class Meta:
        verbose_name = _("imported value")
        verbose_name_plural = _("imported values")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "dimension", "period", "doctor"], name="importedvalue_tenant_uniq"
            ),
        ]

    def __str__(self):
        return f"{self.dimension_id} {self.period} {self.doctor_id}: {self.value}"


class ScorecardDimension(TenantModel):
    """One weighted dimension of a scorecard version."""

    version = models.ForeignKey(
        ScorecardVersion, on_delete=models.CASCADE, related_name="dimensions", verbose_name=_("version")
    )
    kind = models.CharField(_("dimension"), max_length=24, choices=DimensionKind.choices)
    imported_dimension = models.ForeignKey(
        ImportedDimension,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported dimension"),
    )
    weight = models.DecimalField(
        _("weight (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    normalisation = models.CharField(
        _("normalisation"), max_length=10, choices=Normalisation.choices, default=Normalisation.PERCENTILE
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("scorecard dimension")
        verbose_name_plural = _("scorecard dimensions")
        ordering = ["version", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "version", "kind", "imported_dimension"],
                name="scdimension_tenant_uniq",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=(Q(kind="imported") & Q(imported_dimension__isnull=False))
                | (~Q(kind="imported") & Q(imported_dimension__isnull=True)),
                name="scdimension_imported_has_source",
                violation_error_message=_("An imported dimension needs its source; other dimensions have none."),
            ),
        ]

    def __str__(self):
        return f"{self.label} {self.weight}%"

    @property
    def key(self) -> str:
        """The name of this dimension in a score breakdown."""
        return f"imported:{self.imported_dimension_id}" if self.kind == DimensionKind.IMPORTED else self.kind

    @property
    def label(self) -> str:
        if self.kind == DimensionKind.IMPORTED and "imported_dimension" in self._state.fields_cache:
            return str(self.imported_dimension)
        return str(DimensionKind(self.kind).label)

    def save(self, *args, **kwargs):
        if (
            self.version_id
            and ScorecardVersion._base_manager.filter(pk=self.version_id, used_at__isnull=False).exists()
        ):
            raise VersionFrozenError(_("This version was used by a scoring run and cannot change."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if ScorecardVersion._base_manager.filter(pk=self.version_id, used_at__isnull=False).exists():
            raise VersionFrozenError(_("This version was used by a scoring run and cannot change."))
        return super().delete(*args, **kwargs)


class RunStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class RunTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("Quarterly schedule")
    ON_DEMAND = "on_demand", _("On demand")


class RunKind(models.TextChoices):
    FULL = "full", _("All doctors")
    NEW_DOCTORS = "new_doctors", _("New doctors only")


class ScoringRun(TenantModel):
    """One scoring of every active doctor of the tenant for a period with one version.

    Live progress is in the cache (segmentation.progress); the row holds the outcome: counts per
    tier, how many doctors moved up or down against the previous period, how many assignment
    rows were written or changed (0 for a re-run), and the duration.
    """

    version = models.ForeignKey(
        ScorecardVersion, on_delete=models.PROTECT, related_name="runs", verbose_name=_("version")
    )
    period = models.CharField(_("period"), max_length=6, validators=[validate_period])
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.PENDING)
    trigger = models.CharField(_("trigger"), max_length=10, choices=RunTrigger.choices, default=RunTrigger.ON_DEMAND)
    started_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    doctors_total = models.PositiveIntegerField(_("doctors scored"), default=0)
    tier_counts = models.JSONField(_("doctors per tier"), default=dict, blank=True)
    moved_up = models.PositiveIntegerField(_("moved up"), default=0)
    moved_down = models.PositiveIntegerField(_("moved down"), default=0)
    new_count = models.PositiveIntegerField(_("newly tiered"), default=0)
    changed_rows = models.PositiveIntegerField(_("assignments written"), default=0)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    duration_s = models.FloatField(_("duration (s)"), null=True, blank=True)
    # Tiers of record (issue 15): the first result of a period is published as it is written;
    # a later run of a published period is a draft (its rows in TierResult) until someone
    # publishes it with a reason. ``published_at`` set: this run's result is (or was) the record.
    kind = models.CharField(_("kind"), max_length=12, choices=RunKind.choices, default=RunKind.FULL)
    is_draft = models.BooleanField(_("draft"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    publish_reason = models.TextField(_("reason for publishing"), blank=True)
    superseded_at = models.DateTimeField(_("replaced as the record at"), null=True, blank=True)

    class Meta:
        verbose_name = _("scoring run")
        verbose_name_plural = _("scoring runs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "-created_at"], name="scoringrun_tenant_created_idx"),
            models.Index(fields=["tenant", "period", "status"], name="scoringrun_tenant_period_idx"),
        ]

    def __str__(self):
        return f"{self.period} · {self.get_status_display()}"

    @property
    def is_finished(self) -> bool:
        return self.status in (RunStatus.DONE, RunStatus.FAILED)


class TierAssignmentQuerySet(TenantQuerySet):
    """Tier assignments: the tier history of doctors, one row per doctor and period."""

    def for_period(self, period):
        """Assignments of one quarter."""
        return self.filter(period=period)

    def for_doctor(self, doctor):
        """A doctor's history, newest period first."""
        return self.filter(doctor_id=getattr(doctor, "pk", doctor)).order_by("-period")


class TierAssignment(TenantModel):
    """A doctor's tier for a period: score, each dimension's contribution and the previous tier.

    Written in bulk by scoring runs only (segmentation.scoring); a re-run of the same period and
    version leaves every row as it is. ``breakdown`` maps a dimension key
    (:attr:`ScorecardDimension.key`) to its contribution in score points.
    """

    # No database-level constraint (nor a single-column index) on tenant, doctor and version: a run
    # inserts a million rows, and per-row foreign-key triggers would double its time. The writer
    # only inserts ids it read from those tables in the same transaction, the ORM still cascades
    # (doctor) and protects (version) on delete, and a run deletes the rows of doctors it no
    # longer scores.
    tenant = models.ForeignKey(
        "accounts.Tenant",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("tenant"),
        db_constraint=False,
        db_index=False,  # every index of the table starts with tenant
    )
    doctor = models.ForeignKey(
        "hospitals.Doctor",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("doctor"),
        db_constraint=False,
        db_index=False,  # served by the unique (tenant, doctor, period) index
    )
    period = models.CharField(_("period"), max_length=6, validators=[validate_period])
    version = models.ForeignKey(
        ScorecardVersion,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("version"),
        db_constraint=False,
        db_index=False,  # looked up only when a version is deleted (rare)
    )
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices)
    score = models.FloatField(_("score"))
    breakdown = models.JSONField(_("score breakdown"), default=dict)
    previous_tier = models.CharField(_("previous tier"), max_length=1, choices=Tier.choices, blank=True)

    objects = TierAssignmentQuerySet.as_tenant_manager()

    class Meta:
        verbose_name = _("tier assignment")
        verbose_name_plural = _("tier assignments")
        ordering = ["-period", "doctor_id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "doctor", "period"], name="tierassignment_tenant_uniq"),
        ]
        indexes = [models.Index(fields=["tenant", "period", "tier"], name="tierassign_tenant_period_idx")]

    def __str__(self):
        return f"{self.doctor_id} {self.period}: {self.tier}"


class TierResult(TenantModel):
    """A run's result per doctor when it is not (or no longer) the period's record: the rows of a
    draft run to compare and publish, and the rows of an earlier record kept when a newer draft
    was published — so a published period's history is never lost (issue 15).

    Same values as :class:`TierAssignment`; written in bulk by ``segmentation.scoring``.
    """

    # No database-level foreign keys (per-row triggers would double a million-row write), as on
    # TierAssignment; the writer inserts only ids it read in the same transaction.
    tenant = models.ForeignKey(
        "accounts.Tenant",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("tenant"),
        db_constraint=False,
        db_index=False,
    )
    run = models.ForeignKey(
        ScoringRun,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("scoring run"),
        db_constraint=False,
        db_index=False,
    )
    doctor = models.ForeignKey(
        "hospitals.Doctor",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("doctor"),
        db_constraint=False,
        db_index=False,
    )
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices)
    score = models.FloatField(_("score"))
    breakdown = models.JSONField(_("score breakdown"), default=dict)
    previous_tier = models.CharField(_("previous tier"), max_length=1, choices=Tier.choices, blank=True)

    class Meta:
        verbose_name = _("tier result")
        verbose_name_plural = _("tier results")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "run", "doctor"], name="tierresult_tenant_run_doctor_uniq"),
        ]

    def __str__(self):
        return f"{self.run_id}: {self.doctor_id} {self.tier}"


class SegmentationSettings(TenantModel):
    """The tenant's re-score schedule: on which day of each quarter's first month the quarterly
    re-score runs (Asia/Shanghai, after 00:30), or not at all. Tenant administrators move it on the
    tier dashboard; the platform beat only looks every day for tenants whose day it is."""

    rescore_enabled = models.BooleanField(_("quarterly re-score on"), default=True)
    rescore_day = models.PositiveSmallIntegerField(
        _("day of the quarter's first month"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("1–28: the re-score of the quarter that just ended runs on this day of Jan, Apr, Jul and Oct."),
    )
    updated_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("segmentation settings")
        verbose_name_plural = _("segmentation settings")
        constraints = [models.UniqueConstraint(fields=["tenant"], name="segsettings_tenant_uniq")]

    def __str__(self):
        return str(_("Segmentation settings"))


class TierOverrideQuerySet(TenantQuerySet):
    """Overrides of tiers by hand."""

    def in_force(self, on=None):
        """Overrides neither revoked nor expired on ``on`` (today by default)."""
        from django.utils import timezone

        on = on or timezone.localdate()
        return self.filter(revoked_at__isnull=True, expires_on__gte=on)


class TierOverride(TenantModel):
    """A product manager sets a doctor's tier by hand, with a reason, until an expiry date.

    The newest override in force wins over the scored tier. Overrides are never deleted: they
    expire or are revoked (who and when kept), and simple-history keeps every change.
    """

    doctor = models.ForeignKey("hospitals.Doctor", on_delete=models.CASCADE, related_name="+", verbose_name=_("doctor"))
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices)
    reason = models.TextField(_("reason"))
    expires_on = models.DateField(_("expires on"), help_text=_("Last day the override applies."))
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("set by")
    )
    created_at = models.DateTimeField(_("set at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    history = HistoricalRecords()
    objects = TierOverrideQuerySet.as_tenant_manager()

    class Meta:
        verbose_name = _("tier override")
        verbose_name_plural = _("tier overrides")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "doctor", "-created_at"], name="tieroverride_tenant_doc_idx")]

    def __str__(self):
        return f"{self.doctor_id} → {self.tier} ({self.expires_on})"

    def clean(self):
        super().clean()
        if not (self.reason or "").strip():
            raise ValidationError({"reason": _("Say why the tier is set by hand.")})


class TierSetting(TenantModel):
    """Tier-driven work: target visits per month and preferred channel for one tier.

    A tenant without a row for a tier gets :data:`DEFAULT_TIER_SETTINGS`
    (segmentation.selectors.tier_settings fills them in).
    """

    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices)
    visits_per_month = models.PositiveSmallIntegerField(_("visits per month"), validators=[MaxValueValidator(31)])
    preferred_channel = models.CharField(_("preferred channel"), max_length=20, choices=Channel.choices)
    online_allowed = models.BooleanField(_("online visits allowed"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tier setting")
        verbose_name_plural = _("tier settings")
        ordering = ["tier"]
        constraints = [models.UniqueConstraint(fields=["tenant", "tier"], name="tiersetting_tenant_tier_uniq")]

    def __str__(self):
        return f"{self.tier}: {self.visits_per_month}/month"


# Defaults of DESIGN/issue 4: A 4 in person, B 2 in person, C 1 online allowed, D 0 (online only).
DEFAULT_TIER_SETTINGS = {
    "A": {"visits_per_month": 4, "preferred_channel": Channel.IN_PERSON, "online_allowed": False},
    "B": {"visits_per_month": 2, "preferred_channel": Channel.IN_PERSON, "online_allowed": False},
    "C": {"visits_per_month": 1, "preferred_channel": Channel.IN_PERSON, "online_allowed": True},
    "D": {"visits_per_month": 0, "preferred_channel": Channel.ONLINE_MEETING, "online_allowed": True},
}


class AdoptionStage(models.TextChoices):
    """The adoption ladder of a doctor for one product, bottom to top."""

    UNAWARE = "unaware", _("Unaware")
    AWARE = "aware", _("Aware")
    TRIAL = "trial", _("Trial")
    REGULAR = "regular", _("Regular user")
    LOYAL = "loyal", _("Loyal")
    ADVOCATE = "advocate", _("Advocate")


ADOPTION_ORDER = {stage: index for index, stage in enumerate(AdoptionStage.values)}


class Adoption(TenantModel):
    """Where a doctor stands on the adoption ladder of one product (set by reps; history kept)."""

    doctor = models.ForeignKey("hospitals.Doctor", on_delete=models.CASCADE, related_name="+", verbose_name=_("doctor"))
    product = models.ForeignKey(
        "hospitals.Product", on_delete=models.CASCADE, related_name="+", verbose_name=_("product")
    )
    stage = models.CharField(_("stage"), max_length=10, choices=AdoptionStage.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    updated_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("set by")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("adoption")
        verbose_name_plural = _("adoption")
        ordering = ["doctor_id", "product_id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "doctor", "product"], name="adoption_tenant_uniq"),
        ]
        indexes = [models.Index(fields=["tenant", "product", "stage"], name="adoption_tenant_stage_idx")]

    def __str__(self):
        return f"{self.doctor_id} · {self.product_id}: {self.stage}"


# Account plans and invitation lists (segmentation.kol): registered with the segmentation app.
from segmentation.kol.models import (  # noqa: E402,F401
    CADENCE_MONTHS,
    AccountPlan,
    AccountPlanAction,
    AccountPlanMember,
    AccountPlanMilestone,
    AccountPlanReview,
    ActionKind,
    ActionStatus,
    InvitationList,
    InvitationListEntry,
    PlanStatus,
    ReviewCadence,
    ReviewRating,
    TeamRole,
)
