"""Filters of master data, shared by the browser lists, the API and exports (one FilterSet per model).

Choice querysets are callables evaluated per request, inside the caller's tenant: a queryset
built at import time would have no tenant and fail closed. An id of another tenant is thus an
invalid choice. Filters only narrow what the selector already allows the user to see.
"""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from accounts.models import Territory, User
from crm.tenancy import current_tenant_id
from hospitals.models import (
    STANDARD_DEPARTMENTS,
    AgreementProduct,
    AgreementStatus,
    ClinicalTitle,
    Department,
    Distributor,
    DistributorAgreement,
    DistributorCoverage,
    DistributorKind,
    DistributorStaff,
    DistributorStatus,
    Doctor,
    DoctorRelation,
    DoctorTerritory,
    Hospital,
    HospitalGrade,
    HospitalType,
    KeyMessage,
    Product,
    RelationKind,
    SalesRecord,
    Shipment,
    SocietyLevel,
    SocietyPosition,
    SocietyRole,
    UsageShare,
)


def _hospitals(request):
    return Hospital.objects.all()


def _departments(request):
    return Department.objects.all()


def _doctors(request):
    return Doctor.objects.all()


def _territories(request):
    return Territory.objects.all()


def _distributors(request):
    return Distributor.objects.all()


def _products(request):
    return Product.objects.all()


def _users(request):
    return User.objects.in_tenant(current_tenant_id())


def _text_search(queryset, fields, value):
    """Rows where any of ``fields`` contains ``value`` (case-insensitive)."""
    value = (value or "").strip()
    if not value:
        return queryset
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": value})
    return queryset.filter(condition)


class DoctorFilter(django_filters.FilterSet):
    """The doctor list: search, place, hospital, department, title, territory, society position, sort."""

    q = django_filters.CharFilter(method="filter_q", label=_("Name or pinyin"))
    province = django_filters.CharFilter(field_name="hospital__province", label=_("Province"))
    city = django_filters.CharFilter(field_name="hospital__city", label=_("City"))
    hospital = django_filters.ModelChoiceFilter(queryset=_hospitals, label=_("Hospital"))
    # distinct=False on every MultipleChoiceFilter here: each follows a single-valued path, and
    # django-filter's default SELECT DISTINCT over every column defeats the (tenant, name, id)
    # index — at a million doctors a page took seconds instead of milliseconds.
    grade = django_filters.MultipleChoiceFilter(
        field_name="hospital__grade", choices=HospitalGrade.choices, distinct=False, label=_("Hospital grade")
    )
    department = django_filters.ModelChoiceFilter(queryset=_departments, label=_("Department"))
    department_name = django_filters.CharFilter(field_name="department__name", label=_("Department name"))
    department_code = django_filters.ChoiceFilter(
        field_name="department__standard_code",
        choices=list(STANDARD_DEPARTMENTS.items()),
        label=_("Standard department"),
    )
    clinical_title = django_filters.MultipleChoiceFilter(
        choices=ClinicalTitle.choices, distinct=False, label=_("Clinical title")
    )
    territory = django_filters.ModelChoiceFilter(queryset=_territories, method="filter_territory", label=_("Territory"))
    society_position = django_filters.MultipleChoiceFilter(
        choices=SocietyRole.choices, method="filter_society_position", label=_("Society position")
    )
    is_active = django_filters.BooleanFilter(label=_("Active"))
    # Tier and adoption filters are added by segmentation (hospitals.hooks.register_doctor_filters).
    # ---------------------------------------------------------------------------------------
    ordering = django_filters.OrderingFilter(
        fields=(("name", "name"), ("hospital__name", "hospital"), ("clinical_title", "clinical_title")),
        field_labels={"name": _("Name"), "hospital__name": _("Hospital"), "clinical_title": _("Clinical title")},
        label=_("Sort by"),
    )

    class Meta:
        model = Doctor
        fields = []

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    @extend_schema_field(OpenApiTypes.INT)
    def filter_territory(self, queryset, name, value):
        # A district or region stands for every territory below it (a manager's view). The leaf
        # ids are read first (a few hundred at most): PostgreSQL cannot estimate the subtree
        # subquery (it guesses 4 leaves for a region of 257) and then sorts every doctor of a
        # region instead of walking the (tenant, name, id) index — seconds at a million doctors.
        leaves = list(
            Territory.objects.filter(tenant_id=value.tenant_id)
            .subtree_of([value])
            .leaves()
            .values_list("pk", flat=True)
        )
        return queryset.filter(
            pk__in=DoctorTerritory.objects.filter(tenant_id=value.tenant_id, territory_id__in=leaves).values(
                "doctor_id"
            )
        )

    def filter_society_position(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=SocietyPosition.objects.filter(position__in=value).values("doctor_id"))

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        # A chosen sort gets the id as tie-breaker, so pages stay stable among equal names.
        if self.form.cleaned_data.get("ordering"):
            queryset = queryset.order_by(*queryset.query.order_by, "id")
        return queryset


