"""Doctor search through the API: what matches, in which order, and paging through it.

A search sorts by what matched (pinyin for Latin letters, initials when only initials match,
the name for Chinese), which is what lets it stay one index range per page at a million
doctors (tests/bench/bench_doctor_search.py); here: the right doctors, each once, in order.
"""

import pytest
from django.urls import reverse

from tests.hospitals import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def doctors(tenant):
    hospital = f.HospitalFactory(tenant=tenant)
    names = ["张伟", "张伟", "邹华", "赵华", "周涛", "郑和", "周文", "欧阳明", "李建国", "王芳"]
    return {(name, i): f.DoctorFactory(hospital=hospital, name=name) for i, name in enumerate(names)}


def _all_pages(api_client, **params):
    """Every row of the search, following ``next`` with pages of two."""
    rows, url, params = [], reverse("doctor-list"), {"page_size": 2, **params}
    while url:
        data = api_client.get(url, params).json()
        rows += [(r["name"], r["id"]) for r in data["results"]]
        url, params = data["next"], None
    return rows


def test_pinyin_prefix_also_finds_initials_in_pinyin_order(api_client, tenant_admin, doctors):
    api_client.force_login(tenant_admin)
    rows = _all_pages(api_client, q="zh")
    # 邹华 (zou hua) matches by its initials "zh", the others by their pinyin.
    assert [name for name, _ in rows] == ["张伟", "张伟", "赵华", "郑和", "周涛", "周文", "邹华"]
    assert len({pk for _, pk in rows}) == len(rows), "no doctor twice across pages"


def test_initials_only_search(api_client, tenant_admin, doctors):
    api_client.force_login(tenant_admin)
    assert [name for name, _ in _all_pages(api_client, q="zw")] == ["张伟", "张伟", "周文"]
    assert [name for name, _ in _all_pages(api_client, q="O Y")] == ["欧阳明"]


def test_chinese_prefix_and_an_explicit_sort(api_client, tenant_admin, doctors):
    api_client.force_login(tenant_admin)
    assert [name for name, _ in _all_pages(api_client, q="周")] == ["周文", "周涛"]  # by name: 文 < 涛
    by_title = _all_pages(api_client, q="zh", ordering="-clinical_title")
    assert sorted(name for name, _ in by_title) == sorted(["张伟", "张伟", "赵华", "郑和", "周涛", "周文", "邹华"])


def test_no_match_is_an_empty_page(api_client, tenant_admin, doctors):
    api_client.force_login(tenant_admin)
    assert _all_pages(api_client, q="xyz") == []
    assert _all_pages(api_client, q="钱") == []
