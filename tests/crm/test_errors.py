"""Error pages and answers: translated, with the menu and a way home; JSON {"detail"} for the API;
a statement timeout is a 503 "try a narrower filter", PostgreSQL refusing connections a 503
"busy", and the application recovers by itself."""

import re

import psycopg2
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings

from crm import timeouts
from crm.db import provision
from tests.factories import WITH_PLATFORM
from tests.hospitals.factories import DoctorFactory, HospitalFactory


def _client(user=None, language="zh-hans"):
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user, backend="accounts.auth.TenantModelBackend")
    return client


def _testid(html, name):
    match = re.search(rf'data-testid="{name}"[^>]*>([^<]*)<', html)
    return match.group(1).strip() if match else None


def test_debug_is_off_unless_asked_for():
    assert settings.DEBUG is False
    from crm.settings import local

    assert local.DEBUG is False  # make run: DEBUG=1 to turn it on


def test_a_404_is_a_chinese_page_with_the_menu_and_a_way_home(rep):
    response = _client(rep).get("/no/such/page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert _testid(html, "error-title") == "页面不存在"
    assert 'data-testid="menu"' in html and 'data-testid="error-home"' in html
    assert "Traceback" not in html and "urlpatterns" not in html.lower()
    # English for an English browser, same page.
    english = _client(rep, "en").get("/no/such/page/").content.decode()
    assert _testid(english, "error-title") == "Page not found"
    # Signed out: no menu, still a way home.
    anonymous = _client().get("/no/such/page/").content.decode()
    assert 'data-testid="menu"' not in anonymous and 'data-testid="error-home"' in anonymous


def test_a_403_is_translated_with_the_menu(rep):
    response = _client(rep).get("/import/")  # reps do not import
    html = response.content.decode()
    assert response.status_code == 403
    assert _testid(html, "error-title") == "无权访问"
    assert 'data-testid="menu"' in html


def test_the_api_answers_problems_as_json_in_the_users_language(rep, api_client):
    api_client.force_login(rep)
    missing = api_client.get("/api/v1/no-such-endpoint/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"
    assert missing.json() == {"detail": "该页面不存在，或您无权查看。请检查网址，或从首页重新开始。"}
    english = api_client.get("/api/v1/no-such-endpoint/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["detail"].startswith("This page does not exist")
    forbidden = api_client.post("/api/v1/hospitals/", {"name": "x"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert forbidden.status_code == 403 and set(forbidden.json()) == {"detail"}
    assert forbidden.json()["detail"] == "您没有执行该操作的权限。"


@pytest.mark.urls("tests.crm.error_urls")
def test_a_500_is_a_page_with_the_menu_and_json_for_the_api(rep):
    response = _client(rep).get("/boom/")
    html = response.content.decode()
    assert response.status_code == 500
    assert _testid(html, "error-title") == "出错了"
    assert 'data-testid="menu"' in html and "RuntimeError" not in html
    api = _client(rep).get("/api/boom/")
    assert api.status_code == 500 and api.json() == {"detail": "发生了意外错误，已记录。请稍后再试。"}


@pytest.fixture
def locked_doctors(transactional_db):
    """The doctor table locked by another session (as a slow query would hold it): any read waits."""
    owner = settings.DATABASES["owner"]
    conn = provision._connect(owner)
    conn.autocommit = False
    with conn.cursor() as cursor:
        cursor.execute("LOCK TABLE hospitals_doctor IN ACCESS EXCLUSIVE MODE")
    yield
    conn.rollback()
    conn.close()


@override_settings(DB_STATEMENT_TIMEOUT_MS=300)
def test_a_statement_timeout_is_a_503_that_says_try_a_narrower_filter(tenant, make_user, locked_doctors):
    pm = make_user(tenant, "product_manager")
    page = _client(pm).get("/doctors/")
    html = page.content.decode()
    assert page.status_code == 503 and page["Retry-After"] == "10"
    assert _testid(html, "error-title") == "请缩小筛选范围"
    assert 'data-testid="menu"' in html
    api = _client(pm, "en").get("/api/v1/doctors/")
    assert api.status_code == 503 and api["Retry-After"] == "10"
    assert api.json()["detail"].startswith("This took longer than 1 seconds and was stopped. Try a narrower filter")


def test_pages_answer_within_their_budget_when_nothing_is_locked(tenant, make_user):
    # Positive control of the test above: the same requests, unlocked, answer 200.
    DoctorFactory(hospital=HospitalFactory(tenant=tenant))
    pm = make_user(tenant, "product_manager")
    assert _client(pm).get("/doctors/").status_code == 200
    assert _client(pm).get("/api/v1/doctors/").status_code == 200


def test_each_budget_applies_where_it_should(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")  # outside a request: the task budget
        assert cursor.fetchone()[0] == "10min"
        with timeouts.statement_timeout(timeouts.web_ms()):
            cursor.execute("SELECT current_setting('statement_timeout')")
            assert cursor.fetchone()[0] == "5s"
        with timeouts.statement_timeout(timeouts.bulk_ms()):
            cursor.execute("SELECT current_setting('statement_timeout')")
            assert cursor.fetchone()[0] == "30s"
        with timeouts.statement_timeout(200), pytest.raises(Exception) as raised:
            cursor.execute("SELECT pg_sleep(2)")
    assert timeouts.is_query_timeout(raised.value)


def test_a_task_runs_under_the_task_budget(db):
    from crm.celery import app

    @app.task(name="tests.current_timeout")
    def current_timeout():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('statement_timeout')")
            return cursor.fetchone()[0]

    with timeouts.statement_timeout(timeouts.web_ms()):
        assert current_timeout() == "10min"  # called as a task (__call__), inside a request budget


def test_the_database_refusing_connections_is_a_503_and_the_app_recovers(tenant, make_user, transactional_db):
    pm = make_user(tenant, "product_manager")
    client = _client(pm)
    assert client.get("/doctors/").status_code == 200
    admin = provision._connect(settings.DATABASES["owner"], "postgres")
    name = settings.DATABASES["default"]["NAME"]
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{name}" CONNECTION LIMIT 0')
        connection.close()  # the next request must open a new connection, as after a restart
        refused = client.get("/doctors/")
        assert refused.status_code == 503 and refused["Retry-After"] == "5"
        assert _testid(refused.content.decode(), "error-title") == "系统繁忙"
        api = client.get("/api/v1/doctors/")
        assert api.status_code == 503 and set(api.json()) == {"detail"}
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{name}" CONNECTION LIMIT -1')
        admin.close()
    assert client.get("/doctors/").status_code == 200  # recovered without a restart


def test_a_query_whose_client_died_is_cancelled(transactional_db):
    """client_connection_check_interval: a killed web or worker process leaves no query running."""
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT

    marker = "i8-client-died-probe"
    code = (
        "import django; django.setup(); from django.db import connection\n"
        f"connection.cursor().execute(\"SELECT pg_sleep(60), '{marker}'\")\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)  # noqa: S603
    admin = provision._connect(settings.DATABASES["default"])  # the app role sees its own queries
    try:

        def running():
            with admin.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE query LIKE %s AND pid <> pg_backend_pid()",
                    [f"%{marker}%"],
                )
                return cursor.fetchone()[0]

        deadline = time.monotonic() + 30
        while not running() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert running() == 1  # positive control: the query is there
        proc.kill()
        proc.wait()
        deadline = time.monotonic() + 10
        while running() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert running() == 0
    finally:
        proc.kill()
        admin.close()


def test_raw_psycopg_errors_are_recognised():
    assert not timeouts.is_query_timeout(RuntimeError("x"))
    assert not timeouts.is_query_timeout(psycopg2.OperationalError("could not connect"))


@WITH_PLATFORM
def test_the_app_connections_do_not_jit_compile(db):
    # JIT compiling took 445 ms on an 80 ms calendar query (crm/settings/base.py, DB_JIT).
    from django.db import connections

    for alias in ("default", "platform"):
        with connections[alias].cursor() as cursor:
            cursor.execute("SHOW jit")
            assert cursor.fetchone()[0] == "off", alias
            # ... by our connection options, not by the server's default (which compiles)
            cursor.execute("SELECT boot_val, source FROM pg_settings WHERE name = 'jit'")
            assert cursor.fetchone() == ("on", "client")
