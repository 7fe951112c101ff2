"""The ImportJob life cycle: a real Celery worker takes it from pending to done, exactly once."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from crm.tenancy import tenant_context
from hospitals import tasks
from hospitals.imports import progress as live
from hospitals.imports.services import import_file, import_job_create, import_job_run
from hospitals.models import Doctor, ImportJob
from tests.hospitals.factories import HospitalFactory
from tests.hospitals_import.files import csv_bytes, xlsx_bytes

DOCTORS = [["姓名", "医院", "科室", "职称"]] + [[f"医生{i}", "协和医院", "心内科", "主治医师"] for i in range(30)]


def _wait_for(tenant, job_id, statuses, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with tenant_context(tenant):
            job = ImportJob.objects.get(pk=job_id)
        if job.status in statuses:
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} still {job.status}")


@pytest.mark.worker
def test_worker_takes_a_job_from_pending_to_done_once(media_root, celery_worker_process, tenant, make_user):
    admin = make_user(tenant, "tenant_admin")
    HospitalFactory(tenant=tenant, name="协和医院")
    upload = SimpleUploadedFile("医生.xlsx", xlsx_bytes(DOCTORS))

    job, _ = import_job_create(tenant=tenant, by=admin, kind="doctors", upload=upload)
    assert job.status == "pending"

    job = _wait_for(tenant, job.pk, {"done", "failed"})
    assert job.status == "done", job.errors
    assert (job.created_count, job.rows_total, job.rows_done, job.error_count) == (30, 30, 30, 0)
    assert job.started_at and job.finished_at and job.started_at <= job.finished_at
    with tenant_context(tenant):
        assert Doctor.objects.count() == 30

    # Delivered again (a retry, a duplicate message): the worker runs it and leaves the finished job alone.
    again = tasks.import_job_run.apply_async(kwargs={"job_id": job.pk, "tenant_id": tenant.pk}, ignore_result=False)
    assert again.get(timeout=60) is None  # "not run again" (a job it ran would answer its status)
    with tenant_context(tenant):
        again = ImportJob.objects.get(pk=job.pk)
        assert (again.status, again.finished_at, again.created_count) == ("done", job.finished_at, 30)
        assert Doctor.objects.count() == 30


@pytest.mark.django_db
def test_running_a_job_twice_imports_once(tenant, make_user, django_capture_on_commit_callbacks):
    HospitalFactory(tenant=tenant, name="协和医院")
    with django_capture_on_commit_callbacks():
        job, _ = import_job_create(
            tenant=tenant, by=make_user(tenant, "tenant_admin"), kind="doctors",
            upload=SimpleUploadedFile("d.csv", csv_bytes(DOCTORS)),
        )  # fmt: skip
    assert import_job_run(tenant=tenant.pk, job_id=job.pk).status == "done"
    assert import_job_run(tenant=tenant.pk, job_id=job.pk) is None, "a done job is not run again"
    with tenant_context(tenant):
        assert Doctor.objects.count() == 30
        job.refresh_from_db()
    assert job.created_count == 30


@pytest.mark.django_db
def test_live_progress_is_readable_while_the_import_transaction_is_open(tenant):
    HospitalFactory(tenant=tenant, name="协和医院")
    seen = []

    class Spy(live.CacheProgress):
        def advance(self, rows):
            super().advance(rows)
            if self.status == "importing":
                # Another process (the web page) reads the cache: the figure is there mid-transaction.
                seen.append((connection.in_atomic_block, live.read(self.job_id)))

    result = import_file(
        tenant=tenant, by=None, kind="doctors", data=csv_bytes(DOCTORS), filename="d.csv", progress=Spy(999_001)
    )
    assert result.committed
    assert seen and seen[-1] == (True, {"status": "importing", "done": 30, "total": 30})
