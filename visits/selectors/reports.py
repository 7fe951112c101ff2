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


def report_list(
    *,
    tenant,
    user,
    rep=None,
    since=None,
    until=None,
    doctor_query: str = "",
    status: str = "",
    late: bool = False,
    amended: bool = False,
    tiers=(),
) -> QuerySet[Visit]:
    """Visit reports for the report lists (issue 15): a rep's own ("my reports"), a manager's
    team's (their own drafts are theirs only, as in :func:`visit_list`), filtered by rep, visit
    date (``since``/``until`` local days, inclusive), doctor name, status, late, amended and the
    doctor's current tier; newest visit first (keyset paging on ``-visited_at, -id``)."""
    import datetime

    from django.utils import timezone

    from segmentation.selectors import annotate_current_tier, filter_doctors_by_tier

    visits = visit_list(tenant=tenant, user=user)
    if user.role in FIELD_ROLES:
        visits = visits.filter(rep=user)
    if rep is not None:
        visits = visits.filter(rep_id=getattr(rep, "pk", rep))
    tz = timezone.get_current_timezone()
    if since:
        visits = visits.filter(
            visited_at__gte=timezone.make_aware(datetime.datetime.combine(since, datetime.time.min), tz)
        )
    if until:
        end = until + datetime.timedelta(days=1)
        visits = visits.filter(
            visited_at__lt=timezone.make_aware(datetime.datetime.combine(end, datetime.time.min), tz)
        )
    if doctor_query:
        visits = visits.filter(doctor__name__icontains=doctor_query.strip())
    if status in (VisitStatus.DRAFT, VisitStatus.SUBMITTED):
        visits = visits.filter(status=status)
    if late:
        visits = visits.filter(is_late=True)
    if amended:
        visits = visits.filter(amended=True)
    if tiers:
        from hospitals.models import Doctor

        doctors = filter_doctors_by_tier(Doctor.objects.for_tenant(tenant), tenant=tenant, tiers=tiers)
        visits = visits.filter(doctor_id__in=doctors.values("pk"))
    from django.db.models import OuterRef

    from hospitals.models import Doctor

    tier = annotate_current_tier(Doctor.objects.for_tenant(tenant).filter(pk=OuterRef("doctor_id")), tenant=tenant)
    from django.db.models import Subquery

    return visits.annotate(doctor_tier=Subquery(tier.values("current_tier")[:1])).order_by("-visited_at", "-id")
