"""Importing master data from messy real-world files: every row checked, all or nothing, no duplicates."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from crm.tenancy import tenant_context
from hospitals.imports.errors import render_full
from hospitals.imports.services import import_file
from hospitals.models import (
    Department,
    DistributorCoverage,
    Doctor,
    DoctorRelation,
    DoctorTerritory,
    Hospital,
    SalesRecord,
    Shipment,
    SocietyPosition,
    UsageShare,
)
from tests.factories import territory_tree
from tests.hospitals.factories import (
    DepartmentFactory,
    DoctorFactory,
    HospitalFactory,
    ProductFactory,
)
from tests.hospitals_import.files import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

HOSPITALS_GBK = [
    ["2024年 医院主数据（华东区）"],  # a title above the header row
    [" 医院名称 ", "医院等级", "类型", "省份", "城市", "区县", "床位数（张）", "外部编码"],
    ["复旦大学附属中山医院", "三级甲等", "综合", "上海", "上海市", "徐汇区", "１２００", "H001"],
    ["", "", "", "", "", "", "", ""],  # blank rows are skipped
    ["浙江省人民医院", "三甲", "综合医院", "浙江省", "杭州市", "", "2,500", "H002"],
    ["南京市中医院", "二级甲等", "中医院", "江苏", "南京市", "秦淮区", "800", ""],
]


def _run(tenant, kind, data, filename, by=None):
    return import_file(tenant=tenant, by=by, kind=kind, data=data, filename=filename)


def _messages(result):
    with translation.override("en"):
        return [render_full(e) for e in result.errors]


def test_gbk_csv_with_chinese_headers_and_a_title_row(tenant):
    data = csv_bytes(HOSPITALS_GBK, encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really GBK

    result = _run(tenant, "hospitals", data, "医院.csv")

    assert result.committed, _messages(result)
    assert (result.created, result.updated, result.rows_total) == (3, 0, 3)
    with tenant_context(tenant):
        zs = Hospital.objects.get(external_id="H001")
        assert (zs.name, zs.grade, zs.type, zs.province, zs.beds) == (
            "复旦大学附属中山医院",
            "3A",
            "general",
            "上海市",
            1200,
        )
        zj = Hospital.objects.get(name="浙江省人民医院")
        assert (zj.grade, zj.province, zj.beds, zj.district) == ("3A", "浙江省", 2500, "")
        nj = Hospital.objects.get(name="南京市中医院")
        assert (nj.grade, nj.type, nj.province, nj.external_id) == ("2A", "tcm", "江苏省", "")


def test_utf8_csv_with_bom_and_semicolons_is_read_too(tenant):
    rows = [["Hospital", "Province", "City"], ["华山医院", "Shanghai", "上海市"]]
    result = _run(tenant, "hospitals", "\ufeff".encode() + csv_bytes(rows, delimiter=";"), "h.csv")
    assert result.committed, _messages(result)
    with tenant_context(tenant):
        assert Hospital.objects.get(name="华山医院").province == "上海市"


def test_xlsx_with_english_headers_numbers_and_excel_dates(tenant):
    hospital = HospitalFactory(tenant=tenant, name="北京协和医院")
    _, _, t1, _ = territory_tree(tenant, "N")
    rows = [
        ["External ID", "Name", "Gender", "Hospital", "Department", "Title", "Academic Title", "Graduation Year",
         "Mobile Phone", "Preferred channels", "Consent to contact", "Consent Date", "Territory codes", "Specialties"],
        ["D-1", "李建国", "Male", "北京协和医院", "心内科", "Chief physician", "Professor", 1998, 13800000000,
         "WeChat, Phone", "Yes", dt.date(2024, 1, 5), t1.code, "高血压、心力衰竭"],
        ["D-2", "王芳", "女", "北京协和医院", "呼吸内科", "主治医师", "", 2010.0, "13900000000", "面访", "否", 45296,
         "", ""],
    ]  # fmt: skip

    result = _run(tenant, "doctors", xlsx_bytes(rows, start_row=2), "doctors.xlsx")

    assert result.committed, _messages(result)
    assert result.created == 2
    with tenant_context(tenant):
        li = Doctor.objects.get(external_id="D-1")
        assert (li.gender, li.clinical_title, li.academic_title, li.graduation_year) == (
            "M",
            "chief",
            "professor",
            1998,
        )
        assert li.phone_display == "13800000000", "an Excel number must not come back as 13800000000.0"
        assert li.phone == "+8613800000000", "stored in E.164"
        assert li.preferred_channels == ["wechat", "phone"]
        assert (li.consent_to_contact, li.consent_date) == (True, dt.date(2024, 1, 5))
        assert li.specialties == ["高血压", "心力衰竭"]
        assert (li.name_pinyin, li.name_initials) == ("lijianguo", "ljg")
        assert li.hospital == hospital and li.department.name == "心内科"
        assert li.department.standard_code == "cardiology", "a new department with a standard name gets its code"
        assert list(DoctorTerritory.objects.filter(doctor=li).values_list("territory", flat=True)) == [t1.pk]
        wang = Doctor.objects.get(external_id="D-2")
        assert (wang.gender, wang.clinical_title, wang.consent_date) == ("F", "attending", dt.date(2024, 1, 5))
        # Found by pinyin initials, as a rep would search on a phone.
        assert list(Doctor.objects.search("ljg")) == [li]
        # The import left an audit trail in the doctor's history.
        assert li.history.filter(history_type="+").count() == 1


def test_one_bad_row_commits_nothing_and_the_report_names_row_and_column(tenant):
    rows = [
        ["医院名称", "医院等级", "省份", "城市", "床位数"],
        ["甲医院", "三级甲等", "上海", "上海市", "100"],
        ["乙医院", "二级", "江苏", "苏州市", "200"],
        ["丙医院", "三甲乙", "浙江", "杭州市", "300"],  # row 4: unknown grade
        ["丁医院", "一级", "火星", "", "很多"],  # row 5: unknown province, missing city, beds not a number
    ]

    result = _run(tenant, "hospitals", csv_bytes(rows), "h.csv")

    assert not result.committed
    with tenant_context(tenant):
        assert Hospital.objects.count() == 0, "nothing may be written when any row is wrong"
    found = {(e.row, e.column) for e in result.errors}
    assert found == {(4, "医院等级"), (5, "省份"), (5, "城市"), (5, "床位数")}
    messages = _messages(result)
    assert messages[0].startswith("Row 4, column “医院等级”: unrecognised grade “三甲乙”")
    assert "Row 5, column “床位数”: not a number: “很多”" in messages


def test_reimport_updates_and_never_duplicates(tenant, make_user):
    admin = make_user(tenant, "tenant_admin")
    hospital = HospitalFactory(tenant=tenant, name="华山医院")
    rows = [
        ["医生编码", "姓名", "医院", "科室", "职称", "手机"],
        ["", "张伟", "华山医院", "神经内科", "主治医师", "13700000001"],
        ["X9", "刘洋", "华山医院", "神经内科", "住院医师", ""],
        ["", "陈静", "华山医院", "", "主任医师", ""],
    ]
    first = _run(tenant, "doctors", csv_bytes(rows), "d.csv", by=admin)
    assert first.committed and first.created == 3, _messages(first)

    rows[1][4] = "副主任医师"  # promoted
    rows[3][5] = "13700000003"  # phone added
    rows[2][5] = ""  # an empty cell keeps what is stored
    again = _run(tenant, "doctors", csv_bytes(rows), "d.csv", by=admin)

    assert again.committed, _messages(again)
    assert (again.created, again.updated, again.unchanged) == (0, 2, 1)
    with tenant_context(tenant):
        assert Doctor.objects.count() == 3
        assert Department.objects.filter(hospital=hospital).count() == 1
        zhang = Doctor.objects.get(name="张伟")
        assert zhang.clinical_title == "associate_chief"
        assert zhang.phone == "+8613700000001"
        assert Doctor.objects.get(name="陈静").phone == "+8613700000003"
        changed = zhang.history.filter(history_type="~").get()
        assert changed.clinical_title == "associate_chief" and changed.history_user_id == admin.pk


def test_ambiguous_doctor_match_is_a_row_error(tenant):
    hospital = HospitalFactory(tenant=tenant, name="瑞金医院")
    DoctorFactory(hospital=hospital, name="李娜", department=DepartmentFactory(hospital=hospital, name="心内科"))
    DoctorFactory(hospital=hospital, name="李娜", department=DepartmentFactory(hospital=hospital, name="肾内科"))
    rows = [["姓名", "医院", "职称"], ["李娜", "瑞金医院", "主任医师"]]

    result = _run(tenant, "doctors", csv_bytes(rows), "d.csv")

    assert [(e.row, e.column) for e in result.errors] == [(2, "姓名")]
    assert "several doctors named “李娜”" in _messages(result)[0]
    with tenant_context(tenant):
        assert not Doctor.objects.filter(clinical_title="chief").exists()


def test_two_rows_for_the_same_hospital_are_reported(tenant):
    rows = [["医院名称", "省份", "城市"], ["甲医院", "上海", "上海市"], ["甲医院", "上海", "上海市"]]
    result = _run(tenant, "hospitals", csv_bytes(rows), "h.csv")
    assert [(e.row, e.column) for e in result.errors] == [(3, "医院名称")]
    assert "the same name as row 2" in _messages(result)[0]


def test_another_tenants_hospital_cannot_be_referenced(tenant, other_tenant):
    HospitalFactory(tenant=other_tenant, name="别家医院")
    rows = [["姓名", "医院"], ["赵敏", "别家医院"]]
    result = _run(tenant, "doctors", csv_bytes(rows), "d.csv")
    assert [(e.row, e.column) for e in result.errors] == [(2, "医院")]
    with tenant_context(other_tenant):
        assert not Doctor.objects.exists()


def test_missing_required_column_and_unknown_columns(tenant):
    rows = [["姓名", "备注"], ["赵敏", "随便写写"]]
    result = _run(tenant, "doctors", csv_bytes(rows), "d.csv")
    assert not result.committed
    with translation.override("en"):
        assert any("required column missing" in m for m in _messages(result))
    assert [n.column for n in result.notes] == ["备注"]


def test_unreadable_files_are_reported_not_crashed(tenant):
    assert _messages(_run(tenant, "hospitals", b"PK\x03\x04garbage", "h.xlsx"))[0].startswith("File: the file could")
    assert "unsupported file type" in _messages(_run(tenant, "hospitals", b"x", "h.pdf"))[0]
    assert _messages(_run(tenant, "hospitals", b"", "h.csv")) == ["File: the file is empty"]


def test_departments_distributors_coverage_usage_sales_shipments(tenant):
    hospital = HospitalFactory(tenant=tenant, name="中山医院", external_id="H1")
    product = ProductFactory(tenant=tenant, name="康立欣")
    doctor = DoctorFactory(hospital=hospital, name="黄磊", external_id="DR-7")

    assert _run(tenant, "departments", csv_bytes([["医院编码", "科室"], ["H1", "呼吸内科"], ["H1", "日间手术中心"]]),
                "k.csv").created == 2  # fmt: skip
    dist = _run(
        tenant,
        "distributors",
        csv_bytes([["经销商名称", "类型", "覆盖省份", "状态"], ["上药控股", "配送商", "上海、江苏", "合作中"]]),
        "x.csv",
    )
    assert dist.committed, _messages(dist)
    cov = _run(
        tenant,
        "coverage",
        csv_bytes([["经销商", "医院", "产品", "开始日期"], ["上药控股", "中山医院", "康立欣", "2024/1/1"],
                   ["上药控股", "中山医院", "", ""]]),
        "c.csv",
    )  # fmt: skip
    assert cov.committed and cov.created == 2, _messages(cov)
    usage = _run(
        tenant,
        "usage",
        csv_bytes([["医生编码", "产品", "月份", "份额"], ["DR-7", "康立欣", "2024年3月", "10%"]]),
        "u.csv",
    )
    assert usage.committed, _messages(usage)
    sales_rows = [
        ["经销商", "医院", "产品", "月份", "进货数量", "销售金额"],
        ["上药控股", "中山医院", "康立欣", "202403", "120", "¥3,600.50"],
    ]
    assert _run(tenant, "sales", csv_bytes(sales_rows), "s.csv").created == 1
    sales_rows[1][4] = "130"
    assert _run(tenant, "sales", csv_bytes(sales_rows), "s.csv").updated == 1
    ship_rows = [["经销商", "医院", "产品", "批号", "数量", "发货日期", "有效期"],
                 ["上药控股", "中山医院", "康立欣", "L2403A", "50", "2024-03-02", "2026-02-28"]]  # fmt: skip
    assert _run(tenant, "shipments", csv_bytes(ship_rows), "sh.csv").created == 1
    assert _run(tenant, "shipments", csv_bytes(ship_rows), "sh.csv").unchanged == 1

    with tenant_context(tenant):
        assert set(Department.objects.values_list("name", "standard_code")) >= {
            ("呼吸内科", "respiratory"),
            ("日间手术中心", ""),
        }
        assert DistributorCoverage.objects.filter(product__isnull=True).count() == 1
        assert DistributorCoverage.objects.get(product=product).since == dt.date(2024, 1, 1)
        share = UsageShare.objects.get()
        assert (share.doctor, share.period, share.share) == (doctor, dt.date(2024, 3, 1), Decimal("10.00"))
        sale = SalesRecord.objects.get()
        assert (sale.month, sale.sell_in_units, sale.sell_out_value) == (dt.date(2024, 3, 1), 130, Decimal("3600.50"))
        assert Shipment.objects.get().expiry_date == dt.date(2026, 2, 28)


def test_relations_and_society_positions(tenant):
    hospital = HospitalFactory(tenant=tenant, name="省人民医院")
    county = HospitalFactory(tenant=tenant, name="临安县医院")
    kol = DoctorFactory(hospital=hospital, name="周强", external_id="K1")
    classmate = DoctorFactory(hospital=county, name="吴刚")

    rows = [
        ["医生编码", "关联医生", "关联医院", "关系", "强度", "来源"],
        ["K1", "吴刚", "临安县医院", "同学", "4", "拜访"],
    ]
    assert _run(tenant, "relations", csv_bytes(rows), "r.csv").created == 1
    # The same classmates the other way round are the same (symmetric) relation.
    reverse = [["医生", "医院", "关联医生编码", "关系", "强度"], ["吴刚", "临安县医院", "K1", "同学", "5"]]
    again = _run(tenant, "relations", csv_bytes(reverse), "r.csv")
    assert (again.created, again.updated) == (0, 1), _messages(again)
    self_rel = _run(
        tenant, "relations", csv_bytes([["医生编码", "关联医生编码", "关系"], ["K1", "K1", "同事"]]), "r.csv"
    )
    assert "themselves" in _messages(self_rel)[0]

    soc = [
        ["医生编码", "学会", "级别", "职务", "任职年份"],
        ["K1", "中华医学会心血管病学分会", "全国", "副主委", "2019"],
    ]
    assert _run(tenant, "society_positions", csv_bytes(soc), "s.csv").created == 1
    soc[1][3] = "主任委员"
    assert _run(tenant, "society_positions", csv_bytes(soc), "s.csv").updated == 1

    with tenant_context(tenant):
        rel = DoctorRelation.objects.get()
        assert (rel.from_doctor, rel.to_doctor, rel.kind, rel.strength) == (kol, classmate, "classmate", 5)
        pos = SocietyPosition.objects.get()
        assert (pos.doctor, pos.level, pos.position, pos.since) == (kol, "national", "chair", 2019)