class HospitalFilter(django_filters.FilterSet):
    """Hospitals by name (or alias), place, grade and type."""

    q = django_filters.CharFilter(method="filter_q", label=_("Name"))
    province = django_filters.CharFilter(label=_("Province"))
    city = django_filters.CharFilter(label=_("City"))
    district = django_filters.CharFilter(label=_("District"))
    grade = django_filters.MultipleChoiceFilter(choices=HospitalGrade.choices, distinct=False, label=_("Grade"))
    type = django_filters.ChoiceFilter(choices=HospitalType.choices, label=_("Type"))
    external_id = django_filters.CharFilter(label=_("External id"))

    class Meta:
        model = Hospital
        fields = []

    def filter_q(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(aliases__contains=[value]))


class DepartmentFilter(django_filters.FilterSet):
    """Departments by hospital, standard department or name."""

    hospital = django_filters.ModelChoiceFilter(queryset=_hospitals, label=_("Hospital"))
    standard_code = django_filters.ChoiceFilter(
        choices=list(STANDARD_DEPARTMENTS.items()), label=_("Standard department")
    )
    name = django_filters.CharFilter(lookup_expr="icontains", label=_("Name"))

    class Meta:
        model = Department
        fields = []


class SocietyPositionFilter(django_filters.FilterSet):
    """Society positions by doctor, position, level or society."""

    doctor = django_filters.ModelChoiceFilter(queryset=_doctors, label=_("Doctor"))
    position = django_filters.MultipleChoiceFilter(choices=SocietyRole.choices, distinct=False, label=_("Position"))
    level = django_filters.ChoiceFilter(choices=SocietyLevel.choices, label=_("Level"))
    society = django_filters.CharFilter(lookup_expr="icontains", label=_("Society"))

    class Meta:
        model = SocietyPosition
        fields = []


class DoctorRelationFilter(django_filters.FilterSet):
    """Relations by doctor (either end), either end alone, or kind."""

    doctor = django_filters.ModelChoiceFilter(queryset=_doctors, method="filter_doctor", label=_("Doctor"))
    from_doctor = django_filters.ModelChoiceFilter(queryset=_doctors, label=_("Doctor"))
    to_doctor = django_filters.ModelChoiceFilter(queryset=_doctors, label=_("Related doctor"))
    kind = django_filters.MultipleChoiceFilter(choices=RelationKind.choices, distinct=False, label=_("Relation"))

    class Meta:
        model = DoctorRelation
        fields = []

    @extend_schema_field(OpenApiTypes.INT)
    def filter_doctor(self, queryset, name, value):
        return queryset.filter(Q(from_doctor=value) | Q(to_doctor=value))


class DoctorTerritoryFilter(django_filters.FilterSet):
    """Alignments by doctor or territory."""

    doctor = django_filters.ModelChoiceFilter(queryset=_doctors, label=_("Doctor"))
    territory = django_filters.ModelChoiceFilter(queryset=_territories, label=_("Territory"))

    class Meta:
        model = DoctorTerritory
        fields = []


class DistributorFilter(django_filters.FilterSet):
    """Distributors by name, kind, status or province served."""

    q = django_filters.CharFilter(method="filter_q", label=_("Name"))
    kind = django_filters.ChoiceFilter(choices=DistributorKind.choices, label=_("Kind"))
    status = django_filters.ChoiceFilter(choices=DistributorStatus.choices, label=_("Status"))
    region = django_filters.CharFilter(method="filter_region", label=_("Province"))
    external_id = django_filters.CharFilter(label=_("External id"))

    class Meta:
        model = Distributor
        fields = []

    def filter_q(self, queryset, name, value):
        return _text_search(queryset, ["name", "licence_no"], value)

    def filter_region(self, queryset, name, value):
        return queryset.filter(regions__contains=[value]) if value else queryset


class DistributorStaffFilter(django_filters.FilterSet):
    """Distributor staff by distributor or user."""

    distributor = django_filters.ModelChoiceFilter(queryset=_distributors, label=_("Distributor"))
    user = django_filters.ModelChoiceFilter(queryset=_users, label=_("User"))

    class Meta:
        model = DistributorStaff
        fields = []


