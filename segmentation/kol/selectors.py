"""Reads of account plans and invitation lists, with their role visibility in one place, and the
plan timeline (what happened with the doctor, against the plan).

Who sees which plans: product managers and administrators every plan (filter by product);
managers the plans of doctors in their territories and those they are on; reps and medical
affairs the plans they own or are on.
"""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet

from crm.permissions import PLAN_ALL_READERS, PLAN_EDITORS
from crm.roles import Role
from crm.tenancy import tenant_id_of
from hospitals.models import UsageShare
from segmentation import hooks
from segmentation.models import (
    ADOPTION_ORDER,
    AccountPlan,
    AccountPlanAction,
    AccountPlanMember,
    AccountPlanMilestone,
    AccountPlanReview,
    Adoption,
    AdoptionStage,
    InvitationList,
    InvitationListEntry,
    TierAssignment,
    TierOverride,
)


def plan_list(*, tenant, user, params=None) -> QuerySet[AccountPlan]:
    """The plans ``user`` may see (module docstring), optionally filtered by ``product``,
    ``status``, ``doctor`` (ids in ``params``)."""
    tid = tenant_id_of(tenant)
    qs = AccountPlan.objects.for_tenant(tid).select_related("doctor__hospital", "product", "owner")
    role = getattr(user, "role", None)
    if getattr(user, "tenant_id", None) != tid:
        return qs.none()
    if role not in PLAN_ALL_READERS:
        mine = Q(owner_id=user.pk) | Q(pk__in=AccountPlanMember.objects.for_tenant(tid).filter(user_id=user.pk)
                                        .values("plan_id"))  # fmt: skip
        if role == Role.MANAGER:
            from hospitals.selectors import visible_doctor_ids

            mine |= Q(doctor_id__in=visible_doctor_ids(tenant=tid, user=user))
        qs = qs.filter(mine)
    params = params or {}
    if params.get("status"):
        qs = qs.filter(status=params["status"])
    for name in ("product", "doctor", "owner"):
        value = _int(params.get(name))
        if value is not None:
            qs = qs.filter(**{f"{name}_id": value})
    return qs.order_by("-start", "-id")


def _int(value):
    """A positive id from a query parameter, or None (a malformed one filters nothing)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def plan_get(*, tenant, user, pk) -> AccountPlan:
    """One plan the user may see (DoesNotExist otherwise, a 404)."""
    return plan_list(tenant=tenant, user=user).get(pk=pk)


def can_edit_plan(user, plan) -> bool:
    """Editors (product managers, administrators, managers) and the plan's owner change a plan."""
    return getattr(user, "role", None) in PLAN_EDITORS or plan.owner_id == getattr(user, "pk", None)


def can_review_plan(user, plan) -> bool:
    """Whoever may edit the plan, and its team, record reviews and update actions."""
    return (
        can_edit_plan(user, plan)
        or AccountPlanMember.objects.for_tenant(plan.tenant_id).filter(plan=plan, user_id=user.pk).exists()
    )


def _children(model, *, tenant, user, params=None):
    tid = tenant_id_of(tenant)
    qs = model.objects.for_tenant(tid).filter(plan__in=plan_list(tenant=tid, user=user).values("pk"))
    plan = _int((params or {}).get("plan"))
    if plan is not None:
        qs = qs.filter(plan_id=plan)
    return qs.order_by("id")


def plan_member_list(*, tenant, user, params=None) -> QuerySet[AccountPlanMember]:
    return _children(AccountPlanMember, tenant=tenant, user=user, params=params).select_related("user")


def plan_action_list(*, tenant, user, params=None) -> QuerySet[AccountPlanAction]:
    return _children(AccountPlanAction, tenant=tenant, user=user, params=params)


def plan_milestone_list(*, tenant, user, params=None) -> QuerySet[AccountPlanMilestone]:
    return _children(AccountPlanMilestone, tenant=tenant, user=user, params=params)


def plan_review_list(*, tenant, user, params=None) -> QuerySet[AccountPlanReview]:
    return _children(AccountPlanReview, tenant=tenant, user=user, params=params)


# --- the timeline ------------------------------------------------------------------------------


