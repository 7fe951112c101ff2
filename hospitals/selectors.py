"""Reads of master data, with the role visibility of DESIGN.md §3 in one place.

Who sees which doctors:

* head office (tenant_admin, product_manager, medical_affairs, compliance): every doctor of the tenant;
* manager: doctors aligned (DoctorTerritory) to the leaf territories below what they manage;
* rep: doctors aligned to their territories (a rep with no territory sees nothing);
* distributor_rep: doctors of the hospitals their distributor currently covers.

Hospitals, distributors and the rows hanging off doctors follow from that. Every selector takes
``tenant`` explicitly and filters by it (``for_tenant``), so it is also correct inside platform
scope.

**Plan-proof field lists.** A field user's "book" (the doctors of their territories, the
hospitals of their distributor) is small — hundreds to a few thousand rows — while the tenant
may hold a million doctors. Written as a semi-join (``pk IN (SELECT doctor_id FROM alignment
…)``), the plan depends on the planner's statistics: right after a bulk import, before ANALYZE,
PostgreSQL estimated one row on each side and re-scanned the whole alignment for every doctor
of the tenant (a rep's list took 13–70 s). So a book of up to :data:`BOOK_INLINE_MAX` rows is
read first (one index-only range scan) and passed as a constant array: PostgreSQL then knows
exactly how many doctors (and hospitals) it is looking for, from the primary key alone, and
the only sensible plan is "fetch these rows by primary key, then sort the page". A bigger book
(a region's manager) stays a subquery — a list that long would cost more to send than to join —
and relies on fresh statistics (crm.stats). tests/hospitals/test_plans.py proves the plans
with EXPLAIN on never-analysed and stale tables.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Role, Territory, TerritoryAssignment
from crm import lookups  # noqa: F401 - registers ``__any_of``
from crm.memo import memoize
from crm.permissions import CONTACT_ROLES, HEAD_OFFICE_ROLES, TERRITORY_ROLES
from crm.tenancy import tenant_context
from hospitals.models import (
    Department,
    Distributor,
    DistributorAgreement,
    DistributorCoverage,
    DistributorStaff,
    Doctor,
    DoctorRelation,
    DoctorTerritory,
    Hospital,
    KeyMessage,
    Product,
    SalesRecord,
    Shipment,
    SocietyPosition,
    UsageShare,
)

# A field user's book up to this many rows is inlined as a constant array (module docstring).
BOOK_INLINE_MAX = 10_000


def _filtered(filterset_class, params, queryset):
    """``queryset`` narrowed by ``filterset_class(params)`` (invalid values are ignored, as django-filter does)."""
    if params is None:
        return queryset
    return filterset_class(params, queryset=queryset).qs


# --- who sees what -------------------------------------------------------------------------


def can_see_contacts(user) -> bool:
    """May ``user`` see doctors' personal contact details (mobile phone, WeChat id, email)?

    PIPL (个人信息保护法) allows personal information to be processed only to the extent
    necessary for the purpose ("minimum necessary", 最小必要). Reps, distributor reps and their
    managers contact doctors, medical affairs answers doctors' inquiries, and administrators
    maintain the records; product managers and compliance work on aggregates and records and
    have no need to reach a doctor personally, so they do not see the details.
    """
    return bool(user and getattr(user, "tenant_id", None) and user.role in CONTACT_ROLES)


def user_distributor_ids(*, tenant, user) -> QuerySet:
    """Ids (a values queryset) of the distributors ``user`` works for (DistributorStaff)."""
    return DistributorStaff.objects.for_tenant(tenant).filter(user=user).values("distributor_id")


def current_coverage(*, tenant, on=None) -> QuerySet[DistributorCoverage]:
    """Coverage in force on ``on`` (today): started (or no start) and not ended (or no end)."""
    on = on or timezone.localdate()
    return (
        DistributorCoverage.objects.for_tenant(tenant)
        .filter(Q(until__isnull=True) | Q(until__gte=on))
        .filter(Q(since__isnull=True) | Q(since__lte=on))
    )


def covered_hospital_ids(*, tenant, user) -> QuerySet:
    """Ids (a values queryset) of hospitals currently covered by ``user``'s distributor, any product."""
    return (
        current_coverage(tenant=tenant)
        .filter(distributor_id__in=user_distributor_ids(tenant=tenant, user=user))
        .values("hospital_id")
    )


