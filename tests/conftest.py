"""Fixtures shared by the whole suite.

The test database is made here, not by pytest-django: it is created fresh by the owner role
and migrated by the owner role, while the tests connect as the app role, so every test runs
under the same row-level security as production. Only in this database does the app role
also get TRUNCATE, which Django's transactional tests need to empty tables between tests.
"""

import datetime
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import connections

from crm.db import provision

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config):
    # The suite drops and re-creates its database: never let it run against a real one.
    if settings.SETTINGS_MODULE != "crm.settings.test":
        pytest.exit(
            f"the tests need DJANGO_SETTINGS_MODULE=crm.settings.test (got {settings.SETTINGS_MODULE}); "
            "they re-create their database",
            returncode=2,
        )


@pytest.fixture(scope="session")
def django_db_setup(django_db_blocker):
    owner, app, platform = (settings.DATABASES[a] for a in ("owner", "default", "platform"))
    if provision.reachable(settings.DATABASE_ADMIN) is None:
        provision.ensure_roles(settings.DATABASE_ADMIN, owner, app, platform)
    provision.ensure_database(
        owner,
        app["USER"],
        name=app["NAME"],
        recreate=True,
        admin=settings.DATABASE_ADMIN,
        app_privileges="SELECT, INSERT, UPDATE, DELETE, TRUNCATE",
        platform_role=platform["USER"],
    )
    with django_db_blocker.unblock():
        call_command("migrate", database="owner", verbosity=0)
        connections["owner"].close()
    _forget_earlier_runs()
    yield
    with django_db_blocker.unblock():
        for conn in connections.all():
            conn.close()


def _forget_earlier_runs():
    """Drop what an earlier run left in Redis: cached values and queued tasks.

    The database is new, so its ids start again at 1 and would meet cache entries (e.g. a
    what-if result) and task messages of the previous run under the same keys.
    """
    import redis

    cache_settings = settings.CACHES["default"]
    cache = redis.Redis.from_url(cache_settings["LOCATION"])
    for key in cache.scan_iter(match=f"{cache_settings.get('KEY_PREFIX', '')}:*", count=1000):
        cache.delete(key)
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete(settings.CELERY_TASK_DEFAULT_QUEUE)


# --- tenants and users --------------------------------------------------------------------


@pytest.fixture
def tenant(db):
    from tests.factories import TenantFactory

    return TenantFactory(name="华康制药", code="huakang-test")


@pytest.fixture
def other_tenant(db):
    from tests.factories import TenantFactory

    return TenantFactory(name="瑞宁医疗", code="ruining-test")


@pytest.fixture
def make_user(db):
    """make_user(tenant, role, **fields) → a user with password 'pw-test-123'."""
    from tests.factories import UserFactory

    def make(tenant, role, **fields):
        return UserFactory(tenant=tenant, role=role, **fields)

    return make


@pytest.fixture
def rep(tenant, make_user):
    return make_user(tenant, "rep")


@pytest.fixture
def tenant_admin(tenant, make_user):
    return make_user(tenant, "tenant_admin")


@pytest.fixture
def platform_staff(db):
    from tests.factories import UserFactory

    return UserFactory(tenant=None, role="", is_superuser=True, is_staff=True)


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


# --- a frozen clock ------------------------------------------------------------------------


@pytest.fixture
def midmonth_afternoon():
    """The clock at Wednesday 17 June 2026, 14:00 Asia/Shanghai (then ticking): today has past
    hours and the month is older than 30 hours, whenever the suite runs. Ask for it before
    ``team`` so that the team's data is made at that time too."""
    moment = datetime.datetime(2026, 6, 17, 14, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=True):
        yield moment


# --- a real Celery worker ------------------------------------------------------------------


def _ping(timeout=1.0):
    from crm.celery import app

    try:
        return app.control.ping(timeout=timeout)
    except Exception:
        return []


@pytest.fixture
def celery_worker_process(transactional_db):
    """A real ``celery worker`` process on the test database and the test Redis database.

    Function-scoped with ``transactional_db``: what the test commits, the worker sees.
    Yields a handle with ``stop()`` / ``kill()`` / ``start()`` for crash tests.
    """
    worker = WorkerProcess()
    worker.start()
    yield worker
    worker.stop()


class WorkerProcess:
    """A ``celery -A crm worker`` subprocess with the test settings."""

    def __init__(self):
        self.proc = None

    def start(self, timeout=60, app="crm"):
        """Start ``celery -A <app> worker`` (``app``: the project's, or a test module's variant of it)."""
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings.test", "PYTHONUNBUFFERED": "1"}
        celery = shutil.which("celery", path=str(Path(sys.executable).parent)) or "celery"
        self.proc = subprocess.Popen(  # noqa: S603
            [
                celery,
                "-A",
                app,
                "worker",
                "--pool=solo",
                "--loglevel=WARNING",
                "-Q",
                settings.CELERY_TASK_DEFAULT_QUEUE,
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"test-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env=env,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"celery worker exited with {self.proc.returncode}")
            if _ping():
                return
            time.sleep(0.5)
        self.kill()
        raise RuntimeError("celery worker did not answer a ping in time")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
