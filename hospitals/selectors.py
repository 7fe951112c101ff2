"""Reads of master data, with the role visibility of DESIGN.md §3 in one place.

Who sees which doctors:

* head office (tenant_admin, product_manager, medical_affairs, compliance): every doctor of the tenant;
* manager: doctors aligned (DoctorTerritory) to the leaf territories below what they manage;
* rep: doctors aligned to their territories (a rep with no territory sees nothing);
* distributor_rep: doctors of the hospitals their distributor currently covers.

Hospitals, distributors and the rows hanging off doctors follow from that. Every restriction is
a subquery (``pk__in=... .values(...)``), never a Python list of ids: a tenant may hold a million
doctors. Every selector takes ``tenant`` explicitly and filters by it (``for_tenant``), so it is
also correct inside platform scope.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Role
from accounts.selectors import user_territories
from crm.permissions import CONTACT_ROLES, HEAD_OFFICE_ROLES, TERRITORY_ROLES
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


def visible_doctors(*, tenant, user) -> QuerySet[Doctor]:
    """The doctors of ``tenant`` that ``user`` may see (see the module docstring)."""
    doctors = Doctor.objects.for_tenant(tenant)
    role = getattr(user, "role", None)
    if getattr(user, "tenant_id", None) != getattr(tenant, "pk", tenant):
        return doctors.none()
    if role in HEAD_OFFICE_ROLES:
        return doctors
    if role in TERRITORY_ROLES:
        # The territory ids as a list (a handful, at most a few hundred): with the subtree as a
        # subquery PostgreSQL misestimates how many doctors match and, for a manager, sorts
        # tens of thousands of doctors per page instead of walking the (tenant, name, id) index.
        territories = list(user_territories(tenant=tenant, user=user).values_list("pk", flat=True))
        aligned = DoctorTerritory.objects.for_tenant(tenant).filter(territory_id__in=territories).values("doctor_id")
        return doctors.filter(pk__in=aligned)
    if role == Role.DISTRIBUTOR_REP:
        return doctors.filter(hospital_id__in=covered_hospital_ids(tenant=tenant, user=user))
    return doctors.none()


def can_see_doctor(*, tenant, user, doctor) -> bool:
    """True when ``doctor`` is among :func:`visible_doctors` of ``user``."""
    return visible_doctors(tenant=tenant, user=user).filter(pk=getattr(doctor, "pk", doctor)).exists()


def visible_hospitals(*, tenant, user) -> QuerySet[Hospital]:
    """Hospitals ``user`` may see: head office all; reps and managers the hospitals of their
    aligned doctors; distributor reps the hospitals their distributor covers."""
    hospitals = Hospital.objects.for_tenant(tenant)
    role = getattr(user, "role", None)
    if getattr(user, "tenant_id", None) != getattr(tenant, "pk", tenant):
        return hospitals.none()
    if role in HEAD_OFFICE_ROLES:
        return hospitals
    if role in TERRITORY_ROLES:
        return hospitals.filter(pk__in=visible_doctors(tenant=tenant, user=user).values("hospital_id"))
    if role == Role.DISTRIBUTOR_REP:
        return hospitals.filter(pk__in=covered_hospital_ids(tenant=tenant, user=user))
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
        hospitals = visible_hospitals(tenant=tenant, user=user).values("pk")
        return distributors.filter(
            pk__in=current_coverage(tenant=tenant).filter(hospital_id__in=hospitals).values("distributor_id")
        )
    return distributors.none()


def _in_visible_hospitals(queryset, *, tenant, user, distributor_field="distributor_id"):
    """Rows of ``queryset`` (with hospital and distributor) that ``user`` may see.

    Head office: all. Reps and managers: rows of the hospitals they see. Distributor reps:
    rows of their own distributor only (another distributor's trade is not theirs to see).
    """
    role = getattr(user, "role", None)
    if role in HEAD_OFFICE_ROLES:
        return queryset
    if role == Role.DISTRIBUTOR_REP:
        return queryset.filter(**{f"{distributor_field}__in": user_distributor_ids(tenant=tenant, user=user)})
    return queryset.filter(hospital_id__in=visible_hospitals(tenant=tenant, user=user).values("pk"))


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

    qs = DistributorCoverage.objects.for_tenant(tenant).select_related("distributor", "hospital", "product")
    qs = _in_visible_hospitals(qs, tenant=tenant, user=user).order_by("distributor__name", "hospital__name", "id")
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
        UsageShare.objects.for_tenant(tenant)
        .filter(doctor_id__in=visible_doctors(tenant=tenant, user=user).values("pk"))
        .select_related("doctor", "product")
        .order_by("-period", "id")
    )
    return _filtered(UsageShareFilter, params, qs)


def sales_list(*, tenant, user, params=None) -> QuerySet[SalesRecord]:
    """Sales (sell-in / sell-out) ``user`` may see, newest month first."""
    from hospitals.filters import SalesRecordFilter

    qs = SalesRecord.objects.for_tenant(tenant).select_related("distributor", "hospital", "product")
    qs = _in_visible_hospitals(qs, tenant=tenant, user=user).order_by("-month", "id")
    return _filtered(SalesRecordFilter, params, qs)


def shipment_list(*, tenant, user, params=None) -> QuerySet[Shipment]:
    """Shipments (with lot numbers) ``user`` may see, newest first."""
    from hospitals.filters import ShipmentFilter

    qs = Shipment.objects.for_tenant(tenant).select_related("distributor", "hospital", "product")
    qs = _in_visible_hospitals(qs, tenant=tenant, user=user).order_by("-shipped_on", "id")
    return _filtered(ShipmentFilter, params, qs)


def relation_list(*, tenant, user, params=None) -> QuerySet[DoctorRelation]:
    """Relations between doctors ``user`` may see: both ends visible (a rep does not learn of a
    doctor outside their territories through the network)."""
    from hospitals.filters import DoctorRelationFilter

    qs = DoctorRelation.objects.for_tenant(tenant).select_related("from_doctor", "to_doctor").order_by("id")
    if getattr(user, "role", None) not in HEAD_OFFICE_ROLES or getattr(user, "tenant_id", None) != getattr(
        tenant, "pk", tenant
    ):
        visible = visible_doctors(tenant=tenant, user=user).values("pk")
        qs = qs.filter(from_doctor_id__in=visible, to_doctor_id__in=visible)
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
        DoctorTerritory.objects.for_tenant(tenant)
        .filter(doctor_id__in=visible_doctors(tenant=tenant, user=user).values("pk"))
        .select_related("doctor", "territory")
        .order_by("id")
    )
    return _filtered(DoctorTerritoryFilter, params, qs)


def society_position_list(*, tenant, user, params=None) -> QuerySet[SocietyPosition]:
    """Society positions of the doctors ``user`` may see."""
    from hospitals.filters import SocietyPositionFilter

    qs = (
        SocietyPosition.objects.for_tenant(tenant)
        .filter(doctor_id__in=visible_doctors(tenant=tenant, user=user).values("pk"))
        .select_related("doctor")
        .order_by("doctor_id", "society", "id")
    )
    return _filtered(SocietyPositionFilter, params, qs)
