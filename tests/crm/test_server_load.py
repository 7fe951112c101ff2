"""`make run`'s web server under a few hundred new connections: both tenants keep answering and
the server never holds more PostgreSQL connections than its pool (issue: ~95 requests to
runserver exhausted max_connections and locked every tenant out)."""

import socket

import pytest
from django.conf import settings
from django.test import Client

from crm.tenancy import tenant_context
from tests.factories import TerritoryAssignmentFactory, territory_tree
from tests.hospitals.factories import DoctorFactory, DoctorTerritoryFactory, HospitalFactory
from tests.loadgen import BackendWatch, WebServer, hammer

pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cookie(user) -> str:
    client = Client()
    client.force_login(user, backend="accounts.auth.TenantModelBackend")
    return client.cookies["sessionid"].value


def _people(tenant, make_user, marker):
    _, _, t1, _ = territory_tree(tenant, marker)
    hospital = HospitalFactory(tenant=tenant, name=f"{marker}人民医院")
    for i in range(30):
        doctor = DoctorFactory(hospital=hospital, name=f"{marker}医生{i}")
        DoctorTerritoryFactory(doctor=doctor, territory=t1)
    rep, pm = make_user(tenant, "rep"), make_user(tenant, "product_manager")
    with tenant_context(tenant):
        TerritoryAssignmentFactory(user=rep, territory=t1)
    return {"rep": _cookie(rep), "pm": _cookie(pm)}


def test_a_few_hundred_new_connections_both_tenants_answer_within_the_pool(tenant, other_tenant, make_user):
    sessions = {"华康": _people(tenant, make_user, "华康"), "瑞宁": _people(other_tenant, make_user, "瑞宁")}
    paths = ["/api/v1/doctors/", "/doctors/", "/hospitals/", "/"]
    plan = [
        (f"{marker}/{role}", cookie, paths[i % len(paths)])
        for i in range(300)
        for marker, roles in [list(sessions.items())[i % 2]]
        for role, cookie in [list(roles.items())[(i // 2) % 2]]
    ]
    server = WebServer(_free_port(), settings="tests.bench.settings_gunicorn", workers=2, threads=4).start()
    dbname = settings.DATABASES["default"]["NAME"]
    try:
        with BackendWatch(settings.DATABASES["default"], dbname) as watch:
            hits = hammer(server.port, plan, clients=40)
        after = watch.count()
    finally:
        server.stop()

    assert len(hits) == 300
    assert [h for h in hits if h.status != 200] == []
    # Each tenant saw its own doctors, never the other's.
    for hit in hits:
        if hit.path == "/api/v1/doctors/":
            mine, theirs = hit.who.split("/")[0], ({"华康", "瑞宁"} - {hit.who.split("/")[0]}).pop()
            text = hit.body.decode()
            assert f"{mine}医生" in text and f"{theirs}医生" not in text
    assert watch.samples > 10 and watch.peak >= 1  # the watch saw the server's connections ...
    assert watch.peak <= server.pool  # ... never more than one per thread
    assert after <= server.pool
