"""API of master data: serializers and viewsets (thin: reads via selectors, writes via services).

Who may write: administrators everything; product managers also products and key messages;
reps and managers may update the field profile (background, interests, pain points,
preferred channels, consent) of the doctors they see, and add society positions and
relations among them. Master data is deactivated, not deleted: ``DELETE`` on a doctor or a
hospital deactivates it (visits, sales and history refer to them).
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from accounts.models import Territory, User
from crm.permissions import FIELD_PROFILE_EDITORS, MASTER_DATA_EDITORS, PRODUCT_EDITORS
from crm.rest import TenantModelViewSet
from hospitals import filters, selectors, services
from hospitals.expert_api import (  # noqa: F401 - routed with the others (crm.api)
    AcademicLevelChangeViewSet,
    AcademicLevelRuleViewSet,
    ExpertProfileViewSet,
    SpeakerQualificationViewSet,
)
from hospitals.import_api import ImportJobViewSet  # noqa: F401 - routed with the others (crm.api)
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
from hospitals.pagination import DoctorPagination

CONTACT_FIELDS = ("phone", "phone_display", "office_phone", "office_phone_display", "wechat", "email")
# Who may write what (crm/permissions.py): administrators everything; product managers products
# and key messages; reps and managers the field profile, society posts and relations.
FIELD_WRITERS = MASTER_DATA_EDITORS | FIELD_PROFILE_EDITORS


class MasterDataViewSet(TenantModelViewSet):
    """The kernel's CRUD base with the defaults of master data: administrators write, and
    ``DELETE`` removes a row unless it is still referenced (then 400)."""

    write_roles = MASTER_DATA_EDITORS

    def perform_destroy(self, instance):
        services.record_delete(tenant=self.tenant, by=self.request.user, obj=instance)


class _RequestScopedSerializer(serializers.ModelSerializer):
    """Narrows related-object choices to what the caller sees (another tenant's id is invalid)."""

    visible_doctor_fields: tuple = ()
    user_fields: tuple = ()

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None and getattr(user, "tenant_id", None):
            for name in self.visible_doctor_fields:
                if name in fields:
                    fields[name].queryset = selectors.visible_doctors(tenant=user.tenant_id, user=user)
            for name in self.user_fields:
                if name in fields:
                    fields[name].queryset = User.objects.in_tenant(user.tenant_id)
        return fields


# --- hospitals and departments -------------------------------------------------------------


class HospitalSerializer(serializers.ModelSerializer):
    """A hospital (HCO)."""

    class Meta:
        model = Hospital
        fields = [
            "id",
            "name",
            "aliases",
            "grade",
            "type",
            "province",
            "city",
            "district",
            "address",
            "beds",
            "annual_outpatients",
            "external_id",
        ]


class DepartmentSerializer(serializers.ModelSerializer):
    """A department (科室) of a hospital."""

    hospital = serializers.PrimaryKeyRelatedField(queryset=Hospital.objects)
    hospital_name = serializers.CharField(source="hospital.name", read_only=True)

    class Meta:
        model = Department
        fields = ["id", "hospital", "hospital_name", "name", "standard_code"]


@extend_schema_view(destroy=extend_schema(description="Deactivate the hospital: its doctors, its coverage."))
class HospitalViewSet(MasterDataViewSet):
    """Hospitals the caller sees; administrators edit them."""

    serializer_class = HospitalSerializer
    filterset_class = filters.HospitalFilter
    selector = selectors.hospital_list
    create_service = services.hospital_create
    update_service = services.hospital_update
    instance_kwarg = "hospital"

    def perform_destroy(self, instance):
        services.hospital_deactivate(tenant=self.tenant, by=self.request.user, hospital=instance)


class DepartmentViewSet(MasterDataViewSet):
    """Departments of the hospitals the caller sees; administrators edit them."""

    serializer_class = DepartmentSerializer
    filterset_class = filters.DepartmentFilter
    selector = selectors.department_list
    create_service = services.department_create
    update_service = services.department_update
    instance_kwarg = "department"


# --- doctors -------------------------------------------------------------------------------


class DoctorSerializer(serializers.ModelSerializer):
    """A doctor (HCP). Contact details appear only for roles allowed to see them (PIPL)."""

    hospital = serializers.PrimaryKeyRelatedField(queryset=Hospital.objects)
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects, required=False, allow_null=True)
    hospital_name = serializers.CharField(source="hospital.name", read_only=True)
    hospital_grade = serializers.CharField(source="hospital.grade", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True, default="")

    class Meta:
        model = Doctor
        fields = [
            "id",
            "name",
            "name_pinyin",
            "name_initials",
            "gender",
            "hospital",
            "hospital_name",
            "hospital_grade",
            "department",
            "department_name",
            "clinical_title",
            "academic_title",
            "admin_post",
            "specialties",
            "university",
            "graduation_year",
            "background",
            "interests",
            "pain_points",
            "preferred_channels",
            "consent_to_contact",
            "consent_date",
            "phone",
            "phone_display",
            "office_phone",
            "office_phone_display",
            "wechat",
            "email",
            "campus",
            "external_id",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "name_pinyin",
            "name_initials",
            "phone_display",
            "office_phone_display",
            "created_at",
            "updated_at",
        ]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not selectors.can_see_contacts(user):
            for name in CONTACT_FIELDS:
                fields.pop(name, None)
        return fields


