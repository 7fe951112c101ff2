"""Files as operations staff, distributors and agencies make them: title rows, merged cells,
totals and footers, abbreviations and campus names, department and title synonyms, mixed dates,
phones in every format — one report with suggestions, nothing stored otherwise than meant,
nothing overwritten without a decision. Every file is built here; none is customer data."""

import csv
import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from crm.tenancy import tenant_context
from hospitals.imports import report
from hospitals.imports.errors import render_full
from hospitals.imports.services import import_file, import_job_accept_suggestions, import_job_create, import_job_run
from hospitals.models import Department, DepartmentSynonym, Doctor, Hospital, SalesRecord, Shipment
from tests.hospitals.factories import (
    DepartmentFactory,
    DistributorFactory,
    DoctorFactory,
    HospitalFactory,
    ProductFactory,
)
from tests.hospitals_import.files import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db


def _run(tenant, kind, data, filename="f.xlsx", by=None, **options):
    return import_file(tenant=tenant, by=by, kind=kind, data=data, filename=filename, options=options)


def _messages(errors):
    with translation.override("en"):
        return [render_full(e) for e in errors]


@pytest.fixture
def master(tenant):
    """Two teaching hospitals with their departments; one known by an alias."""
    zs = HospitalFactory(tenant=tenant, name="复旦大学附属中山医院", external_id="H-ZS")
    rj = HospitalFactory(tenant=tenant, name="上海交通大学医学院附属瑞金医院", aliases=["瑞金医院"])
    cardiology = {}
    for hospital in (zs, rj):
        cardiology[hospital.pk] = DepartmentFactory(hospital=hospital, name="心内科", standard_code="cardiology")
        DepartmentFactory(hospital=hospital, name="呼吸内科", standard_code="respiratory")
    return {"zs": zs, "rj": rj, "zs_cardiology": cardiology[zs.pk]}


# --- shapes ------------------------------------------------------------------------------------


def test_title_rows_merged_cells_totals_and_footers(tenant, master):
    rows = [
        ["2026年3月 华东区医生名单（运营部制）"],
        [],
        ["序号", "姓名", "医院名称", "科室", "职称"],
        [1, "李建国", "上海交通大学医学院附属瑞金医院", "心内科", "主任医师"],
        [2, "王芳", None, "心内科", "主治医师"],
        [3, "赵敏", None, "呼吸内科", "住院医师"],
        ["合计", "", "", "", "3 人"],
        ["制表人：李娜    审核：王强"],
    ]
    data = xlsx_bytes(rows, merges=[(3, 2, 5, 2)])  # the hospital written once for three rows

    result = _run(tenant, "doctors", data)

    assert result.committed, _messages(result.errors)
    assert result.created == 3
    with tenant_context(tenant):
        assert set(Doctor.objects.values_list("name", "hospital")) == {
            ("李建国", master["rj"].pk), ("王芳", master["rj"].pk), ("赵敏", master["rj"].pk)
        }  # fmt: skip
    with translation.override("en"):
        notes = [(n.row, n.column, render_full(n)) for n in result.notes]
    assert any(row == 4 and column == "医院名称" and "merged" in text and "4–6" in text for row, column, text in notes)
    assert any(row == 7 and "totals row" in text for row, _, text in notes), notes
    assert any(row == 8 and "note or footer" in text for row, _, text in notes), notes


def test_a_merged_cell_in_a_csv_export_is_still_an_error_per_row(tenant, master):
    """A CSV cannot say a cell was merged: the empty cells are errors of their rows, not guesses."""
    rows = [["姓名", "医院名称"], ["李建国", "瑞金医院"], ["王芳", ""]]
    result = _run(tenant, "doctors", csv_bytes(rows), "d.csv")
    assert [(e.row, e.column) for e in result.errors] == [(3, "医院名称")]


