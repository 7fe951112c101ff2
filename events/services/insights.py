"""Field insights to the product manager and their answers back to the rep."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm import inbox
from crm.permissions import EVENT_ORGANISERS, INSIGHT_ANSWERERS
from crm.tenancy import tenant_id_of
from events import selectors
from events.models import (
    EventFollowUp,
    FollowUpStatus,
    Insight,
    InsightStatus,
    NotificationKind,
)
from events.services._shared import (
    _notify,
    _pk,
)
from hospitals.models import Product

# --- insights -------------------------------------------------------------------------------


@transaction.atomic
def insight_raise(
    *,
    tenant,
    by,
    text: str,
    product,
    kind: str = "question",
    key_message=None,
    doctor=None,
    event=None,
    question=None,
    visit=None,
) -> Insight:
    """A rep sends an insight from a visit or an event; it lands in the inbox of the product's
    product manager. Raising an event question twice returns the same insight."""
    if not (text or "").strip():
        raise ValidationError({"text": _("Write the insight.")})
    if by.role not in EVENT_ORGANISERS:
        raise ValidationError(_("Your role does not send field insights."))
    product_id = int(_pk(product))
    if not Product.objects.for_tenant(tenant).filter(pk=product_id).exists():
        raise ValidationError({"product": _("Select a valid choice.")})
    if question is not None:
        existing = Insight.objects.for_tenant(tenant).filter(question_id=_pk(question)).first()
        if existing:
            return existing
    pms = selectors.product_managers_of(tenant=tenant, product_id=product_id)
    row = Insight(
        tenant_id=tenant_id_of(tenant),
        kind=kind,
        text=text.strip(),
        product_id=product_id,
        key_message_id=_pk(key_message) if key_message is not None else None,
        doctor_id=_pk(doctor) if doctor is not None else None,
        event_id=_pk(event) if event is not None else None,
        question_id=_pk(question) if question is not None else None,
        visit_id=_pk(visit) if visit is not None else None,
        raised_by=by,
        product_manager_id=pms[0] if pms else None,
    )
    row.full_clean()
    row.save()
    inbox.notify_many(
        tenant=tenant_id_of(tenant),
        items=[
            (
                u,
                NotificationKind.INSIGHT_NEW,
                gettext("New field insight: %(text)s") % {"text": row.text[:200]},
                row,
                f"/events/insights/{row.pk}/",
            )
            for u in pms
        ],
    )
    return row


@transaction.atomic
def insight_answer(*, tenant, by, insight, answer: str, addressed_in=None, addressed_version: str = "") -> Insight:
    """The product manager answers; the answer goes back to the rep (a notification, and the
    doctor's open event follow-ups show it for purpose B)."""
    if by.role not in INSIGHT_ANSWERERS:
        raise ValidationError(_("Only a product manager answers field insights."))
    if not (answer or "").strip():
        raise ValidationError({"answer": _("Write the answer.")})
    row = Insight.objects.for_tenant(tenant).select_for_update().get(pk=_pk(insight))
    if row.status == InsightStatus.CLOSED:
        raise ValidationError(_("This insight is closed."))
    row.answer, row.answered_by, row.answered_at = answer.strip(), by, timezone.now()
    row.status = InsightStatus.ANSWERED
    if addressed_in is not None:
        _set_addressed(tenant, row, addressed_in, addressed_version)
    row.full_clean()
    row.save()
    if row.question_id:
        _attach_answer(tenant, row)
    _notify(
        tenant,
        row.raised_by_id,
        NotificationKind.INSIGHT_ANSWERED,
        gettext("Answer from the product manager: %(text)s") % {"text": row.answer[:200]},
        row,
        f"/events/insights/{row.pk}/",
    )
    return row


def _set_addressed(tenant, row, item, version):
    from visits.models import ContentItem

    if not ContentItem.objects.for_tenant(tenant).filter(pk=_pk(item)).exists():
        raise ValidationError({"addressed_in": _("Select a valid choice.")})
    row.addressed_in_id, row.addressed_version = _pk(item), (version or "")[:40]


@transaction.atomic
def insight_address(*, tenant, by, insight, content_item, version: str = "") -> Insight:
    """The PM marks the insight as addressed in a deck version (a content-library item)."""
    if by.role not in INSIGHT_ANSWERERS:
        raise ValidationError(_("Only a product manager marks insights addressed."))
    row = Insight.objects.for_tenant(tenant).select_for_update().get(pk=_pk(insight))
    _set_addressed(tenant, row, content_item, version)
    row.save(update_fields=["addressed_in", "addressed_version"])
    return row


def _attach_answer(tenant, insight):
    """Put the PM's answer beside the question on the open follow-ups of the asking attendee."""
    rows = (
        EventFollowUp.objects.for_tenant(tenant)
        .select_for_update()
        .filter(event_id=insight.event_id, status=FollowUpStatus.OPEN, doctor_id=insight.doctor_id)
    )
    for f in rows:
        changed = False
        for q in f.open_questions or []:
            if q.get("question_id") == insight.question_id:
                q["insight_id"], q["answer"] = insight.pk, insight.answer
                changed = True
        if changed:
            f.save(update_fields=["open_questions"])


def user_may_see_event(*, tenant, user, event) -> bool:
    return selectors.event_list(tenant=tenant, user=user).filter(pk=_pk(event)).exists()