def _month_start(day: datetime.date, delta: int = 0) -> datetime.date:
    index = day.year * 12 + day.month - 1 + delta
    return datetime.date(index // 12, index % 12 + 1, 1)


def usage_by_month(*, tenant, doctor_id, product_id, start, end) -> list[dict]:
    """``[{month, share, volume}]`` of the doctor's use of the product, month by month."""
    return list(
        UsageShare.objects.for_tenant(tenant)
        .filter(doctor_id=doctor_id, product_id=product_id, period__gte=start, period__lte=end)
        .order_by("period")
        .values("period", "share", "volume")
    )


def plan_timeline(*, tenant, plan, today=None, history_months=12) -> dict:
    """Everything that happened with the plan's doctor, against the plan: entries newest first
    (visits and reactions and inquiries from the registered sources, adoption and tier changes,
    actions done, milestones, reviews), the usage share by month from ``history_months`` before
    the start, and the progress towards the target stage and share."""
    tid = tenant_id_of(tenant)
    today = today or datetime.date.today()
    since = _month_start(plan.start, -history_months)
    until = max(plan.end, today)
    entries = []
    for row in (
        Adoption.history.filter(
            tenant_id=tid, doctor_id=plan.doctor_id, product_id=plan.product_id, history_date__date__gte=since
        )  # fmt: skip
        .order_by("history_date")
        .values("history_date", "stage", "note")
    ):
        entries.append({"date": row["history_date"].date(), "kind": "adoption",
                        "title": str(AdoptionStage(row["stage"]).label) if row["stage"] in ADOPTION_ORDER else "",
                        "detail": row["note"], "link": "", "stage": row["stage"]})  # fmt: skip
    for row in (
        TierAssignment.objects.for_tenant(tid).filter(doctor_id=plan.doctor_id).order_by("period")
        .values("period", "tier", "previous_tier")
    ):  # fmt: skip
        year, quarter = int(row["period"][:4]), int(row["period"][5])
        day = datetime.date(year, 3 * (quarter - 1) + 1, 1)
        if day >= since and row["tier"] != row["previous_tier"]:
            entries.append({"date": day, "kind": "tier", "title": f"{row['previous_tier'] or '–'} → {row['tier']}",
                            "detail": row["period"], "link": ""})  # fmt: skip
    for row in (
        TierOverride.objects.for_tenant(tid)
        .filter(doctor_id=plan.doctor_id, created_at__date__gte=since)
        .values("created_at", "tier", "reason")
    ):
        entries.append({"date": row["created_at"].date(), "kind": "tier", "title": f"→ {row['tier']}",
                        "detail": row["reason"], "link": ""})  # fmt: skip
    for action in plan.actions.filter(status="done"):
        entries.append({"date": action.done_on or action.due or plan.start, "kind": "action", "title": action.title,
                        "detail": action.objective, "link": ""})  # fmt: skip
    for review in plan.reviews.all():
        entries.append({"date": review.reviewed_on, "kind": "review", "title": review.get_rating_display(),
                        "detail": review.notes, "link": ""})  # fmt: skip
    for fn in hooks.timeline_sources().values():
        entries.extend(fn(tenant_id=tid, doctor_id=plan.doctor_id, product_id=plan.product_id, start=since, end=until))
    entries.sort(key=lambda e: e["date"], reverse=True)
    usage = usage_by_month(tenant=tid, doctor_id=plan.doctor_id, product_id=plan.product_id, start=since, end=until)
    stage = (
        Adoption.objects.for_tenant(tid).filter(doctor_id=plan.doctor_id, product_id=plan.product_id)
        .values_list("stage", flat=True).first() or ""
    )  # fmt: skip
    return {
        "entries": entries,
        "usage": usage,
        "progress": plan_progress(plan, stage=stage, share=usage[-1]["share"] if usage else None, today=today),
    }


def plan_progress(plan, *, stage: str, share, today=None) -> dict:
    """How far the doctor moved from the plan's start towards its target: stage steps done of the
    steps planned, share points gained, time elapsed — and whether it keeps pace."""
    today = today or datetime.date.today()
    start_rank = ADOPTION_ORDER.get(plan.start_stage, 0)
    target_rank = ADOPTION_ORDER.get(plan.target_stage, 0)
    rank = ADOPTION_ORDER.get(stage, 0)
    planned = max(target_rank - start_rank, 1)
    stage_pct = max(0, min(100, round(100 * (rank - start_rank) / planned)))
    days = max((plan.end - plan.start).days, 1)
    time_pct = max(0, min(100, round(100 * (today - plan.start).days / days)))
    share_pct = None
    if plan.target_share is not None and plan.start_share is not None and share is not None:
        gap = float(plan.target_share) - float(plan.start_share)
        share_pct = 100 if gap <= 0 else max(0, min(100, round(100 * (float(share) - float(plan.start_share)) / gap)))
    return {
        "stage": stage,
        "stage_pct": stage_pct,
        "share": share,
        "share_pct": share_pct,
        "time_pct": time_pct,
        "on_pace": stage_pct >= time_pct or rank >= target_rank,
        "reached": rank >= target_rank,
    }


# --- invitation lists ---------------------------------------------------------------------------


def invitation_list_list(*, tenant, user, params=None) -> QuerySet[InvitationList]:
    """Invitation lists: every list for product managers, administrators and medical affairs;
    the lists they made for others."""
    tid = tenant_id_of(tenant)
    qs = InvitationList.objects.for_tenant(tid).select_related("center", "product", "created_by")
    if getattr(user, "tenant_id", None) != tid:
        return qs.none()
    if getattr(user, "role", None) not in (PLAN_ALL_READERS | {Role.MEDICAL_AFFAIRS}):
        qs = qs.filter(created_by_id=user.pk)
    center = _int((params or {}).get("center"))
    if center is not None:
        qs = qs.filter(center_id=center)
    return qs.order_by("-created_at", "-id")


def invitation_list_doctor_ids(*, tenant, invitation_list) -> list[int]:
    """The doctors of a saved invitation list, nearest first — what events read to invite them."""
    return list(
        InvitationListEntry.objects.for_tenant(tenant).filter(invitation_list=invitation_list)
        .order_by("hops", "id").values_list("doctor_id", flat=True)
    )  # fmt: skip