@pytest.mark.parametrize(
    ("column", "text", "expected"),
    [
        ("有效期", "2026.12", dt.date(2026, 12, 31)),  # a month: the lot expires at its end
        ("有效期", "2026年2月", dt.date(2026, 2, 28)),
        ("有效期", "2026-12-15", dt.date(2026, 12, 15)),
        ("有效期", "46022", dt.date(2025, 12, 31)),  # an Excel day number
        ("有效期", "2026.1", "may be January or October"),
        ("有效期", "2026", "not a date"),
        ("有效期", "45296.5", "not a date"),
        ("发货日期", "2026.12", "is a month, not a day"),
    ],
)
def test_dates_are_read_strictly(tenant, master, column, text, expected):
    DistributorFactory(tenant=tenant, name="上药控股")
    ProductFactory(tenant=tenant, name="康立欣")
    shipped = "2024-03-02" if column == "有效期" else text
    expiry = text if column == "有效期" else "2026-12-31"
    rows = [["经销商", "医院", "产品", "批号", "数量", "发货日期", "有效期"],
            ["上药控股", "瑞金医院", "康立欣", "L1", "5", shipped, expiry]]  # fmt: skip

    result = _run(tenant, "shipments", csv_bytes(rows), "s.csv")

    if isinstance(expected, dt.date):
        assert result.committed, _messages(result.errors)
        with tenant_context(tenant):
            assert Shipment.objects.get().expiry_date == expected
    else:
        assert [e.column for e in result.errors] == [column]
        assert expected in _messages(result.errors)[0]
        with tenant_context(tenant):
            assert not Shipment.objects.exists(), "a date that cannot be read stores nothing"


# --- one pass ------------------------------------------------------------------------------------


def test_every_error_of_every_kind_in_one_report_with_the_original_rows(tenant, master):
    rows = [
        ["医生编码", "姓名", "医院名称", "科室", "职称", "手机"],
        ["D1", "李建国", "中山医院", "心内科", "大主任", "13499255324"],  # unknown hospital + title
        ["D2", "王芳", "瑞金医院", "心内科", "主治医师", "021-64041990"],  # a landline as mobile
        ["D2", "赵敏", "瑞金医院", "心内科", "主治医师", ""],  # the same external id as row 3
        ["D4", "", "瑞金医院", "心内科", "", ""],  # no name
    ]

    result = _run(tenant, "doctors", csv_bytes(rows), "d.csv")

    found = [(e.row, e.column) for e in result.errors]
    assert found == [(2, "职称"), (2, "医院名称"), (3, "手机"), (4, "医生编码"), (5, "姓名")]
    messages = _messages(result.errors)
    assert "no hospital named “中山医院”: did you mean 复旦大学附属中山医院?" in messages[1]
    assert "put landlines in the office phone column" in messages[2]
    assert "the same external id as row 3" in messages[3]
    assert result.row_values["rows"]["2"] == rows[1]
    assert result.row_values["header"] == rows[0]


def test_suggestions_accepted_as_aliases_then_campus_names_find_the_hospital(tenant, master, make_user):
    admin = make_user(tenant, "product_manager")
    rows = [
        ["姓名", "医院名称", "科室", "职称"],
        ["李建国", "中山医院", "心内科", "主任医师"],
        ["王芳", "中山医院东院", "呼吸与危重症医学科", "副高"],
        ["张伟", "瑞金医院北院", "心血管内科", "主治"],
    ]
    upload = SimpleUploadedFile("医生.csv", csv_bytes(rows, "gbk"))
    job, _ = import_job_create(tenant=tenant, by=admin, kind="doctors", upload=upload)
    job = import_job_run(tenant=tenant.pk, job_id=job.pk)
    assert job.status == "failed"
    assert [(s["kind"], s["value"], s["rows"], s["accept"]) for s in job.suggestions] == [
        ("hospital", "中山医院", [2, 3], master["zs"].pk)
    ]

    again = import_job_accept_suggestions(tenant=tenant, by=admin, job=job)
    again = import_job_run(tenant=tenant.pk, job_id=again.pk)

    assert again.status == "done", again.errors
    assert again.rerun_of_id == job.pk and again.created_count == 3
    with tenant_context(tenant):
        assert Hospital.objects.get(pk=master["zs"].pk).aliases == ["中山医院"]
        wang = Doctor.objects.get(name="王芳")
        assert (wang.hospital_id, wang.campus, wang.department.name, wang.clinical_title) == (
            master["zs"].pk, "东院", "呼吸内科", "associate_chief"
        )  # fmt: skip
        zhang = Doctor.objects.get(name="张伟")
        assert (zhang.hospital_id, zhang.campus, zhang.department.name) == (master["rj"].pk, "北院", "心内科")
        assert Department.objects.filter(hospital=master["zs"]).count() == 2, "a synonym creates no department"