class DoctorProfileSerializer(DoctorSerializer):
    """What reps and managers may change on a doctor they see: the field profile only."""

    class Meta(DoctorSerializer.Meta):
        read_only_fields = [
            f for f in DoctorSerializer.Meta.fields if f not in services.DOCTOR_PROFILE_FIELDS and f != "id"
        ]

    def get_fields(self):
        fields = super().get_fields()
        for name in ("hospital", "department"):
            fields[name] = serializers.PrimaryKeyRelatedField(read_only=True)
        return fields


@extend_schema_view(destroy=extend_schema(description="Deactivate the doctor (kept, with their history)."))
class DoctorViewSet(MasterDataViewSet):
    """Doctors the caller sees (a rep: their territories; a distributor rep: covered hospitals).

    Keyset-paginated by name (or ``ordering=hospital`` / ``clinical_title``), never counted.
    """

    serializer_class = DoctorSerializer
    filterset_class = filters.DoctorFilter
    pagination_class = DoctorPagination
    action_roles = {"update": FIELD_WRITERS, "partial_update": FIELD_WRITERS}
    selector = selectors.doctor_list
    create_service = services.doctor_create
    instance_kwarg = "doctor"

    def _profile_only(self):
        return getattr(self.request.user, "role", None) not in MASTER_DATA_EDITORS

    def get_serializer_class(self):
        if self.action in ("update", "partial_update") and self._profile_only():
            return DoctorProfileSerializer
        return DoctorSerializer

    def perform_update(self, serializer):
        service = services.doctor_profile_update if self._profile_only() else services.doctor_update
        serializer.instance = service(
            tenant=self.tenant, by=self.request.user, doctor=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.doctor_deactivate(tenant=self.tenant, by=self.request.user, doctor=instance)


class SocietyPositionSerializer(_RequestScopedSerializer):
    """A doctor's post in an academic society."""

    visible_doctor_fields = ("doctor",)
    doctor = serializers.PrimaryKeyRelatedField(queryset=Doctor.objects)
    doctor_name = serializers.CharField(source="doctor.name", read_only=True)

    class Meta:
        model = SocietyPosition
        fields = ["id", "doctor", "doctor_name", "society", "level", "position", "since"]


class SocietyPositionViewSet(MasterDataViewSet):
    """Society posts of the doctors the caller sees; reps and managers may add them."""

    serializer_class = SocietyPositionSerializer
    filterset_class = filters.SocietyPositionFilter
    action_roles = {"create": FIELD_WRITERS}
    selector = selectors.society_position_list
    create_service = services.society_position_create
    update_service = services.society_position_update
    instance_kwarg = "society_position"


class DoctorRelationSerializer(_RequestScopedSerializer):
    """An edge of the doctors' network (symmetric kinds are stored lower id first)."""

    visible_doctor_fields = ("from_doctor", "to_doctor")
    from_doctor = serializers.PrimaryKeyRelatedField(queryset=Doctor.objects)
    to_doctor = serializers.PrimaryKeyRelatedField(queryset=Doctor.objects)
    from_doctor_name = serializers.CharField(source="from_doctor.name", read_only=True)
    to_doctor_name = serializers.CharField(source="to_doctor.name", read_only=True)

    class Meta:
        model = DoctorRelation
        fields = ["id", "from_doctor", "from_doctor_name", "to_doctor", "to_doctor_name", "kind", "strength", "source"]
        validators = []  # uniqueness is the service's, with a clear message


class DoctorRelationViewSet(MasterDataViewSet):
    """Relations among the doctors the caller sees; reps and managers may add them."""

    serializer_class = DoctorRelationSerializer
    filterset_class = filters.DoctorRelationFilter
    action_roles = {"create": FIELD_WRITERS}
    selector = selectors.relation_list
    create_service = services.doctor_relation_create
    update_service = services.doctor_relation_update
    instance_kwarg = "relation"


class DoctorTerritorySerializer(serializers.ModelSerializer):
    """Alignment of a doctor to a territory."""

    doctor = serializers.PrimaryKeyRelatedField(queryset=Doctor.objects)
    territory = serializers.PrimaryKeyRelatedField(queryset=Territory.objects)
    doctor_name = serializers.CharField(source="doctor.name", read_only=True)
    territory_code = serializers.CharField(source="territory.code", read_only=True)

    class Meta:
        model = DoctorTerritory
        fields = ["id", "doctor", "doctor_name", "territory", "territory_code"]
        validators = []


class DoctorTerritoryViewSet(MasterDataViewSet):
    """Which territories cover which doctors; administrators align doctors."""

    serializer_class = DoctorTerritorySerializer
    filterset_class = filters.DoctorTerritoryFilter
    selector = selectors.alignment_list
    create_service = services.doctor_align
    update_service = services.doctor_alignment_update
    instance_kwarg = "alignment"


# --- distributors --------------------------------------------------------------------------


class DistributorSerializer(serializers.ModelSerializer):
    """A distributor (配送商/代理商/经销商)."""

    class Meta:
        model = Distributor
        fields = ["id", "name", "kind", "licence_no", "regions", "status", "external_id"]


class DistributorViewSet(MasterDataViewSet):
    """Distributors the caller sees (a distributor rep: their own)."""

    serializer_class = DistributorSerializer
    filterset_class = filters.DistributorFilter
    selector = selectors.distributor_list
    create_service = services.distributor_create
    update_service = services.distributor_update
    instance_kwarg = "distributor"


class DistributorStaffSerializer(_RequestScopedSerializer):
    """A distributor rep and the distributor they work for."""

    user_fields = ("user",)
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.none())
    distributor = serializers.PrimaryKeyRelatedField(queryset=Distributor.objects)
    user_name = serializers.CharField(source="user.name", read_only=True)
    distributor_name = serializers.CharField(source="distributor.name", read_only=True)

    class Meta:
        model = DistributorStaff
        fields = ["id", "user", "user_name", "distributor", "distributor_name"]
        validators = []


