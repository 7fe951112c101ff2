"""Writes of plans: the monthly cycle plan (targets from tiers, submit, approve or return) and
visit plans (pre-filled from the tier and product, changed or cancelled by their rep)."""

from __future__ import annotations

import datetime
import json

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from crm import stats
from crm.tenancy import tenant_id_of
from visits import selectors
from visits.models import (
    CyclePlan,
    CyclePlanLine,
    NotificationKind,
    PlanStatus,
    VisitChannel,
    VisitPlan,
    VisitPlanContent,
    VisitPlanKeyMessage,
    VisitPlanStatus,
    month_start,
)
from visits.services._shared import (
    _approved_key_message_ids,
    _check_doctor_visible,
    _managers_of,
    _notify,
    _only,
    _pk,
    _usable_content_ids,
)

VISIT_PLAN_FIELDS = frozenset({"doctor", "planned_at", "channel", "product", "objective", "questions"})


# --- cycle plans ---------------------------------------------------------------------------


@transaction.atomic
def cycle_plan_generate(*, tenant, rep, month: datetime.date, by=None) -> CyclePlan:
    """Create ``rep``'s plan for ``month`` or refresh its targets (set-based).

    One line per active doctor aligned to the rep's territories; tier from segmentation
    (tier C when unscored), ``ideal`` the tier frequency. Capacity-aware (issue 15): the rep's
    capacity for the month (working days without their leave × visits per day) bounds the plan;
    targets fill from the highest tier down and, within a tier, from the doctors furthest behind
    (fewest visits in the three months before, against their frequency); what does not fit is
    counted on the plan (visits, and A/B doctors short of their frequency) for the manager. While the plan is a draft or
    returned, a refresh adds newly aligned doctors, updates tier and target of the others
    (``planned`` is raised to the target only if the rep had not set it) and removes doctors
    no longer aligned. A submitted or approved plan is left alone.
    """
    month = month_start(month)
    tid = tenant_id_of(tenant)
    plan, _created = CyclePlan.objects.for_tenant(tenant).get_or_create(tenant_id=tid, rep=rep, month=month)
    plan = CyclePlan.objects.for_tenant(tenant).select_for_update().get(pk=plan.pk)
    if plan.status not in (PlanStatus.DRAFT, PlanStatus.RETURNED):
        return plan
    doctor_ids = list(selectors.rep_doctors(tenant=tenant, rep=rep).values_list("pk", flat=True))
    tiers = selectors.doctor_tiers(tenant=tenant, doctor_ids=doctor_ids)
    freq = selectors.tier_frequencies(tenant=tenant)
    tier_of = [tiers.get(d, selectors.DEFAULT_TIER) for d in doctor_ids]
    ideal_of = [freq.get(t, 0) for t in tier_of]
    capacity = selectors.rep_capacity(tenant=tenant, rep=rep, start=month, end=plan.month_end)
    target_of, unfitted, short_ab = _fit_to_capacity(
        tenant, doctor_ids, tier_of, ideal_of, capacity=capacity.visits, month=month
    )
    with connection.cursor() as cur:
        # Upsert every line in one statement from arrays; planned follows the target until the rep changes it.
        cur.execute(
            """
            INSERT INTO visits_cycleplanline (tenant_id, plan_id, doctor_id, tier, ideal, target, planned)
            SELECT %s, %s, d, t, i, n, n FROM unnest(%s::bigint[], %s::text[], %s::int[], %s::int[]) AS u(d, t, i, n)
            ON CONFLICT (tenant_id, plan_id, doctor_id) DO UPDATE
               SET planned = CASE WHEN visits_cycleplanline.planned = visits_cycleplanline.target
                                  THEN EXCLUDED.target ELSE visits_cycleplanline.planned END,
                   tier = EXCLUDED.tier, ideal = EXCLUDED.ideal, target = EXCLUDED.target
            """,
            [tid, plan.pk, doctor_ids, tier_of, ideal_of, target_of],
        )
        cur.execute(
            "DELETE FROM visits_cycleplanline WHERE tenant_id = %s AND plan_id = %s AND NOT (doctor_id = ANY(%s))",
            [tid, plan.pk, doctor_ids],
        )
    plan.generated_at = timezone.now()
    plan.working_days = capacity.working_days
    plan.capacity = capacity.visits
    plan.unfitted_visits = unfitted
    plan.over_capacity_ab = short_ab
    plan.save(update_fields=["generated_at", "working_days", "capacity", "unfitted_visits", "over_capacity_ab"])
    stats.analyze_on_commit()  # plan lines written in bulk (crm/stats.py)
    return plan


