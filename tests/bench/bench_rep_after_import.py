"""A rep's lists right after a national doctor master arrives — real use, not generated data.

In the database seeded like the demo (``seed_demo``), a product manager of 华康 imports
100,000 new doctors, 90 % of them aligned to no territory, from an XLSX file through the import
service (``hospitals.imports.services.import_file``, what the Celery job runs). Then,
immediately — no manual ANALYZE; autovacuum is off on this machine — the rep ``hk_rep`` asks
for their doctor list (several pages deep), searches by name, pinyin and initials, and their
hospitals, distributors, agreements and sales, through the API, in process. The figure is the
p95 of those requests (target ≤ 150 ms). Before the statistics work this was 13–70 s a request.

``BENCH_IMPORT_ROWS`` (environment) changes the size for a dry run.
"""

from __future__ import annotations

import os
import sys
import time
from urllib.parse import urlsplit

FIGURES = ("rep_list_after_import_p95_ms",)
ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
ROUNDS = 6
SEARCHES = ["li", "李", "wang", "王伟", "zh", "ljg", "w", "chen"]
LISTS = [
    "/api/v1/hospitals/",
    "/api/v1/distributors/",
    "/api/v1/distributor-agreements/",
    "/api/v1/sales/",
]


def _local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def run(ctx):
    from crm.tenancy import tenant_context
    from hospitals.imports.services import import_file
    from hospitals.models import Doctor, ImportKind
    from tests.bench.demo import demo_user, seeded
    from tests.bench.doctor_file import doctor_workbook
    from tests.bench.master import client_for, p95, summary, timed_get

    seeded(ctx)
    pm = demo_user("hk_pm")
    start = time.perf_counter()
    data = doctor_workbook(pm.tenant, ROWS, aligned=0.1, seed=23)
    print(f"rep_after_import: built {ROWS:,} doctors ({len(data) / 1e6:.1f} MB) in {time.perf_counter() - start:.1f} s",
          file=sys.stderr, flush=True)  # fmt: skip
    start = time.perf_counter()
    result = import_file(tenant=pm.tenant, by=pm, kind=ImportKind.DOCTORS, data=data, filename="全国医生主数据.xlsx")
    if not result.committed:
        raise AssertionError(f"import refused the file: {[str(e) for e in result.errors[:5]]}")
    with tenant_context(pm.tenant):
        total = Doctor.objects.count()
    print(
        f"  import through the service: {time.perf_counter() - start:.1f} s, created {result.created:,}; "
        f"the tenant now has {total:,} doctors",
        file=sys.stderr,
        flush=True,
    )

    rep = demo_user("hk_rep")
    client = client_for(rep)
    client.get("/api/v1/doctors/")  # warm-up (first request of the process)
    samples: dict[str, list[float]] = {"doctors": [], "search": [], "lists": []}
    for _ in range(ROUNDS):
        url = "/api/v1/doctors/"
        for _page in range(5):  # five pages deep, by cursor
            body = timed_get(client, url, samples["doctors"])
            if not body.get("next"):
                break
            url = _local(body["next"])
        for term in SEARCHES:
            timed_get(client, f"/api/v1/doctors/?q={term}", samples["search"])
        for url in LISTS:
            body = timed_get(client, url, samples["lists"])
            if body.get("next"):
                timed_get(client, _local(body["next"]), samples["lists"])
    everything = [ms for values in samples.values() for ms in values]
    for name, values in samples.items():
        summary(f"rep {name} after a {ROWS:,}-doctor import", values)
    yield "rep_list_after_import_p95_ms", p95(everything), "ms"
