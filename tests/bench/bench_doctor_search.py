"""Doctor search (``/api/v1/doctors/?q=``) by Chinese name, pinyin and pinyin initials at
1,000,000 doctors, another tenant as big beside it.

Prefixes as users type them: Chinese characters (李, 李建, 王伟), full pinyin (li, lijian,
zhang, wangwei) and initials (ljg, zw, w), whose selectivity ranges from 0.1 % to 18 % of the
tenant thanks to real surname frequencies; as a product manager (all doctors) and as a rep
(two territories); first pages, the next few pages, and combined with a filter. Measured in
process with Django's test client, pages of 50: the server-side time of a request.
"""

from __future__ import annotations

import sys
from urllib.parse import urlencode

from tests.bench.master import big_tenants, client_for, p95, summary, timed_get

FIGURES = ("doctor_search_p95_ms",)

URL = "/api/v1/doctors/"
TERMS = ["李", "李建", "王伟", "欧阳", "li", "lijian", "zhang", "wangwei", "ljg", "zw", "w", "Li Jian", "ZHANG"]


def _url(**params) -> str:
    return f"{URL}?{urlencode({'page_size': 50, **params})}"


def run(ctx):
    big = big_tenants(ctx)[0]
    pm, rep = client_for(big.product_manager), client_for(big.rep)
    for _ in range(3):  # warm up
        timed_get(pm, _url(q="li"), [])
        timed_get(rep, _url(q="li"), [])

    scenarios: dict[str, list[float]] = {}

    def measure(label, client, url, pages=1, repeat=1):
        samples = scenarios.setdefault(label, [])
        for _ in range(repeat):
            next_url, read = url, 0
            while next_url and read < pages:
                data = timed_get(client, next_url, samples)
                next_url, read = data["next"], read + 1

    for who, client in (("pm", pm), ("rep", rep)):
        for term in TERMS:
            measure(f"{who} q={term}", client, _url(q=term), pages=3, repeat=4)
        measure(f"{who} q=zhang grade=3A", client, _url(q="zhang", grade="3A"), pages=3)
        measure(f"{who} q=l clinical_title=chief", client, _url(q="l", clinical_title="chief"), pages=3)
    measure("pm q=li province=广东省", pm, _url(q="li", province="广东省"), pages=3)
    measure("pm q=ljg 10 pages", pm, _url(q="ljg"), pages=10)

    print("doctor_search scenarios:", file=sys.stderr)
    for label, samples in scenarios.items():
        if samples:
            summary(label, samples)
    everything = [s for samples in scenarios.values() for s in samples]
    print(f"  {len(everything)} requests", file=sys.stderr)
    yield "doctor_search_p95_ms", p95(everything), "ms"
