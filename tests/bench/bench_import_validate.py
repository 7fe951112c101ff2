"""Checking (not writing) a 100,000-row doctor file in which 5 % of the rows are wrong, each in
one of nine ways, and listing every error: the file's bytes → read → every cell parsed →
hospitals, departments, territories resolved (with "did you mean" suggestions for the unknown
names) → duplicates found → the report. ``import_file(dry_run=True)``, as a job runs it.

The tenant holds 5,000 hospitals with their departments and a territory tree (the generator)
and no doctors. The wrong rows, 1 in 20, spread evenly over: an unknown clinical title, a
landline in the mobile column, an invalid e-mail, a date that is a month (``2025.13``), a
hospital written as an unknown abbreviation (suggestions computed), an unknown department
(suggestions computed), an unknown territory code, an external id given twice, an empty name.
The benchmark fails unless every wrong row is in the report.

``BENCH_VALIDATE_ROWS`` (environment) changes the row count for a dry run.
"""

from __future__ import annotations

import io
import os
import sys
import time

import numpy as np

FIGURES = ("import_validate_rows_per_s",)
ROWS = int(os.environ.get("BENCH_VALIDATE_ROWS", "100000"))
BAD_SHARE = 0.05

HEADERS = ["医生编码", "姓名", "性别", "医院名称", "科室", "职称", "手机", "邮箱", "授权日期", "片区编码"]
TITLES = ["主任医师", "副主任医师", "主治医师", "住院医师", "主任医师/教授", "副高", "主治"]
BAD_KINDS = ("title", "landline", "email", "date", "hospital", "department", "territory", "duplicate", "name")


def _workbook(tenant, rows: int, seed: int = 5) -> tuple[bytes, set[int]]:
    """The file, and the spreadsheet row numbers of the wrong rows."""
    from openpyxl import Workbook

    from crm.tenancy import tenant_context
    from hospitals.models import Department, Hospital
    from tests.bench.bench_doctor_import import _leaf_of_hospital
    from tests.bench.datagen import draw_names, mobile_numbers

    rng = np.random.default_rng(seed)
    with tenant_context(tenant):
        hospital_names = dict(Hospital.objects.values_list("id", "name"))
        departments = list(Department.objects.values_list("hospital_id", "name"))
    leaf_of_hospital = _leaf_of_hospital(tenant)
    names, inverse = draw_names(rng, rows)
    phones = mobile_numbers(rng, rows)
    pick = rng.integers(0, len(departments), size=rows)
    # Row 0 stays good: the duplicate external ids repeat its id.
    bad_rows = 1 + rng.choice(rows - 1, size=int(rows * BAD_SHARE), replace=False)
    bad_kind = {int(i): BAD_KINDS[n % len(BAD_KINDS)] for n, i in enumerate(bad_rows)}
    book = Workbook(write_only=True)
    sheet = book.create_sheet("医生")
    sheet.append(["2026年 医生主数据（第三方）"])
    sheet.append(HEADERS)
    first_data_row = 3
    wrong = set()
    for i in range(rows):
        hospital_id, department = departments[pick[i]]
        row = [
            f"V{i + 1:07d}",
            names[inverse[i]],
            "男" if rng.random() < 0.55 else "女",
            hospital_names[hospital_id],
            department,
            TITLES[int(rng.integers(0, len(TITLES)))],
            phones[i],
            f"doc{i}@example.cn",
            f"2025-{int(rng.integers(1, 13)):02d}-{int(rng.integers(1, 29)):02d}",
            leaf_of_hospital.get(hospital_id, ""),
        ]
        kind = bad_kind.get(i)
        if kind == "title":
            row[5] = f"首席{i % 50}号"
        elif kind == "landline":
            row[6] = f"021-6{int(rng.integers(0, 10**7)):07d}"
        elif kind == "email":
            row[7] = f"doc{i}@"
        elif kind == "date":
            row[8] = "2025.13"
        elif kind == "hospital":
            row[3] = hospital_names[hospital_id][2:] + "分部"  # an abbreviation nobody knows
        elif kind == "department":
            row[4] = f"特需{department}门诊{i % 40}"
        elif kind == "territory":
            row[9] = f"NOPE-{i % 100}"
        elif kind == "duplicate":
            row[0] = "V0000001"  # the first row's external id
        elif kind == "name":
            row[1] = ""
        if kind:
            wrong.add(first_data_row + i)
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), wrong


def run(ctx):
    from accounts.models import Role, Tenant, User
    from crm.tenancy import tenant_context
    from hospitals.imports.services import import_file
    from hospitals.models import ImportKind
    from tests.bench.datagen import generate_master_data

    tenant = Tenant.objects.create(code="bench-validate", name="基准校验药业")
    generate_master_data(tenant, doctors=0, hospitals=5000, territories=1000, seed=13)
    with tenant_context(tenant):  # users are walled by tenant
        admin = User.objects.create_user(
            username="bench-validate-admin", password="bench-pw-123", tenant=tenant, role=Role.TENANT_ADMIN
        )
    start = time.perf_counter()
    data, wrong = _workbook(tenant, ROWS)
    print(
        f"import_validate: built a {len(data) / 1e6:.1f} MB XLSX of {ROWS:,} rows ({len(wrong):,} wrong) "
        f"in {time.perf_counter() - start:.1f} s",
        file=sys.stderr,
        flush=True,
    )

    start = time.perf_counter()
    result = import_file(
        tenant=tenant, by=admin, kind=ImportKind.DOCTORS, data=data, filename="医生名单.xlsx", dry_run=True
    )
    elapsed = time.perf_counter() - start
    reported = {e.row for e in result.errors}
    missing = wrong - reported
    if missing or reported - wrong:
        raise AssertionError(
            f"{len(missing)} wrong rows not reported (e.g. {sorted(missing)[:5]}), "
            f"{len(reported - wrong)} good rows reported (e.g. {sorted(reported - wrong)[:5]})"
        )
    print(
        f"  checked in {elapsed:.2f} s: {len(result.errors):,} errors on {len(reported):,} rows, "
        f"{len(result.suggestions):,} suggestions; seconds per stage {result.seconds}",
        file=sys.stderr,
        flush=True,
    )
    yield "import_validate_rows_per_s", round(ROWS / elapsed), "rows/s"
