"""Importing a messy spreadsheet in a real browser: a bad row stops everything, the fix goes through."""

import csv
import io

import pytest
from playwright.sync_api import expect

from crm.tenancy import tenant_context
from hospitals.models import Doctor
from tests.hospitals.factories import HospitalFactory


@pytest.fixture
def import_media(tmp_path, settings, monkeypatch):
    """Uploads in a temporary MEDIA_ROOT, for the live server and for the worker started after it."""
    settings.MEDIA_ROOT = str(tmp_path)
    monkeypatch.setenv("MEDIA_ROOT", str(tmp_path))


def _gbk_csv(rows):
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("gbk")


ROWS = [
    ["姓名", "性别", "医院", "科室", "职称"],
    ["李建国", "男", "协和医院", "心内科", "主任医师"],
    ["王芳", "女", "协和医院", "心内科", "大主任"],  # row 3: no such title
    ["张伟", "男", "协和医院", "呼吸内科", "主治医师"],
]


def _upload(page, rows, name):
    page.goto("/import/")
    page.select_option("select[name=kind]", "doctors")
    page.set_input_files("input[name=file]", files=[{"name": name, "mimeType": "text/csv", "buffer": _gbk_csv(rows)}])
    page.click("[data-testid=import-submit]")


def test_import_with_a_bad_row_then_the_fixed_file(import_media, celery_worker_process, page, login, tenant, make_user):
    HospitalFactory(tenant=tenant, name="协和医院")
    login(page, make_user(tenant, "product_manager"))
    page.locator("[data-testid=menu] summary").click()
    page.locator("a[href='/import/']").click()
    expect(page.locator("[data-testid=import-title]")).to_be_visible()

    _upload(page, ROWS, "医生名单.csv")

    # The page polls until the worker has checked every row; the bad one stops the whole file.
    expect(page.locator("[data-testid=import-progress]")).to_have_attribute("data-status", "failed", timeout=60_000)
    errors = page.locator("[data-testid=import-errors] tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.first.locator("td").nth(0)).to_have_text("3")
    expect(errors.first.locator("td").nth(1)).to_have_text("职称")
    expect(errors.first.locator("td").nth(2)).to_contain_text("大主任")
    expect(page.locator("[data-testid=report-xlsx]")).to_be_visible()
    with tenant_context(tenant):
        assert not Doctor.objects.exists(), "nothing is imported when one row is wrong"

    fixed = [row[:] for row in ROWS]
    fixed[2][4] = "副主任医师"
    _upload(page, fixed, "医生名单-改.csv")

    expect(page.locator("[data-testid=import-progress]")).to_have_attribute("data-status", "done", timeout=60_000)
    expect(page.locator("[data-testid=count-created]")).to_have_text("3")
    with tenant_context(tenant):
        assert sorted(Doctor.objects.values_list("name", "clinical_title")) == [
            ("张伟", "attending"), ("李建国", "chief"), ("王芳", "associate_chief"),
        ]  # fmt: skip
    # Both uploads are listed on the import page.
    page.goto("/import/")
    expect(page.locator("[data-testid=import-jobs] tbody tr")).to_have_count(2)
