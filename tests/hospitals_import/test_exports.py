"""Master-data exports: contact details by role, and an export imports back as "unchanged"."""

import csv
import datetime as dt
import io

import pytest
from django.utils import translation

from crm.exports import export_response
from crm.tenancy import tenant_context
from hospitals.exports import DISTRIBUTOR_COLUMNS, HOSPITAL_COLUMNS, doctor_columns
from hospitals.imports.services import import_file
from hospitals.models import Distributor, Doctor, Hospital
from tests.hospitals.factories import DepartmentFactory, DistributorFactory, DoctorFactory, HospitalFactory

pytestmark = pytest.mark.django_db


def _export(tenant, model, columns):
    with tenant_context(tenant):
        response = export_response(model.objects.all(), columns, "csv", "x")
    return b"".join(response.streaming_content)


def _headers(body):
    return next(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.mark.parametrize(("role", "sees"), [("rep", True), ("tenant_admin", True), ("product_manager", False),
                                            ("compliance", False)])  # fmt: skip
def test_contact_details_are_exported_only_to_roles_that_see_them(tenant, make_user, role, sees):
    DoctorFactory(hospital=HospitalFactory(tenant=tenant), phone="13912345678")
    with translation.override("en"):
        body = _export(tenant, Doctor, doctor_columns(make_user(tenant, role)))
        assert ("Mobile phone" in _headers(body)) is sees
    assert (b"13912345678" in body) is sees


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_export_imports_back_unchanged(tenant, make_user, language):
    hospital = HospitalFactory(tenant=tenant, name="仁济医院", external_id="H-9", aliases=["仁济"], beds=900)
    dept = DepartmentFactory(hospital=hospital, name="消化内科")
    DoctorFactory(
        hospital=hospital, department=dept, name="杨帆", external_id="D-1", gender="F", clinical_title="chief",
        academic_title="professor", specialties=["胃癌", "幽门螺杆菌"], preferred_channels=["wechat"],
        consent_to_contact=True, consent_date=dt.date(2024, 5, 1), graduation_year=1995,
    )  # fmt: skip
    DoctorFactory(hospital=hospital, department=dept, name="赵敏", academic_title="")
    DistributorFactory(tenant=tenant, name="华润医药", kind="agent", regions=["上海市", "江苏省"], status="suspended")
    admin = make_user(tenant, "tenant_admin")

    with translation.override(language):
        files = {
            "hospitals": _export(tenant, Hospital, HOSPITAL_COLUMNS),
            "doctors": _export(tenant, Doctor, doctor_columns(admin)),
            "distributors": _export(tenant, Distributor, DISTRIBUTOR_COLUMNS),
        }
    assert "None" not in files["doctors"].decode("utf-8-sig"), "a blank choice exports as an empty cell"
    for kind, data in files.items():
        result = import_file(tenant=tenant, by=admin, kind=kind, data=data, filename=f"{kind}.csv")
        assert result.committed, (kind, result.errors)
        assert (result.created, result.updated, result.unchanged) == (0, 0, result.rows_total), kind
