"""CRUD and role matrix of the master-data API (run by tests/test_api_cases.py).

Rows that hang off doctors, hospitals and distributors are seen by the field only in its book:
:func:`field_world` makes one (a doctor aligned to a territory, a distributor covering the
hospital) and its ``prepare_user`` puts the matrix's rep or manager on that territory and its
distributor rep on that distributor, so every role sees the row and the matrix checks rights.
"""

import dataclasses

from crm import permissions as p
from crm.roles import Role
from tests.api_cases import APICase, api_case
from tests.factories import TerritoryAssignmentFactory, territory_tree
from tests.hospitals import factories as f

FIELD_WRITERS = p.MASTER_DATA_EDITORS | p.FIELD_PROFILE_EDITORS  # field profile, society posts, relations


@dataclasses.dataclass
class FieldWorld:
    territory: object
    other_territory: object
    hospital: object
    doctor: object
    peer: object  # a second doctor of the same book
    distributor: object
    coverage: object
    product: object

    def prepare_user(self, user):
        """A rep or manager covers the territory; a distributor rep works for the distributor."""
        if user.role in p.TERRITORY_ROLES:
            TerritoryAssignmentFactory(territory=self.territory, user=user)
        elif user.role == Role.DISTRIBUTOR_REP:
            f.DistributorStaffFactory(distributor=self.distributor, user=user)


def field_world(tenant, prefix) -> FieldWorld:
    _region, _district, t1, t2 = territory_tree(tenant, prefix)
    hospital = f.HospitalFactory(tenant=tenant, name=f"{prefix}瑞金医院")
    doctor, peer = f.DoctorFactory(hospital=hospital, name="李建国"), f.DoctorFactory(hospital=hospital, name="王芳")
    for d in (doctor, peer):
        f.DoctorTerritoryFactory(doctor=d, territory=t1)
    distributor = f.DistributorFactory(tenant=tenant, name=f"{prefix}国药控股")
    coverage = f.DistributorCoverageFactory(distributor=distributor, hospital=hospital)
    product = f.ProductFactory(tenant=tenant, name=f"{prefix}降脂宁")
    return FieldWorld(t1, t2, hospital, doctor, peer, distributor, coverage, product)


def _tenant(tenant):
    from crm.tenancy import tenant_context

    return tenant_context(tenant)


def _inactive(obj):
    with _tenant(obj.tenant_id):
        return not type(obj).objects.get(pk=obj.pk).is_active


@api_case("hospital")
def hospital(tenant, make_user):
    obj = f.HospitalFactory(tenant=tenant, name="瑞金医院")
    doctor = f.DoctorFactory(hospital=obj)
    return APICase(
        obj=obj,
        create={"name": "新华医院", "province": "上海市", "city": "上海市"},
        update={"beds": 1200},
        delete=True,
        deleted=lambda h: _inactive(doctor),  # the hospital stays; its doctors are deactivated
        writers=p.MASTER_DATA_EDITORS,
        visible_to=p.HEAD_OFFICE_ROLES,  # the field sees the hospitals of its doctors only
    )


@api_case("department")
def department(tenant, make_user):
    obj = f.DepartmentFactory(hospital__tenant=tenant, name="心内科")
    return APICase(
        obj=obj,
        create={"hospital": obj.hospital_id, "name": "内分泌科"},
        update={"name": "心血管内科"},
        delete=True,
        writers=p.MASTER_DATA_EDITORS,
        visible_to=p.HEAD_OFFICE_ROLES,
    )


@api_case("product")
def product(tenant, make_user):
    return APICase(
        obj=f.ProductFactory(tenant=tenant, name="降脂宁"),
        create={"name": "平喘灵", "generic_name": "x", "is_own": True},
        update={"therapeutic_area": "罕见病"},
        delete=True,
        writers=p.PRODUCT_EDITORS,
    )


@api_case("key-message")
def key_message(tenant, make_user):
    obj = f.KeyMessageFactory(product__tenant=tenant, text="每日一次")
    return APICase(
        obj=obj,
        create={"product": obj.product_id, "text": "依从性好"},
        update={"text": "每日一次，依从性好"},
        delete=True,
        writers=p.PRODUCT_EDITORS,
    )


@api_case("import")
def import_job(tenant, make_user):
    """Imports: read by the importers only; an upload is multipart (tests/hospitals_import/test_api.py)."""
    from tests.hospitals_import.isolation_cases import _job

    return APICase(obj=_job(tenant, "医生名单.csv"), readers=p.IMPORT_ROLES)


@api_case("doctor")
def doctor(tenant, make_user):
    w = field_world(tenant, "DR")
    return APICase(
        obj=w.doctor,
        create={"name": "张伟", "hospital": w.hospital.pk},
        update={"interests": "真实世界研究"},  # a field-profile field: reps and managers may change it
        delete=True,
        deleted=_inactive,  # the doctor is deactivated, kept with their history
        writers=p.MASTER_DATA_EDITORS,
        updaters=FIELD_WRITERS,
        prepare_user=w.prepare_user,
    )


