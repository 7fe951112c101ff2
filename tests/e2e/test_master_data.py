"""A messy operations file in a real browser — one report with suggestions, accept them, it
imports, the same file again changes nothing — and the duplicate-doctor steward's merge."""

import time

import pytest
from playwright.sync_api import expect

from crm.tenancy import tenant_context
from hospitals.models import Doctor, DoctorMerge, DuplicateCandidate, Hospital
from tests.hospitals.factories import DepartmentFactory, DoctorFactory, HospitalFactory
from tests.hospitals_import.files import xlsx_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def import_media(tmp_path, settings, monkeypatch):
    settings.MEDIA_ROOT = str(tmp_path)
    monkeypatch.setenv("MEDIA_ROOT", str(tmp_path))


def _messy_file():
    """What operations staff send: a title, a merged hospital cell, abbreviations, campus names,
    department and title synonyms, phones and dates in every style, a totals row, a footer."""
    rows = [
        ["2026年3月 华东区医生名单（运营部）"],
        [],
        ["序号", "医生编码", "姓名", "医院名称", "科室", "职称", "手机", "授权日期"],
        [1, "E1", "许　立", "中山医院", "心血管内科", "主任医师/教授", "+86 134-9925-5324", "2026.3.5"],
        [2, "E2", "王芳", None, "呼吸与危重症医学科", "副高", "134 9925 5325", 46086],
        [3, "E3", "赵敏", None, "心内科", "主治", "13499255326", "2026年3月5日"],
        [4, "E4", "陈静", "中山医院东院", "心内科", "住院医师", "0086-134-9925-5327", "2026-03-05"],
        [5, "E5", "黄磊", "瑞金医院北院", "呼吸内科", "主任", "", ""],
        ["合计", "", "5 人"],
        ["制表人：李娜　审核：王强"],
    ]
    return xlsx_bytes(rows, merges=[(3, 3, 5, 3)])


def _upload(page, data, name):
    page.goto("/import/")
    page.select_option("select[name=kind]", "doctors")
    page.set_input_files("input[name=file]", files=[{"name": name, "mimeType": XLSX, "buffer": data}])
    page.click("[data-testid=import-submit]")


def test_messy_file_report_suggestions_accept_import_and_again(
    import_media, celery_worker_process, page, login, tenant, make_user
):
    zs = HospitalFactory(tenant=tenant, name="复旦大学附属中山医院")
    rj = HospitalFactory(tenant=tenant, name="上海交通大学医学院附属瑞金医院", aliases=["瑞金医院"])
    for hospital in (zs, rj):
        DepartmentFactory(hospital=hospital, name="心内科", standard_code="cardiology")
        DepartmentFactory(hospital=hospital, name="呼吸内科", standard_code="respiratory")
    login(page, make_user(tenant, "product_manager"))

    _upload(page, _messy_file(), "华东医生.xlsx")

    # One report: the unknown abbreviation with its suggestion, every row that has it.
    progress = page.locator("[data-testid=import-progress]")
    expect(progress).to_have_attribute("data-status", "failed", timeout=60_000)
    suggestion = page.locator("[data-testid=suggestion]")
    expect(suggestion).to_have_count(1)
    expect(suggestion.first).to_contain_text("中山医院")
    expect(suggestion.first.locator("select option:checked")).to_contain_text("复旦大学附属中山医院")
    errors = page.locator("[data-testid=import-errors] tbody tr")
    expect(errors).to_have_count(4)  # rows 4, 5, 6 (the merged cell) and 7 (a campus of it)
    expect(page.locator("[data-testid=import-notes-box]")).to_contain_text("合计")
    expect(page.locator("[data-testid=report-annotated]")).to_be_visible()
    with tenant_context(tenant):
        assert not Doctor.objects.exists()

    page.click("[data-testid=accept-suggestions]")

    expect(progress).to_have_attribute("data-status", "done", timeout=60_000)
    expect(page.locator("[data-testid=count-created]")).to_have_text("5")
    with tenant_context(tenant):
        assert Hospital.objects.get(pk=zs.pk).aliases == ["中山医院"]
        xu = Doctor.objects.get(external_id="E1")
        assert (xu.name, xu.clinical_title, xu.academic_title, xu.phone) == ("许立", "chief", "professor",
                                                                            "+8613499255324")  # fmt: skip
        assert xu.department.name == "心内科" and xu.consent_date.isoformat() == "2026-03-05"
        chen = Doctor.objects.get(external_id="E4")
        assert (chen.hospital_id, chen.campus) == (zs.pk, "东院")
        assert Doctor.objects.get(external_id="E2").hospital_id == zs.pk, "the merged cell, filled down"

    _upload(page, _messy_file(), "华东医生-again.xlsx")
    expect(progress).to_have_attribute("data-status", "done", timeout=60_000)
    expect(page.locator("[data-testid=count-created]")).to_have_text("0")
    expect(page.locator("[data-testid=count-updated]")).to_have_text("0")
    expect(page.locator("[data-testid=count-unchanged]")).to_have_text("5")


def _wait(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError("timed out")


def test_steward_finds_reviews_merges_and_reverses(celery_worker_process, page, login, tenant, make_user):
    hospital = HospitalFactory(tenant=tenant, name="复旦大学附属中山医院")
    dept = DepartmentFactory(hospital=hospital, name="心内科")
    keep = DoctorFactory(hospital=hospital, department=dept, name="许立", phone="", external_id="HCP-1")
    dup = DoctorFactory(hospital=hospital, department=dept, name="许立", phone="134-9925-5324", external_id="")
    login(page, make_user(tenant, "tenant_admin"))
    page.goto("/steward/duplicates/")
    expect(page.locator("[data-testid=no-duplicates]")).to_be_visible()

    page.click("[data-testid=scan-duplicates]")

    def found():
        with tenant_context(tenant):
            return DuplicateCandidate.objects.exists()

    _wait(found)
    page.goto("/steward/duplicates/")
    expect(page.locator("[data-testid=duplicate-pair]")).to_have_count(1)
    page.click("[data-testid=review-pair]")
    expect(page.locator("[data-testid=side-by-side]")).to_contain_text("134-9925-5324")
    expect(page.locator("[data-testid=field-phone] input[type=checkbox]")).to_be_checked()

    page.click("[data-testid=merge-button]")

    expect(page.locator("[data-testid=merge-title]")).to_be_visible()
    expect(page.locator("[data-testid=merge-taken]")).to_be_visible()
    with tenant_context(tenant):
        keep.refresh_from_db()
        dup.refresh_from_db()
        assert (keep.phone, dup.merged_into_id, dup.is_active) == ("+8613499255324", keep.pk, False)

    page.click("[data-testid=revert-merge]")
    expect(page.locator("[data-testid=merge-reverted]")).to_be_visible()
    with tenant_context(tenant):
        dup.refresh_from_db()
        assert (dup.merged_into_id, dup.is_active) == (None, True)
        assert DoctorMerge.objects.get().reverted_at is not None
