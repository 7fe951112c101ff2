"""Reads of medical inquiries: who sees which."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Role
from crm.permissions import (
    FIELD_ROLES,
    INQUIRY_ALL_READERS,
)
from hospitals.selectors import visible_doctors
from visits.models import (
    MedicalInquiry,
)
from visits.selectors.common import (
    _same_tenant,
    team_user_ids,
)


def medical_inquiry_list(*, tenant, user) -> QuerySet[MedicalInquiry]:
    """Inquiries ``user`` may see (module docstring)."""
    qs = MedicalInquiry.objects.for_tenant(tenant).select_related("doctor", "product", "asked_by", "assignee")
    if not _same_tenant(tenant, user):
        return qs.none()
    role = user.role
    if role in INQUIRY_ALL_READERS:
        return qs
    if role == Role.MEDICAL_AFFAIRS:
        return qs.filter(Q(assignee=user) | Q(assignee__isnull=True))
    if role in FIELD_ROLES:
        return qs.filter(Q(asked_by=user) | Q(doctor_id__in=visible_doctors(tenant=tenant, user=user).values("pk")))
    if role == Role.MANAGER:
        return qs.filter(
            Q(asked_by=user)
            | Q(asked_by_id__in=team_user_ids(tenant=tenant, manager=user))
            | Q(doctor_id__in=visible_doctors(tenant=tenant, user=user).values("pk"))
        )
    return qs.none()