def _inline(ids_queryset) -> list[int] | QuerySet:
    """``ids_queryset`` (one column of ids) read into a sorted list of distinct ids when it has at
    most :data:`BOOK_INLINE_MAX` rows, else the queryset itself (see the module docstring)."""
    ids = list(ids_queryset.order_by()[: BOOK_INLINE_MAX + 1])
    return sorted(set(ids)) if len(ids) <= BOOK_INLINE_MAX else ids_queryset


def _restrict(queryset, field: str, ids):
    """``queryset`` where ``field`` is in ``ids`` (a list or a values queryset); none for ``[]``.

    A list goes as one array literal (crm/lookups.py: ``IN`` with thousands of values costs more
    to plan than to run)."""
    if isinstance(ids, list):
        return queryset.filter(**{f"{field}__any_of": ids}) if ids else queryset.none()
    return queryset.filter(**{f"{field}__in": ids})


def _pinned(model, field: str, ids, *, tenant):
    """Rows of ``model`` of ``tenant`` whose ``field`` is in ``ids`` (a field user's book)."""
    return _restrict(model.objects.for_tenant(tenant), field, ids)


def _in_tenant(tenant, read, **kwargs):
    """``read(tenant=tenant, …)`` run now, inside ``tenant`` (the book is read eagerly, also by
    callers that only compose querysets, such as the OpenAPI generator's serializers)."""
    with tenant_context(tenant):
        return read(tenant=tenant, **kwargs)


def _territory_book(*, tenant, user) -> list[int] | QuerySet:
    """The doctor ids aligned to the leaf territories ``user`` covers (a list when small).

    One query: the alignment rows of the leaves under the nodes assigned to ``user`` (a
    territory, or a district or region for a manager), read by the (tenant, territory) index;
    once per read-only request (crm/memo.py).
    """
    key = ("hospitals.book", getattr(tenant, "pk", tenant), getattr(user, "pk", None))
    return memoize(key, lambda: _in_tenant(tenant, _read_territory_book, user=user))


def _read_territory_book(*, tenant, user) -> list[int] | QuerySet:
    assigned = TerritoryAssignment.objects.for_tenant(tenant).filter(user=user).values("territory_id")
    leaves = (
        Territory.objects.for_tenant(tenant)
        .leaves()
        .filter(Q(pk__in=assigned) | Q(parent_id__in=assigned) | Q(parent__parent_id__in=assigned))
        .values("pk")
    )
    aligned = DoctorTerritory.objects.for_tenant(tenant).filter(territory_id__in=leaves)
    return _inline(aligned.values_list("doctor_id", flat=True))


def visible_doctors(*, tenant, user) -> QuerySet[Doctor]:
    """The doctors of ``tenant`` that ``user`` may see (see the module docstring)."""
    doctors = Doctor.objects.for_tenant(tenant)
    role = getattr(user, "role", None)
    if getattr(user, "tenant_id", None) != getattr(tenant, "pk", tenant):
        return doctors.none()
    if role in HEAD_OFFICE_ROLES:
        return doctors
    if role in TERRITORY_ROLES:
        return _pinned(Doctor, "pk", _territory_book(tenant=tenant, user=user), tenant=tenant)
    if role == Role.DISTRIBUTOR_REP:
        return _pinned(Doctor, "hospital_id", _visible_hospital_ids(tenant=tenant, user=user), tenant=tenant)
    return doctors.none()


def visible_doctor_ids(*, tenant, user):
    """What restricts rows that hang off doctors (``doctor_id__in=…``) to those ``user`` sees:
    the book itself for a field user (a list when small), else a values queryset."""
    if getattr(user, "role", None) in TERRITORY_ROLES and getattr(user, "tenant_id", None) == getattr(
        tenant, "pk", tenant
    ):
        return _territory_book(tenant=tenant, user=user)
    return visible_doctors(tenant=tenant, user=user).values("pk")


def _in_visible_doctors(queryset, *, tenant, user, field="doctor_id"):
    """Rows of ``queryset`` whose ``field`` is a doctor ``user`` sees."""
    return _restrict(queryset, field, visible_doctor_ids(tenant=tenant, user=user))


def can_see_doctor(*, tenant, user, doctor) -> bool:
    """True when ``doctor`` is among :func:`visible_doctors` of ``user``."""
    return visible_doctors(tenant=tenant, user=user).filter(pk=getattr(doctor, "pk", doctor)).exists()


