"""Reads of visit reports: who sees which (module docstring of visits.selectors), the doctor's
timeline, amendments."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Role
from accounts.selectors import team_members
from crm.permissions import (
    FIELD_ROLES,
    HEAD_OFFICE_ROLES,
)
from hospitals.selectors import visible_doctors
from visits.models import (
    Visit,
    VisitAmendment,
    VisitStatus,
)
from visits.selectors.common import (
    _same_tenant,
    team_user_ids,
)


def visit_list(*, tenant, user) -> QuerySet[Visit]:
    """The visit reports ``user`` may see (module docstring), newest first."""
    visits = Visit.objects.for_tenant(tenant).select_related("doctor", "doctor__hospital", "rep")
    if not _same_tenant(tenant, user):
        return visits.none()
    role = user.role
    submitted = Q(status=VisitStatus.SUBMITTED)
    if role in FIELD_ROLES:
        doctors = visible_doctors(tenant=tenant, user=user).values("pk")
        return visits.filter(Q(rep=user) | (submitted & Q(doctor_id__in=doctors)))
    if role == Role.MANAGER:
        doctors = visible_doctors(tenant=tenant, user=user).values("pk")
        team = team_user_ids(tenant=tenant, manager=user)
        return visits.filter(Q(rep=user) | (submitted & (Q(rep_id__in=team) | Q(doctor_id__in=doctors))))
    if role in HEAD_OFFICE_ROLES:
        return visits.filter(submitted)
    return visits.none()


def can_edit_visit(*, user, visit) -> bool:
    """Only the author edits (while a draft) or submits their report."""
    return visit.rep_id == user.pk


def can_amend_visit(*, tenant, user, visit) -> bool:
    """The author, or the author's manager, may amend a submitted report."""
    if visit.rep_id == user.pk:
        return True
    if user.role == Role.MANAGER:
        return team_members(tenant=tenant, manager=user).filter(pk=visit.rep_id).exists()
    return False


def doctor_timeline(*, tenant, user, doctor) -> QuerySet[Visit]:
    """The submitted visits of ``doctor`` (newest first) for a user who may see the doctor; with
    key messages and reactions prefetched. Empty when the user does not see the doctor."""
    doctor_id = getattr(doctor, "pk", doctor)
    if not visible_doctors(tenant=tenant, user=user).filter(pk=doctor_id).exists():
        return Visit.objects.for_tenant(tenant).none()
    return (
        Visit.objects.for_tenant(tenant)
        .submitted()
        .filter(doctor_id=doctor_id)
        .select_related("rep")
        .prefetch_related("key_messages__key_message", "amendments")
        .order_by("-visited_at", "-id")
    )


def visit_detail(*, tenant, user, pk) -> Visit | None:
    """One visit ``user`` may see, with its children, or None."""
    return (
        visit_list(tenant=tenant, user=user)
        .prefetch_related("key_messages__key_message", "products", "content_items", "amendments__by")
        .filter(pk=pk)
        .first()
    )


def amendment_list(*, tenant, user) -> QuerySet[VisitAmendment]:
    """Amendments of the visits ``user`` may see."""
    visible = visit_list(tenant=tenant, user=user).values("pk")
    return VisitAmendment.objects.for_tenant(tenant).filter(visit_id__in=visible).select_related("by")
