"""A doctor master file as a customer sends one: N new doctors of a tenant's own hospitals,
most of them not yet aligned to any territory (a national master, before field alignment).

Used by the ``rep_list_after_import`` benchmark and, from the command line, to try the
product the way a new customer does (README, "Try it at scale")::

    python -m tests.bench.doctor_file --tenant huakang --rows 30000 --out /tmp/doctors.xlsx

then upload the file at ``/import/`` as a product manager. Hospitals and departments are
named as the tenant has them; ``--aligned`` (default 0.1) of the rows name a leaf territory.
"""

from __future__ import annotations

import argparse
import io
import os

import numpy as np

HEADERS = [
    "医生编码", "姓名", "性别", "医院名称", "科室", "职称", "学术职称", "行政职务",
    "毕业院校", "毕业年份", "手机", "偏好渠道", "同意联系", "片区编码",
]  # fmt: skip
TITLES = ["主任医师", "副主任医师", "主治医师", "住院医师"]
ACADEMIC = ["教授", "副教授", "讲师", "", "", ""]
POSTS = ["科主任", "副主任", "", "", "", "", "", ""]
CHANNELS = ["面访、微信", "微信", "电话", "面访", "线上会议、微信", ""]


# Mobile number blocks of the three carriers (the import validates numbers with phonenumbers;
# a random "1[3-8]…" drew unallocated blocks such as 164… and 149…).
MOBILE_PREFIXES = ("133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "158", "159",
                   "180", "181", "186", "187", "188", "189")  # fmt: skip

def doctor_workbook(tenant, rows: int, *, aligned: float = 0.1, seed: int = 17, prefix: str = "NAT") -> bytes:
    """An XLSX of ``rows`` new doctors of ``tenant``'s hospitals; ``aligned`` of them name a leaf."""
    from openpyxl import Workbook

    from accounts.models import Territory
    from crm.tenancy import tenant_context
    from hospitals.models import Department, Hospital
    from tests.bench.datagen import UNIVERSITIES, draw_names

    rng = np.random.default_rng(seed)
    with tenant_context(tenant):
        hospital_names = dict(Hospital.objects.values_list("id", "name"))
        departments = list(Department.objects.values_list("hospital_id", "name"))
        leaves = list(Territory.objects.leaves().order_by("code").values_list("code", flat=True))
    if not departments:
        raise ValueError("the tenant has no departments: seed or import hospitals first")
    names, inverse = draw_names(rng, rows)
    pick = rng.integers(0, len(departments), size=rows)
    titles = rng.integers(0, len(TITLES), size=rows)
    align = rng.random(rows) < aligned
    book = Workbook(write_only=True)
    sheet = book.create_sheet("医生")
    sheet.append(HEADERS)
    for i in range(rows):
        hospital_id, department = departments[pick[i]]
        sheet.append(
            [
                f"{prefix}{i + 1:07d}",
                names[inverse[i]],
                "男" if rng.random() < 0.55 else "女",
                hospital_names[hospital_id],
                department,
                TITLES[titles[i]],
                ACADEMIC[int(rng.integers(0, len(ACADEMIC)))] if titles[i] < 2 else "",
                POSTS[int(rng.integers(0, len(POSTS)))] if titles[i] < 2 else "",
                UNIVERSITIES[int(rng.integers(0, len(UNIVERSITIES)))],
                int(2020 - 8 * titles[i] - rng.integers(0, 12)),
                f"{MOBILE_PREFIXES[int(rng.integers(0, len(MOBILE_PREFIXES)))]}{int(rng.integers(0, 10**8)):08d}",
                CHANNELS[int(rng.integers(0, len(CHANNELS)))],
                "是" if rng.random() < 0.6 else "否",
                leaves[i % len(leaves)] if (align[i] and leaves) else "",
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenant", default="huakang", help="tenant code (default: huakang)")
    parser.add_argument("--rows", type=int, default=30_000)
    parser.add_argument("--aligned", type=float, default=0.1, help="share of rows with a territory (default 0.1)")
    parser.add_argument("--out", default="doctors.xlsx")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.local")
    import django

    django.setup()
    from accounts.models import Tenant

    data = doctor_workbook(Tenant.objects.get(code=args.tenant), args.rows, aligned=args.aligned)
    with open(args.out, "wb") as handle:
        handle.write(data)
    print(f"{args.out}: {args.rows:,} doctors, {len(data) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
