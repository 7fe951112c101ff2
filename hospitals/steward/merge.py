"""Merging a duplicate doctor into the one that stays, and reversing it within 30 days.

:func:`doctor_merge` moves everything that refers to the merged doctor — visits, visit plans,
tasks, inquiries, tiers and their inputs, overrides, adoption, relations, alignment, society
positions, usage share, history (each app registers its rows: :mod:`.hooks`) — to the survivor,
takes the field values the steward chose from the merged doctor, and leaves the merged doctor's
row inactive, ``merged_into`` the survivor. A :class:`~hospitals.models.DoctorMerge` records who,
when, every moved row and both doctors' values before: the audit, and what
:func:`doctor_merge_revert` needs to put everything back.
"""

from __future__ import annotations

import datetime
import functools

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.tenancy import tenant_context
from hospitals.models import (
    CandidateStatus,
    Doctor,
    DoctorMerge,
    DoctorRelation,
    DoctorTerritory,
    DuplicateCandidate,
    RelationKind,
    SocietyPosition,
    UsageShare,
)
from hospitals.steward.hooks import REFERENCES, DoctorReference, register, register_doctor_reference

# What the steward may take from the merged doctor; (hospital, department) go together.
MERGE_FIELDS = (
    "name",
    "gender",
    "hospital",
    "department",
    "campus",
    "clinical_title",
    "academic_title",
    "admin_post",
    "specialties",
    "university",
    "graduation_year",
    "background",
    "interests",
    "pain_points",
    "preferred_channels",
    "consent_to_contact",
    "consent_date",
    "phone",
    "office_phone",
    "wechat",
    "email",
    "external_id",
)
_STORED = {"hospital": "hospital_id", "department": "department_id"}
_WITH = {
    "hospital": ("department",),
    "department": ("hospital",),
    "phone": ("phone_display",),
    "office_phone": ("office_phone_display",),
    "consent_to_contact": ("consent_date",),
}
SYMMETRIC = {RelationKind.CLASSMATE, RelationKind.COAUTHOR, RelationKind.COLLEAGUE}


def _tid(tenant) -> int:
    return int(getattr(tenant, "pk", tenant))


def in_tenant(function):
    """Run a steward use case inside its tenant (``tenant=`` keyword), in one transaction."""

    @functools.wraps(function)
    def wrapper(*, tenant, **kwargs):
        with tenant_context(_tid(tenant)), transaction.atomic():
            return function(tenant=tenant, **kwargs)

    return wrapper


def _value(doctor, field):
    value = getattr(doctor, _STORED.get(field, field))
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _empty(value) -> bool:
    return value in (None, "", [], False)


def merge_plan(survivor: Doctor, merged: Doctor) -> list[dict]:
    """The fields that differ, each with both values and the default choice (the survivor's,
    unless it is empty and the merged doctor's is not)."""
    plan = []
    for field in MERGE_FIELDS:
        a, b = _value(survivor, field), _value(merged, field)
        if a == b:
            continue
        plan.append({"field": field, "survivor": a, "merged": b, "take": _empty(a) and not _empty(b)})
    return plan


