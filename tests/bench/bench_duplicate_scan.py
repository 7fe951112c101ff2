"""Finding the likely duplicate doctors of a tenant of 1,000,000 doctors.

The tenant is the first of the doctor benchmarks' two big tenants (generated once per run, with
names drawn from real surname frequencies, so same-name doctors at one hospital exist as they
do in reality). On top, 2,000 doctors arrive as a third-party file through the product's
import with the policy "create a new doctor" for probable matches — records of doctors the
tenant already has, under new external ids, half of them with the stored doctor's mobile
phone: the duplicates an import could not decide. Then ``duplicate_scan`` (what the steward's
"look for duplicates" runs) is timed; the scan again (every pair already known) is printed.

``BENCH_DOCTORS`` (environment) shrinks the tenants for a dry run.
"""

from __future__ import annotations

import io
import sys
import time

import numpy as np

FIGURES = ("duplicate_scan_1m_s",)
DUPLICATES = 2_000


def _duplicates_file(tenant, n: int, seed: int = 3) -> bytes:
    """A doctors file repeating ``n`` stored doctors under new external ids."""
    from openpyxl import Workbook

    from crm.tenancy import tenant_context
    from hospitals.models import Doctor

    rng = np.random.default_rng(seed)
    with tenant_context(tenant):
        last = Doctor.objects.order_by("-id").values_list("id", flat=True).first()
        picks = sorted({int(x) for x in rng.integers(1, last, size=n * 2)})[:n]
        rows = list(
            Doctor.objects.filter(id__in=picks).values_list(
                "name", "hospital__name", "department__name", "clinical_title", "phone"
            )
        )
    book = Workbook(write_only=True)
    sheet = book.create_sheet("医生")
    sheet.append(["医生编码", "姓名", "医院名称", "科室", "职称", "手机"])
    titles = {"chief": "主任医师", "associate_chief": "副主任医师", "attending": "主治医师", "resident": "住院医师"}
    for i, (name, hospital, department, title, phone) in enumerate(rows):
        sheet.append([f"AGENCY-{i:06d}", name, hospital, department, titles.get(title, ""), phone if i % 2 else ""])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def run(ctx):
    from accounts.models import Role, User
    from crm.tenancy import tenant_context
    from hospitals.imports.services import import_file
    from hospitals.models import DuplicateCandidate, ImportKind
    from hospitals.steward.duplicates import duplicate_scan
    from tests.bench.master import DOCTORS, big_tenants

    big = big_tenants(ctx)[0]
    tenant = big.tenant
    with tenant_context(tenant):  # users are walled by tenant
        admin = User.objects.create_user(
            username="bench-steward", password="bench-pw-123", tenant=tenant, role=Role.TENANT_ADMIN
        )
    data = _duplicates_file(tenant, DUPLICATES)
    start = time.perf_counter()
    result = import_file(
        tenant=tenant,
        by=admin,
        kind=ImportKind.DOCTORS,
        data=data,
        filename="代理商医生.xlsx",
        options={"probable_matches": "create"},
    )
    if not result.committed:
        raise AssertionError(f"the import refused the file: {[str(e) for e in result.errors[:5]]}")
    print(
        f"duplicate_scan: imported {result.created:,} doctors the tenant had already "
        f"in {time.perf_counter() - start:.1f} s",
        file=sys.stderr,
        flush=True,
    )

    scan = duplicate_scan(tenant=tenant)
    with tenant_context(tenant):
        by_reason = {}
        for reasons in DuplicateCandidate.objects.values_list("reasons", flat=True).iterator(chunk_size=10_000):
            for reason in reasons:
                by_reason[reason] = by_reason.get(reason, 0) + 1
    print(
        f"  {DOCTORS + result.created:,} doctors: {scan.found:,} likely pairs in {scan.seconds:.1f} s {by_reason}",
        file=sys.stderr,
        flush=True,
    )
    yield "duplicate_scan_1m_s", round(scan.seconds, 1), "s"

    again = duplicate_scan(tenant=tenant)
    print(f"  scanned again: {again.found:,} pairs, {again.removed} removed, {again.seconds:.1f} s", file=sys.stderr)
