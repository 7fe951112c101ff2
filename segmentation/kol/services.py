"""Writes of account plans and invitation lists: one function per use case, atomic, validated."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.tenancy import tenant_id_of
from hospitals.models import Doctor, UsageShare
from segmentation.kol import network
from segmentation.models import (
    AccountPlan,
    AccountPlanAction,
    AccountPlanMember,
    AccountPlanMilestone,
    AccountPlanReview,
    ActionStatus,
    Adoption,
    InvitationList,
    InvitationListEntry,
    TeamRole,
)

PLAN_FIELDS = frozenset(
    {
        "doctor", "department", "product", "title", "owner", "status", "target_stage", "target_share", "start", "end",
        "objectives", "needs", "career_direction", "review_cadence",
    }
)  # fmt: skip
ACTION_FIELDS = frozenset({"plan", "kind", "title", "objective", "due", "assignee", "status", "linked_type",
                           "linked_id", "done_on"})  # fmt: skip
MILESTONE_FIELDS = frozenset({"plan", "title", "due", "stage", "share", "achieved_on"})
REVIEW_FIELDS = frozenset({"plan", "reviewed_on", "stage", "share", "rating", "notes", "next_steps"})
MEMBER_FIELDS = frozenset({"plan", "user", "role"})


def _assign(obj, fields, allowed):
    unknown = {n for n in fields if n not in allowed and n.removesuffix("_id") not in allowed}
    if unknown:
        raise TypeError(f"{type(obj).__name__}: fields not allowed here: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(obj, name, value)
    return obj


def _save(obj, *, by=None):
    obj.check_tenant_references()
    obj.full_clean()
    if by is not None and hasattr(type(obj), "history"):
        obj._history_user = by
    obj.save()
    return obj


def _same_tenant(tenant, obj):
    if obj.tenant_id != tenant_id_of(tenant):
        raise ValidationError(_("Not found."))


def current_stage(*, tenant, doctor_id, product_id) -> str:
    """The doctor's adoption stage for the product now ("" when never set)."""
    return (
        Adoption.objects.for_tenant(tenant)
        .filter(doctor_id=doctor_id, product_id=product_id)
        .values_list("stage", flat=True)
        .first()
        or ""
    )


def latest_share(*, tenant, doctor_id, product_id):
    """The doctor's latest monthly usage share of the product (None without data)."""
    return (
        UsageShare.objects.for_tenant(tenant)
        .filter(doctor_id=doctor_id, product_id=product_id)
        .order_by("-period")
        .values_list("share", flat=True)
        .first()
    )


@transaction.atomic
def account_plan_create(*, tenant, by, members=(), **fields) -> AccountPlan:
    """Write a plan for a key doctor and product. The current stage and usage share are recorded
    as the plan's starting point; the owner (default: ``by``) and ``members`` (users, or
    ``(user, role)`` pairs) form the team."""
    tid = tenant_id_of(tenant)
    fields.setdefault("owner", by)
    plan = _assign(AccountPlan(tenant_id=tid), fields, PLAN_FIELDS)
    if plan.doctor_id:
        plan.start_stage = current_stage(tenant=tid, doctor_id=plan.doctor_id, product_id=plan.product_id)
        plan.start_share = latest_share(tenant=tid, doctor_id=plan.doctor_id, product_id=plan.product_id)
        if plan.department_id is None:
            plan.department_id = plan.doctor.department_id
    _save(plan, by=by)
    for member in members:
        user, role = member if isinstance(member, tuple | list) else (member, TeamRole.REP)
        account_plan_member_add(tenant=tid, by=by, plan=plan, user=user, role=role)
    return plan


@transaction.atomic
def account_plan_update(*, tenant, by, plan, **fields) -> AccountPlan:
    """Change a plan (status, target, period, objectives …); history kept."""
    _same_tenant(tenant, plan)
    _assign(plan, fields, PLAN_FIELDS - {"doctor", "product"})
    return _save(plan, by=by)


@transaction.atomic
def account_plan_delete(*, tenant, by, plan) -> None:
    """Delete a plan written by mistake, with its team, actions, milestones and reviews (a plan
    that ran its course is closed instead: status closed)."""
    _same_tenant(tenant, plan)
    plan.delete()


