"""Writes of visits: one function per use case, keyword-only, ``tenant`` first, acting user ``by``.

Rules that live here:

* **Visit time** (:func:`check_visit_time`): a visit in the future is refused; a visit dated
  more than ``VisitSettings.backdate_limit_days`` back is refused when the report is created
  or its date changed. Submitting an existing draft is always accepted; when it happens more
  than ``submit_window_hours`` (24 h) after the visit the report is flagged ``is_late``.
* **Locking**: :func:`visit_update` and :func:`visit_delete` refuse a submitted report;
  :func:`visit_amend` records a :class:`VisitAmendment` (who, when, why, old and new values)
  and only then changes the row, inside the amendment guard the database trigger checks
  (migration 0003).
* **Follow-up**: :func:`visit_submit` writes a :class:`PendingFollowUp` outbox row and enqueues
  ``visits.tasks.create_followups`` on commit; :func:`visit_followups_create` applies the
  tenant's rules with ``INSERT … ON CONFLICT DO NOTHING`` on (tenant, visit, rule), so a task
  exists exactly once however often it runs.

Pharmacovigilance: adverse-event tasks go to ``VisitSettings.pv_assignee`` when the tenant
names one, otherwise to the unassigned pharmacovigilance inbox, which medical affairs users
see (ROLE_INBOXES in selectors).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from crm import inbox
from crm.inbox import notifications_mark_read, reminders_send  # noqa: F401  (the kernel's, kept here)
from crm.permissions import CONTENT_EDITORS, INQUIRY_ANSWERERS, INQUIRY_SENDERS, VISITING_ROLES
from crm.tenancy import tenant_id_of
from hospitals.models import KeyMessage, Product
from hospitals.selectors import visible_doctors
from visits import selectors
from visits.models import (
    Assignee,
    ContentItem,
    CyclePlan,
    CyclePlanLine,
    FollowUpRule,
    FollowUpTask,
    FollowUpTrigger,
    InquiryStatus,
    MedicalInquiry,
    NotificationKind,
    ObjectiveAchieved,
    PendingFollowUp,
    PlanStatus,
    Priority,
    Reaction,
    Signal,
    TaskStatus,
    Visit,
    VisitAmendment,
    VisitContent,
    VisitKeyMessage,
    VisitPlan,
    VisitPlanContent,
    VisitPlanKeyMessage,
    VisitPlanStatus,
    VisitProduct,
    VisitSettings,
    VisitStatus,
    month_start,
)

# A clock a few minutes ahead on a phone is not "the future".
FUTURE_TOLERANCE = datetime.timedelta(minutes=5)

# Default follow-up rules, inserted for a tenant the first time they are needed.
DEFAULT_RULES = [
    # trigger, assignee, due hours, priority, creates inquiry
    (FollowUpTrigger.NEXT_STEP, Assignee.VISIT_REP, 72, Priority.NORMAL, False),
    (FollowUpTrigger.LITERATURE_REQUEST, Assignee.MEDICAL_AFFAIRS, 72, Priority.NORMAL, False),
    (FollowUpTrigger.MEDICAL_QUESTION, Assignee.MEDICAL_AFFAIRS, 120, Priority.HIGH, True),
    (FollowUpTrigger.COMPLIANCE_QUESTION, Assignee.COMPLIANCE, 72, Priority.HIGH, False),
    (FollowUpTrigger.ADVERSE_EVENT, Assignee.PHARMACOVIGILANCE, 24, Priority.URGENT, False),
]

VISIT_FIELDS = frozenset(
    {
        "doctor",
        "plan",
        "channel",
        "visited_at",
        "duration_minutes",
        "objective",
        "objective_achieved",
        "feedback",
        "questions_raised",
        "signals",
        "signal_notes",
        "next_step",
        "next_step_due",
    }
)
VISIT_CHILD_FIELDS = frozenset({"products", "key_messages", "content_items"})
# What an amendment may correct (not who, whom or when: that would be a different visit).
AMENDABLE_FIELDS = (VISIT_FIELDS - {"doctor", "plan", "visited_at"}) | VISIT_CHILD_FIELDS
VISIT_PLAN_FIELDS = frozenset({"doctor", "planned_at", "channel", "product", "objective", "questions"})
CONTENT_FIELDS = frozenset(
    {"kind", "product", "title", "description", "file", "url", "tags", "valid_from", "valid_until"}
)


def _pk(obj):
    return getattr(obj, "pk", obj)


# --- settings ------------------------------------------------------------------------------


@transaction.atomic
def visit_settings_update(*, tenant, by, **fields) -> VisitSettings:
    """Create or change the tenant's visit settings (administrators)."""
    obj = VisitSettings.objects.for_tenant(tenant).select_for_update().first() or VisitSettings(
        tenant_id=tenant_id_of(tenant)
    )
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.full_clean()
    obj.save()
    return obj


# --- content library -----------------------------------------------------------------------


