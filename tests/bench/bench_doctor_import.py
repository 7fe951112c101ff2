"""Importing 100,000 doctors from an XLSX file, end to end: the file's bytes → read → every cell
parsed and validated → hospitals, departments and territories resolved → one transaction
committed (doctors, their history, their territory alignment).

The tenant has its master data already (5,000 hospitals with their departments and a
territory tree, from the generator) and no doctors: a first load from a third-party file. The
sheet is the kind a company sends: Chinese headers, hospitals and departments by name, titles
and posts in words, territory codes. It is built (not timed) with openpyxl in write-only mode;
the import service (``hospitals.imports.services.import_file``, what the Celery job runs) is
called synchronously and timed. Re-importing the same file (every row matched, nothing to
change) is timed too and printed, not a figure.

``BENCH_IMPORT_ROWS`` (environment) changes the row count for a dry run.
"""

from __future__ import annotations

import io
import os
import sys
import time

import numpy as np

FIGURES = ("doctor_import_rows_per_s",)
ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))

HEADERS = [
    "医生编码", "姓名", "性别", "医院名称", "科室", "职称", "学术职称", "行政职务",
    "毕业院校", "毕业年份", "手机", "偏好渠道", "同意联系", "片区编码",
]  # fmt: skip
TITLES = ["主任医师", "副主任医师", "主治医师", "住院医师"]
ACADEMIC = ["教授", "副教授", "讲师", "", "", ""]
POSTS = ["科主任", "副主任", "", "", "", "", "", ""]
CHANNELS = ["面访、微信", "微信", "电话", "面访", "线上会议、微信", ""]


def _workbook(tenant, rows: int, seed: int = 7) -> bytes:
    """An XLSX of ``rows`` new doctors of ``tenant``'s hospitals and departments."""
    from openpyxl import Workbook

    from crm.tenancy import tenant_context
    from hospitals.models import Department, Hospital
    from tests.bench.datagen import UNIVERSITIES, draw_names, mobile_numbers

    rng = np.random.default_rng(seed)
    with tenant_context(tenant):
        hospital_names = dict(Hospital.objects.values_list("id", "name"))
        departments = list(Department.objects.values_list("hospital_id", "name"))
    # The generator aligns each hospital to one leaf; a file names the leaf of the hospital.
    leaf_of_hospital = _leaf_of_hospital(tenant)
    names, inverse = draw_names(rng, rows)
    phones = mobile_numbers(rng, rows)
    pick = rng.integers(0, len(departments), size=rows)
    titles = rng.integers(0, len(TITLES), size=rows)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("医生")
    sheet.append(HEADERS)
    for i in range(rows):
        hospital_id, department = departments[pick[i]]
        sheet.append(
            [
                f"IMP{i + 1:07d}",
                names[inverse[i]],
                "男" if rng.random() < 0.55 else "女",
                hospital_names[hospital_id],
                department,
                TITLES[titles[i]],
                ACADEMIC[int(rng.integers(0, len(ACADEMIC)))] if titles[i] < 2 else "",
                POSTS[int(rng.integers(0, len(POSTS)))] if titles[i] < 2 else "",
                UNIVERSITIES[int(rng.integers(0, len(UNIVERSITIES)))],
                int(2020 - 8 * titles[i] - rng.integers(0, 12)),
                phones[i],
                CHANNELS[int(rng.integers(0, len(CHANNELS)))],
                "是" if rng.random() < 0.6 else "否",
                leaf_of_hospital.get(hospital_id, ""),
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _leaf_of_hospital(tenant) -> dict[int, str]:
    """Hospital id → the code of a leaf territory of its province (generator layout)."""
    from accounts.models import Territory
    from crm.tenancy import tenant_context
    from hospitals.models import Hospital

    with tenant_context(tenant):
        leaves_by_district = {}
        for code, parent_name in Territory.objects.leaves().values_list("code", "parent__name"):
            leaves_by_district.setdefault(parent_name.removesuffix("地区"), []).append(code)
        return {
            pk: leaves[pk % len(leaves)]
            for pk, province in Hospital.objects.values_list("id", "province")
            if (leaves := leaves_by_district.get(province))
        }


def run(ctx):
    from accounts.models import Role, Tenant, User
    from crm.tenancy import tenant_context
    from hospitals.imports.services import import_file
    from hospitals.models import Doctor, DoctorTerritory, ImportKind
    from tests.bench.datagen import generate_master_data

    tenant = Tenant.objects.create(code="bench-import", name="基准导入药业")
    generate_master_data(tenant, doctors=0, hospitals=5000, territories=1000, seed=11)
    with tenant_context(tenant):  # users are walled by tenant
        admin = User.objects.create_user(
            username="bench-import-admin", password="bench-pw-123", tenant=tenant, role=Role.TENANT_ADMIN
        )
    start = time.perf_counter()
    data = _workbook(tenant, ROWS)
    print(
        f"doctor_import: built a {len(data) / 1e6:.1f} MB XLSX of {ROWS:,} rows in {time.perf_counter() - start:.1f} s",
        file=sys.stderr,
        flush=True,
    )

    start = time.perf_counter()
    result = import_file(tenant=tenant, by=admin, kind=ImportKind.DOCTORS, data=data, filename="医生名单.xlsx")
    elapsed = time.perf_counter() - start
    if not result.committed:
        raise AssertionError(f"import refused the file: {[str(e) for e in result.errors[:5]]}")
    from crm.tenancy import tenant_context

    with tenant_context(tenant):
        doctors, aligned = Doctor.objects.count(), DoctorTerritory.objects.count()
    if result.created != ROWS or doctors != ROWS:
        raise AssertionError(f"expected {ROWS} new doctors, got created={result.created}, in the table {doctors}")
    print(
        f"  first import: {elapsed:.1f} s, created {result.created:,}, aligned {aligned:,}; stages {result.seconds}",
        file=sys.stderr,
        flush=True,
    )
    yield "doctor_import_rows_per_s", round(ROWS / elapsed), "rows/s"

    start = time.perf_counter()
    again = import_file(tenant=tenant, by=admin, kind=ImportKind.DOCTORS, data=data, filename="医生名单.xlsx")
    print(
        f"  re-import of the same file: {time.perf_counter() - start:.1f} s "
        f"(created {again.created}, updated {again.updated}, unchanged {again.unchanged:,}); stages {again.seconds}",
        file=sys.stderr,
        flush=True,
    )