def test_an_unknown_department_is_suggested_and_never_created_unless_chosen(tenant, master, make_user):
    rows = [["姓名", "医院名称", "科室"], ["李建国", "瑞金医院", "心血管病专科"], ["王芳", "瑞金医院", "日间病房"]]
    refused = _run(tenant, "doctors", csv_bytes(rows), "d.csv")
    messages = _messages(refused.errors)
    assert "did you mean 心内科" in messages[0]
    assert "not in the department dictionary" in messages[1]

    created = _run(tenant, "doctors", csv_bytes(rows), "d.csv", new_departments="create")
    assert created.committed, _messages(created.errors)
    with tenant_context(tenant):
        assert set(Department.objects.filter(hospital=master["rj"]).values_list("name", "standard_code")) == {
            ("心内科", "cardiology"), ("呼吸内科", "respiratory"), ("心血管病专科", ""), ("日间病房", "")
        }  # fmt: skip


def test_accepting_a_department_suggestion_teaches_the_dictionary(tenant, master, make_user):
    admin = make_user(tenant, "tenant_admin")
    rows = [["姓名", "医院名称", "科室"], ["李建国", "瑞金医院", "心血管病专科"]]
    job, _ = import_job_create(
        tenant=tenant, by=admin, kind="doctors", upload=SimpleUploadedFile("d.csv", csv_bytes(rows))
    )
    job = import_job_run(tenant=tenant.pk, job_id=job.pk)
    assert job.suggestions[0]["kind"] == "department" and job.suggestions[0]["accept"] == "cardiology"
    again = import_job_run(
        tenant=tenant.pk, job_id=import_job_accept_suggestions(tenant=tenant, by=admin, job=job).pk
    )
    assert again.status == "done", again.errors
    with tenant_context(tenant):
        assert DepartmentSynonym.objects.get(name="心血管病专科").code == "cardiology"
        assert Doctor.objects.get().department.name == "心内科"


# --- normalisation ------------------------------------------------------------------------------