class DistributorStaffViewSet(MasterDataViewSet):
    """Who works for which distributor; administrators link distributor reps."""

    serializer_class = DistributorStaffSerializer
    filterset_class = filters.DistributorStaffFilter
    selector = selectors.distributor_staff_list
    create_service = services.distributor_staff_create
    update_service = services.distributor_staff_update
    instance_kwarg = "staff"


class DistributorCoverageSerializer(serializers.ModelSerializer):
    """A distributor serving a hospital, for one product or all."""

    distributor = serializers.PrimaryKeyRelatedField(queryset=Distributor.objects)
    hospital = serializers.PrimaryKeyRelatedField(queryset=Hospital.objects)
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects, required=False, allow_null=True)
    distributor_name = serializers.CharField(source="distributor.name", read_only=True)
    hospital_name = serializers.CharField(source="hospital.name", read_only=True)

    class Meta:
        model = DistributorCoverage
        fields = ["id", "distributor", "distributor_name", "hospital", "hospital_name", "product", "since", "until"]
        validators = []


class DistributorCoverageViewSet(MasterDataViewSet):
    """Coverage of hospitals by distributors."""

    serializer_class = DistributorCoverageSerializer
    filterset_class = filters.DistributorCoverageFilter
    selector = selectors.coverage_list
    create_service = services.distributor_coverage_create
    update_service = services.distributor_coverage_update
    instance_kwarg = "coverage"


class DistributorAgreementSerializer(serializers.ModelSerializer):
    """A distribution agreement with its products."""

    distributor = serializers.PrimaryKeyRelatedField(queryset=Distributor.objects)
    territory = serializers.PrimaryKeyRelatedField(queryset=Territory.objects, required=False, allow_null=True)
    products = serializers.PrimaryKeyRelatedField(queryset=Product.objects, many=True, required=False)
    distributor_name = serializers.CharField(source="distributor.name", read_only=True)

    class Meta:
        model = DistributorAgreement
        fields = [
            "id",
            "distributor",
            "distributor_name",
            "number",
            "products",
            "territory",
            "start",
            "end",
            "target_value",
            "status",
        ]
        validators = []


class DistributorAgreementViewSet(MasterDataViewSet):
    """Agreements of the distributors the caller sees."""

    serializer_class = DistributorAgreementSerializer
    filterset_class = filters.DistributorAgreementFilter
    create_service = services.distributor_agreement_create
    update_service = services.distributor_agreement_update
    instance_kwarg = "agreement"

    @staticmethod
    def selector(*, tenant, user):
        return selectors.agreement_list(tenant=tenant, user=user).prefetch_related("products")


