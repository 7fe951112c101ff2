"""crm.exports: any list to CSV (UTF-8 with BOM) or XLSX, in chunks, in the tenant it was asked in."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from crm import exports
from crm.tenancy import tenant_context
from hospitals.models import Department, Doctor, Hospital

COLUMNS = [
    (_("Name"), "name"),
    (_("Hospital"), "hospital__name"),
    (_("Grade"), "hospital__grade"),
    (_("Clinical title"), "clinical_title"),
    (_("Specialties"), "specialties"),
    (_("Consent"), "consent_to_contact"),
    (_("Consent date"), "consent_date"),
]


def _doctors(tenant, names, hospital_name="协和医院"):
    with tenant_context(tenant):
        hospital = Hospital.objects.create(name=hospital_name, grade="3A", province="北京市", city="北京市")
        dept = Department.objects.create(hospital=hospital, name="心内科")
        for i, name in enumerate(names):
            Doctor.objects.create(
                name=name,
                hospital=hospital,
                department=dept,
                clinical_title="chief" if i % 2 == 0 else "attending",
                specialties=["高血压", "心衰"] if i == 0 else [],
                consent_to_contact=i == 0,
                consent_date=dt.date(2024, 1, 5) if i == 0 else None,
            )
    return hospital


def _body(response):
    return b"".join(response.streaming_content)


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def test_csv_has_bom_labels_and_only_this_tenants_rows_in_the_pages_order(
    tenant, other_tenant, english, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    _doctors(tenant, ["王五", "李四", "张三", "赵六", "钱七"])
    _doctors(other_tenant, ["外人甲"], hospital_name="别家医院")
    with tenant_context(tenant):
        qs = Doctor.objects.select_related("hospital").order_by("-name")
        response = exports.export_response(qs, COLUMNS, "csv", "doctors")
    # The body is produced after the view returned, outside the request's tenant context.
    with django_assert_num_queries(1 + 3):  # the keys, then 3 chunks of at most 2 rows
        body = _body(response)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="doctors-' in response["Content-Disposition"]
    assert body.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["Name", "Hospital", "Grade", "Clinical title", "Specialties", "Consent", "Consent date"]
    assert [r[0] for r in rows[1:]] == sorted(["王五", "李四", "张三", "赵六", "钱七"], reverse=True)
    first = next(r for r in rows if r[0] == "王五")
    assert first[1:] == [
        "协和医院",
        "Grade 3A (三级甲等)",
        "Chief physician (主任医师)",
        "高血压, 心衰",
        "Yes",
        "2024-01-05",
    ]
    assert "外人甲" not in body.decode("utf-8-sig")


def test_xlsx_round_trips_through_a_spreadsheet_reader(tenant, english):
    _doctors(tenant, ["王五", "李四"])
    with tenant_context(tenant):
        response = exports.export_response(Doctor.objects.order_by("name"), COLUMNS, "xlsx", "doctors")
    body = b"".join(response.streaming_content)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Name", "Hospital", "Grade")
    assert rows[1][0] == "李四" and rows[2][0] == "王五"
    assert rows[2][3] == "Chief physician (主任医师)"
    assert rows[2][6] == dt.datetime(2024, 1, 5)


def test_callables_and_plain_rows(tenant):
    _doctors(tenant, ["王五"])
    with tenant_context(tenant):
        response = exports.export_response(
            Doctor.objects.all(), [("姓名", "name"), ("科室", lambda d: d.department.name)], "csv", "x"
        )
    assert _body(response).decode("utf-8-sig").splitlines() == ["姓名,科室", "王五,心内科"]

    rows = [{"a": 1, "b": {"c": "嵌套"}}, {"a": 2, "b": None}]
    response = exports.export_response(rows, [("A", "a"), ("C", "b__c"), ("Twice", lambda r: r["a"] * 2)], "csv", "x")
    assert _body(response).decode("utf-8-sig").splitlines() == ["A,C,Twice", "1,嵌套,2", "2,,4"]


def test_text_that_a_spreadsheet_would_run_is_neutralised():
    rows = [{"v": '=HYPERLINK("http://evil")'}, {"v": "@SUM(A1)"}, {"v": "+86 138 0000 0000"}, {"v": "-5"}]
    body = _body(exports.export_response(rows, [("V", "v")], "csv", "x")).decode("utf-8-sig")
    values = [r[0] for r in csv.reader(io.StringIO(body))][1:]
    assert values == ['\'=HYPERLINK("http://evil")', "'@SUM(A1)", "+86 138 0000 0000", "-5"]


def test_unknown_format_and_bad_path_are_refused(tenant):
    with pytest.raises(exports.ExportError):
        exports.export_response([], [("A", "a")], "pdf", "x")
    with tenant_context(tenant), pytest.raises(exports.ExportError):
        exports.export_response(Doctor.objects.all(), [("H", "hospital")], "csv", "x")
