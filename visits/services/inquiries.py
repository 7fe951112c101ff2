"""Writes of medical inquiries: raised by the field, answered and assigned by medical affairs,
sent back to the doctor."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from crm.permissions import INQUIRY_ANSWERERS, INQUIRY_SENDERS
from crm.tenancy import tenant_id_of
from visits import selectors
from visits.models import (
    FollowUpTask,
    InquiryStatus,
    MedicalInquiry,
    TaskStatus,
)
from visits.services._shared import (
    _check_doctor_visible,
    _pk,
)
from visits.services.followups import working_days_after

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
        due_date=working_days_after(timezone.localdate(), sla, tenant=tenant),
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