@transaction.atomic
def content_item_create(*, tenant, by, **fields) -> ContentItem:
    """Add an item to the library (not approved yet: reps do not see it)."""
    _only(fields, CONTENT_FIELDS)
    item = ContentItem(tenant_id=tenant_id_of(tenant), **fields)
    _check_content(item)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def content_item_update(*, tenant, by, item, **fields) -> ContentItem:
    """Change an item; a change of what reps show (file, link, title, kind) needs a new approval."""
    _only(fields, CONTENT_FIELDS)
    item = ContentItem.objects.for_tenant(tenant).select_for_update().get(pk=_pk(item))
    substantive = {"file", "url", "title", "kind", "product"}
    changed = False
    for name, value in fields.items():
        if getattr(item, name) != value and name in substantive:
            changed = True
        setattr(item, name, value)
    if changed:
        item.approved_at = None
        item.approved_by = None
    _check_content(item)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def content_item_approve(*, tenant, by, item) -> ContentItem:
    """Medical affairs approves an item: reps see it while it is valid."""
    if by.role not in CONTENT_EDITORS:
        raise ValidationError(_("Only medical affairs approves content."))
    item = ContentItem.objects.for_tenant(tenant).select_for_update().get(pk=_pk(item))
    item.approved_by = by
    item.approved_at = timezone.now()
    item.save(update_fields=["approved_by", "approved_at"])
    return item


@transaction.atomic
def content_item_withdraw(*, tenant, by, item) -> ContentItem:
    """Withdraw an approval (reps stop seeing the item; past uses stay counted)."""
    item = ContentItem.objects.for_tenant(tenant).select_for_update().get(pk=_pk(item))
    item.approved_by = None
    item.approved_at = None
    item.save(update_fields=["approved_by", "approved_at"])
    return item


def _check_content(item):
    if not item.file and not item.url:
        raise ValidationError({"url": _("Give a file or a link.")})


# --- cycle plans ---------------------------------------------------------------------------