def _visible_hospital_ids(*, tenant, user) -> list[int] | QuerySet:
    """Ids of the hospitals of a field user's book (a list when small), for TERRITORY_ROLES and
    distributor reps."""
    key = ("hospitals.book_hospitals", getattr(tenant, "pk", tenant), getattr(user, "pk", None))
    return memoize(key, lambda: _in_tenant(tenant, _read_visible_hospital_ids, user=user))


def _read_visible_hospital_ids(*, tenant, user) -> list[int] | QuerySet:
    role = getattr(user, "role", None)
    if role == Role.DISTRIBUTOR_REP:
        return _inline(covered_hospital_ids(tenant=tenant, user=user).values_list("hospital_id", flat=True))
    book = _territory_book(tenant=tenant, user=user)
    if isinstance(book, list) and not book:
        return []
    return _inline(_pinned(Doctor, "pk", book, tenant=tenant).values_list("hospital_id", flat=True))


def visible_hospitals(*, tenant, user) -> QuerySet[Hospital]:
    """Hospitals ``user`` may see: head office all; reps and managers the hospitals of their
    aligned doctors; distributor reps the hospitals their distributor covers."""
    hospitals = Hospital.objects.for_tenant(tenant)
    role = getattr(user, "role", None)
    if getattr(user, "tenant_id", None) != getattr(tenant, "pk", tenant):
        return hospitals.none()
    if role in HEAD_OFFICE_ROLES:
        return hospitals
    if role in TERRITORY_ROLES or role == Role.DISTRIBUTOR_REP:
        return _pinned(Hospital, "pk", _visible_hospital_ids(tenant=tenant, user=user), tenant=tenant)
    return hospitals.none()


def visible_distributors(*, tenant, user) -> QuerySet[Distributor]:
    """Distributors ``user`` may see: head office all; a distributor rep their own; reps and
    managers those currently covering a hospital they see."""
    distributors = Distributor.objects.for_tenant(tenant)
    role = getattr(user, "role", None)
    if getattr(user, "tenant_id", None) != getattr(tenant, "pk", tenant):
        return distributors.none()
    if role in HEAD_OFFICE_ROLES:
        return distributors
    if role == Role.DISTRIBUTOR_REP:
        return distributors.filter(pk__in=user_distributor_ids(tenant=tenant, user=user))
    if role in TERRITORY_ROLES:
        coverage = _restrict(
            current_coverage(tenant=tenant), "hospital_id", _visible_hospital_ids(tenant=tenant, user=user)
        )
        return _restrict(distributors, "pk", _inline(coverage.values_list("distributor_id", flat=True)))
    return distributors.none()


def _in_visible_hospitals(model, *, tenant, user, distributor_field="distributor_id"):
    """Rows of ``model`` (with hospital and distributor) that ``user`` may see.

    Head office: all. Reps and managers: rows of the hospitals they see. Distributor reps:
    rows of their own distributor only (another distributor's trade is not theirs to see).
    """
    role = getattr(user, "role", None)
    queryset = model.objects.for_tenant(tenant)
    if getattr(user, "tenant_id", None) != getattr(tenant, "pk", tenant):
        return queryset.none()
    if role in HEAD_OFFICE_ROLES:
        return queryset
    if role == Role.DISTRIBUTOR_REP:
        return queryset.filter(**{f"{distributor_field}__in": user_distributor_ids(tenant=tenant, user=user)})
    if role in TERRITORY_ROLES:
        return _pinned(model, "hospital_id", _visible_hospital_ids(tenant=tenant, user=user), tenant=tenant)
    return queryset.none()


# --- lists for views, API and exports ------------------------------------------------------


def doctor_list(*, tenant, user, params=None) -> QuerySet[Doctor]:
    """Doctors ``user`` may see, filtered by :class:`hospitals.filters.DoctorFilter` ``params``,
    with hospital and department joined, ordered by name (then id, for keyset pagination)."""
    from hospitals.filters import DoctorFilter

    qs = visible_doctors(tenant=tenant, user=user).select_related("hospital", "department").order_by("name", "id")
    return _filtered(DoctorFilter, params, qs)


def doctor_get(*, tenant, user, pk) -> Doctor:
    """One visible doctor (raises ``Doctor.DoesNotExist`` when absent or not visible: a 404)."""
    return visible_doctors(tenant=tenant, user=user).select_related("hospital", "department").get(pk=pk)