TIER_RANK = {"A": 0, "B": 1, "C": 2, "D": 3}


def _fit_to_capacity(tenant, doctor_ids, tier_of, ideal_of, *, capacity: int, month) -> tuple[list[int], int, int]:
    """Targets within ``capacity``: highest tier first, then the doctors furthest behind their
    frequency over the three months before ``month`` (then by id, so a refresh is stable).
    Returns (targets in ``doctor_ids`` order, visits that did not fit, A/B doctors short)."""
    start, _ = selectors.month_bounds(selectors.add_months(month, -3))
    end, _ = selectors.month_bounds(month)
    recent = selectors.visit_counts(tenant=tenant, doctor_ids=doctor_ids, start=start, end=end)
    order = sorted(
        range(len(doctor_ids)),
        key=lambda i: (
            TIER_RANK.get(tier_of[i], 9),
            -(3 * ideal_of[i] - recent.get(doctor_ids[i], 0)),
            doctor_ids[i],
        ),
    )
    targets = [0] * len(doctor_ids)
    left = capacity
    for i in order:
        give = min(ideal_of[i], left)
        targets[i] = give
        left -= give
    unfitted = sum(ideal_of) - sum(targets)
    short_ab = sum(1 for i in range(len(doctor_ids)) if tier_of[i] in ("A", "B") and targets[i] < ideal_of[i])
    return targets, unfitted, short_ab


def cycle_plans_generate(*, tenant, month: datetime.date) -> int:
    """Generate or refresh the plans of every active rep of the tenant for ``month``.

    Distributor reps have no cycle plan: they see doctors through their distributor's coverage,
    not through aligned territories, and log follow-up visits only.
    """
    reps = User.objects.in_tenant(tenant).filter(is_active=True, role=Role.REP)
    n = 0
    for rep in reps:
        cycle_plan_generate(tenant=tenant, rep=rep, month=month)
        n += 1
    return n


@transaction.atomic
def cycle_plan_line_set_planned(*, tenant, by, line, planned: int) -> CyclePlanLine:
    """The rep changes how many visits they plan for a doctor (draft or returned plan only)."""
    line = CyclePlanLine.objects.for_tenant(tenant).select_related("plan").select_for_update().get(pk=_pk(line))
    _check_plan_editable(by, line.plan)
    if planned < 0 or planned > 31:
        raise ValidationError({"planned": _("Plan between 0 and 31 visits.")})
    line.planned = planned
    line.save(update_fields=["planned"])
    return line


def _check_plan_editable(by, plan):
    if plan.rep_id != by.pk:
        raise ValidationError(_("Only the rep changes their own plan."))
    if plan.status not in (PlanStatus.DRAFT, PlanStatus.RETURNED):
        raise ValidationError(_("This plan has been submitted; it can no longer be changed."))


@transaction.atomic
def cycle_plan_submit(*, tenant, by, plan) -> CyclePlan:
    """The rep submits the plan to their manager (draft or returned → submitted)."""
    plan = CyclePlan.objects.for_tenant(tenant).select_for_update().get(pk=_pk(plan))
    _check_plan_editable(by, plan)
    plan.status = PlanStatus.SUBMITTED
    plan.submitted_at = timezone.now()
    plan._history_user = by
    plan.save(update_fields=["status", "submitted_at"])
    for manager in _managers_of(tenant=tenant, rep_id=plan.rep_id):
        _notify(
            tenant=tenant,
            user=manager,
            kind=NotificationKind.PLAN_SUBMITTED,
            text=gettext("%(rep)s submitted the plan for %(month)s")
            % {"rep": plan.rep, "month": plan.month.strftime("%Y-%m")},
            obj=plan,
            link=f"/visits/plans/{plan.pk}/",
        )
    return plan


def _review(tenant, by, plan, status, note):
    plan = CyclePlan.objects.for_tenant(tenant).select_related("rep").select_for_update().get(pk=_pk(plan))
    if by.role != Role.MANAGER or not selectors.team_members(tenant=tenant, manager=by).filter(pk=plan.rep_id).exists():
        raise ValidationError(_("Only the rep's manager reviews this plan."))
    if plan.status != PlanStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted plan can be approved or returned."))
    plan.status = status
    plan.reviewed_by = by
    plan.reviewed_at = timezone.now()
    plan.review_note = note
    plan._history_user = by
    plan.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    _notify(
        tenant=tenant,
        user=plan.rep,
        kind=NotificationKind.PLAN_REVIEWED,
        text=gettext("Your plan for %(month)s: %(status)s")
        % {"month": plan.month.strftime("%Y-%m"), "status": plan.get_status_display()},
        obj=plan,
        link=f"/visits/plans/{plan.pk}/",
    )
    return plan


