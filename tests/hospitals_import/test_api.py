"""The import API: a distributor's monthly flow file (流向) posted by a program, followed to the end."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.tenancy import tenant_context
from hospitals.imports.services import import_job_run
from hospitals.models import Hospital, ImportJob, Shipment
from tests.hospitals.factories import DistributorFactory, HospitalFactory, ProductFactory
from tests.hospitals_import.files import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

FLOW = [
    ["经销商", "医院名称", "产品", "批号", "数量", "发货日期", "有效期"],
    ["上药控股", "复旦大学附属中山医院", "康立欣", "L2403A", "50", "2024-03-02", "2026.02"],
    ["上药控股", "中山医院", "康立欣", "L2403B", "20", "2024-03-05", "2026.02"],
]


@pytest.fixture
def flow(tenant):
    HospitalFactory(tenant=tenant, name="复旦大学附属中山医院")
    DistributorFactory(tenant=tenant, name="上药控股")
    ProductFactory(tenant=tenant, name="康立欣")


def _post(api_client, rows=FLOW, key=None, kind="flow", name="流向.xlsx", **extra):
    data = xlsx_bytes(rows) if name.endswith(".xlsx") else csv_bytes(rows, "gbk")
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    body = {"file": SimpleUploadedFile(name, data), "kind": kind, **extra}
    return api_client.post("/api/v1/imports/", body, format="multipart", **headers)


def test_post_a_flow_file_follow_the_job_read_the_report_accept_and_import(
    api_client, tenant, make_user, flow, django_capture_on_commit_callbacks
):
    api_client.force_login(make_user(tenant, "product_manager"))
    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        response = _post(api_client, key="2024-03-上药控股")
    assert response.status_code == 201, response.json()
    job = response.json()
    assert (job["kind"], job["status"], job["client_key"]) == ("shipments", "pending", "2024-03-上药控股")
    assert len(enqueued) == 1

    # The same key again (a retry): the same job, nothing enqueued twice.
    with django_capture_on_commit_callbacks(execute=False) as again:
        retry = _post(api_client, key="2024-03-上药控股")
    assert retry.status_code == 200 and retry.json()["id"] == job["id"] and not again
    conflict = _post(api_client, key="2024-03-上药控股", kind="sales")
    assert conflict.status_code == 409 and "client_key" in conflict.json()

    import_job_run(tenant=tenant.pk, job_id=job["id"])  # what the worker does
    detail = api_client.get(f"/api/v1/imports/{job['id']}/").json()
    assert (detail["status"], detail["error_count"], detail["stage"]) == ("failed", 1, "failed")

    report = api_client.get(f"/api/v1/imports/{job['id']}/report/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(3, "医院名称")]
    assert report["errors"][0]["values"] == FLOW[2] and "did you mean" in report["errors"][0]["message"]
    assert report["suggestions"][0]["value"] == "中山医院" and report["suggestions"][0]["accept"]

    annotated = api_client.get(f"/api/v1/imports/{job['id']}/annotated/")
    assert annotated.status_code == 200 and annotated["Content-Type"].startswith("application/vnd.openxml")

    accepted = api_client.post(f"/api/v1/imports/{job['id']}/accept-suggestions/", {}, format="json")
    assert accepted.status_code == 201 and accepted.json()["rerun_of"] == job["id"]
    import_job_run(tenant=tenant.pk, job_id=accepted.json()["id"])
    done = api_client.get(f"/api/v1/imports/{accepted.json()['id']}/").json()
    assert (done["status"], done["created_count"]) == ("done", 2)
    with tenant_context(tenant):
        assert Hospital.objects.get().aliases == ["中山医院"]
        assert sorted(Shipment.objects.values_list("lot_number", "expiry_date__day")) == [
            ("L2403A", 28), ("L2403B", 28)
        ]  # fmt: skip

    listed = api_client.get("/api/v1/imports/?status=done").json()["results"]
    assert [j["id"] for j in listed] == [accepted.json()["id"]]


def test_options_are_chosen_up_front_and_bad_input_is_a_400(api_client, tenant, make_user, flow):
    api_client.force_login(make_user(tenant, "tenant_admin"))
    response = _post(api_client, kind="doctors", probable_matches="update", new_departments="create", name="d.csv")
    assert response.status_code == 201
    assert response.json()["options"] == {"probable_matches": "update", "new_departments": "create"}
    assert _post(api_client, kind="nonsense").status_code == 400
    assert _post(api_client, kind="doctors", probable_matches="maybe").status_code == 400
    bad_type = api_client.post(
        "/api/v1/imports/", {"file": SimpleUploadedFile("x.pdf", b"%PDF"), "kind": "doctors"}, format="multipart"
    )
    assert bad_type.status_code == 400 and "file" in bad_type.json()


def test_decide_probable_matches_through_the_api(api_client, tenant, make_user):
    from tests.hospitals.factories import DoctorFactory

    doctor = DoctorFactory(hospital__tenant=tenant, hospital__name="华山医院", department=None, name="郭霞")
    api_client.force_login(make_user(tenant, "tenant_admin"))
    rows = [["医生编码", "姓名", "医院名称", "职称"], ["HCP-1", "郭霞", "华山医院", "主任医师"]]
    job = _post(api_client, rows=rows, kind="doctors", name="d.csv").json()
    import_job_run(tenant=tenant.pk, job_id=job["id"])
    report = api_client.get(f"/api/v1/imports/{job['id']}/report/").json()
    assert report["status"] == "decide" and report["decisions"][0]["doctor"] == doctor.pk
    assert api_client.post(f"/api/v1/imports/{job['id']}/decide/", {"probable_matches": "ask"}).status_code == 400
    again = api_client.post(f"/api/v1/imports/{job['id']}/decide/", {"probable_matches": "update"}).json()
    import_job_run(tenant=tenant.pk, job_id=again["id"])
    with tenant_context(tenant):
        doctor.refresh_from_db()
    assert (doctor.external_id, doctor.clinical_title) == ("HCP-1", "chief")


@pytest.mark.parametrize("role", ["rep", "manager", "medical_affairs", "compliance", "distributor_rep"])
def test_only_importers_use_the_import_api(api_client, tenant, make_user, role, flow):
    api_client.force_login(make_user(tenant, role))
    assert api_client.get("/api/v1/imports/").status_code == 403
    assert _post(api_client).status_code == 403
    with tenant_context(tenant):
        assert not ImportJob.objects.exists()


def test_another_tenants_job_is_404_for_every_action(api_client, tenant, other_tenant, make_user, flow):
    api_client.force_login(make_user(other_tenant, "tenant_admin"))
    foreign = _post(api_client, name="f.csv").json()
    api_client.force_login(make_user(tenant, "tenant_admin"))
    for suffix in ("", "report/", "annotated/"):
        assert api_client.get(f"/api/v1/imports/{foreign['id']}/{suffix}").status_code == 404
    for suffix, body in (("accept-suggestions/", {}), ("decide/", {"probable_matches": "update"})):
        assert api_client.post(f"/api/v1/imports/{foreign['id']}/{suffix}", body, format="json").status_code == 404
    with tenant_context(other_tenant):
        assert ImportJob.objects.count() == 1


def test_the_csv_report_lists_the_original_rows(api_client, tenant, make_user, flow):
    api_client.force_login(make_user(tenant, "tenant_admin"))
    job = _post(api_client, name="f.csv").json()
    import_job_run(tenant=tenant.pk, job_id=job["id"])
    content = api_client.get(f"/api/v1/imports/{job['id']}/annotated/").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0][-1] in ("Errors", "错误") and rows[2][:7] == FLOW[2] and rows[2][7]
