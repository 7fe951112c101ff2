"""The expert database (专家库): the compliance academic level of a doctor (derived from society
posts and titles by the tenant's rule, overridable with a reason, every change kept), the
academic and speaker profile, and speaker qualifications approved by medical affairs.

Other apps read the academic level through ``hospitals.selectors.academic_level(doctor)`` (one
doctor) or ``hospitals.selectors.academic_levels(tenant=…, doctor_ids=…)`` (many, one query),
or filter on ``ExpertProfile.level`` (the effective level, stored and indexed). The fee rate
card keys its rates by :class:`AcademicLevel`.
"""

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import TenantModel
from hospitals.models.commercial import Product
from hospitals.models.master import Doctor, SocietyLevel, SocietyRole
from hospitals.vocabulary import AcademicTitle, ClinicalTitle


class AcademicLevel(models.TextChoices):
    """The compliance academic level (专家级别) of a doctor, highest first. Fees are fair when
    they follow it: a rate card has one rate per level."""

    NATIONAL = "national", _("National expert (全国级专家)")
    PROVINCIAL = "provincial", _("Provincial expert (省级专家)")
    CITY = "city", _("City expert (市级专家)")
    LOCAL = "local", _("Local doctor (院级/基层)")


# Rank of each level: higher is more senior. The derived level is the highest that a rule gives.
ACADEMIC_LEVEL_RANK = {
    AcademicLevel.LOCAL: 0,
    AcademicLevel.CITY: 1,
    AcademicLevel.PROVINCIAL: 2,
    AcademicLevel.NATIONAL: 3,
}