@transaction.atomic
def cycle_plan_approve(*, tenant, by, plan, note: str = "") -> CyclePlan:
    """The manager approves a submitted plan."""
    return _review(tenant, by, plan, PlanStatus.APPROVED, note)


@transaction.atomic
def cycle_plan_return(*, tenant, by, plan, note: str) -> CyclePlan:
    """The manager sends a submitted plan back to the rep, saying why."""
    if not (note or "").strip():
        raise ValidationError({"review_note": _("Say why the plan goes back.")})
    return _review(tenant, by, plan, PlanStatus.RETURNED, note)


# --- visit plans ---------------------------------------------------------------------------


@transaction.atomic
def visit_plan_create(
    *,
    tenant,
    by,
    doctor,
    planned_at: datetime.datetime,
    channel: str | None = None,
    product=None,
    objective: str | None = None,
    key_messages=None,
    content_items=None,
    questions=None,
    source: str = "manual",
    rep=None,
) -> VisitPlan:
    """Plan a visit. Unset objective, channel and key messages are pre-filled from the doctor's
    tier (objective template, preferred channel) and the product's approved key messages."""
    rep = rep or by
    if rep.pk != by.pk:
        raise ValidationError(_("Plan your own visits."))
    doctor_id = _pk(doctor)
    _check_doctor_visible(tenant, by, doctor_id)
    defaults = selectors.visit_plan_defaults(tenant=tenant, rep=rep, doctor=doctor_id, product=product)
    plan = VisitPlan(
        tenant_id=tenant_id_of(tenant),
        rep=rep,
        doctor_id=doctor_id,
        planned_at=planned_at,
        channel=channel or defaults.channel,
        product_id=_pk(product) if product is not None else None,
        objective=defaults.objective if objective is None else objective,
        questions=list(questions or []),
        source=source,
    )
    plan.full_clean()
    plan.save()
    km_ids = (
        _approved_key_message_ids(tenant, key_messages)
        if key_messages is not None
        else [k.pk for k in defaults.key_messages]
    )
    _set_plan_children(tenant, plan, km_ids, _usable_content_ids(tenant, content_items or []))
    return plan


def _set_plan_children(tenant, plan, km_ids, content_ids):
    tid = tenant_id_of(tenant)
    VisitPlanKeyMessage.objects.for_tenant(tenant).filter(plan=plan).delete()
    VisitPlanKeyMessage.objects.bulk_create(
        [VisitPlanKeyMessage(tenant_id=tid, plan=plan, key_message_id=k, order=i) for i, k in enumerate(km_ids)]
    )
    VisitPlanContent.objects.for_tenant(tenant).filter(plan=plan).delete()
    VisitPlanContent.objects.bulk_create(
        [VisitPlanContent(tenant_id=tid, plan=plan, content_item_id=c) for c in dict.fromkeys(content_ids)]
    )


@transaction.atomic
def visit_plan_update(*, tenant, by, plan, key_messages=None, content_items=None, **fields) -> VisitPlan:
    """Change an open plan of one's own."""
    _only(fields, VISIT_PLAN_FIELDS)
    plan = VisitPlan.objects.for_tenant(tenant).select_for_update().get(pk=_pk(plan))
    if plan.rep_id != by.pk:
        raise ValidationError(_("Only the rep changes their own plan."))
    if plan.status != VisitPlanStatus.PLANNED:
        raise ValidationError(_("This visit plan is closed."))
    if "doctor" in fields:
        _check_doctor_visible(tenant, by, _pk(fields["doctor"]))
    for name, value in fields.items():
        setattr(plan, name, value)
    plan.full_clean()
    plan.save()
    if key_messages is not None or content_items is not None:
        km = (
            _approved_key_message_ids(tenant, key_messages)
            if key_messages is not None
            else list(
                VisitPlanKeyMessage.objects.for_tenant(tenant)
                .filter(plan=plan)
                .values_list("key_message_id", flat=True)
            )
        )
        content = (
            _usable_content_ids(tenant, content_items)
            if content_items is not None
            else list(
                VisitPlanContent.objects.for_tenant(tenant).filter(plan=plan).values_list("content_item_id", flat=True)
            )
        )
        _set_plan_children(tenant, plan, km, content)
    return plan