@transaction.atomic
def account_plan_member_add(*, tenant, by, plan, user, role=TeamRole.REP) -> AccountPlanMember:
    """Put a user on the plan's team (once)."""
    _same_tenant(tenant, plan)
    if getattr(user, "tenant_id", None) != plan.tenant_id:
        raise ValidationError({"user": _("Select a valid choice.")})
    member, _created = AccountPlanMember.objects.for_tenant(plan.tenant_id).get_or_create(
        tenant_id=plan.tenant_id, plan=plan, user=user, defaults={"role": role}
    )
    return member


@transaction.atomic
def account_plan_member_update(*, tenant, by, member, **fields) -> AccountPlanMember:
    _same_tenant(tenant, member)
    _assign(member, fields, MEMBER_FIELDS - {"plan"})
    return _save(member)


@transaction.atomic
def account_plan_member_create(*, tenant, by, plan, user, role=TeamRole.REP) -> AccountPlanMember:
    """The API's create: refuses a user already on the team."""
    if AccountPlanMember.objects.for_tenant(tenant).filter(plan=plan, user=user).exists():
        raise ValidationError({"user": _("This user is already on the plan's team.")})
    return account_plan_member_add(tenant=tenant, by=by, plan=plan, user=user, role=role)


@transaction.atomic
def plan_action_create(*, tenant, by, **fields) -> AccountPlanAction:
    """Plan an action (a to-do, or linked to the object it became)."""
    action = _assign(AccountPlanAction(tenant_id=tenant_id_of(tenant)), fields, ACTION_FIELDS)
    return _save(action)


@transaction.atomic
def plan_action_update(*, tenant, by, action, **fields) -> AccountPlanAction:
    """Change an action; marking it done records the day."""
    _same_tenant(tenant, action)
    _assign(action, fields, ACTION_FIELDS - {"plan"})
    if action.status == ActionStatus.DONE and action.done_on is None:
        action.done_on = timezone.localdate()
    return _save(action)


@transaction.atomic
def plan_milestone_create(*, tenant, by, **fields) -> AccountPlanMilestone:
    milestone = _assign(AccountPlanMilestone(tenant_id=tenant_id_of(tenant)), fields, MILESTONE_FIELDS)
    return _save(milestone)


@transaction.atomic
def plan_milestone_update(*, tenant, by, milestone, **fields) -> AccountPlanMilestone:
    _same_tenant(tenant, milestone)
    _assign(milestone, fields, MILESTONE_FIELDS - {"plan"})
    return _save(milestone)


@transaction.atomic
def plan_review_create(*, tenant, by, **fields) -> AccountPlanReview:
    """Record a review: the doctor's stage and share now (unless given), the rating and notes."""
    tid = tenant_id_of(tenant)
    review = _assign(AccountPlanReview(tenant_id=tid, by=by), fields, REVIEW_FIELDS)
    if review.reviewed_on is None:
        review.reviewed_on = timezone.localdate()
    plan = review.plan
    if not review.stage:
        review.stage = current_stage(tenant=tid, doctor_id=plan.doctor_id, product_id=plan.product_id)
    if review.share is None:
        review.share = latest_share(tenant=tid, doctor_id=plan.doctor_id, product_id=plan.product_id)
    return _save(review)