@transaction.atomic
def cycle_plan_generate(*, tenant, rep, month: datetime.date, by=None) -> CyclePlan:
    """Create ``rep``'s plan for ``month`` or refresh its targets (set-based).

    One line per active doctor aligned to the rep's territories; tier from segmentation
    (tier C when unscored), target from the tier frequency. While the plan is a draft or
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
    target_of = [freq.get(t, 0) for t in tier_of]
    with connection.cursor() as cur:
        # Upsert every line in one statement from arrays; planned follows the target until the rep changes it.
        cur.execute(
            """
            INSERT INTO visits_cycleplanline (tenant_id, plan_id, doctor_id, tier, target, planned)
            SELECT %s, %s, d, t, n, n FROM unnest(%s::bigint[], %s::text[], %s::int[]) AS u(d, t, n)
            ON CONFLICT (tenant_id, plan_id, doctor_id) DO UPDATE
               SET planned = CASE WHEN visits_cycleplanline.planned = visits_cycleplanline.target
                                  THEN EXCLUDED.target ELSE visits_cycleplanline.planned END,
                   tier = EXCLUDED.tier, target = EXCLUDED.target
            """,
            [tid, plan.pk, doctor_ids, tier_of, target_of],
        )
        cur.execute(
            "DELETE FROM visits_cycleplanline WHERE tenant_id = %s AND plan_id = %s AND NOT (doctor_id = ANY(%s))",
            [tid, plan.pk, doctor_ids],
        )
    plan.generated_at = timezone.now()
    plan.save(update_fields=["generated_at"])
    return plan


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


def _managers_of(*, tenant, rep_id) -> list:
    """Managers whose team includes the rep (their node is above one of the rep's territories)."""
    from accounts.models import Territory, TerritoryAssignment

    rep_nodes = TerritoryAssignment.objects.for_tenant(tenant).filter(user_id=rep_id).values("territory_id")
    ancestors = Territory.objects.for_tenant(tenant).filter(_ancestor_of(rep_nodes)).values("pk")
    return list(
        User.objects.in_tenant(tenant)
        .filter(role=Role.MANAGER, is_active=True, territory_assignments__territory_id__in=ancestors)
        .distinct()
    )


def _ancestor_of(node_ids):
    """Q: the parent or grandparent of a node in ``node_ids`` (the tree is three levels deep)."""
    from django.db.models import Q

    return Q(children__pk__in=node_ids) | Q(children__children__pk__in=node_ids)


# --- visit plans ---------------------------------------------------------------------------


def _check_doctor_visible(tenant, by, doctor_id):
    """The doctor, when ``by`` may see them (else "Select a valid choice.")."""
    doctor = visible_doctors(tenant=tenant, user=by).filter(pk=doctor_id).first()
    if doctor is None:
        raise ValidationError({"doctor": _("Select a valid choice.")})
    return doctor


def _approved_key_message_ids(tenant, ids) -> list[int]:
    return list(_approved_key_messages(tenant, ids))


def _approved_key_messages(tenant, ids) -> dict[int, int]:
    """Key message id → product id, for ``ids`` that are all approved (else a ValidationError)."""
    ids = [int(_pk(i)) for i in ids]
    if not ids:
        return {}
    ok = dict(KeyMessage.objects.for_tenant(tenant).filter(pk__in=ids, is_active=True).values_list("pk", "product_id"))
    if any(i not in ok for i in ids):
        raise ValidationError({"key_messages": _("Only approved key messages can be used.")})
    return {i: ok[i] for i in ids}


def _usable_content_ids(tenant, ids, on=None) -> list[int]:
    ids = [int(_pk(i)) for i in ids]
    ok = set(ContentItem.objects.for_tenant(tenant).usable(on).filter(pk__in=ids).values_list("pk", flat=True))
    if any(i not in ok for i in ids):
        raise ValidationError({"content_items": _("Only approved content valid on the visit date can be used.")})
    return ids


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


# --- visit reports -------------------------------------------------------------------------


def check_visit_time(*, settings_obj: VisitSettings, visited_at: datetime.datetime, now=None) -> None:
    """Refuse a visit in the future or dated further back than the tenant allows."""
    now = now or timezone.now()
    if visited_at is None:
        raise ValidationError({"visited_at": _("Give the date and time of the visit.")})
    if visited_at > now + FUTURE_TOLERANCE:
        raise ValidationError({"visited_at": _("A visit cannot be in the future.")})
    days = settings_obj.backdate_limit_days
    if visited_at < now - datetime.timedelta(days=days):
        raise ValidationError(
            {
                "visited_at": _(
                    "Visits more than %(days)s days ago can no longer be reported. "
                    "Ask your manager if this visit must be recorded."
                )
                % {"days": days}
            }
        )


def _normalise_key_messages(items) -> list[tuple[int, str, str]]:
    out = {}
    for item in items or []:
        if isinstance(item, dict):
            km, reaction, note = (
                item.get("key_message"),
                item.get("reaction") or Reaction.NEUTRAL,
                item.get("note") or "",
            )
        else:
            km, reaction, note = item, Reaction.NEUTRAL, ""
        if reaction not in Reaction.values:
            raise ValidationError({"key_messages": _("Choose a reaction for each key message.")})
        if reaction == Reaction.OBJECTION and not note.strip():
            raise ValidationError({"key_messages": _("Note the doctor's objection.")})
        out[int(_pk(km))] = (reaction, note.strip())
    return [(k, r, n) for k, (r, n) in out.items()]


def _check_signals(visit):
    bad = [s for s in visit.signals if s not in Signal.values]
    if bad:
        raise ValidationError({"signals": _("Unknown signal.")})
    visit.signals = list(dict.fromkeys(visit.signals))
    if not isinstance(visit.signal_notes, dict):
        raise ValidationError({"signal_notes": _("Enter a valid value.")})
    visit.signal_notes = {k: str(v) for k, v in visit.signal_notes.items() if k in visit.signals and str(v).strip()}


def _write_visit_children(tenant, visit, *, products=None, key_messages=None, content_items=None, new=False):
    """Replace the given child sets (None: leave as is); ``new``: the visit has none yet.
    Products of the key messages are added to the products discussed."""
    tid = tenant_id_of(tenant)
    children = VisitKeyMessage.objects.for_tenant(tenant).filter(visit=visit)
    if key_messages is not None:
        km_rows = _normalise_key_messages(key_messages)
        km_products = set(_approved_key_messages(tenant, [k for k, _r, _n in km_rows]).values())
        if not new:
            children.delete()
        VisitKeyMessage.objects.bulk_create(
            [VisitKeyMessage(tenant_id=tid, visit=visit, key_message_id=k, reaction=r, note=n) for k, r, n in km_rows]
        )
        if products is None and not new:
            existing = VisitProduct.objects.for_tenant(tenant).filter(visit=visit).values_list("product_id", flat=True)
            products = list(set(existing) | km_products)
        elif products is None:
            products = list(km_products)
            km_products = set()  # known to exist: no need to check them again
        else:
            products = list({int(_pk(p)) for p in products} | km_products)
    if products is not None:
        ids = list({int(_pk(p)) for p in products})
        if ids and Product.objects.for_tenant(tenant).filter(pk__in=ids).count() != len(ids):
            raise ValidationError({"products": _("Select a valid choice.")})
        if not new:
            VisitProduct.objects.for_tenant(tenant).filter(visit=visit).delete()
        VisitProduct.objects.bulk_create([VisitProduct(tenant_id=tid, visit=visit, product_id=p) for p in ids])
    if content_items is not None:
        ids = _usable_content_ids(tenant, content_items, on=timezone.localtime(visit.visited_at).date())
        if not new:
            VisitContent.objects.for_tenant(tenant).filter(visit=visit).delete()
        VisitContent.objects.bulk_create(
            [VisitContent(tenant_id=tid, visit=visit, content_item_id=c) for c in dict.fromkeys(ids)]
        )


def _clean_visit(visit):
    """Field validation of a visit without the per-save queries of full_clean: the foreign keys
    were checked by the caller (visible doctor, own plan), and the one check constraint a user
    can violate is checked here with its own message."""
    visit.full_clean(exclude=["tenant", "rep", "doctor", "plan"], validate_unique=False, validate_constraints=False)
    if visit.next_step_due and not visit.next_step.strip():
        raise ValidationError({"next_step": _("Describe the next step, or clear its due date.")})


@transaction.atomic
def visit_create(
    *, tenant, by, doctor, visited_at, products=None, key_messages=None, content_items=None, submit=False, **fields
) -> Visit:
    """Start a report (a draft) of ``by``'s visit to ``doctor``; ``submit=True`` submits it at once.

    ``key_messages``: ``[{"key_message": id, "reaction": "accepted|neutral|objection", "note": ""}]``.
    When ``plan`` is given and key messages are not, the plan's key messages are pre-filled
    (reaction neutral), as are its objective and channel.
    """
    _only(fields, VISIT_FIELDS - {"doctor", "visited_at"})
    if by.role not in VISITING_ROLES:
        raise ValidationError(_("Only field staff report visits."))
    settings_obj = selectors.visit_settings(tenant=tenant)
    check_visit_time(settings_obj=settings_obj, visited_at=visited_at)
    doctor_id = _pk(doctor)
    doctor = _check_doctor_visible(tenant, by, doctor_id)
    plan = fields.pop("plan", None)
    if plan is not None:
        plan = VisitPlan.objects.for_tenant(tenant).filter(pk=_pk(plan)).first()
        if plan is None or plan.rep_id != by.pk or plan.doctor_id != doctor_id:
            raise ValidationError({"plan": _("This plan is for another visit.")})
        fields.setdefault("objective", plan.objective)
        fields.setdefault("channel", plan.channel)
        if key_messages is None:
            key_messages = [
                {"key_message": k, "reaction": Reaction.NEUTRAL}
                for k in VisitPlanKeyMessage.objects.for_tenant(tenant)
                .filter(plan=plan)
                .order_by("order", "id")
                .values_list("key_message_id", flat=True)
            ]
        if products is None and plan.product_id:
            products = [plan.product_id]
    visit = Visit(tenant_id=tenant_id_of(tenant), rep=by, doctor=doctor, visited_at=visited_at, plan=plan, **fields)
    _check_signals(visit)
    _clean_visit(visit)
    visit._history_user = by
    visit.save()
    _write_visit_children(
        tenant, visit, products=products, key_messages=key_messages, content_items=content_items, new=True
    )
    if submit:
        # The row was inserted by this transaction: no one else can hold it, no need to re-read it.
        _submit(tenant, by, visit, settings_obj, timezone.now())
    return visit


def visit_create_from_plan(*, tenant, by, plan, visited_at=None) -> Visit:
    """A draft report pre-filled from a visit plan (objective, channel, product, key messages)."""
    plan = VisitPlan.objects.for_tenant(tenant).get(pk=_pk(plan))
    return visit_create(tenant=tenant, by=by, doctor=plan.doctor_id, visited_at=visited_at or timezone.now(), plan=plan)


def _locked_error():
    return ValidationError(
        _("This visit report has been submitted and is locked. Record an amendment to correct it."),
        code="locked",
    )


@transaction.atomic
def visit_update(*, tenant, by, visit, products=None, key_messages=None, content_items=None, **fields) -> Visit:
    """Change a draft of one's own (a submitted report is locked: :func:`visit_amend`)."""
    _only(fields, VISIT_FIELDS)
    visit = Visit.objects.for_tenant(tenant).select_for_update().get(pk=_pk(visit))
    if visit.rep_id != by.pk:
        raise ValidationError(_("Only the author changes a visit report."))
    if visit.status != VisitStatus.DRAFT:
        raise _locked_error()
    if "visited_at" in fields and fields["visited_at"] != visit.visited_at:
        check_visit_time(settings_obj=selectors.visit_settings(tenant=tenant), visited_at=fields["visited_at"])
    if "doctor" in fields and _pk(fields["doctor"]) != visit.doctor_id:
        fields["doctor"] = _check_doctor_visible(tenant, by, _pk(fields["doctor"]))
    if fields.get("plan") is not None:
        plan = VisitPlan.objects.for_tenant(tenant).filter(pk=_pk(fields["plan"])).first()
        if plan is None or plan.rep_id != by.pk:
            raise ValidationError({"plan": _("This plan is for another visit.")})
    for name, value in fields.items():
        if name in ("doctor", "plan"):
            setattr(visit, f"{name}_id", _pk(value) if value is not None else None)
        else:
            setattr(visit, name, value)
    _check_signals(visit)
    _clean_visit(visit)
    visit._history_user = by
    visit.save()
    _write_visit_children(tenant, visit, products=products, key_messages=key_messages, content_items=content_items)
    return visit


@transaction.atomic
def visit_delete(*, tenant, by, visit) -> None:
    """Delete a draft of one's own; a submitted report is never deleted."""
    visit = Visit.objects.for_tenant(tenant).select_for_update().get(pk=_pk(visit))
    if visit.rep_id != by.pk:
        raise ValidationError(_("Only the author deletes a draft."))
    if visit.status != VisitStatus.DRAFT:
        raise _locked_error()
    visit.delete()


def validate_for_submit(visit) -> None:
    """What a report needs before it can be submitted."""
    errors = {}
    if visit.objective_achieved not in ObjectiveAchieved.values:
        errors["objective_achieved"] = _("Say whether the objective was achieved.")
    if visit.next_step_due and not visit.next_step.strip():
        errors["next_step"] = _("Describe the next step, or clear its due date.")
    if visit.next_step.strip() and not visit.next_step_due:
        errors["next_step_due"] = _("Give the next step a due date.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def visit_submit(*, tenant, by, visit, now=None) -> Visit:
    """Submit a draft report of one's own: it is locked from now on.

    Late (after the tenant's submit window) is accepted and flagged. The follow-up job is
    enqueued after the commit, with an outbox row as its safety net.
    """
    visit = (
        Visit.objects.for_tenant(tenant)
        .select_related("rep", "doctor")
        .select_for_update(of=("self",))
        .get(pk=_pk(visit))
    )
    if visit.rep_id != by.pk:
        raise ValidationError(_("Only the author submits a visit report."))
    if visit.status != VisitStatus.DRAFT:
        raise ValidationError(_("This visit report has already been submitted."), code="locked")
    return _submit(tenant, by, visit, selectors.visit_settings(tenant=tenant), now or timezone.now())


def _submit(tenant, by, visit, settings_obj, now) -> Visit:
    from visits.tasks import create_followups

    if visit.visited_at > now + FUTURE_TOLERANCE:
        raise ValidationError({"visited_at": _("A visit cannot be in the future.")})
    validate_for_submit(visit)
    visit.status = VisitStatus.SUBMITTED
    visit.submitted_at = now
    visit.is_late = now > visit.visited_at + datetime.timedelta(hours=settings_obj.submit_window_hours)
    visit._history_user = by
    visit.save(update_fields=["status", "submitted_at", "is_late", "updated_at"])
    if visit.plan_id:
        VisitPlan.objects.for_tenant(tenant).filter(pk=visit.plan_id, status=VisitPlanStatus.PLANNED).update(
            status=VisitPlanStatus.DONE
        )
    if visit.signals or visit.next_step:
        PendingFollowUp.objects.bulk_create(
            [PendingFollowUp(tenant_id=tenant_id_of(tenant), visit=visit)], ignore_conflicts=True
        )
        create_followups.delay_on_commit(tenant_id=tenant_id_of(tenant), visit_id=visit.pk)
    return visit


def _json_value(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def _children_snapshot(tenant, visit) -> dict:
    return {
        "products": sorted(
            VisitProduct.objects.for_tenant(tenant).filter(visit=visit).values_list("product_id", flat=True)
        ),
        "key_messages": [
            list(r)
            for r in VisitKeyMessage.objects.for_tenant(tenant)
            .filter(visit=visit)
            .order_by("key_message_id")
            .values_list("key_message_id", "reaction", "note")
        ],
        "content_items": sorted(
            VisitContent.objects.for_tenant(tenant).filter(visit=visit).values_list("content_item_id", flat=True)
        ),
    }


@transaction.atomic
def visit_amend(*, tenant, by, visit, reason: str, **changes) -> VisitAmendment:
    """Correct a submitted report: the amendment keeps the original values, who, when and why.

    ``changes`` may hold any of :data:`AMENDABLE_FIELDS` (the children as in
    :func:`visit_create`). Nothing changed → refused. The database refuses the row changes
    unless this amendment is named in the transaction (migration 0003).
    """
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the report is corrected.")})
    bad = set(changes) - AMENDABLE_FIELDS
    if bad:
        raise ValidationError(
            {f: _("This cannot be amended; the visit itself would be a different one.") for f in sorted(bad)}
        )
    visit = Visit.objects.for_tenant(tenant).select_for_update().get(pk=_pk(visit))
    if visit.status != VisitStatus.SUBMITTED:
        raise ValidationError(_("A draft is edited, not amended."))
    if not selectors.can_amend_visit(tenant=tenant, user=by, visit=visit):
        raise ValidationError(_("Only the author or their manager amends a visit report."))

    before_children = _children_snapshot(tenant, visit)
    diff = {}
    for name in sorted(set(changes) & VISIT_FIELDS):
        old, new = getattr(visit, name), changes[name]
        if old != new:
            diff[name] = {"from": _json_value(old), "to": _json_value(new)}
            setattr(visit, name, new)
    _check_signals(visit)
    visit.full_clean()
    validate_for_submit(visit)

    amendment = VisitAmendment(tenant_id=tenant_id_of(tenant), visit=visit, by=by, reason=reason.strip(), changes={})
    amendment.save()
    with connection.cursor() as cur:
        cur.execute("SELECT set_config('app.visit_amendment', %s, true)", [str(amendment.pk)])
    try:
        child_changes = {k: changes[k] for k in VISIT_CHILD_FIELDS if k in changes}
        if child_changes:
            _write_visit_children(tenant, visit, **child_changes)
            after_children = _children_snapshot(tenant, visit)
            for name in child_changes:
                if before_children[name] != after_children[name]:
                    diff[name] = {"from": before_children[name], "to": after_children[name]}
        if not diff:
            raise ValidationError(_("Nothing was changed."))
        visit.amended = True
        visit._history_user = by
        visit._change_reason = reason.strip()[:100]
        visit.save()
    finally:
        with connection.cursor() as cur:
            cur.execute("SELECT set_config('app.visit_amendment', '', true)")
    amendment.changes = diff
    amendment.save(update_fields=["changes"])
    return amendment


# --- follow-up -----------------------------------------------------------------------------


def followup_rules_ensure(*, tenant) -> None:
    """Insert the default follow-up rules the tenant does not have yet (ON CONFLICT DO NOTHING)."""
    tid = tenant_id_of(tenant)
    FollowUpRule.objects.bulk_create(
        [
            FollowUpRule(tenant_id=tid, trigger=t, assignee=a, due_hours=h, priority=p, creates_inquiry=i)
            for t, a, h, p, i in DEFAULT_RULES
        ],
        ignore_conflicts=True,
    )


def working_days_after(day: datetime.date, n: int) -> datetime.date:
    """The date ``n`` working days (Monday–Friday) after ``day``. Public holidays are not known."""
    while n > 0:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def _fires(rule: FollowUpRule, visit: Visit) -> bool:
    if rule.trigger == FollowUpTrigger.NEXT_STEP:
        return bool(visit.next_step.strip())
    return rule.trigger in visit.signals


def _end_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(18, 0)))


def _task_text(rule, visit) -> tuple[str, str]:
    doctor = visit.doctor.name
    note = (visit.signal_notes or {}).get(rule.trigger, "")
    if rule.trigger == FollowUpTrigger.NEXT_STEP:
        return gettext("Next step with %(doctor)s: %(step)s") % {"doctor": doctor, "step": visit.next_step}, ""
    titles = {
        FollowUpTrigger.LITERATURE_REQUEST: gettext("Send literature to %(doctor)s"),
        FollowUpTrigger.MEDICAL_QUESTION: gettext("Answer the medical question of %(doctor)s"),
        FollowUpTrigger.COMPLIANCE_QUESTION: gettext("Answer the compliance question of %(doctor)s"),
        FollowUpTrigger.ADVERSE_EVENT: gettext("Adverse event mentioned by %(doctor)s: assess and report"),
        FollowUpTrigger.EVENT_INVITATION: gettext("Invitation of %(doctor)s to an event"),
        FollowUpTrigger.SAMPLE_REQUEST: gettext("Sample request of %(doctor)s"),
    }
    title = titles.get(rule.trigger, gettext("Follow up with %(doctor)s")) % {"doctor": doctor}
    detail = note or (visit.questions_raised if rule.trigger == FollowUpTrigger.MEDICAL_QUESTION else "")
    return title[:300], detail


def _assignee(rule, visit, settings_obj, manager_cache) -> tuple[str, int | None]:
    if rule.assignee == Assignee.VISIT_REP:
        return Assignee.VISIT_REP, visit.rep_id
    if rule.assignee == Assignee.PHARMACOVIGILANCE:
        return Assignee.PHARMACOVIGILANCE, settings_obj().pv_assignee_id
    if rule.assignee == Assignee.MANAGER:
        if "m" not in manager_cache:
            managers = _managers_of(tenant=visit.tenant_id, rep_id=visit.rep_id)
            manager_cache["m"] = managers[0].pk if len(managers) == 1 else None
        return Assignee.MANAGER, manager_cache["m"]
    return rule.assignee, None


def visit_followups_create(*, tenant, visit_id: int) -> int:
    """Apply the tenant's follow-up rules to a submitted visit; returns the tasks created now.

    Idempotent: tasks and the medical inquiry are inserted with ON CONFLICT DO NOTHING on their
    unique constraints, all in one transaction that also clears the outbox row. Running it
    again, or concurrently, creates nothing more. Five statements in the common case.
    """
    from django.conf import settings as dj_settings

    tid = tenant_id_of(tenant)
    with translation.override(dj_settings.LANGUAGE_CODE), transaction.atomic():
        visit = Visit.objects.for_tenant(tenant).select_related("doctor").filter(pk=visit_id).first()
        if visit is None or visit.status != VisitStatus.SUBMITTED:
            PendingFollowUp.objects.for_tenant(tenant).filter(visit_id=visit_id).delete()
            return 0
        all_rules = list(FollowUpRule.objects.for_tenant(tenant))
        if not all_rules:
            followup_rules_ensure(tenant=tid)
            all_rules = list(FollowUpRule.objects.for_tenant(tenant))
        rules = [r for r in all_rules if r.is_active and _fires(r, visit)]
        settings_cache = []

        def settings_obj():
            if not settings_cache:
                settings_cache.append(selectors.visit_settings(tenant=tid))
            return settings_cache[0]

        inquiry_id = None
        if any(r.creates_inquiry for r in rules):
            inquiry_id = _inquiry_for_visit(tenant, visit, settings_obj().inquiry_sla_days)
        base = visit.submitted_at or timezone.now()
        rows, managers = [], {}
        for rule in rules:
            title, detail = _task_text(rule, visit)
            role, user_id = _assignee(rule, visit, settings_obj, managers)
            if rule.trigger == FollowUpTrigger.NEXT_STEP and visit.next_step_due:
                due = _end_of_day(visit.next_step_due)
            else:
                due = base + datetime.timedelta(hours=rule.due_hours)
            inquiry = inquiry_id if rule.creates_inquiry else None
            rows.append(
                (tid, visit.pk, rule.pk, rule.trigger, visit.doctor_id, title, detail, role, user_id, inquiry, due)
                + (rule.priority, TaskStatus.OPEN, "", timezone.now())
            )
        created = []
        if rows:
            placeholders = ", ".join(["(" + ", ".join(["%s"] * len(rows[0])) + ")"] * len(rows))
            with connection.cursor() as cur:
                # Only "%s" placeholders are joined into the text; every value is a parameter.
                sql = (
                    "INSERT INTO visits_followuptask (tenant_id, visit_id, rule_id, kind, doctor_id, title, detail,"  # noqa: S608
                    " assignee_role, assignee_id, inquiry_id, due_at, priority, status, answer, created_at)"
                    f" VALUES {placeholders}"
                    " ON CONFLICT (tenant_id, visit_id, rule_id) DO NOTHING RETURNING assignee_id, title"
                )
                cur.execute(sql, [v for row in rows for v in row])
                created = cur.fetchall()
        inbox.notify_many(
            tenant=tid,
            items=[
                (user_id, NotificationKind.TASK_ASSIGNED, title, ("visit", visit.pk), "/visits/tasks/")
                for user_id, title in created
                if user_id and user_id != visit.rep_id
            ],
        )
        PendingFollowUp.objects.for_tenant(tenant).filter(visit_id=visit_id).delete()
        return len(created)


def _inquiry_for_visit(tenant, visit, sla_days) -> int:
    """The medical inquiry of ``visit`` (created once: ON CONFLICT DO NOTHING on (tenant, visit))."""
    product_id = (
        VisitProduct.objects.for_tenant(tenant)
        .filter(visit=visit)
        .order_by("id")
        .values_list("product_id", flat=True)
        .first()
    )
    question = (visit.signal_notes or {}).get(Signal.MEDICAL_QUESTION) or visit.questions_raised or visit.feedback
    MedicalInquiry.objects.bulk_create(
        [
            MedicalInquiry(
                tenant_id=tenant_id_of(tenant),
                visit=visit,
                doctor_id=visit.doctor_id,
                product_id=product_id,
                question=question or gettext("(see the visit report)"),
                asked_by_id=visit.rep_id,
                received_at=visit.submitted_at,
                due_date=working_days_after(timezone.localtime(visit.submitted_at).date(), sla_days),
            )
        ],
        ignore_conflicts=True,
    )
    return MedicalInquiry.objects.for_tenant(tenant).filter(visit=visit).values_list("pk", flat=True).first()


@transaction.atomic
def followup_task_complete(*, tenant, by, task, answer: str = "") -> FollowUpTask:
    """Mark a task done with the answer; refused when it is not the user's to do or already done."""
    task = FollowUpTask.objects.for_tenant(tenant).select_for_update().get(pk=_pk(task))
    if not selectors.can_complete_task(tenant=tenant, user=by, task=task):
        raise ValidationError(_("This task is not yours to complete."))
    if task.status == TaskStatus.DONE:
        raise ValidationError(_("This task is already done."))
    if task.kind in (FollowUpTrigger.MEDICAL_QUESTION, FollowUpTrigger.ADVERSE_EVENT) and not answer.strip():
        raise ValidationError({"answer": _("Record the answer or the action taken.")})
    task.status = TaskStatus.DONE
    task.done_by = by
    task.done_at = timezone.now()
    task.answer = answer.strip()
    task.save(update_fields=["status", "done_by", "done_at", "answer"])
    return task


@transaction.atomic
def followup_task_reopen(*, tenant, by, task) -> FollowUpTask:
    """Reopen a task done by mistake (its assignee or an administrator)."""
    task = FollowUpTask.objects.for_tenant(tenant).select_for_update().get(pk=_pk(task))
    if not (selectors.can_complete_task(tenant=tenant, user=by, task=task) or by.role == Role.TENANT_ADMIN):
        raise ValidationError(_("This task is not yours to reopen."))
    task.status = TaskStatus.OPEN
    task.done_by = None
    task.done_at = None
    task.save(update_fields=["status", "done_by", "done_at"])
    return task


# --- medical inquiries ---------------------------------------------------------------------


@transaction.atomic
def medical_inquiry_create(*, tenant, by, doctor, question: str, product=None, visit=None) -> MedicalInquiry:
    """Record a doctor's medical question by hand (the follow-up job creates those from visits)."""
    if not (question or "").strip():
        raise ValidationError({"question": _("Write the question.")})
    _check_doctor_visible(tenant, by, _pk(doctor))
    sla = selectors.visit_settings(tenant=tenant).inquiry_sla_days
    inquiry = MedicalInquiry(
        tenant_id=tenant_id_of(tenant),
        doctor_id=_pk(doctor),
        product_id=_pk(product) if product is not None else None,
        visit_id=_pk(visit) if visit is not None else None,
        question=question.strip(),
        asked_by=by,
        due_date=working_days_after(timezone.localdate(), sla),
    )
    inquiry.full_clean()
    inquiry.save()
    return inquiry


@transaction.atomic
def medical_inquiry_answer(*, tenant, by, inquiry, answer: str) -> MedicalInquiry:
    """Medical affairs answers; the inquiry's open tasks are done with the same answer."""
    if by.role not in INQUIRY_ANSWERERS:
        raise ValidationError(_("Only medical affairs answers medical inquiries."))
    if not (answer or "").strip():
        raise ValidationError({"answer": _("Write the answer.")})
    inquiry = MedicalInquiry.objects.for_tenant(tenant).select_for_update().get(pk=_pk(inquiry))
    if inquiry.status not in (InquiryStatus.OPEN, InquiryStatus.ANSWERED):
        raise ValidationError(_("This inquiry has already been sent back."))
    inquiry.answer = answer.strip()
    inquiry.answered_by = by
    inquiry.answered_at = timezone.now()
    inquiry.status = InquiryStatus.ANSWERED
    if inquiry.assignee_id is None:
        inquiry.assignee = by
    inquiry.save()
    FollowUpTask.objects.for_tenant(tenant).open().filter(inquiry=inquiry).update(
        status=TaskStatus.DONE, done_by=by, done_at=inquiry.answered_at, answer=inquiry.answer
    )
    return inquiry


@transaction.atomic
def medical_inquiry_send_back(*, tenant, by, inquiry, channel: str, sent_at=None) -> MedicalInquiry:
    """Record how and when the answer reached the doctor."""
    inquiry = MedicalInquiry.objects.for_tenant(tenant).select_for_update().get(pk=_pk(inquiry))
    if inquiry.status != InquiryStatus.ANSWERED:
        raise ValidationError(_("Answer the inquiry before sending it back."))
    if by.role not in INQUIRY_SENDERS:
        raise ValidationError(_("Only medical affairs or the rep records how the answer was sent."))
    inquiry.sent_back_channel = channel
    inquiry.sent_back_at = sent_at or timezone.now()
    inquiry.status = InquiryStatus.SENT
    inquiry.full_clean()
    inquiry.save()
    return inquiry


@transaction.atomic
def medical_inquiry_assign(*, tenant, by, inquiry, assignee) -> MedicalInquiry:
    """Medical affairs takes or hands over an inquiry."""
    inquiry = MedicalInquiry.objects.for_tenant(tenant).select_for_update().get(pk=_pk(inquiry))
    user = User.objects.in_tenant(tenant).filter(pk=_pk(assignee), role=Role.MEDICAL_AFFAIRS).first()
    if user is None or by.role not in INQUIRY_ANSWERERS:
        raise ValidationError({"assignee": _("Select a valid choice.")})
    inquiry.assignee = user
    inquiry.save(update_fields=["assignee"])
    return inquiry


# --- notifications and reminders (the kernel's inbox: crm.inbox) ----------------------------


def _notify(*, tenant, user, kind, text, obj=None, link="", day=None) -> None:
    """One notification per (user, kind, object, day) through the kernel's inbox."""
    inbox.notify(tenant=tenant, user=user, kind=kind, text=text, obj=obj, link=link, day=day)


_REMINDER_SQL = {
    # Reports not submitted within the window: the author.
    "report_overdue": """
        INSERT INTO {notifications}
            (tenant_id, user_id, kind, text, link, object_type, object_id, date, read, created_at)
        SELECT v.tenant_id, v.rep_id, 'report_overdue', %(text)s || d.name, '/visits/' || v.id || '/',
               'visit', v.id, %(day)s, false, now()
        FROM visits_visit v JOIN hospitals_doctor d ON d.id = v.doctor_id
        WHERE v.tenant_id = %(tenant)s AND v.status = 'draft' AND v.visited_at < %(overdue_before)s
        ON CONFLICT DO NOTHING
    """,
    # Tasks due today (assigned ones): the assignee.
    "task_due": """
        INSERT INTO {notifications}
            (tenant_id, user_id, kind, text, link, object_type, object_id, date, read, created_at)
        SELECT t.tenant_id, t.assignee_id, 'task_due', %(text)s || t.title, '/visits/tasks/',
               'followuptask', t.id, %(day)s, false, now()
        FROM visits_followuptask t
        WHERE t.tenant_id = %(tenant)s AND t.status = 'open' AND t.assignee_id IS NOT NULL
          AND t.due_at >= %(now)s AND t.due_at < %(day_end)s
        ON CONFLICT DO NOTHING
    """,
    # Overdue tasks: the assignee, or every active user of the inbox's role when unassigned.
    "task_overdue": """
        INSERT INTO {notifications}
            (tenant_id, user_id, kind, text, link, object_type, object_id, date, read, created_at)
        SELECT t.tenant_id, u.id, 'task_overdue', %(text)s || t.title, '/visits/tasks/',
               'followuptask', t.id, %(day)s, false, now()
        FROM visits_followuptask t
        JOIN accounts_user u ON u.tenant_id = t.tenant_id AND u.is_active AND (
             u.id = t.assignee_id
             OR (t.assignee_id IS NULL AND (
                 (t.assignee_role IN ('medical_affairs', 'pharmacovigilance') AND u.role = 'medical_affairs')
                 OR (t.assignee_role = 'compliance' AND u.role = 'compliance'))))
        WHERE t.tenant_id = %(tenant)s AND t.status = 'open' AND t.due_at < %(now)s
        ON CONFLICT DO NOTHING
    """,
    # Inquiries past their SLA: the assignee, or every medical affairs user when unassigned.
    "inquiry_overdue": """
        INSERT INTO {notifications}
            (tenant_id, user_id, kind, text, link, object_type, object_id, date, read, created_at)
        SELECT i.tenant_id, u.id, 'inquiry_overdue', %(text)s || left(i.question, 200), '/visits/inquiries/',
               'medicalinquiry', i.id, %(day)s, false, now()
        FROM visits_medicalinquiry i
        JOIN accounts_user u ON u.tenant_id = i.tenant_id AND u.is_active AND (
             u.id = i.assignee_id OR (i.assignee_id IS NULL AND u.role = 'medical_affairs'))
        WHERE i.tenant_id = %(tenant)s AND i.status = 'open' AND i.due_date < %(day)s
        ON CONFLICT DO NOTHING
    """,
}


def visit_reminders(*, tenant, now, day) -> dict[str, int]:
    """The daily reminders of visits (registered with the kernel's inbox in VisitsConfig.ready),
    set-based: one INSERT … SELECT … ON CONFLICT DO NOTHING per kind — reports overdue, tasks
    due today and overdue, inquiries past their SLA. Idempotent per day."""
    _, day_end = selectors.local_day_bounds(day)
    window = selectors.visit_settings(tenant=tenant).submit_window_hours
    texts = {
        "report_overdue": gettext("Visit report not submitted within %(hours)s hours: ") % {"hours": window},
        "task_due": gettext("Due today: "),
        "task_overdue": gettext("Overdue: "),
        "inquiry_overdue": gettext("Medical inquiry past its SLA: "),
    }
    params = {
        "tenant": tenant_id_of(tenant),
        "day": day,
        "now": now,
        "day_end": day_end,
        "overdue_before": now - datetime.timedelta(hours=window),
    }
    counts = {}
    with connection.cursor() as cur:
        for kind, sql in _REMINDER_SQL.items():
            cur.execute(sql.format(notifications=inbox.NOTIFICATION_TABLE), {**params, "text": texts[kind]})
            counts[kind] = cur.rowcount
    return counts


def _only(fields, allowed):
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"unexpected fields: {sorted(unknown)}")
