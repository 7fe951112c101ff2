"""Scoring runs with a real Celery worker: idempotent re-runs, kill-and-restart, the quarterly job."""

import time

import pytest
from django.db import connection

from accounts.models import Role
from crm.tenancy import tenant_context
from segmentation import progress, services
from segmentation.models import RunStatus, RunTrigger, ScoringRun, TierAssignment
from segmentation.schedule import TASK, TASK_NAME
from segmentation.tasks import quarterly_rescore, rescore
from tests.factories import WITH_PLATFORM_COMMITTED
from tests.segmentation.factories import make_doctors, make_version

PERIOD = "2026Q1"


def checksum(tenant, period=PERIOD):
    """Every value of every assignment of the period (not the row ids)."""
    with tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), md5(string_agg(concat_ws('|', doctor_id, version_id, tier, score, breakdown::text, "
            "previous_tier), ',' ORDER BY doctor_id)) FROM segmentation_tierassignment WHERE period = %s",
            [period],
        )
        return cursor.fetchone()


def wait_for(tenant, run_id, statuses=(RunStatus.DONE, RunStatus.FAILED), timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with tenant_context(tenant):
            run = ScoringRun.objects.get(pk=run_id)
        if run.status in statuses:
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} still {run.status}")


@pytest.fixture
def world(tenant, make_user):
    make_doctors(tenant, 40)
    version = make_version(tenant)
    return version, make_user(tenant, Role.PRODUCT_MANAGER)


def test_running_the_same_period_twice_gives_identical_rows_and_changes_none(world, tenant, celery_worker_process):
    version, pm = world
    with tenant_context(tenant):
        first = services.run_start(tenant=tenant, by=pm, period=PERIOD)
    first = wait_for(tenant, first.pk)
    assert first.status == RunStatus.DONE, first.error
    before = checksum(tenant)

    with tenant_context(tenant):
        second = services.run_start(tenant=tenant, by=pm, period=PERIOD)
    second = wait_for(tenant, second.pk)

    assert before[0] == 40 and first.changed_rows == 40
    assert second.status == RunStatus.DONE and second.changed_rows == 0
    assert checksum(tenant) == before
    assert second.tier_counts == first.tier_counts == {"A": 4, "B": 8, "C": 12, "D": 16}


def test_killing_the_worker_mid_run_then_rerunning_gives_the_uninterrupted_result(world, tenant, celery_worker_process):
    version, pm = world
    # A worker that writes 5 rows per chunk and pauses after each, so it can be killed mid-write.
    celery_worker_process.stop()
    celery_worker_process.start(app="tests.segmentation.slow_worker")
    with tenant_context(tenant):
        run = services.run_start(tenant=tenant, by=pm, period=PERIOD)

    deadline = time.monotonic() + 60
    seen = None
    while time.monotonic() < deadline:
        seen = progress.get(run.pk)
        if seen and seen["phase"] == "writing" and 0 < seen["done"] < seen["total"]:
            break
        time.sleep(0.05)
    assert seen and seen["phase"] == "writing", seen
    celery_worker_process.kill()

    # Killed mid-run: nothing of it was committed, the run is left "running".
    assert checksum(tenant)[0] == 0
    with tenant_context(tenant):
        assert ScoringRun.objects.get(pk=run.pk).status == RunStatus.RUNNING

    # The run again, on a normal worker.
    celery_worker_process.start()
    rescore.delay(tenant_id=tenant.pk, period=PERIOD, run_id=run.pk)
    rerun = wait_for(tenant, run.pk)
    assert rerun.status == RunStatus.DONE and rerun.attempts == 2
    after_crash = checksum(tenant)

    # The same scoring, uninterrupted, from scratch.
    with tenant_context(tenant):
        TierAssignment.objects.filter(period=PERIOD).delete()
        clean = ScoringRun.objects.create(tenant=tenant, version=version, period=PERIOD)
    rescore.delay(tenant_id=tenant.pk, period=PERIOD, run_id=clean.pk)
    clean = wait_for(tenant, clean.pk)
    assert clean.status == RunStatus.DONE
    assert checksum(tenant) == after_crash
    assert after_crash[0] == 40
    assert rerun.tier_counts == clean.tier_counts


def test_quarterly_job_is_scheduled_in_beat_at_0030_shanghai_on_the_first_of_each_quarter(db):
    from django_celery_beat.models import PeriodicTask

    from crm.celery import app

    task = PeriodicTask.objects.get(name=TASK_NAME)
    cron = task.crontab
    assert task.enabled and task.task == TASK and TASK in app.tasks
    assert (cron.minute, cron.hour, cron.day_of_month, cron.month_of_year) == ("30", "0", "1-28", "1,4,7,10")
    assert str(cron.timezone) == "Asia/Shanghai"


@WITH_PLATFORM_COMMITTED
def test_quarterly_job_fans_out_one_rescore_per_active_tenant(world, tenant, other_tenant, celery_worker_process):
    # other_tenant has no scorecard: nothing to score there, and no error.
    result = quarterly_rescore.apply(kwargs={"period": "2026Q2"}).get()
    assert result["tenants"] >= 2

    deadline = time.monotonic() + 90
    runs = []
    while time.monotonic() < deadline:
        with tenant_context(tenant):
            runs = list(ScoringRun.objects.filter(period="2026Q2"))
        if runs and runs[0].status == RunStatus.DONE:
            break
        time.sleep(0.3)
    assert len(runs) == 1 and runs[0].trigger == RunTrigger.SCHEDULE and runs[0].status == RunStatus.DONE
    assert checksum(tenant, "2026Q2")[0] == 40
    with tenant_context(other_tenant):
        assert not ScoringRun.objects.exists()

    # The beat firing twice (or a re-delivery) does not score the quarter again.
    rescore.apply(kwargs={"tenant_id": tenant.pk, "period": "2026Q2"})
    with tenant_context(tenant):
        assert ScoringRun.objects.filter(period="2026Q2").count() == 1


def test_a_big_tenants_whatif_is_scored_by_the_worker_page_and_api_never_block(
    world, tenant, celery_worker_process, client, api_client, settings
):
    """Beyond SEGMENTATION_WHATIF_SYNC_MAX_DOCTORS the request answers at once with progress
    (page) or 202 (API) and the real worker computes the result; both then show it."""
    from django.urls import reverse

    version, pm = world
    settings.SEGMENTATION_WHATIF_SYNC_MAX_DOCTORS = 10  # 40 doctors count as "big" here
    client.force_login(pm)
    api_client.force_login(pm)
    url = reverse("tier_version_preview", args=[version.pk]) + f"?period={PERIOD}"
    api_url = f"/api/v1/scorecard-versions/{version.pk}/whatif/?period={PERIOD}"

    first = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-pending="1"' in first and 'data-testid="whatif-progress-bar"' in first
    early = api_client.get(api_url)
    assert early.status_code in (200, 202)  # the worker may already be done
    if early.status_code == 202:
        assert early.json()["status"] in ("pending", "running") and early.json()["total"] == 40

    deadline = time.monotonic() + 60
    html = first
    while 'data-pending="1"' in html and time.monotonic() < deadline:
        time.sleep(0.3)
        html = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="whatif-table" data-total="40"' in html
    assert 'data-testid="whatif-unscored" data-count="40"' in html  # no run yet: none is scored
    done = api_client.get(api_url)
    assert done.status_code == 200
    assert done.json()["total"] == 40 and done.json()["unscored"] == 40
    with tenant_context(tenant):
        assert not TierAssignment.objects.exists()  # a preview writes nothing
