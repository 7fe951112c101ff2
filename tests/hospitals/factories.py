"""factory-boy factories of master data. Each derives its tenant from its parent row
(``SelfAttribute``), so a factory never mixes tenants; top-level rows take ``tenant=``."""

import datetime

import factory

from hospitals.models import (
    AgreementProduct,
    ClinicalTitle,
    Department,
    Distributor,
    DistributorAgreement,
    DistributorCoverage,
    DistributorStaff,
    Doctor,
    DoctorRelation,
    DoctorTerritory,
    Hospital,
    HospitalGrade,
    KeyMessage,
    Product,
    ProductCompetitor,
    RelationKind,
    SalesRecord,
    Shipment,
    SocietyPosition,
    SocietyRole,
    UsageShare,
)
from tests.factories import TenantFactory, TenantOwnedFactory, TerritoryFactory, UserFactory


class HospitalFactory(TenantOwnedFactory):
    class Meta:
        model = Hospital

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"第{n}人民医院")
    grade = HospitalGrade.G3A
    province = "上海市"
    city = "上海市"
    district = "浦东新区"


class DepartmentFactory(TenantOwnedFactory):
    class Meta:
        model = Department

    hospital = factory.SubFactory(HospitalFactory)
    tenant = factory.SelfAttribute("hospital.tenant")
    name = factory.Sequence(lambda n: f"心内{n}科")
    standard_code = "cardiology"


class DoctorFactory(TenantOwnedFactory):
    class Meta:
        model = Doctor

    hospital = factory.SubFactory(HospitalFactory)
    tenant = factory.SelfAttribute("hospital.tenant")
    department = factory.SubFactory(DepartmentFactory, hospital=factory.SelfAttribute("..hospital"))
    name = factory.Iterator(["李建国", "王芳", "张伟", "刘洋", "陈静", "杨帆", "赵敏", "黄磊"])
    clinical_title = ClinicalTitle.ATTENDING
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    wechat = factory.Sequence(lambda n: f"wx_doc{n}")
    email = factory.Sequence(lambda n: f"doc{n}@example.cn")


class SocietyPositionFactory(TenantOwnedFactory):
    class Meta:
        model = SocietyPosition

    doctor = factory.SubFactory(DoctorFactory)
    tenant = factory.SelfAttribute("doctor.tenant")
    society = factory.Sequence(lambda n: f"中华医学会第{n}分会")
    position = SocietyRole.MEMBER
    since = 2020


class DoctorRelationFactory(TenantOwnedFactory):
    class Meta:
        model = DoctorRelation

    from_doctor = factory.SubFactory(DoctorFactory)
    tenant = factory.SelfAttribute("from_doctor.tenant")
    to_doctor = factory.SubFactory(DoctorFactory, hospital__tenant=factory.SelfAttribute("...tenant"))
    kind = RelationKind.MENTOR
    strength = 3


class DoctorTerritoryFactory(TenantOwnedFactory):
    class Meta:
        model = DoctorTerritory

    doctor = factory.SubFactory(DoctorFactory)
    tenant = factory.SelfAttribute("doctor.tenant")
    territory = factory.SubFactory(TerritoryFactory, parent__parent__tenant=factory.SelfAttribute("....tenant"))


class DistributorFactory(TenantOwnedFactory):
    class Meta:
        model = Distributor

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"国药控股第{n}分公司")
    licence_no = factory.Sequence(lambda n: f"沪AA{n:07d}")
    regions = factory.LazyFunction(lambda: ["上海市"])


class DistributorStaffFactory(TenantOwnedFactory):
    class Meta:
        model = DistributorStaff

    distributor = factory.SubFactory(DistributorFactory)
    tenant = factory.SelfAttribute("distributor.tenant")
    user = factory.SubFactory(UserFactory, tenant=factory.SelfAttribute("..tenant"), role="distributor_rep")