class AcademicLevelRule(TenantModel):
    """One line of the tenant's academic-level rule: a doctor who meets *every* condition given
    on the line (a society post of this level and one of these positions; one of these clinical
    titles; one of these academic titles) is at least ``level``. A doctor's derived level is the
    highest level of the lines they meet, else local. A tenant without lines uses
    ``hospitals.academic.DEFAULT_RULE``."""

    level = models.CharField(_("academic level"), max_length=12, choices=AcademicLevel.choices)
    society_level = models.CharField(
        _("society level"), max_length=12, choices=SocietyLevel.choices, blank=True,
        help_text=_("Empty: a post in a society of any level (when positions are given)."),
    )
    society_positions = ArrayField(
        models.CharField(max_length=20, choices=SocietyRole.choices), blank=True, default=list,
        verbose_name=_("society positions"),
    )
    clinical_titles = ArrayField(
        models.CharField(max_length=20, choices=ClinicalTitle.choices), blank=True, default=list,
        verbose_name=_("clinical titles"),
    )
    academic_titles = ArrayField(
        models.CharField(max_length=24, choices=AcademicTitle.choices), blank=True, default=list,
        verbose_name=_("academic titles"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("academic level rule")
        verbose_name_plural = _("academic level rules")
        ordering = ["level", "id"]
        indexes = [models.Index(fields=["tenant", "level"], name="acadrule_tenant_level_idx")]

    def __str__(self):
        return f"{self.get_level_display()} #{self.pk}"

    @property
    def needs_post(self) -> bool:
        return bool(self.society_level or self.society_positions)

    def clean(self):
        super().clean()
        if not (self.needs_post or self.clinical_titles or self.academic_titles):
            raise ValidationError(_("Give at least one condition (a society post, a clinical or an academic title)."))


class TeachingPost(models.TextChoices):
    """Teaching posts (带教/导师资格)."""

    DOCTORAL_SUPERVISOR = "doctoral_supervisor", _("Doctoral supervisor (博士生导师)")
    MASTER_SUPERVISOR = "master_supervisor", _("Master's supervisor (硕士生导师)")
    POSTDOC_SUPERVISOR = "postdoc_supervisor", _("Post-doctoral supervisor (博士后导师)")
    RESIDENCY_TUTOR = "residency_tutor", _("Residency training tutor (规培带教)")


class ExpertProfile(TenantModel):
    """A doctor's expert profile: academic and speaker profile, and the compliance academic level.

    ``derived_level`` is what the tenant's rule gives; ``level_override`` (with a reason) is what
    compliance decided instead; ``level`` is the one in force (the override, else the derived
    level), the column lists filter on. Every change of the level in force is an
    :class:`AcademicLevelChange`.
    """

    doctor = models.ForeignKey(
        Doctor, on_delete=models.CASCADE, related_name="expert_profiles", verbose_name=_("doctor")
    )  # one per doctor (the constraint below: unique per tenant)
    level = models.CharField(
        _("academic level"), max_length=12, choices=AcademicLevel.choices, default=AcademicLevel.LOCAL
    )
    derived_level = models.CharField(
        _("derived academic level"), max_length=12, choices=AcademicLevel.choices, default=AcademicLevel.LOCAL
    )
    level_override = models.CharField(
        _("academic level (override)"), max_length=12, choices=AcademicLevel.choices, blank=True
    )
    override_reason = models.CharField(_("reason for the override"), max_length=300, blank=True)
    overridden_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("overridden by"),
    )
    overridden_at = models.DateTimeField(_("overridden at"), null=True, blank=True)
    # Academic profile
    publications_count = models.PositiveIntegerField(_("publications"), default=0)
    guideline_count = models.PositiveIntegerField(_("guidelines and consensus statements authored"), default=0)
    research_interests = ArrayField(
        models.CharField(max_length=100), blank=True, default=list, verbose_name=_("research interests")
    )
    therapeutic_areas = ArrayField(
        models.CharField(max_length=100), blank=True, default=list, verbose_name=_("therapeutic areas")
    )
    teaching_posts = ArrayField(
        models.CharField(max_length=24, choices=TeachingPost.choices), blank=True, default=list,
        verbose_name=_("teaching posts"),
    )
    # Speaker profile and contact preferences
    languages = ArrayField(models.CharField(max_length=30), blank=True, default=list, verbose_name=_("languages"))
    lectures_given = models.PositiveIntegerField(_("lectures given"), default=0)
    preferred_times = models.CharField(
        _("preferred times"), max_length=200, blank=True, help_text=_("e.g. Tuesday afternoons after clinic.")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("expert profile")
        verbose_name_plural = _("expert profiles")
        constraints = [models.UniqueConstraint(fields=["tenant", "doctor"], name="expert_tenant_doctor_uniq")]
        indexes = [
            models.Index(fields=["tenant", "level", "doctor"], name="expert_tenant_level_idx"),
        ]

    def __str__(self):
        return f"{self.doctor_id}: {self.level}"


class LevelChangeSource(models.TextChoices):
    RULE = "rule", _("Rule")
    OVERRIDE = "override", _("Override")
    OVERRIDE_REMOVED = "override_removed", _("Override removed")


class AcademicLevelChange(TenantModel):
    """An append-only record of a change of a doctor's academic level in force: from, to, why
    (the rule, or an override and its reason), who and when. Compliance reads it."""

    doctor = models.ForeignKey(Doctor, on_delete=models.CASCADE, related_name="+", verbose_name=_("doctor"))
    old_level = models.CharField(_("from"), max_length=12, choices=AcademicLevel.choices, blank=True)
    new_level = models.CharField(_("to"), max_length=12, choices=AcademicLevel.choices)
    source = models.CharField(_("source"), max_length=20, choices=LevelChangeSource.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    changed_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    changed_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("academic level change")
        verbose_name_plural = _("academic level changes")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["tenant", "doctor", "changed_at"], name="acadchange_tenant_doctor_idx")]

    def __str__(self):
        return f"{self.doctor_id}: {self.old_level} → {self.new_level}"


class SpeakerQualification(TenantModel):
    """A topic of one product on which a doctor may speak for the company, approved by medical
    affairs on a date (and until a date, when it expires)."""

    doctor = models.ForeignKey(
        Doctor, on_delete=models.CASCADE, related_name="speaker_qualifications", verbose_name=_("doctor")
    )
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+", verbose_name=_("product"))
    topic = models.CharField(_("topic"), max_length=200)
    approved_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("approved by"),
    )
    approved_on = models.DateField(_("approved on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("attendee rating (1–5)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        verbose_name = _("speaker qualification")
        verbose_name_plural = _("speaker qualifications")
        ordering = ["product", "topic"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "doctor", "product", "topic"], name="speakerqual_tenant_uniq"),
        ]
        indexes = [models.Index(fields=["tenant", "product", "doctor"], name="speakerqual_tenant_prod_idx")]

    def __str__(self):
        return f"{self.doctor_id} · {self.product_id}: {self.topic}"