@in_tenant
def doctor_merge(*, tenant, by, survivor, merged, take=None, candidate=None) -> DoctorMerge:
    """Merge ``merged`` into ``survivor``; ``take`` names the fields whose value comes from the
    merged doctor (default: those the survivor has empty). Reversible for 30 days."""
    tid = _tid(tenant)
    ids = [getattr(survivor, "pk", survivor), getattr(merged, "pk", merged)]
    pair = {d.pk: d for d in Doctor.objects.for_tenant(tid).select_for_update().filter(pk__in=ids)}
    survivor, merged = pair.get(ids[0]), pair.get(ids[1])
    if survivor is None or merged is None:
        raise ValidationError(_("Not found."))
    if survivor.pk == merged.pk:
        raise ValidationError(_("A doctor cannot be merged into itself."))
    if survivor.merged_into_id or merged.merged_into_id:
        raise ValidationError(_("One of these doctors was merged already."))
    if take is None:
        take = [p["field"] for p in merge_plan(survivor, merged) if p["take"]]
    unknown = set(take) - set(MERGE_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be taken: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    take = set(take)
    for field in list(take):
        take.update(f for f in _WITH.get(field, ()) if f in MERGE_FIELDS)

    fields = sorted({*take, *(w for f in take for w in _WITH.get(f, ()))})
    survivor_before = {f: _value(survivor, f) for f in fields}
    merged_before = {"is_active": merged.is_active, "external_id": merged.external_id}

    moved, kept = {}, {}
    for reference in REFERENCES.values():
        rows, count = reference.move(tid, by, survivor.pk, merged.pk)
        if rows:
            moved[reference.label] = rows
        if count:
            kept[reference.label] = count

    reason = f"merge of #{merged.pk} into #{survivor.pk}"
    # The merged doctor first: it gives up its external id if the survivor takes it.
    merged.is_active = False
    merged.merged_into = survivor
    if "external_id" in take:
        merged.external_id = ""
    merged._history_user, merged._change_reason = by, reason
    merged.save()

    for field in fields:
        setattr(survivor, _STORED.get(field, field), getattr(merged, _STORED.get(field, field)))
    if "external_id" in take:
        survivor.external_id = merged_before["external_id"]
    survivor.full_clean(exclude=["merged_into"])
    survivor._history_user, survivor._change_reason = by, reason
    survivor.save()

    if candidate is not None:
        DuplicateCandidate.objects.for_tenant(tid).filter(pk=getattr(candidate, "pk", candidate)).update(
            status=CandidateStatus.MERGED, decided_by=by, decided_at=timezone.now()
        )
    return DoctorMerge.objects.create(
        tenant_id=tid,
        survivor=survivor,
        merged=merged,
        candidate_id=getattr(candidate, "pk", candidate),
        by=by,
        survivor_before=survivor_before,
        merged_before=merged_before,
        moved=moved,
        kept=kept,
    )


@in_tenant
def doctor_merge_revert(*, tenant, by, merge: DoctorMerge) -> DoctorMerge:
    """Undo a merge of the last 30 days: the moved rows go back, both doctors get their values back."""
    tid = _tid(tenant)
    merge = DoctorMerge.objects.for_tenant(tid).select_for_update().get(pk=getattr(merge, "pk", merge))
    if not merge.is_reversible:
        raise ValidationError(_("This merge can no longer be reversed (already reversed, or older than 30 days)."))
    pair = {
        d.pk: d
        for d in Doctor.objects.for_tenant(tid).select_for_update().filter(pk__in=[merge.survivor_id, merge.merged_id])
    }
    survivor, merged = pair[merge.survivor_id], pair[merge.merged_id]
    try:
        with transaction.atomic():
            for label, rows in merge.moved.items():
                reference = REFERENCES.get(label)
                if reference is None:
                    raise ValidationError(_("This merge can no longer be reversed (its data changed shape)."))
                reference.revert(tid, by, rows, survivor.pk, merged.pk)
    except IntegrityError as exc:
        raise ValidationError(_("This merge cannot be reversed: the moved records conflict with newer ones.")) from exc

    reason = f"merge of #{merged.pk} into #{survivor.pk} reversed"
    for field, value in merge.survivor_before.items():
        model_field = Doctor._meta.get_field(field)
        value = model_field.target_field.to_python(value) if model_field.is_relation else model_field.to_python(value)
        setattr(survivor, _STORED.get(field, field), value)
    if "external_id" in merge.survivor_before:
        survivor.save(update_fields=["external_id"])  # free the id for the merged doctor first
    survivor._history_user, survivor._change_reason = by, reason
    survivor.save()
    merged.is_active = merge.merged_before.get("is_active", True)
    merged.external_id = merge.merged_before.get("external_id", merged.external_id)
    merged.merged_into = None
    merged._history_user, merged._change_reason = by, reason
    merged.save()
    if merge.candidate_id:
        DuplicateCandidate.objects.for_tenant(tid).filter(pk=merge.candidate_id).update(
            status=CandidateStatus.OPEN, decided_by=None, decided_at=None
        )
    merge.reverted_at, merge.reverted_by = timezone.now(), by
    merge.save(update_fields=["reverted_at", "reverted_by"])
    return merge


@in_tenant
def duplicate_dismiss(*, tenant, by, candidate) -> DuplicateCandidate:
    """Two doctors are not the same person: the pair is not proposed again."""
    tid = _tid(tenant)
    candidates = DuplicateCandidate.objects.for_tenant(tid).select_for_update()
    candidate = candidates.get(pk=getattr(candidate, "pk", candidate))
    candidate.status, candidate.decided_by, candidate.decided_at = CandidateStatus.DISMISSED, by, timezone.now()
    candidate.save(update_fields=["status", "decided_by", "decided_at"])
    return candidate


# --- hospitals' own references ---------------------------------------------------------------


def _move_relations(tenant, by, survivor_id, merged_id):
    """Relations of the merged doctor become the survivor's (a relation between the two, or one the
    survivor has already, stays); symmetric kinds keep the lower doctor id first."""
    relations = DoctorRelation.objects.for_tenant(tenant)
    existing = set(
        relations.filter(from_doctor_id=survivor_id).values_list("from_doctor_id", "to_doctor_id", "kind")
    ) | set(relations.filter(to_doctor_id=survivor_id).values_list("from_doctor_id", "to_doctor_id", "kind"))
    moved, kept = [], 0
    rows = list(relations.filter(from_doctor_id=merged_id).values_list("pk", "from_doctor_id", "to_doctor_id", "kind"))
    rows += list(relations.filter(to_doctor_id=merged_id).values_list("pk", "from_doctor_id", "to_doctor_id", "kind"))
    for pk, a, b, kind in rows:
        new_a = survivor_id if a == merged_id else a
        new_b = survivor_id if b == merged_id else b
        if kind in SYMMETRIC and new_a > new_b:
            new_a, new_b = new_b, new_a
        if new_a == new_b or (new_a, new_b, kind) in existing:
            kept += 1
            continue
        existing.add((new_a, new_b, kind))
        relations.filter(pk=pk).update(from_doctor_id=new_a, to_doctor_id=new_b)
        moved.append([pk, a, b])
    return moved, kept


def _revert_relations(tenant, by, moved, survivor_id, merged_id):
    relations = DoctorRelation.objects.for_tenant(tenant)
    for pk, a, b in moved:
        relations.filter(pk=pk).update(from_doctor_id=a, to_doctor_id=b)


def _history_table():
    return connection.ops.quote_name(Doctor.history.model._meta.db_table)


def _move_history(tenant, by, survivor_id, merged_id):
    """The merged doctor's history (who changed what, when) joins the survivor's."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_history_table()} SET id = %s WHERE tenant_id = %s AND id = %s RETURNING history_id",  # noqa: S608
            [survivor_id, tenant, merged_id],
        )
        return [r[0] for r in cursor.fetchall()], 0


def _revert_history(tenant, by, moved, survivor_id, merged_id):
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_history_table()} SET id = %s WHERE tenant_id = %s AND history_id = ANY(%s::bigint[])",  # noqa: S608
            [merged_id, tenant, list(moved)],
        )


def register_hospital_references() -> None:
    """Hospitals' own references to a doctor (called from HospitalsConfig.ready())."""
    register_doctor_reference(DoctorTerritory, unique_with=("territory_id",))
    register_doctor_reference(SocietyPosition, unique_with=("society",))
    register_doctor_reference(UsageShare, unique_with=("product_id", "period"))
    # The expert database: one profile per doctor (the kept doctor's stays when it has one).
    from hospitals.models import AcademicLevelChange, ExpertProfile, SpeakerQualification

    register_doctor_reference(ExpertProfile, unique_with=("tenant_id",))
    register_doctor_reference(AcademicLevelChange)
    register_doctor_reference(SpeakerQualification, unique_with=("product_id", "topic"))
    for field in ("from_doctor", "to_doctor"):
        register(
            DoctorReference(
                label=f"hospitals.DoctorRelation.{field}",
                move=_move_relations if field == "from_doctor" else lambda *a: ([], 0),
                revert=_revert_relations if field == "from_doctor" else lambda *a: None,
                model=DoctorRelation,
                field=field,
            )
        )
    register(DoctorReference(label="hospitals.HistoricalDoctor", move=_move_history, revert=_revert_history))