def next_review_due(plan, *, today=None) -> datetime.date | None:
    """When the next review falls due by the plan's cadence (from the last review or the start)."""
    from segmentation.models import CADENCE_MONTHS

    last = plan.reviews.order_by("-reviewed_on").values_list("reviewed_on", flat=True).first() or plan.start
    months = CADENCE_MONTHS.get(plan.review_cadence, 3)
    index = last.year * 12 + last.month - 1 + months
    day = min(last.day, 28)
    return datetime.date(index // 12, index % 12 + 1, day)


# --- invitation lists ------------------------------------------------------------------------


def network_candidates(*, tenant, center, hops=2, tiers=(), departments=(), stages=(), product=None,
                       visible_ids=None) -> list[dict]:  # fmt: skip
    """Doctors within ``hops`` of ``center`` (not the centre), filtered by tier, standard
    department code and adoption stage (of ``product``): ``[{doctor, hops, tier, stage, kinds}]``
    (``kinds``: the relations to the centre of a 1-hop doctor)."""
    from segmentation.selectors import current_tiers

    tid = tenant_id_of(tenant)
    near = network.neighbourhood(tenant=tid, center_id=center.pk, hops=hops, max_nodes=500)
    near.pop(center.pk, None)
    if visible_ids is not None:
        near = {k: v for k, v in near.items() if k in visible_ids}
    doctors = Doctor.objects.for_tenant(tid).select_related("hospital", "department").in_bulk(list(near))
    tier_of = current_tiers(tenant=tid, doctor_ids=list(near))
    stage_of = {}
    if product is not None:
        stage_of = dict(
            Adoption.objects.for_tenant(tid)
            .filter(product_id=getattr(product, "pk", product), doctor_id__in=list(near))
            .values_list("doctor_id", "stage")
        )
    kinds = {}
    for a, b, kind, _strength in network.edges_among(tenant=tid, doctor_ids=[center.pk, *near]):
        if center.pk in (a, b):
            kinds.setdefault(b if a == center.pk else a, []).append(kind)
    rows = []
    for doctor_id, distance in near.items():
        doctor = doctors.get(doctor_id)
        if doctor is None or not doctor.is_active:
            continue
        tier, stage = tier_of.get(doctor_id, ""), stage_of.get(doctor_id, "")
        if tiers and tier not in tiers:
            continue
        if departments and (doctor.department is None or doctor.department.standard_code not in departments):
            continue
        if stages and stage not in stages:
            continue
        rows.append({"doctor": doctor, "hops": distance, "tier": tier, "stage": stage,
                     "kinds": sorted(kinds.get(doctor_id, []))})  # fmt: skip
    rows.sort(key=lambda r: (r["hops"], r["doctor"].name, r["doctor"].pk))
    return rows


@transaction.atomic
def invitation_list_create(*, tenant, by, center, name, purpose="", product=None, plan=None, hops=2, tiers=(),
                           departments=(), stages=(), doctor_ids=None, visible_ids=None) -> InvitationList:  # fmt: skip
    """Save the invitation list of ``center``'s network (1–2 hops, filtered): every candidate, or
    only ``doctor_ids`` among them when given. Events read it later (docs/kol.md)."""
    tid = tenant_id_of(tenant)
    if center.tenant_id != tid:
        raise ValidationError(_("Not found."))
    if not (name or "").strip():
        raise ValidationError({"name": _("Give the list a name.")})
    if hops not in (1, 2):
        raise ValidationError({"hops": _("One or two hops.")})
    candidates = network_candidates(tenant=tid, center=center, hops=hops, tiers=tiers, departments=departments,
                                    stages=stages, product=product, visible_ids=visible_ids)  # fmt: skip
    if doctor_ids is not None:
        wanted = {int(i) for i in doctor_ids}
        candidates = [c for c in candidates if c["doctor"].pk in wanted]
    if not candidates:
        raise ValidationError(_("No doctor of this network matches the filters."))
    invitation = InvitationList(
        tenant_id=tid, name=name.strip(), purpose=purpose, center=center, product=product, plan=plan,
        filters={"hops": hops, "tiers": list(tiers), "departments": list(departments), "stages": list(stages)},
        created_by=by,
    )  # fmt: skip
    _save(invitation)
    InvitationListEntry.objects.bulk_create(
        [
            InvitationListEntry(
                tenant_id=tid,
                invitation_list=invitation,
                doctor=c["doctor"],
                hops=c["hops"],
                relation=",".join(c["kinds"]),
            )  # fmt: skip
            for c in candidates
        ]
    )
    return invitation


@transaction.atomic
def invitation_list_update(*, tenant, by, invitation_list, **fields) -> InvitationList:
    """Rename a list, change its purpose, or record the event that took it (``event_ref``)."""
    _same_tenant(tenant, invitation_list)
    _assign(invitation_list, fields, frozenset({"name", "purpose", "event_ref"}))
    return _save(invitation_list)


@transaction.atomic
def invitation_list_delete(*, tenant, by, invitation_list) -> None:
    """Delete a list no event has taken yet."""
    _same_tenant(tenant, invitation_list)
    if invitation_list.event_ref:
        raise ValidationError(_("An event has taken this list; it stays."))
    invitation_list.delete()
