"""The import pages: who may use them, upload → job, the result with its error table and report."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from crm.tenancy import tenant_context
from hospitals.imports.services import import_job_run
from hospitals.models import Hospital, ImportJob
from tests.hospitals_import.files import csv_bytes

pytestmark = pytest.mark.django_db

BAD = [
    ["医院名称", "医院等级", "省份", "城市"],
    ["甲医院", "三甲", "上海", "上海市"],
    ["乙医院", "三甲乙", "上海", "上海市"],
]


@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.mark.parametrize("role", ["rep", "manager", "compliance", "medical_affairs", "distributor_rep"])
def test_only_admins_and_product_managers_may_import(client, tenant, make_user, role):
    client.force_login(make_user(tenant, role))
    assert client.get(reverse("import_start")).status_code == 403
    assert client.get(reverse("import_template", args=["doctors", "csv"])).status_code == 403


def test_menu_shows_import_to_product_managers_only(client, tenant, make_user):
    client.force_login(make_user(tenant, "product_manager"))
    assert reverse("import_start") in client.get(reverse("home")).content.decode()
    client.force_login(make_user(tenant, "rep"))
    assert reverse("import_start") not in client.get(reverse("home")).content.decode()


def _only_job(tenant):
    with tenant_context(tenant):
        return ImportJob.objects.get()


def _upload(client, kind, data, name):
    return client.post(reverse("import_start"), {"kind": kind, "file": _file(data, name)})


def _file(data, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_upload_runs_the_job_and_the_page_shows_errors_by_row_and_column(
    client, tenant, make_user, english, django_capture_on_commit_callbacks
):
    client.force_login(make_user(tenant, "tenant_admin"))
    with django_capture_on_commit_callbacks() as callbacks:
        response = _upload(client, "hospitals", csv_bytes(BAD, "gbk"), "医院.csv")
    job = _only_job(tenant)
    assert response.status_code == 302 and response["Location"] == reverse("import_job_detail", args=[job.pk])
    assert len(callbacks) == 1, "the job is enqueued once, after commit"
    assert job.status == "pending" and job.file.name.startswith(f"imports/{tenant.pk}/")

    # While pending, the page polls for progress every second.
    page = client.get(reverse("import_job_detail", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page

    import_job_run(tenant=tenant.pk, job_id=job.pk)  # what the worker does

    fragment = client.get(reverse("import_job_progress", args=[job.pk])).content.decode()
    assert "every 1s" not in fragment, "a finished job stops polling"
    assert "Nothing was imported: 1 error." in fragment
    assert "三甲乙" in fragment and "医院等级" in fragment
    with tenant_context(tenant):
        assert not Hospital.objects.exists()

    report = client.get(reverse("import_job_report", args=[job.pk, "csv"]))
    rows = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Row", "Column", "Message", "The row in the file"]
    assert rows[1][:2] == ["3", "医院等级"] and "三甲乙" in rows[1][2]


def test_a_good_file_shows_counts(client, tenant, make_user, english):
    client.force_login(make_user(tenant, "product_manager"))
    good = [row[:] for row in BAD]
    good[2][1] = "三级乙等"
    _upload(client, "hospitals", csv_bytes(good), "ok.csv")
    job = _only_job(tenant)
    import_job_run(tenant=tenant.pk, job_id=job.pk)
    page = client.get(reverse("import_job_detail", args=[job.pk])).content.decode()
    assert "Imported: 2 rows." in page
    assert 'data-testid="count-created">2<' in page
    with tenant_context(tenant):
        assert set(Hospital.objects.values_list("grade", flat=True)) == {"3A", "3B"}


def test_wrong_file_type_is_refused_at_upload(client, tenant, make_user, english):
    client.force_login(make_user(tenant, "tenant_admin"))
    response = _upload(client, "doctors", b"%PDF-1.4", "scan.pdf")
    assert response.status_code == 200
    assert "Upload a CSV or Excel (.xlsx) file." in response.content.decode()
    with tenant_context(tenant):
        assert not ImportJob.objects.exists()


def test_template_has_the_headers_in_the_users_language(client, tenant, make_user, english):
    client.force_login(make_user(tenant, "tenant_admin"))
    response = client.get(reverse("import_template", args=["doctors", "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    headers = next(sheet.iter_rows(values_only=True))
    assert "Name*" in headers and "Hospital" in headers and "Clinical title" in headers
    assert client.get(reverse("import_template", args=["nonsense", "xlsx"])).status_code == 404


def test_admin_lists_the_tenants_imports_read_only(client, tenant, other_tenant, make_user):
    from tests.hospitals_import.isolation_cases import _job

    _job(tenant, "本公司.csv")
    _job(other_tenant, "别家.csv")
    client.force_login(make_user(tenant, "tenant_admin"))
    page = client.get(reverse("admin:hospitals_importjob_changelist")).content.decode()
    assert "本公司.csv" in page and "别家.csv" not in page
    assert client.get(reverse("admin:hospitals_importjob_add")).status_code == 403