class ProductFactory(TenantOwnedFactory):
    class Meta:
        model = Product

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"康立欣{n}")
    generic_name = "阿托伐他汀钙片"
    therapeutic_area = "心血管"
    is_own = True


class CompetitorProductFactory(ProductFactory):
    name = factory.Sequence(lambda n: f"立普妥{n}")
    company = "辉瑞"
    is_own = False


class ProductCompetitorFactory(TenantOwnedFactory):
    class Meta:
        model = ProductCompetitor

    product = factory.SubFactory(ProductFactory)
    tenant = factory.SelfAttribute("product.tenant")
    competitor = factory.SubFactory(CompetitorProductFactory, tenant=factory.SelfAttribute("..tenant"))


class KeyMessageFactory(TenantOwnedFactory):
    class Meta:
        model = KeyMessage

    product = factory.SubFactory(ProductFactory)
    tenant = factory.SelfAttribute("product.tenant")
    text = factory.Sequence(lambda n: f"强效降脂，安全可靠（{n}）")
    order = factory.Sequence(lambda n: n)


class DistributorCoverageFactory(TenantOwnedFactory):
    class Meta:
        model = DistributorCoverage

    distributor = factory.SubFactory(DistributorFactory)
    tenant = factory.SelfAttribute("distributor.tenant")
    hospital = factory.SubFactory(HospitalFactory, tenant=factory.SelfAttribute("..tenant"))
    product = None
    since = datetime.date(2024, 1, 1)
    until = None


class DistributorAgreementFactory(TenantOwnedFactory):
    class Meta:
        model = DistributorAgreement

    distributor = factory.SubFactory(DistributorFactory)
    tenant = factory.SelfAttribute("distributor.tenant")
    number = factory.Sequence(lambda n: f"AG-2025-{n:04d}")
    start = datetime.date(2025, 1, 1)
    end = datetime.date(2026, 12, 31)
    status = "active"


class AgreementProductFactory(TenantOwnedFactory):
    class Meta:
        model = AgreementProduct

    agreement = factory.SubFactory(DistributorAgreementFactory)
    tenant = factory.SelfAttribute("agreement.tenant")
    product = factory.SubFactory(ProductFactory, tenant=factory.SelfAttribute("..tenant"))


class UsageShareFactory(TenantOwnedFactory):
    class Meta:
        model = UsageShare

    doctor = factory.SubFactory(DoctorFactory)
    tenant = factory.SelfAttribute("doctor.tenant")
    product = factory.SubFactory(ProductFactory, tenant=factory.SelfAttribute("..tenant"))
    period = datetime.date(2025, 6, 1)
    volume = 120
    share = 10


class SalesRecordFactory(TenantOwnedFactory):
    class Meta:
        model = SalesRecord

    distributor = factory.SubFactory(DistributorFactory)
    tenant = factory.SelfAttribute("distributor.tenant")
    hospital = factory.SubFactory(HospitalFactory, tenant=factory.SelfAttribute("..tenant"))
    product = factory.SubFactory(ProductFactory, tenant=factory.SelfAttribute("..tenant"))
    month = datetime.date(2025, 6, 1)
    sell_in_units = 100
    sell_in_value = 5000
    sell_out_units = 80
    sell_out_value = 4000


class ShipmentFactory(TenantOwnedFactory):
    class Meta:
        model = Shipment

    distributor = factory.SubFactory(DistributorFactory)
    tenant = factory.SelfAttribute("distributor.tenant")
    hospital = factory.SubFactory(HospitalFactory, tenant=factory.SelfAttribute("..tenant"))
    product = factory.SubFactory(ProductFactory, tenant=factory.SelfAttribute("..tenant"))
    lot_number = factory.Sequence(lambda n: f"L2025{n:05d}")
    quantity = 200
    shipped_on = datetime.date(2025, 6, 15)
    expiry_date = datetime.date(2027, 6, 30)