# --- products ------------------------------------------------------------------------------


class ProductSerializer(serializers.ModelSerializer):
    """A product, ours or a competitor's; ours list their competitors."""

    competitors = serializers.PrimaryKeyRelatedField(queryset=Product.objects, many=True, required=False)

    class Meta:
        model = Product
        fields = ["id", "name", "generic_name", "therapeutic_area", "is_own", "company", "competitors", "is_active"]
        validators = []


class ProductViewSet(MasterDataViewSet):
    """Products of the tenant; administrators and product managers edit them."""

    serializer_class = ProductSerializer
    filterset_class = filters.ProductFilter
    write_roles = PRODUCT_EDITORS
    create_service = services.product_create
    update_service = services.product_update
    instance_kwarg = "product"

    @staticmethod
    def selector(*, tenant, user):
        return selectors.product_list(tenant=tenant, user=user).prefetch_related("competitors")


class KeyMessageSerializer(serializers.ModelSerializer):
    """An approved key message of one of our products."""

    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects)
    product_name = serializers.CharField(source="product.name", read_only=True)

    class Meta:
        model = KeyMessage
        fields = ["id", "product", "product_name", "text", "order", "is_active"]


class KeyMessageViewSet(MasterDataViewSet):
    """Key messages; administrators and product managers edit them."""

    serializer_class = KeyMessageSerializer
    filterset_class = filters.KeyMessageFilter
    write_roles = PRODUCT_EDITORS
    selector = selectors.key_message_list
    create_service = services.key_message_create
    update_service = services.key_message_update
    instance_kwarg = "message"


# --- usage share, sales, shipments ---------------------------------------------------------


class UsageShareSerializer(_RequestScopedSerializer):
    """A doctor's monthly use of a product: volume and share (%)."""

    visible_doctor_fields = ("doctor",)
    doctor = serializers.PrimaryKeyRelatedField(queryset=Doctor.objects)
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects)
    doctor_name = serializers.CharField(source="doctor.name", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    is_own = serializers.BooleanField(source="product.is_own", read_only=True)

    class Meta:
        model = UsageShare
        fields = ["id", "doctor", "doctor_name", "product", "product_name", "is_own", "period", "volume", "share"]
        validators = []


class UsageShareViewSet(MasterDataViewSet):
    """Usage share of the doctors the caller sees."""

    serializer_class = UsageShareSerializer
    filterset_class = filters.UsageShareFilter
    selector = selectors.usage_share_list
    create_service = services.usage_share_create
    update_service = services.usage_share_update
    instance_kwarg = "usage"


class _TradeSerializer(serializers.ModelSerializer):
    distributor = serializers.PrimaryKeyRelatedField(queryset=Distributor.objects)
    hospital = serializers.PrimaryKeyRelatedField(queryset=Hospital.objects)
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects)
    distributor_name = serializers.CharField(source="distributor.name", read_only=True)
    hospital_name = serializers.CharField(source="hospital.name", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)


class SalesRecordSerializer(_TradeSerializer):
    """Sell-in and sell-out of a product by a distributor to a hospital in a month."""

    class Meta:
        model = SalesRecord
        fields = [
            "id",
            "distributor",
            "distributor_name",
            "hospital",
            "hospital_name",
            "product",
            "product_name",
            "month",
            "sell_in_units",
            "sell_in_value",
            "sell_out_units",
            "sell_out_value",
        ]
        validators = []


class SalesRecordViewSet(MasterDataViewSet):
    """Sales the caller sees (a distributor rep: their distributor's)."""

    serializer_class = SalesRecordSerializer
    filterset_class = filters.SalesRecordFilter
    selector = selectors.sales_list
    create_service = services.sales_record_create
    update_service = services.sales_record_update
    instance_kwarg = "record"


class ShipmentSerializer(_TradeSerializer):
    """A shipment of one lot."""

    class Meta:
        model = Shipment
        fields = [
            "id",
            "distributor",
            "distributor_name",
            "hospital",
            "hospital_name",
            "product",
            "product_name",
            "lot_number",
            "quantity",
            "shipped_on",
            "expiry_date",
        ]


class ShipmentViewSet(MasterDataViewSet):
    """Shipments with lot numbers (filter ``lot_number`` to trace a complaint)."""

    serializer_class = ShipmentSerializer
    filterset_class = filters.ShipmentFilter
    selector = selectors.shipment_list
    create_service = services.shipment_create
    update_service = services.shipment_update
    instance_kwarg = "shipment"
