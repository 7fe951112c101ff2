"""Writes of visit reports: the visit time rules, drafts, submit (locked from then on, the
follow-up job enqueued with an outbox row), amendments; and the tenant's visit settings."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.permissions import VISITING_ROLES
from crm.tenancy import tenant_id_of
from hospitals.models import Product
from visits import selectors
from visits.models import (
    ObjectiveAchieved,
    PendingFollowUp,
    Reaction,
    Signal,
    Visit,
    VisitAmendment,
    VisitContent,
    VisitKeyMessage,
    VisitPlan,
    VisitPlanKeyMessage,
    VisitPlanStatus,
    VisitProduct,
    VisitSettings,
    VisitStatus,
)
from visits.services._shared import (
    _approved_key_messages,
    _check_doctor_visible,
    _only,
    _pk,
    _usable_content_ids,
)

# A clock a few minutes ahead on a phone is not "the future".
FUTURE_TOLERANCE = datetime.timedelta(minutes=5)


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
        # A reaction is always the rep's choice: none is assumed (issue 15).
        if isinstance(item, dict):
            km, reaction, note = item.get("key_message"), item.get("reaction") or "", item.get("note") or ""
            if item.get("delivered") is False:
                reaction = Reaction.NOT_DELIVERED
        else:
            km, reaction, note = item, "", ""
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
        approved = _approved_key_messages(tenant, [k for k, _r, _n in km_rows])
        # A message not delivered does not make its product "discussed".
        km_products = {approved[k] for k, r, _n in km_rows if r != Reaction.NOT_DELIVERED and k in approved}
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

    ``key_messages``: ``[{"key_message": id, "reaction": "accepted|neutral|objection|undelivered",
    "note": ""}]`` — every reaction explicit. When ``plan`` is given, its objective and channel are
    the starting point; its key messages and content are *not* recorded for the rep: each planned
    key message must be answered (delivered with a reaction, or not delivered) before the report
    can be submitted, and content counts as used only when ticked (issue 15).
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


def unanswered_planned_key_messages(visit) -> list[int]:
    """Key messages of the visit's plan with no answer (delivered + reaction, or not delivered)."""
    if not visit.plan_id:
        return []
    planned = VisitPlanKeyMessage.objects.for_tenant(visit.tenant_id).filter(plan_id=visit.plan_id)
    answered = set(
        VisitKeyMessage.objects.for_tenant(visit.tenant_id).filter(visit=visit).values_list("key_message_id", flat=True)
    )
    return [k for k in planned.order_by("order", "id").values_list("key_message_id", flat=True) if k not in answered]


def validate_for_submit(visit) -> None:
    """What a report needs before it can be submitted."""
    errors = {}
    if unanswered_planned_key_messages(visit):
        errors["key_messages"] = _(
            "Answer every planned key message: delivered (with the doctor's reaction) or not delivered."
        )
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
