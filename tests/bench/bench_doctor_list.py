"""Doctor list API (``/api/v1/doctors/``) at 1,000,000 doctors, another tenant as big beside it.

Measured in process with Django's test client (session auth, the whole middleware stack, DRF,
serialisation): the server-side time of a request. Pages of 50 rows, as a product manager
(sees every doctor) and as a rep (sees two territories), with the filters of the list
(province, hospital grade, clinical title, territory and combinations), following the
``next`` cursor 25 pages deep, and starting from a cursor far into the list.

Figures: ``doctor_list_p95_ms`` over all those requests, and the number of SQL queries of one
page at ``page_size=10`` and ``page_size=100`` (they must be equal: no query per row).
"""

from __future__ import annotations

import sys
from urllib.parse import urlencode

from tests.bench.master import big_tenants, client_for, p95, summary, timed_get

FIGURES = ("doctor_list_p95_ms", "doctor_list_queries_10", "doctor_list_queries_100")

URL = "/api/v1/doctors/"
DEPTH = 25


def _url(**params) -> str:
    return f"{URL}?{urlencode({'page_size': 50, **params}, doseq=True)}"


def _follow(client, url, pages, samples):
    """Request ``url`` then follow ``next`` for up to ``pages`` pages; return how many were read."""
    read = 0
    while url and read < pages:
        data = timed_get(client, url, samples)
        read += 1
        url = data["next"]
        if not data["results"]:
            break
    return read


def _far_cursor(tenant, fraction: float) -> str:
    """A cursor positioned ``fraction`` of the way through the tenant's doctors by name."""
    from crm.tenancy import tenant_context
    from hospitals.models import Doctor
    from hospitals.pagination import DoctorPagination

    with tenant_context(tenant):
        total = Doctor.objects.count()
        name, pk = Doctor.objects.order_by("name", "id").values_list("name", "id")[int(total * fraction)]
    return DoctorPagination().encode_cursor([name, pk], False)


def _count_queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries)


def run(ctx):
    big = big_tenants(ctx)[0]
    data = big.data
    pm, rep = client_for(big.product_manager), client_for(big.rep)
    provinces = ["广东省", "江苏省", "四川省", "北京市", "青海省"]
    leaf = data.territory_ids[len(data.territory_ids) // 2]
    district = data.district_ids[3]
    region = data.region_ids[2]

    # Warm up: the first requests pay for imports, URL resolving and cold caches.
    for _ in range(5):
        timed_get(pm, _url(), [])
        timed_get(rep, _url(), [])

    scenarios: dict[str, list[float]] = {}

    def measure(label, client, url, pages=1, repeat=1):
        samples = scenarios.setdefault(label, [])
        for _ in range(repeat):
            _follow(client, url, pages, samples)

    # Product manager: the whole tenant.
    measure("pm first page", pm, _url(), repeat=20)
    measure(f"pm {DEPTH} pages deep", pm, _url(), pages=DEPTH, repeat=2)
    for province in provinces:
        measure(f"pm province={province}", pm, _url(province=province), pages=5)
    for grade in ("3A", "2A", "1"):
        measure(f"pm grade={grade}", pm, _url(grade=grade), pages=5)
    for title in ("chief", "resident"):
        measure(f"pm clinical_title={title}", pm, _url(clinical_title=title), pages=5)
    measure("pm territory=leaf", pm, _url(territory=leaf), pages=10)
    measure("pm territory=district", pm, _url(territory=district), pages=10)
    measure("pm territory=region", pm, _url(territory=region), pages=5)
    measure(
        f"pm province+grade+title {DEPTH} deep",
        pm,
        _url(province="浙江省", grade="3A", clinical_title="chief"),
        pages=DEPTH,
    )
    measure(f"pm grade=3A,3B {DEPTH} deep", pm, _url(grade=["3A", "3B"]), pages=DEPTH)
    for fraction in (0.5, 0.9, 0.99):
        measure(f"pm far cursor {fraction:.0%}", pm, _url(cursor=_far_cursor(big.tenant, fraction)), pages=5)

    # Rep: two territories.
    measure("rep first page", rep, _url(), repeat=20)
    measure(f"rep {DEPTH} pages deep", rep, _url(), pages=DEPTH, repeat=2)
    measure("rep clinical_title=chief", rep, _url(clinical_title="chief"), pages=5)
    measure("rep grade=3A", rep, _url(grade="3A"), pages=5)
    measure("rep territory=own", rep, _url(territory=big.rep_territories[0]), pages=5)

    print("doctor_list scenarios:", file=sys.stderr)
    for label, samples in scenarios.items():
        if samples:
            summary(label, samples)
    everything = [s for samples in scenarios.values() for s in samples]
    print(f"  {len(everything)} requests", file=sys.stderr)
    yield "doctor_list_p95_ms", p95(everything), "ms"

    queries = {size: _count_queries(pm, f"{URL}?page_size={size}") for size in (10, 100)}
    rep_queries = {size: _count_queries(rep, f"{URL}?page_size={size}") for size in (10, 100)}
    print(f"  queries per page as rep: {rep_queries}", file=sys.stderr)
    yield "doctor_list_queries_10", queries[10], "queries"
    yield "doctor_list_queries_100", queries[100], "queries"
