"""CRUD and role matrix of the master-data API (run by tests/test_api_cases.py)."""

from crm import permissions as p
from tests.api_cases import APICase, api_case
from tests.hospitals import factories as f


def _inactive(obj):
    from crm.tenancy import tenant_context

    with tenant_context(obj.tenant_id):
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
