"""Hospital and distributor pages: lists with filters and keyset pages; detail pages with
departments, doctors, coverage, agreements and 24 months of sales."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Role
from hospitals.models import HospitalGrade, HospitalType
from tests.hospitals import factories as f
from tests.hospitals_pages.helpers import next_link, row_ids


def _get(client, url, params=None, status=200):
    response = client.get(url, params or {})
    assert response.status_code == status
    return response.content.decode()


def _section(html, testid):
    start = html.index(f'data-testid="{testid}"')
    return html[start : html.index("</section>", start)]


@pytest.fixture
def pm(client, world, make_user):
    client.force_login(make_user(world.tenant, Role.PRODUCT_MANAGER))
    return client


# --- hospital list ---------------------------------------------------------------------------


def _hospital_ids(client, **params):
    return row_ids(_get(client, "/hospitals/", params), "hospital-row", "data-hospital-id")


def test_hospital_list_filters(pm, world):
    tcm = f.HospitalFactory(
        tenant=world.tenant,
        name="浙江省中医院",
        grade=HospitalGrade.G3A,
        type=HospitalType.TCM,
        province="浙江省",
        city="杭州市",
    )
    assert set(_hospital_ids(pm)) == {world.provincial.pk, world.county.pk, tcm.pk}
    assert set(_hospital_ids(pm, province="江苏省")) == {world.provincial.pk, world.county.pk}
    assert set(_hospital_ids(pm, city="杭州市")) == {tcm.pk}
    assert set(_hospital_ids(pm, grade=HospitalGrade.G3A)) == {world.provincial.pk, tcm.pk}
    assert set(_hospital_ids(pm, type=HospitalType.TCM)) == {tcm.pk}
    assert set(_hospital_ids(pm, q="溧水")) == {world.county.pk}


def test_rep_lists_only_the_hospitals_of_their_doctors(client, world, make_user):
    f.HospitalFactory(tenant=world.tenant, name="无关医院")
    client.force_login(world.rep)
    assert set(_hospital_ids(client)) == {world.provincial.pk, world.county.pk}


def test_hospital_list_keyset_pages(client, tenant, make_user):
    made = {f.HospitalFactory(tenant=tenant).pk for _ in range(57)}
    client.force_login(make_user(tenant, Role.COMPLIANCE))
    url, seen, sizes = "/hospitals/", [], []
    while url:
        html = _get(client, url)
        ids = row_ids(html, "hospital-row", "data-hospital-id")
        sizes.append(len(ids))
        seen += ids
        link = next_link(html)
        url = "/hospitals/" + link if link else None
    assert sizes == [50, 7]
    assert sorted(seen) == sorted(made)


# --- hospital page ---------------------------------------------------------------------------


def test_hospital_page_departments_doctors_and_distributors(pm, world):
    html = _get(pm, reverse("hospital_detail", args=[world.provincial.pk]))
    assert "江苏省人民医院" in html
    assert "心内科" in _section(html, "hospital-departments")
    doctors = _section(html, "hospital-doctors")
    assert set(row_ids(doctors)) == {world.li.pk, world.li_outside.pk}
    assert f'href="/doctors/?hospital={world.provincial.pk}"' in doctors
    coverage = _section(html, "hospital-distributors")
    assert "国药控股江苏" in coverage and "华润医药上海" not in coverage


def test_hospital_page_shows_the_rep_only_their_doctors(client, world):
    client.force_login(world.rep)
    doctors = _section(_get(client, reverse("hospital_detail", args=[world.provincial.pk])), "hospital-doctors")
    assert row_ids(doctors) == [world.li.pk]


def test_rep_gets_404_for_a_hospital_without_their_doctors(client, world):
    other = f.HospitalFactory(tenant=world.tenant)
    f.DoctorFactory(hospital=other)
    client.force_login(world.rep)
    _get(client, reverse("hospital_detail", args=[other.pk]), status=404)


def test_hospital_page_shows_the_first_100_doctors_and_links_to_the_rest(pm, world):
    for _ in range(101):
        f.DoctorFactory(hospital=world.county, department=None)
    doctors = _section(_get(pm, reverse("hospital_detail", args=[world.county.pk])), "hospital-doctors")
    assert len(row_ids(doctors)) == 100
    assert f'href="/doctors/?hospital={world.county.pk}"' in doctors


def _sales_rows(html):
    """{month: (sell-in units, sell-out units)} of the sales table."""
    rows = re.findall(
        r'data-testid="sales-row" data-month="([\d-]+)"><td>[\d-]+</td><td>(\d+)</td><td>[^<]*</td><td>(\d+)</td>', html
    )
    return {m: (int(si), int(so)) for m, si, so in rows}


def test_hospital_sales_by_month_last_24_months_all_products(pm, world, months_ago):
    other_product = f.ProductFactory(tenant=world.tenant, name="康立宁")
    kw = {"distributor": world.distributor, "hospital": world.provincial}
    f.SalesRecordFactory(**kw, product=world.own_product, month=months_ago(0), sell_in_units=100, sell_out_units=80)
    f.SalesRecordFactory(**kw, product=other_product, month=months_ago(0), sell_in_units=50, sell_out_units=40)
    f.SalesRecordFactory(**kw, product=world.own_product, month=months_ago(23), sell_in_units=7, sell_out_units=6)
    f.SalesRecordFactory(**kw, product=world.own_product, month=months_ago(24), sell_in_units=999, sell_out_units=999)
    f.SalesRecordFactory(
        distributor=world.distributor,
        hospital=world.county,
        product=world.own_product,
        month=months_ago(0),
        sell_in_units=1000,
    )
    html = _section(_get(pm, reverse("hospital_detail", args=[world.provincial.pk])), "hospital-sales")
    rows = _sales_rows(html)
    assert len(rows) == 24
    assert rows[f"{months_ago(0):%Y-%m}"] == (150, 120)
    assert rows[f"{months_ago(23):%Y-%m}"] == (7, 6)
    assert f"{months_ago(24):%Y-%m}" not in rows
    assert sum(si for si, _ in rows.values()) == 157
    assert 'data-testid="sales-chart"' in html


def test_a_hospital_without_sales_says_so(pm, world):
    html = _section(_get(pm, reverse("hospital_detail", args=[world.county.pk])), "hospital-sales")
    assert 'data-testid="sales-chart"' not in html and 'data-testid="sales-table"' not in html


# --- distributors ----------------------------------------------------------------------------


def test_distributor_list_filters(pm, world):
    f.DistributorFactory(
        tenant=world.tenant, name="九州通湖北", regions=["湖北省"], status="suspended", kind="delivery"
    )
    ids = lambda **p: row_ids(_get(pm, "/distributors/", p), "distributor-row", "data-distributor-id")  # noqa: E731
    assert len(ids()) == 3
    assert len(ids(region="湖北省")) == 1
    assert len(ids(status="suspended")) == 1
    assert set(ids(q="国药")) == {world.distributor.pk}


def test_rep_sees_the_distributors_covering_their_hospitals(client, world):
    lonely = f.DistributorFactory(tenant=world.tenant, name="无覆盖经销商")
    client.force_login(world.rep)
    ids = row_ids(_get(client, "/distributors/"), "distributor-row", "data-distributor-id")
    assert set(ids) == {world.distributor.pk, world.other_distributor.pk}
    _get(client, reverse("distributor_detail", args=[lonely.pk]), status=404)


def test_distributor_page_coverage_agreements_and_sales(pm, world, months_ago):
    agreement = f.DistributorAgreementFactory(
        distributor=world.distributor, number="AG-JS-001", target_value=Decimal("1200000")
    )
    f.AgreementProductFactory(agreement=agreement, product=world.own_product)
    f.SalesRecordFactory(
        distributor=world.distributor,
        hospital=world.provincial,
        product=world.own_product,
        month=months_ago(1),
        sell_in_units=300,
        sell_out_units=250,
    )
    html = _get(pm, reverse("distributor_detail", args=[world.distributor.pk]))
    coverage = _section(html, "distributor-coverage")
    assert "江苏省人民医院" in coverage and "康立欣" in coverage and "溧水区人民医院" not in coverage
    agreements = _section(html, "distributor-agreements")
    assert "AG-JS-001" in agreements and "康立欣" in agreements
    assert "1200000.00" in re.sub(r"[,\s\u00a0]", "", agreements)  # grouped as the language groups numbers
    assert "康立欣" in html[html.index('data-testid="distributor-products"') :].split("</dd>")[0]
    assert _sales_rows(_section(html, "distributor-sales"))[f"{months_ago(1):%Y-%m}"] == (300, 250)


def test_distributor_rep_sees_only_their_own_distributor(client, world, months_ago):
    staff = f.DistributorStaffFactory(distributor=world.distributor)
    f.SalesRecordFactory(
        distributor=world.other_distributor,
        hospital=world.provincial,
        product=world.own_product,
        month=months_ago(0),
        sell_in_units=77,
    )
    f.SalesRecordFactory(
        distributor=world.distributor,
        hospital=world.provincial,
        product=world.own_product,
        month=months_ago(0),
        sell_in_units=11,
    )
    client.force_login(staff.user)
    assert row_ids(_get(client, "/distributors/"), "distributor-row", "data-distributor-id") == [world.distributor.pk]
    _get(client, reverse("distributor_detail", args=[world.other_distributor.pk]), status=404)
    # On a covered hospital's page, another distributor's trade is not theirs to see.
    sales = _section(_get(client, reverse("hospital_detail", args=[world.provincial.pk])), "hospital-sales")
    assert _sales_rows(sales)[f"{months_ago(0):%Y-%m}"][0] == 11


def test_hospital_and_distributor_exports(pm, world):
    response = pm.get(reverse("hospital_export", args=["csv"]), {"province": "江苏省"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "江苏省人民医院" in body and "溧水区人民医院" in body
    response = pm.get(reverse("distributor_export", args=["csv"]), {"q": "国药"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "国药控股江苏" in body and "华润医药上海" not in body
