"""Data stewardship: the department dictionary, likely duplicate doctors and their merges."""

import datetime

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import TenantModel
from hospitals import normalize
from hospitals.models.master import STANDARD_DEPARTMENTS, Doctor


class DepartmentSynonym(TenantModel):
    """A name under which files write a standard department, in this tenant's dictionary.

    Seeded with the common Chinese clinical department names and their synonyms
    (hospitals.dictionary.DEFAULT_SYNONYMS) the first time the tenant's dictionary is used;
    tenants add their own (an accepted import suggestion adds one). ``心血管内科`` → cardiology
    means a file's 心血管内科 is the hospital's cardiology department, whatever it is called there.
    """

    code = models.CharField(_("standard department"), max_length=40, choices=list(STANDARD_DEPARTMENTS.items()))
    name = models.CharField(_("name or synonym"), max_length=100)

    class Meta:
        verbose_name = _("department synonym")
        verbose_name_plural = _("department dictionary")
        ordering = ["code", "name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="deptsynonym_tenant_name_uniq")]

    def __str__(self):
        return f"{self.name} → {self.get_code_display()}"

    def clean(self):
        super().clean()
        self.name = normalize.name(self.name)


class DuplicateReason(models.TextChoices):
    """Why two doctors are likely the same person."""

    NAME_HOSPITAL = "name_hospital", _("Same name and hospital")
    PHONE = "phone", _("Same mobile phone")
    PINYIN_DEPARTMENT = "pinyin_department", _("Same pinyin and department")


class CandidateStatus(models.TextChoices):
    OPEN = "open", _("To review")
    MERGED = "merged", _("Merged")
    DISMISSED = "dismissed", _("Not the same person")


class DuplicateCandidate(TenantModel):
    """Two doctors found likely to be one (``doctor_a`` has the lower id), for a steward's review.

    Written by the duplicate scan (hospitals.steward.duplicates); a pair dismissed as "not the
    same person" stays dismissed when the scan runs again.
    """

    doctor_a = models.ForeignKey(Doctor, on_delete=models.CASCADE, related_name="+", db_index=False)
    doctor_b = models.ForeignKey(Doctor, on_delete=models.CASCADE, related_name="+", db_index=False)
    reasons = ArrayField(models.CharField(max_length=20, choices=DuplicateReason.choices), verbose_name=_("why"))
    score = models.PositiveSmallIntegerField(_("score"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=CandidateStatus.choices, default=CandidateStatus.OPEN
    )
    found_at = models.DateTimeField(_("found at"), default=timezone.now)
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("likely duplicate")
        verbose_name_plural = _("likely duplicates")
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "doctor_a", "doctor_b"], name="dupcandidate_tenant_pair_uniq"),
            models.CheckConstraint(condition=Q(doctor_a__lt=F("doctor_b")), name="dupcandidate_ordered_pair"),
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "-score", "id"], name="dupcandidate_tenant_list_idx"),
            models.Index(fields=["tenant", "doctor_b"], name="dupcandidate_tenant_b_idx"),
        ]

    def __str__(self):
        return f"{self.doctor_a_id} ≈ {self.doctor_b_id}"


class DoctorMerge(TenantModel):
    """A steward merged ``merged`` into ``survivor``: what moved, what each looked like before.

    The merged doctor's row stays (inactive, ``merged_into`` the survivor) and ``moved`` lists
    the ids of every row that moved (visits, tiers, relations, alignment, history …, by model
    and field), so the merge can be reversed exactly within :data:`REVERSIBLE_DAYS`.
    """

    REVERSIBLE_DAYS = 30

    survivor = models.ForeignKey(
        Doctor, on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name=_("kept doctor")
    )
    merged = models.ForeignKey(
        Doctor, on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name=_("merged doctor")
    )
    candidate = models.ForeignKey(
        DuplicateCandidate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("merged by")
    )
    at = models.DateTimeField(_("merged at"), default=timezone.now)
    survivor_before = models.JSONField(_("kept doctor before"), default=dict)
    merged_before = models.JSONField(_("merged doctor before"), default=dict)
    moved = models.JSONField(_("rows moved"), default=dict)
    kept = models.JSONField(_("rows left with the merged doctor"), default=dict)
    reverted_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reverted_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("doctor merge")
        verbose_name_plural = _("doctor merges")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "-at"], name="doctormerge_tenant_at_idx"),
            models.Index(fields=["tenant", "survivor"], name="doctormerge_tenant_surv_idx"),
        ]

    def __str__(self):
        return f"{self.merged_id} → {self.survivor_id}"

    @property
    def reversible_until(self) -> datetime.datetime:
        return self.at + datetime.timedelta(days=self.REVERSIBLE_DAYS)

    @property
    def is_reversible(self) -> bool:
        return self.reverted_at is None and timezone.now() <= self.reversible_until