@api_case("society-position")
def society_position(tenant, make_user):
    w = field_world(tenant, "SP")
    return APICase(
        obj=f.SocietyPositionFactory(doctor=w.doctor, society="中华医学会心血管病学分会"),
        create={
            "doctor": w.doctor.pk,
            "society": "中国医师协会心血管内科医师分会",
            "level": "national",
            "position": "member",
        },
        update={"since": 2018},
        delete=True,
        writers=p.MASTER_DATA_EDITORS,
        creators=FIELD_WRITERS,
        prepare_user=w.prepare_user,
    )


@api_case("doctor-relation")
def doctor_relation(tenant, make_user):
    w = field_world(tenant, "RL")
    low, high = sorted((w.doctor, w.peer), key=lambda d: d.pk)
    return APICase(
        obj=f.DoctorRelationFactory(from_doctor=low, to_doctor=high, kind="mentor"),
        create={"from_doctor": low.pk, "to_doctor": high.pk, "kind": "colleague"},
        update={"strength": 5},
        delete=True,
        writers=p.MASTER_DATA_EDITORS,
        creators=FIELD_WRITERS,
        prepare_user=w.prepare_user,
    )


@api_case("doctor-territory")
def doctor_territory(tenant, make_user):
    from hospitals.models import DoctorTerritory

    w = field_world(tenant, "DT")
    with _tenant(tenant):
        obj = DoctorTerritory.objects.get(doctor=w.peer, territory=w.territory)
    return APICase(
        obj=obj,
        create={"doctor": w.doctor.pk, "territory": w.other_territory.pk},
        update={"territory": w.other_territory.pk},  # the peer moves to the other territory
        delete=True,
        writers=p.MASTER_DATA_EDITORS,
        prepare_user=w.prepare_user,
    )


@api_case("distributor")
def distributor(tenant, make_user):
    w = field_world(tenant, "DB")
    return APICase(
        obj=w.distributor,
        create={"name": "华润医药", "kind": "dealer", "licence_no": "沪AA7654321"},
        update={"licence_no": "沪AA1234567"},
        delete=True,
        writers=p.MASTER_DATA_EDITORS,
        prepare_user=w.prepare_user,
    )


@api_case("distributor-staff")
def distributor_staff(tenant, make_user):
    w = field_world(tenant, "DS")
    other = f.DistributorFactory(tenant=tenant, name="DS上药控股")
    return APICase(
        obj=f.DistributorStaffFactory(distributor=w.distributor, user=make_user(tenant, "distributor_rep")),
        create={"user": make_user(tenant, "distributor_rep").pk, "distributor": w.distributor.pk},
        update={"distributor": other.pk},
        delete=True,
        writers=p.MASTER_DATA_EDITORS,
        prepare_user=w.prepare_user,
    )


@api_case("distributor-coverage")
def distributor_coverage(tenant, make_user):
    w = field_world(tenant, "DC")
    return APICase(
        obj=w.coverage,
        create={
            "distributor": w.distributor.pk,
            "hospital": w.hospital.pk,
            "product": w.product.pk,
            "since": "2025-01-01",
        },
        update={"until": "2099-12-31"},
        delete=True,
        writers=p.MASTER_DATA_EDITORS,
        prepare_user=w.prepare_user,
    )


@api_case("distributor-agreement")
def distributor_agreement(tenant, make_user):
    w = field_world(tenant, "DA")
    return APICase(
        obj=f.DistributorAgreementFactory(distributor=w.distributor),
        create={
            "distributor": w.distributor.pk,
            "number": "AG-2027-0001",
            "products": [w.product.pk],
            "start": "2027-01-01",
            "end": "2027-12-31",
        },
        update={"target_value": "1000000.00"},
        delete=True,
        writers=p.MASTER_DATA_EDITORS,
        prepare_user=w.prepare_user,
    )


@api_case("usage-share")
def usage_share(tenant, make_user):
    w = field_world(tenant, "US")
    return APICase(
        obj=f.UsageShareFactory(doctor=w.doctor, product=w.product),
        create={"doctor": w.peer.pk, "product": w.product.pk, "period": "2025-07-01", "volume": 30, "share": 5},
        update={"volume": 150},
        delete=True,
        writers=p.MASTER_DATA_EDITORS,
        prepare_user=w.prepare_user,
    )


@api_case("sales-record")
def sales_record(tenant, make_user):
    w = field_world(tenant, "SR")
    return APICase(
        obj=f.SalesRecordFactory(distributor=w.distributor, hospital=w.hospital, product=w.product),
        create={
            "distributor": w.distributor.pk,
            "hospital": w.hospital.pk,
            "product": w.product.pk,
            "month": "2025-07-01",
            "sell_in_units": 10,
            "sell_in_value": "500.00",
        },
        update={"sell_out_units": 90},
        delete=True,
        writers=p.MASTER_DATA_EDITORS,
        prepare_user=w.prepare_user,
    )


@api_case("shipment")
def shipment(tenant, make_user):
    w = field_world(tenant, "SH")
    return APICase(
        obj=f.ShipmentFactory(distributor=w.distributor, hospital=w.hospital, product=w.product),
        create={
            "distributor": w.distributor.pk,
            "hospital": w.hospital.pk,
            "product": w.product.pk,
            "lot_number": "L2026X0001",
            "quantity": 50,
            "shipped_on": "2026-01-05",
            "expiry_date": "2028-01-31",
        },
        update={"quantity": 180},
        delete=True,
        writers=p.MASTER_DATA_EDITORS,
        prepare_user=w.prepare_user,
    )