class DistributorCoverageFilter(django_filters.FilterSet):
    """Coverage by distributor, hospital, product, or only what is in force today."""

    distributor = django_filters.ModelChoiceFilter(queryset=_distributors, label=_("Distributor"))
    hospital = django_filters.ModelChoiceFilter(queryset=_hospitals, label=_("Hospital"))
    product = django_filters.ModelChoiceFilter(queryset=_products, label=_("Product"))
    current = django_filters.BooleanFilter(method="filter_current", label=_("In force today"))

    class Meta:
        model = DistributorCoverage
        fields = []

    def filter_current(self, queryset, name, value):
        from hospitals.selectors import current_coverage

        if value is None:
            return queryset
        current = current_coverage(tenant=current_tenant_id()).values("pk")
        return queryset.filter(pk__in=current) if value else queryset.exclude(pk__in=current)


class DistributorAgreementFilter(django_filters.FilterSet):
    """Agreements by distributor, status, product, territory or the date they are valid on."""

    distributor = django_filters.ModelChoiceFilter(queryset=_distributors, label=_("Distributor"))
    status = django_filters.ChoiceFilter(choices=AgreementStatus.choices, label=_("Status"))
    product = django_filters.ModelChoiceFilter(queryset=_products, method="filter_product", label=_("Product"))
    territory = django_filters.ModelChoiceFilter(queryset=_territories, label=_("Territory"))
    valid_on = django_filters.DateFilter(method="filter_valid_on", label=_("Valid on"))
    number = django_filters.CharFilter(lookup_expr="icontains", label=_("Agreement number"))

    class Meta:
        model = DistributorAgreement
        fields = []

    @extend_schema_field(OpenApiTypes.INT)
    def filter_product(self, queryset, name, value):
        return queryset.filter(pk__in=AgreementProduct.objects.filter(product=value).values("agreement_id"))

    def filter_valid_on(self, queryset, name, value):
        return queryset.filter(start__lte=value, end__gte=value)


class ProductFilter(django_filters.FilterSet):
    """Products: own or competitor, therapeutic area, name, active."""

    q = django_filters.CharFilter(method="filter_q", label=_("Name"))
    is_own = django_filters.BooleanFilter(label=_("Our product"))
    therapeutic_area = django_filters.CharFilter(label=_("Therapeutic area"))
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Product
        fields = []

    def filter_q(self, queryset, name, value):
        return _text_search(queryset, ["name", "generic_name", "company"], value)


class KeyMessageFilter(django_filters.FilterSet):
    """Key messages by product, or only the approved and current ones."""

    product = django_filters.ModelChoiceFilter(queryset=_products, label=_("Product"))
    is_active = django_filters.BooleanFilter(label=_("Approved and current"))

    class Meta:
        model = KeyMessage
        fields = []


class UsageShareFilter(django_filters.FilterSet):
    """Usage share by doctor, product, own/competitor and months."""

    doctor = django_filters.ModelChoiceFilter(queryset=_doctors, label=_("Doctor"))
    product = django_filters.ModelChoiceFilter(queryset=_products, label=_("Product"))
    is_own = django_filters.BooleanFilter(field_name="product__is_own", label=_("Our product"))
    period_from = django_filters.DateFilter(field_name="period", lookup_expr="gte", label=_("From month"))
    period_to = django_filters.DateFilter(field_name="period", lookup_expr="lte", label=_("To month"))

    class Meta:
        model = UsageShare
        fields = []


class SalesRecordFilter(django_filters.FilterSet):
    """Sales by distributor, hospital, product and months."""

    distributor = django_filters.ModelChoiceFilter(queryset=_distributors, label=_("Distributor"))
    hospital = django_filters.ModelChoiceFilter(queryset=_hospitals, label=_("Hospital"))
    product = django_filters.ModelChoiceFilter(queryset=_products, label=_("Product"))
    month_from = django_filters.DateFilter(field_name="month", lookup_expr="gte", label=_("From month"))
    month_to = django_filters.DateFilter(field_name="month", lookup_expr="lte", label=_("To month"))

    class Meta:
        model = SalesRecord
        fields = []


class ShipmentFilter(django_filters.FilterSet):
    """Shipments by lot number (the complaint trace), distributor, hospital, product and dates."""

    lot_number = django_filters.CharFilter(label=_("Lot number"))
    distributor = django_filters.ModelChoiceFilter(queryset=_distributors, label=_("Distributor"))
    hospital = django_filters.ModelChoiceFilter(queryset=_hospitals, label=_("Hospital"))
    product = django_filters.ModelChoiceFilter(queryset=_products, label=_("Product"))
    shipped_from = django_filters.DateFilter(field_name="shipped_on", lookup_expr="gte", label=_("Shipped from"))
    shipped_to = django_filters.DateFilter(field_name="shipped_on", lookup_expr="lte", label=_("Shipped to"))

    class Meta:
        model = Shipment
        fields = []