def hospital_list(*, tenant, user, params=None) -> QuerySet[Hospital]:
    """Hospitals ``user`` may see, filtered by :class:`hospitals.filters.HospitalFilter`, by name."""
    from hospitals.filters import HospitalFilter

    qs = visible_hospitals(tenant=tenant, user=user).order_by("name", "id")
    return _filtered(HospitalFilter, params, qs)


def department_list(*, tenant, user, params=None) -> QuerySet[Department]:
    """Departments of the hospitals ``user`` may see."""
    from hospitals.filters import DepartmentFilter

    qs = (
        Department.objects.for_tenant(tenant)
        .filter(hospital_id__in=visible_hospitals(tenant=tenant, user=user).values("pk"))
        .select_related("hospital")
        .order_by("hospital__name", "name", "id")
    )
    return _filtered(DepartmentFilter, params, qs)


def distributor_list(*, tenant, user, params=None) -> QuerySet[Distributor]:
    """Distributors ``user`` may see, filtered by :class:`hospitals.filters.DistributorFilter`."""
    from hospitals.filters import DistributorFilter

    qs = visible_distributors(tenant=tenant, user=user).order_by("name", "id")
    return _filtered(DistributorFilter, params, qs)


def distributor_staff_list(*, tenant, user, params=None) -> QuerySet[DistributorStaff]:
    """Which user works for which distributor (of the distributors ``user`` sees)."""
    from hospitals.filters import DistributorStaffFilter

    qs = (
        DistributorStaff.objects.for_tenant(tenant)
        .filter(distributor_id__in=visible_distributors(tenant=tenant, user=user).values("pk"))
        .select_related("user", "distributor")
        .order_by("distributor__name", "id")
    )
    return _filtered(DistributorStaffFilter, params, qs)


def coverage_list(*, tenant, user, params=None) -> QuerySet[DistributorCoverage]:
    """Distributor coverage of hospitals ``user`` may see (distributor reps: their distributor's)."""
    from hospitals.filters import DistributorCoverageFilter

    qs = (
        _in_visible_hospitals(DistributorCoverage, tenant=tenant, user=user)
        .select_related("distributor", "hospital", "product")
        .order_by("distributor__name", "hospital__name", "id")
    )
    return _filtered(DistributorCoverageFilter, params, qs)


def agreement_list(*, tenant, user, params=None) -> QuerySet[DistributorAgreement]:
    """Agreements of the distributors ``user`` may see, newest first, with their products."""
    from hospitals.filters import DistributorAgreementFilter

    qs = (
        DistributorAgreement.objects.for_tenant(tenant)
        .filter(distributor_id__in=visible_distributors(tenant=tenant, user=user).values("pk"))
        .select_related("distributor", "territory")
        .order_by("-start", "id")
    )
    return _filtered(DistributorAgreementFilter, params, qs)


def agreement_product_ids(agreement) -> list[int]:
    """Ids of the products an agreement covers (a handful per agreement)."""
    from hospitals.models import AgreementProduct

    return list(
        AgreementProduct.objects.for_tenant(agreement.tenant_id)
        .filter(agreement=agreement)
        .order_by("product_id")
        .values_list("product_id", flat=True)
    )


def product_list(*, tenant, user=None, params=None) -> QuerySet[Product]:
    """Products of ``tenant`` (own first), filtered by :class:`hospitals.filters.ProductFilter`."""
    from hospitals.filters import ProductFilter

    qs = Product.objects.for_tenant(tenant).order_by("-is_own", "name", "id")
    return _filtered(ProductFilter, params, qs)


def competitor_ids(product) -> list[int]:
    """Ids of the competitor products of ``product``."""
    from hospitals.models import ProductCompetitor

    return list(
        ProductCompetitor.objects.for_tenant(product.tenant_id)
        .filter(product=product)
        .order_by("competitor_id")
        .values_list("competitor_id", flat=True)
    )


def key_message_list(*, tenant, user=None, params=None) -> QuerySet[KeyMessage]:
    """Key messages of the products of ``tenant``, by product and order."""
    from hospitals.filters import KeyMessageFilter

    qs = KeyMessage.objects.for_tenant(tenant).select_related("product").order_by("product__name", "order", "id")
    return _filtered(KeyMessageFilter, params, qs)


