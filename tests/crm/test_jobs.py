"""Celery: a real worker answers the health check and runs tenant tasks as their tenant."""

import json
import time

import pytest
import redis
from django.conf import settings
from django.db import transaction

from crm.tasks import tenant_echo
from tests.factories import territory_tree


def test_healthz_reports_every_part_with_a_real_worker(client, celery_worker_process):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok", "celery": "ok"}


def test_healthz_is_503_when_no_worker_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok" and body["redis"] == "ok"
    assert body["celery"].startswith("error")


def test_tenant_task_runs_inside_its_tenant(tenant, other_tenant, db):
    territory_tree(tenant, "A")
    territory_tree(other_tenant, "B")
    territory_tree(other_tenant, "C")
    # Run in-process through Celery's own call path (apply), as the worker would.
    result = tenant_echo.apply(kwargs={"tenant_id": other_tenant.pk, "token": "t1"}).get()
    assert result == {"tenant_id": other_tenant.pk, "territories": 8, "token": "t1"}


def test_tenant_task_without_tenant_is_refused(db):
    with pytest.raises(TypeError, match="tenant_id"):
        tenant_echo.apply(kwargs={"token": "x"}, throw=True).get()


def test_tenant_tasks_are_late_acked_and_json_only():
    assert tenant_echo.acks_late and tenant_echo.reject_on_worker_lost
    assert settings.CELERY_TASK_SERIALIZER == "json" and settings.CELERY_ACCEPT_CONTENT == ["json"]
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > settings.CELERY_TASK_TIME_LIMIT


def _queued_messages():
    r = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    return [json.loads(m) for m in r.lrange(settings.CELERY_TASK_DEFAULT_QUEUE, 0, -1)]


def test_delay_on_commit_sends_nothing_before_the_commit(tenant, django_capture_on_commit_callbacks):
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(settings.CELERY_TASK_DEFAULT_QUEUE)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tenant_echo.delay_on_commit(tenant_id=tenant.pk, token="later")
    assert len(callbacks) == 1
    assert _queued_messages() == []  # nothing left before the commit


@pytest.mark.django_db(transaction=True)
def test_worker_consumes_a_task_enqueued_on_commit(tenant, celery_worker_process):
    # Transport only: the message leaves after the commit and a real worker takes it. The task's
    # effects through a real worker are asserted where tasks have effects (imports, scoring runs,
    # visit follow-ups in tests/hospitals_import, tests/segmentation, tests/visits).
    territory_tree(tenant, "A")
    r = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    with transaction.atomic():
        tenant_echo.delay_on_commit(tenant_id=tenant.pk, token="committed")
        assert r.llen(settings.CELERY_TASK_DEFAULT_QUEUE) == 0
    # The worker consumed it: the queue drains without the test touching it.
    deadline = time.monotonic() + 20
    while r.llen(settings.CELERY_TASK_DEFAULT_QUEUE) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert r.llen(settings.CELERY_TASK_DEFAULT_QUEUE) == 0