def test_names_phones_titles_and_emails_are_stored_in_one_form(tenant, master):
    rows = [
        ["医生编码", "姓名", "医院名称", "科室", "职称", "手机", "办公电话", "邮箱"],
        ["D1", "许　立", "瑞金医院", "心内科", "主任医师/教授", "+86 134-9925-5324", "(021) 6404 1990 转 123",
         "XuLi@Example.CN"],
        ["D2", "买买提 • 艾力", "瑞金医院", "心内科", "副主任医师（三级）", "0086 13499255325", "", ""],
    ]  # fmt: skip
    result = _run(tenant, "doctors", csv_bytes(rows), "d.csv")
    assert result.committed, _messages(result.errors)
    with tenant_context(tenant):
        xu = Doctor.objects.get(external_id="D1")
        assert (xu.name, xu.name_pinyin) == ("许立", "xuli")
        assert (xu.clinical_title, xu.academic_title) == ("chief", "professor")
        assert (xu.phone, xu.phone_display) == ("+8613499255324", "+86 134-9925-5324")
        assert (xu.office_phone, xu.office_phone_display) == ("+862164041990", "(021) 6404 1990 转 123")
        assert xu.email == "xuli@example.cn"
        other = Doctor.objects.get(external_id="D2")
        assert (other.name, other.clinical_title, other.phone) == ("买买提·艾力", "associate_chief", "+8613499255325")

    # The same doctor written without the space is the same doctor; nothing changes.
    rows[1][1] = "许立"
    again = _run(tenant, "doctors", csv_bytes(rows), "d.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2), _messages(again.errors)


def test_a_hospital_file_writing_shanghai_leaves_shanghai_shi_alone(tenant, master):
    rows = [["医院名称", "省份", "城市"], ["复旦大学附属中山医院", "上海", "上海"], ["新华医院", "上海", "上海"]]
    result = _run(tenant, "hospitals", csv_bytes(rows), "h.csv")
    assert (result.created, result.updated, result.unchanged) == (1, 0, 1), _messages(result.errors)
    with tenant_context(tenant):
        assert set(Hospital.objects.values_list("city", flat=True)) == {"上海市"}


# --- no silent merge ------------------------------------------------------------------------------


@pytest.mark.parametrize("policy", ["ask", "update", "create"])
def test_a_new_external_id_never_silently_takes_over_a_doctor_matched_by_name(tenant, master, policy):
    guo = DoctorFactory(
        hospital=master["zs"], department=master["zs_cardiology"], name="郭霞", external_id="",
        clinical_title="attending", phone="13499255324",
    )  # fmt: skip
    rows = [["医生编码", "姓名", "医院名称", "科室", "职称", "手机"],
            ["HCP-6752", "郭霞", "复旦大学附属中山医院", "心内科", "主任医师", "13800000000"]]  # fmt: skip

    result = _run(tenant, "doctors", csv_bytes(rows), "d.csv", probable_matches=policy)

    with tenant_context(tenant):
        guo.refresh_from_db()
        doctors = Doctor.objects.filter(name="郭霞").count()
    if policy == "ask":
        assert not result.committed and not result.errors
        assert result.decisions == [
            {"row": 2, "doctor": guo.pk, "name": "郭霞", "department": "心内科", "external_id": "HCP-6752",
             "stored_external_id": "", "several": False}
        ]  # fmt: skip
        assert (guo.external_id, guo.clinical_title, guo.phone, doctors) == ("", "attending", "+8613499255324", 1)
    elif policy == "update":
        assert result.committed and result.updated == 1
        assert (guo.external_id, guo.clinical_title, doctors) == ("HCP-6752", "chief", 1)
    else:
        assert result.committed and result.created == 1
        assert (guo.external_id, guo.clinical_title, doctors) == ("", "attending", 2)
    if result.committed:
        again = _run(tenant, "doctors", csv_bytes(rows), "d.csv")  # no policy needed any more
        assert (again.created, again.updated, again.decisions) == (0, 0, []), "the same file again changes nothing"


@pytest.mark.parametrize("policy", ["ask", "update", "create"])
def test_a_row_without_external_id_never_silently_takes_over_a_coded_doctor(tenant, master, policy):
    guo = DoctorFactory(
        hospital=master["zs"], department=master["zs_cardiology"], name="郭霞", external_id="HCP-1",
        clinical_title="attending",
    )  # fmt: skip
    rows = [["姓名", "医院名称", "科室", "职称"], ["郭霞", "中山医院", "心血管内科", "主任医师"]]
    with tenant_context(tenant):
        Hospital.objects.filter(pk=master["zs"].pk).update(aliases=["中山医院"])

    result = _run(tenant, "doctors", csv_bytes(rows), "agency.csv", probable_matches=policy)

    with tenant_context(tenant):
        guo.refresh_from_db()
        doctors = Doctor.objects.filter(name="郭霞").count()
    if policy == "ask":
        assert [(d["doctor"], d["stored_external_id"]) for d in result.decisions] == [(guo.pk, "HCP-1")]
        assert (guo.clinical_title, doctors) == ("attending", 1)
    elif policy == "update":
        assert result.updated == 1 and (guo.clinical_title, guo.external_id, doctors) == ("chief", "HCP-1", 1)
    else:
        assert result.created == 1 and (guo.clinical_title, doctors) == ("attending", 2)


# --- products -------------------------------------------------------------------------------------


def test_products_by_brand_generic_name_and_pack_specification(tenant, master):
    DistributorFactory(tenant=tenant, name="国药控股")
    small = ProductFactory(tenant=tenant, name="立普妥", generic_name="阿托伐他汀钙片", pack_spec="10mg×7片")
    large = ProductFactory(tenant=tenant, name="立普妥大包装", generic_name="阿托伐他汀钙片", pack_spec="20mg*7片")
    ProductFactory(tenant=tenant, name="拜阿司匹灵", generic_name="阿司匹林肠溶片", pack_spec="100mg×30片")
    rows = [
        ["经销商", "医院名称", "通用名", "规格", "月份", "销售数量"],
        ["国药控股", "瑞金医院", "阿托伐他汀钙片", "20MG X 7片", "2026-01", "10"],
        ["国药控股", "瑞金医院", "阿托伐他汀钙片 10mg*7片", "", "2026-01", "20"],
        ["国药控股", "瑞金医院", "阿司匹林肠溶片", "", "2026-01", "30"],
        ["国药控股", "瑞金医院", "阿托伐他汀钙片", "", "2026-02", "40"],  # which of the two?
    ]
    result = _run(tenant, "sales", csv_bytes(rows), "s.csv")
    assert [(e.row, e.column) for e in result.errors] == [(5, "通用名")]
    assert "add the brand or the pack specification" in _messages(result.errors)[0]

    result = _run(tenant, "sales", csv_bytes(rows[:4]), "s.csv")
    assert result.committed, _messages(result.errors)
    with tenant_context(tenant):
        assert dict(SalesRecord.objects.values_list("product__name", "sell_out_units")) == {
            large.name: 10, small.name: 20, "拜阿司匹灵": 30
        }  # fmt: skip


# --- the file that comes back -----------------------------------------------------------------------


def _job_with(tenant, make_user, rows, name, data):
    admin = make_user(tenant, "tenant_admin")
    job, _ = import_job_create(tenant=tenant, by=admin, kind="doctors", upload=SimpleUploadedFile(name, data))
    return import_job_run(tenant=tenant.pk, job_id=job.pk)


def test_the_annotated_xlsx_is_the_input_with_an_error_column(tenant, master, make_user):
    rows = [
        ["医生名单"],
        ["姓名", "医院名称", "职称"],
        ["李建国", "瑞金医院", "主任医师"],
        ["王芳", "中山医院", "大主任"],
        ["合计", "2 人"],
    ]
    job = _job_with(tenant, make_user, rows, "医生.xlsx", xlsx_bytes(rows))
    with translation.override("zh-hans"):
        content, filename, _ = report.annotated_file(job)
    assert filename == "医生-errors.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "医生名单" and values[1][:4] == ["姓名", "医院名称", "职称", "错误"]
    assert values[2][3] is None, "a good row has no message"
    assert "医院名称" in values[3][3] and "复旦大学附属中山医院" in values[3][3] and "大主任" in values[3][3]
    assert "合计" in values[4][3], "a skipped row says so"


def test_the_annotated_csv_keeps_rows_where_they_were(tenant, master, make_user):
    rows = [["姓名", "医院名称"], [], ["李建国", "不存在医院"]]
    job = _job_with(tenant, make_user, rows, "d.csv", csv_bytes(rows, "gbk"))
    with translation.override("en"):
        content, filename, _ = report.annotated_file(job)
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert filename == "d-errors.csv"
    assert lines[0] == ["姓名", "医院名称", "Errors"] and lines[1] == []
    assert lines[2][:2] == ["李建国", "不存在医院"] and "no hospital named" in lines[2][2]


# --- files that would not fit -------------------------------------------------------------------------


def _bomb(rows: int) -> bytes:
    row = b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
    sheet = (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>" + row * rows + b"</sheetData></worksheet>"
    )
    template = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["x"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in template.infolist():
            bomb.writestr(item.filename, sheet if item.filename.endswith("sheet1.xml") else template.read(item))
    return out.getvalue()


def test_a_decompression_bomb_is_refused_before_it_is_expanded(tenant):
    data = _bomb(600_000)
    assert len(data) < 1_000_000, "a small file…"
    result = _run(tenant, "doctors", data, "bomb.xlsx")
    assert "too big to import" in _messages(result.errors)[0]


def test_a_cell_far_down_the_sheet_is_refused(tenant):
    out = io.BytesIO()
    import xlsxwriter

    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write(0, 0, "姓名")
    sheet.write(1_040_000, 200, "x")
    book.close()
    result = _run(tenant, "doctors", out.getvalue(), "far.xlsx")
    assert "too big to import" in _messages(result.errors)[0]


def test_too_many_rows_are_refused_while_reading(tenant, monkeypatch):
    from hospitals.imports import reading

    monkeypatch.setattr(reading, "MAX_ROWS", 50)
    rows = [["姓名"]] + [[f"医生{i}"] for i in range(100)]
    assert "too many rows" in _messages(_run(tenant, "doctors", csv_bytes(rows), "d.csv").errors)[0]
    # A spreadsheet is refused by counting its rows in the ZIP stream, before it is loaded.
    message = _messages(_run(tenant, "doctors", xlsx_bytes(rows), "d.xlsx").errors)[0]
    assert "too big to import (more than 71 rows)" in message


def test_aliases_file(tenant, master):
    rows = [["医院编码", "别名"], ["H-ZS", "中山医院、复旦中山"], ["H-ZS", "中山医院东院"]]
    result = _run(tenant, "aliases", csv_bytes(rows), "a.csv")
    assert (result.updated, result.created) == (1, 0), _messages(result.errors)
    with tenant_context(tenant):
        assert Hospital.objects.get(pk=master["zs"].pk).aliases == ["中山医院", "复旦中山", "中山医院东院"]
    assert _run(tenant, "aliases", csv_bytes(rows), "a.csv").unchanged == 1
    clash = _run(tenant, "aliases", csv_bytes([["医院名称", "别名"], ["瑞金医院", "复旦大学附属中山医院"]]), "a.csv")
    assert "the name of another hospital" in _messages(clash.errors)[0]
