"""The compliance academic level: the tenant's rule, deriving the level (one doctor or set-based),
the override with a reason, and the history of every change.

The stable interface for other apps (fees, events …):

* ``hospitals.selectors.academic_level(doctor) -> str`` — the level in force (an
  :class:`~hospitals.models.AcademicLevel` value) of one doctor;
* ``hospitals.selectors.academic_levels(*, tenant, doctor_ids) -> {doctor_id: level}`` — many at once;
* ``ExpertProfile.level`` — the same, stored and indexed, to filter or join on;
* ``hospitals.services.academic_level_override(...)`` / ``academic_levels_refresh(...)`` — writes.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, CharField, Exists, OuterRef, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.tenancy import tenant_id_of
from hospitals.models import (
    ACADEMIC_LEVEL_RANK,
    AcademicLevel,
    AcademicLevelChange,
    AcademicLevelRule,
    AcademicTitle,
    ClinicalTitle,
    Doctor,
    ExpertProfile,
    LevelChangeSource,
    SocietyLevel,
    SocietyPosition,
    SocietyRole,
)

_SENIOR_POSTS = [SocietyRole.CHAIR, SocietyRole.CHAIR_ELECT, SocietyRole.VICE_CHAIR, SocietyRole.STANDING_MEMBER]
_MEMBER_POSTS = [SocietyRole.MEMBER, SocietyRole.YOUTH_MEMBER]

# The rule of a tenant that has not written its own (lines as AcademicLevelRule's fields).
DEFAULT_RULE = [
    # 全国级: a senior post (主委…常委) in a national society.
    {"level": AcademicLevel.NATIONAL, "society_level": SocietyLevel.NATIONAL, "society_positions": _SENIOR_POSTS},
    # 省级: a national member, a senior post in a provincial society, or a chief physician who is a professor.
    {"level": AcademicLevel.PROVINCIAL, "society_level": SocietyLevel.NATIONAL, "society_positions": _MEMBER_POSTS},
    {"level": AcademicLevel.PROVINCIAL, "society_level": SocietyLevel.PROVINCIAL, "society_positions": _SENIOR_POSTS},
    {
        "level": AcademicLevel.PROVINCIAL,
        "clinical_titles": [ClinicalTitle.CHIEF],
        "academic_titles": [AcademicTitle.PROFESSOR],
    },
    # 市级: any provincial or city post, or a chief / associate chief physician.
    {"level": AcademicLevel.CITY, "society_level": SocietyLevel.PROVINCIAL},
    {"level": AcademicLevel.CITY, "society_level": SocietyLevel.CITY},
    {"level": AcademicLevel.CITY, "clinical_titles": [ClinicalTitle.CHIEF, ClinicalTitle.ASSOCIATE_CHIEF]},
]


def rule_lines(tenant) -> list[dict]:
    """The tenant's rule as lines (dicts), or the default rule when it has none."""
    lines = [
        {
            "level": r.level,
            "society_level": r.society_level,
            "society_positions": r.society_positions,
            "clinical_titles": r.clinical_titles,
            "academic_titles": r.academic_titles,
        }
        for r in AcademicLevelRule.objects.for_tenant(tenant)
    ]
    return lines or DEFAULT_RULE


def _line_condition(line: dict) -> Q:
    """The condition of one rule line on Doctor rows (a Q)."""
    condition = Q()
    if line.get("society_level") or line.get("society_positions"):
        posts = SocietyPosition.objects.filter(doctor_id=OuterRef("pk"), tenant_id=OuterRef("tenant_id"))
        if line.get("society_level"):
            posts = posts.filter(level=line["society_level"])
        if line.get("society_positions"):
            posts = posts.filter(position__in=line["society_positions"])
        condition &= Q(Exists(posts))
    if line.get("clinical_titles"):
        condition &= Q(clinical_title__in=line["clinical_titles"])
    if line.get("academic_titles"):
        condition &= Q(academic_title__in=line["academic_titles"])
    return condition


def derived_level_expression(lines: list[dict]) -> Case:
    """A SQL expression of the derived level of each Doctor row: the highest level of the lines
    it meets (CASE tries the most senior first), else local."""
    ordered = sorted(lines, key=lambda line: -ACADEMIC_LEVEL_RANK[AcademicLevel(line["level"])])
    return Case(
        *(When(_line_condition(line), then=Value(str(line["level"]))) for line in ordered),
        default=Value(AcademicLevel.LOCAL.value),
        output_field=CharField(),
    )


def derive_level(doctor) -> str:
    """What the tenant's rule gives ``doctor`` now (one query)."""
    lines = rule_lines(doctor.tenant_id)
    return (
        Doctor.objects.for_tenant(doctor.tenant_id)
        .filter(pk=doctor.pk)
        .annotate(derived=derived_level_expression(lines))
        .values_list("derived", flat=True)
        .first()
        or AcademicLevel.LOCAL.value
    )


