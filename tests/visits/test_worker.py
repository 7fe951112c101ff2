"""Follow-up tasks with the REAL Celery worker: exactly one task per (visit, rule), whatever
retries, repeats or a worker killed in the middle of the work."""

import datetime
import time

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from crm.tenancy import tenant_context
from tests.factories import WITH_PLATFORM_COMMITTED
from tests.visits.factories import field_team
from visits import services
from visits.models import FollowUpTask, PendingFollowUp
from visits.tasks import create_followups, followups_sweep

SIGNALS = ["literature_request", "compliance_question", "adverse_event"]
RULES_PER_VISIT = 4  # the three signals + the next step


def _purge_queue():
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(settings.CELERY_TASK_DEFAULT_QUEUE)


def _queue_length():
    return redis.Redis.from_url(settings.CELERY_BROKER_URL).llen(settings.CELERY_TASK_DEFAULT_QUEUE)


def _submit(team, n):
    ids = []
    with tenant_context(team.tenant):
        for i in range(n):
            visit = services.visit_create(
                tenant=team.tenant,
                by=team.rep,
                doctor=team.doctors[i % len(team.doctors)],
                visited_at=timezone.now() - datetime.timedelta(hours=1),
                objective_achieved="yes",
                signals=SIGNALS,
                next_step="约科室会",
                next_step_due=timezone.localdate() + datetime.timedelta(days=2),
                submit=True,  # each visit_create is its own transaction: enqueued at its commit
            )
            ids.append(visit.pk)
    return ids


def _task_stats(team):
    """(tasks, duplicated (visit, rule) pairs, visits with fewer tasks than rules)."""
    with tenant_context(team.tenant), connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM (SELECT visit_id, rule_id FROM visits_followuptask "
            "GROUP BY 1, 2 HAVING count(*) > 1) d"
        )
        duplicates = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*) FROM visits_visit v WHERE v.status = 'submitted' AND "
            "(SELECT count(*) FROM visits_followuptask t WHERE t.visit_id = v.id) < %s",
            [RULES_PER_VISIT],
        )
        missing = cur.fetchone()[0]
        return FollowUpTask.objects.count(), duplicates, missing


def _wait(predicate, timeout=90, step=0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


@pytest.fixture
def team(transactional_db, tenant):
    return field_team(tenant)


def test_submit_creates_one_task_per_rule_and_a_repeat_changes_nothing(team, celery_worker_process):
    _purge_queue()
    [visit_id] = _submit(team, 1)
    assert _wait(lambda: _task_stats(team)[0] == RULES_PER_VISIT), _task_stats(team)
    with tenant_context(team.tenant):
        kinds = sorted(FollowUpTask.objects.filter(visit_id=visit_id).values_list("kind", flat=True))
        assert kinds == sorted([*SIGNALS, "next_step"])
        assert not PendingFollowUp.objects.exists()
    # The same message delivered again (a retry, a redelivery): the worker runs each, creates nothing.
    again = [
        create_followups.apply_async(kwargs={"tenant_id": team.tenant.pk, "visit_id": visit_id}, ignore_result=False)
        for _ in range(3)
    ]
    assert [result.get(timeout=60) for result in again] == [0, 0, 0]  # tasks created by each run
    assert _task_stats(team) == (RULES_PER_VISIT, 0, 0)


@WITH_PLATFORM_COMMITTED
def test_a_worker_killed_mid_way_loses_and_duplicates_nothing(team, celery_worker_process):
    _purge_queue()
    celery_worker_process.stop()
    first = _submit(team, 300)  # queued while no worker runs (the worker needs seconds for them)
    celery_worker_process.start()
    # Kill the worker (SIGKILL, no warm shutdown) while it is working through the queue.
    assert _wait(lambda: _task_stats(team)[0] >= RULES_PER_VISIT, timeout=60, step=0.01)
    celery_worker_process.kill()
    done_before = _task_stats(team)[0]
    assert done_before < RULES_PER_VISIT * len(first), "the worker finished before it was killed"
    second = _submit(team, 10)  # submitted while no worker runs
    celery_worker_process.start()
    # The message the dead worker held comes back only after the broker's visibility timeout;
    # the sweeper (every minute in production) re-enqueues what is still pending.
    followups_sweep.apply(kwargs={"older_than_seconds": 0})
    expected = RULES_PER_VISIT * (len(first) + len(second))
    assert _wait(lambda: _task_stats(team)[0] >= expected, timeout=120), _task_stats(team)
    # One solo worker takes the queue in order: once a message sent last is done, so is every one
    # before it (a redelivered one included) — and that last one, a repeat, creates nothing.
    last = create_followups.apply_async(kwargs={"tenant_id": team.tenant.pk, "visit_id": first[0]}, ignore_result=False)
    assert last.get(timeout=120) == 0
    assert _task_stats(team) == (expected, 0, 0)
    with tenant_context(team.tenant):
        assert not PendingFollowUp.objects.exists()