def usage_share_list(*, tenant, user, params=None) -> QuerySet[UsageShare]:
    """Usage share rows of the doctors ``user`` may see, newest month first."""
    from hospitals.filters import UsageShareFilter

    qs = (
        _in_visible_doctors(UsageShare.objects.for_tenant(tenant), tenant=tenant, user=user)
        .select_related("doctor", "product")
        .order_by("-period", "id")
    )
    return _filtered(UsageShareFilter, params, qs)


def sales_list(*, tenant, user, params=None) -> QuerySet[SalesRecord]:
    """Sales (sell-in / sell-out) ``user`` may see, newest month first."""
    from hospitals.filters import SalesRecordFilter

    qs = (
        _in_visible_hospitals(SalesRecord, tenant=tenant, user=user)
        .select_related("distributor", "hospital", "product")
        .order_by("-month", "id")
    )
    return _filtered(SalesRecordFilter, params, qs)


def shipment_list(*, tenant, user, params=None) -> QuerySet[Shipment]:
    """Shipments (with lot numbers) ``user`` may see, newest first."""
    from hospitals.filters import ShipmentFilter

    qs = (
        _in_visible_hospitals(Shipment, tenant=tenant, user=user)
        .select_related("distributor", "hospital", "product")
        .order_by("-shipped_on", "id")
    )
    return _filtered(ShipmentFilter, params, qs)


def relation_list(*, tenant, user, params=None) -> QuerySet[DoctorRelation]:
    """Relations between doctors ``user`` may see: both ends visible (a rep does not learn of a
    doctor outside their territories through the network)."""
    from hospitals.filters import DoctorRelationFilter

    qs = DoctorRelation.objects.for_tenant(tenant).select_related("from_doctor", "to_doctor").order_by("id")
    if getattr(user, "role", None) not in HEAD_OFFICE_ROLES or getattr(user, "tenant_id", None) != getattr(
        tenant, "pk", tenant
    ):
        visible = visible_doctor_ids(tenant=tenant, user=user)
        qs = _restrict(_restrict(qs, "from_doctor_id", visible), "to_doctor_id", visible)
    return _filtered(DoctorRelationFilter, params, qs)


def doctor_network(*, tenant, user, doctor) -> QuerySet[DoctorRelation]:
    """Relations of one doctor, either direction, with both doctors and their hospitals joined."""
    return (
        relation_list(tenant=tenant, user=user)
        .filter(Q(from_doctor=doctor) | Q(to_doctor=doctor))
        .select_related("from_doctor__hospital", "to_doctor__hospital")
    )


def alignment_list(*, tenant, user, params=None) -> QuerySet[DoctorTerritory]:
    """Doctor-territory alignments of the doctors ``user`` may see."""
    from hospitals.filters import DoctorTerritoryFilter

    qs = (
        _in_visible_doctors(DoctorTerritory.objects.for_tenant(tenant), tenant=tenant, user=user)
        .select_related("doctor", "territory")
        .order_by("id")
    )
    return _filtered(DoctorTerritoryFilter, params, qs)


def society_position_list(*, tenant, user, params=None) -> QuerySet[SocietyPosition]:
    """Society positions of the doctors ``user`` may see."""
    from hospitals.filters import SocietyPositionFilter

    qs = (
        _in_visible_doctors(SocietyPosition.objects.for_tenant(tenant), tenant=tenant, user=user)
        .select_related("doctor")
        .order_by("doctor_id", "society", "id")
    )
    return _filtered(SocietyPositionFilter, params, qs)


# --- the compliance academic level (hospitals.academic): the stable interface of other apps ---


def academic_level(doctor) -> str:
    """The compliance academic level in force of ``doctor`` (an ``AcademicLevel`` value:
    national, provincial, city or local): the override if compliance set one, else what the
    tenant's rule derives from society posts and titles. One query (two for a doctor never
    derived before). Fee rate cards key their rates by it."""
    from hospitals import academic

    return academic.level_in_force(doctor)


def academic_levels(*, tenant, doctor_ids) -> dict[int, str]:
    """``{doctor_id: academic level in force}`` for many doctors at once (one or two queries)."""
    from hospitals import academic

    return academic.levels_in_force(tenant=tenant, doctor_ids=doctor_ids)


def academic_level_history(*, tenant, doctor):
    """Every change of the doctor's academic level (rule or override, reason, who, when), newest first."""
    from hospitals import academic

    return academic.level_history(tenant=tenant, doctor=doctor)