def level_in_force(doctor) -> str:
    """The academic level in force of one doctor: the stored one, or (no profile yet) derived now."""
    level = ExpertProfile.objects.for_tenant(doctor.tenant_id).filter(doctor_id=doctor.pk).values_list(
        "level", flat=True
    ).first()
    return level or derive_level(doctor)


def levels_in_force(*, tenant, doctor_ids) -> dict[int, str]:
    """``{doctor_id: level}`` for ``doctor_ids`` (stored levels; doctors without a profile derived
    set-based in one more query)."""
    ids = list(doctor_ids)
    levels = dict(
        ExpertProfile.objects.for_tenant(tenant).filter(doctor_id__in=ids).values_list("doctor_id", "level")
    )
    missing = [i for i in ids if i not in levels]
    if missing:
        levels.update(
            Doctor.objects.for_tenant(tenant)
            .filter(pk__in=missing)
            .annotate(derived=derived_level_expression(rule_lines(tenant)))
            .values_list("pk", "derived")
        )
    return levels


def _effective(profile: ExpertProfile) -> str:
    return profile.level_override or profile.derived_level


@transaction.atomic
def academic_levels_refresh(*, tenant, doctor_ids=None, by=None, batch=5000) -> int:
    """Derive the academic level of ``doctor_ids`` (all the tenant's doctors when None) by the
    tenant's rule, set-based in batches; store it, and record a change where the level in force
    moved. Returns the number of doctors whose level in force changed. Idempotent."""
    tid = tenant_id_of(tenant)
    expression = derived_level_expression(rule_lines(tid))
    doctors = Doctor.objects.for_tenant(tid)
    if doctor_ids is not None:
        doctors = doctors.filter(pk__in=list(doctor_ids))
    changed = 0
    last = 0
    while True:
        rows = list(
            doctors.filter(pk__gt=last).order_by("pk").annotate(derived=expression).values_list("pk", "derived")[:batch]
        )
        if not rows:
            break
        last = rows[-1][0]
        profiles = {
            p.doctor_id: p
            for p in ExpertProfile.objects.for_tenant(tid).filter(doctor_id__in=[pk for pk, _ in rows])
        }
        new, updated, changes = [], [], []
        for pk, derived in rows:
            profile = profiles.get(pk)
            if profile is None:
                profile = ExpertProfile(tenant_id=tid, doctor_id=pk, derived_level=derived, level=derived)
                new.append(profile)
                old = ""
            elif profile.derived_level != derived:
                old = profile.level
                profile.derived_level = derived
                profile.level = _effective(profile)
                updated.append(profile)
            else:
                continue
            if profile.level != old:
                changes.append(
                    AcademicLevelChange(
                        tenant_id=tid, doctor_id=pk, old_level=old, new_level=profile.level,
                        source=LevelChangeSource.RULE, changed_by=by,
                    )
                )
        ExpertProfile.objects.bulk_create(new)
        ExpertProfile.objects.bulk_update(updated, ["derived_level", "level", "updated_at"])
        AcademicLevelChange.objects.bulk_create(changes)
        changed += len(changes)
    return changed


def profile_for(*, tenant, doctor) -> ExpertProfile:
    """The doctor's expert profile, made (with the derived level) if it does not exist yet."""
    tid = tenant_id_of(tenant)
    if doctor.tenant_id != tid:
        raise ValidationError(_("Not found."))
    profile = ExpertProfile.objects.for_tenant(tid).filter(doctor_id=doctor.pk).first()
    if profile is None:
        academic_levels_refresh(tenant=tid, doctor_ids=[doctor.pk])
        profile = ExpertProfile.objects.for_tenant(tid).get(doctor_id=doctor.pk)
    return profile


@transaction.atomic
def academic_level_override(*, tenant, by, doctor, level: str, reason: str) -> ExpertProfile:
    """Set the academic level of ``doctor`` against the rule (``level``), with a reason; an empty
    ``level`` removes the override (the derived level is in force again). Recorded with who and when."""
    profile = profile_for(tenant=tenant, doctor=doctor)
    reason = (reason or "").strip()
    if level and level not in AcademicLevel.values:
        raise ValidationError({"level": _("Unknown academic level.")})
    if level and not reason:
        raise ValidationError({"reason": _("Say why the level differs from the rule.")})
    old = profile.level
    profile.level_override = level or ""
    profile.override_reason = reason if level else ""
    profile.overridden_by = by if level else None
    profile.overridden_at = timezone.now() if level else None
    profile.level = _effective(profile)
    profile.save()
    AcademicLevelChange.objects.create(
        tenant_id=profile.tenant_id,
        doctor_id=doctor.pk,
        old_level=old,
        new_level=profile.level,
        source=LevelChangeSource.OVERRIDE if level else LevelChangeSource.OVERRIDE_REMOVED,
        reason=reason,
        changed_by=by,
    )
    return profile


def level_history(*, tenant, doctor):
    """The changes of the doctor's academic level, newest first."""
    return AcademicLevelChange.objects.for_tenant(tenant).filter(doctor_id=doctor.pk).select_related("changed_by")