@transaction.atomic
def visit_plan_cancel(*, tenant, by, plan) -> VisitPlan:
    """Cancel an open plan of one's own."""
    plan = VisitPlan.objects.for_tenant(tenant).select_for_update().get(pk=_pk(plan))
    if plan.rep_id != by.pk:
        raise ValidationError(_("Only the rep changes their own plan."))
    if plan.status != VisitPlanStatus.PLANNED:
        raise ValidationError(_("This visit plan is closed."))
    plan.status = VisitPlanStatus.CANCELLED
    plan.save(update_fields=["status"])
    return plan


def visit_plans_from_suggestions(
    *, tenant, by, week_start: datetime.date, doctor_ids, hour: int = 10
) -> list[VisitPlan]:
    """Plan the suggested doctors chosen by the rep, spread over the working days of the week."""
    suggestions = {s.doctor.pk: s for s in selectors.suggested_week(tenant=tenant, rep=by, week_start=week_start)}
    plans = []
    for i, doctor_id in enumerate(d for d in doctor_ids if int(d) in suggestions):
        s = suggestions[int(doctor_id)]
        day = week_start + datetime.timedelta(days=i % 5)
        at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour + (i // 5) % 8)))
        plans.append(visit_plan_create(tenant=tenant, by=by, doctor=s.doctor, planned_at=at, source=s.reason))
    return plans


def visit_plans_create_bulk(*, tenant, plans, source: str = "manual") -> list[int]:
    """Create many visit plans at once for work the system assigns (e.g. the follow-up of an
    event's attendees, created by a task): ``plans`` are dicts with ``rep_id``, ``doctor_id``,
    ``planned_at`` and optionally ``product_id``, ``objective``, ``questions`` and
    ``key_message_ids``. Returns the new plans' ids in the order given.

    Set-based: one ``INSERT … SELECT FROM unnest(…)`` per table, built without a model
    instance per row (for the 2,000 follow-ups of a city meeting, Django's ``bulk_create``
    spent most of the event's follow-up job building and adapting objects). The caller has
    already decided who follows up whom, so the doctor-visibility check of
    :func:`visit_plan_create` (a rep plans their own visits) does not apply. Run it inside the
    caller's transaction.
    """
    plans = list(plans)
    if not plans:
        return []
    tid = tenant_id_of(tenant)
    with connection.cursor() as cur:
        cur.execute(
            _PLANS_INSERT_SQL.format(table=VisitPlan._meta.db_table),
            {
                "tenant": tid,
                "status": str(VisitPlanStatus.PLANNED),
                "source": str(source),
                "rep": [p["rep_id"] for p in plans],
                "doctor": [p["doctor_id"] for p in plans],
                "at": [p["planned_at"] for p in plans],
                "channel": [str(p.get("channel") or VisitChannel.IN_PERSON) for p in plans],
                "product": [p.get("product_id") for p in plans],
                "objective": [(p.get("objective") or "")[:300] for p in plans],
                "questions": [json.dumps([q[:300] for q in p.get("questions") or []]) for p in plans],
            },
        )
        # Identity values are drawn in the order the rows are inserted (ORDER BY n).
        ids = sorted(r[0] for r in cur.fetchall())
        km = [
            (pid, k, i)
            for pid, p in zip(ids, plans, strict=True)
            for i, k in enumerate(dict.fromkeys(p.get("key_message_ids") or []))
        ]
        if km:
            cur.execute(
                _PLAN_KMS_INSERT_SQL.format(table=VisitPlanKeyMessage._meta.db_table),
                {"tenant": tid, "plan": [r[0] for r in km], "km": [r[1] for r in km], "order": [r[2] for r in km]},
            )
    return ids


_PLANS_INSERT_SQL = """
INSERT INTO {table} (tenant_id, rep_id, doctor_id, planned_at, channel, product_id, objective, questions, status,
    source, created_at)
SELECT %(tenant)s, u.rep, u.doctor, u.at, u.channel, u.product, u.objective,
       ARRAY(SELECT jsonb_array_elements_text(u.questions::jsonb))::varchar(300)[], %(status)s, %(source)s, now()
FROM unnest(%(rep)s::bigint[], %(doctor)s::bigint[], %(at)s::timestamptz[], %(channel)s::text[],
            %(product)s::bigint[], %(objective)s::text[], %(questions)s::text[])
     WITH ORDINALITY AS u(rep, doctor, at, channel, product, objective, questions, n)
ORDER BY u.n
RETURNING id
"""

_PLAN_KMS_INSERT_SQL = """
INSERT INTO {table} (tenant_id, plan_id, key_message_id, "order")
SELECT %(tenant)s, u.p, u.k, u.o FROM unnest(%(plan)s::bigint[], %(km)s::bigint[], %(order)s::int[]) AS u(p, k, o)
"""
