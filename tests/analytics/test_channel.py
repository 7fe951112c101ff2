"""Channel figures: coverage gaps and overlaps, sell-through and inventory, agreements behind
target, the forecast and its backtest."""

import datetime
import math

import pytest
from django.urls import reverse

from analytics import channel
from crm.tenancy import tenant_context
from tests.hospitals.factories import (
    DistributorAgreementFactory,
    DistributorCoverageFactory,
    DistributorFactory,
    HospitalFactory,
    ProductFactory,
    SalesRecordFactory,
)
from visits.selectors import add_months

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 15)


def _network(tenant):
    with tenant_context(tenant):
        d1, d2 = DistributorFactory(tenant=tenant, name="国药控股"), DistributorFactory(tenant=tenant, name="华润医药")
        gone = DistributorFactory(tenant=tenant, name="已终止", status="terminated")
        sh1 = HospitalFactory(tenant=tenant, province="上海市", city="上海市", name="瑞金医院")
        sh2 = HospitalFactory(tenant=tenant, province="上海市", city="上海市", name="华山医院")
        gz = HospitalFactory(tenant=tenant, province="广东省", city="广州市", name="中山一院")
        gz2 = HospitalFactory(tenant=tenant, province="广东省", city="广州市", name="南方医院")
        xz = HospitalFactory(tenant=tenant, province="西藏自治区", city="拉萨市", name="西藏人民医院")
        DistributorCoverageFactory(distributor=d1, hospital=sh1)
        DistributorCoverageFactory(distributor=d2, hospital=sh1)  # overlap (both for all products)
        DistributorCoverageFactory(distributor=d1, hospital=sh2)
        DistributorCoverageFactory(distributor=d1, hospital=gz, until=datetime.date(2026, 1, 31))  # ended: a gap
        DistributorCoverageFactory(distributor=gone, hospital=gz2)  # terminated distributor: a gap
        DistributorCoverageFactory(distributor=d2, hospital=xz, since=datetime.date(2026, 9, 1))  # not yet: a gap
    return d1, d2, sh1, gz


def test_coverage_gaps_and_overlaps(tenant):
    _network(tenant)
    with tenant_context(tenant):
        provinces, cities = channel.coverage(tenant=tenant, today=TODAY)
        by = {p.province: p for p in provinces}
        assert (by["上海市"].hospitals, by["上海市"].covered, by["上海市"].gaps, by["上海市"].overlaps) == (2, 2, 0, 1)
        assert (by["广东省"].covered, by["广东省"].gaps) == (0, 2)
        assert by["西藏自治区"].gaps == 1
        assert provinces[0].province == "广东省"  # the biggest gaps first
        gaps = [h.name for h in channel.gap_hospitals(tenant=tenant, province="广东省", today=TODAY)]
        assert sorted(gaps) == ["中山一院", "南方医院"]
        assert list(channel.gap_hospitals(tenant=tenant, province="上海市", today=TODAY)) == []


def test_sell_through_inventory_and_agreements(tenant):
    d1, d2, sh1, _gz = _network(tenant)
    with tenant_context(tenant):
        product = ProductFactory(tenant=tenant, name="甲状宁")
        for i, (sin, sout) in enumerate(((100, 60), (100, 90), (0, 30))):
            SalesRecordFactory(
                distributor=d1,
                hospital=sh1,
                product=product,
                month=datetime.date(2026, 3 + i, 1),
                sell_in_units=sin,
                sell_out_units=sout,
                sell_in_value=sin * 100,
                sell_out_value=sout * 100,
            )
        SalesRecordFactory(
            distributor=d2,
            hospital=sh1,
            product=product,
            month=datetime.date(2026, 3, 1),
            sell_in_units=10,
            sell_in_value=1000,
            sell_out_units=10,
            sell_out_value=1000,
        )
        # d1: 12,000 a year, so 3,000 over the 3 months; sold in 20,000 → ahead. d2: 120,000 a year → behind.
        DistributorAgreementFactory(
            distributor=d1, start=datetime.date(2026, 1, 1), end=datetime.date(2026, 12, 31), target_value=12000
        )
        DistributorAgreementFactory(
            distributor=d2, start=datetime.date(2026, 1, 1), end=datetime.date(2026, 12, 31), target_value=120000
        )
        first, last = datetime.date(2026, 3, 1), datetime.date(2026, 5, 1)
        sales = channel.sales_frame(tenant=tenant, first=first, last=last)
        d1_rows = sales[sales["distributor_id"] == d1.pk]
        assert list(d1_rows["inventory_units"]) == [40, 50, 20]  # cumulative sell-in − sell-out
        assert list(d1_rows["sell_through"])[:2] == [60.0, 90.0] and math.isnan(list(d1_rows["sell_through"])[2])
        progress = {
            r["distributor_id"]: r
            for r in channel.agreement_progress(tenant=tenant, first=first, last=last, sales=sales)
        }
        assert (
            progress[d1.pk]["target"] == 3000.0
            and progress[d1.pk]["actual"] == 20000.0
            and not progress[d1.pk]["behind"]
        )
        assert progress[d2.pk]["behind"] and progress[d2.pk]["attainment"] == pytest.approx(3.3)


def test_forecast_follows_seasonality_and_prints_its_backtest(tenant):
    with tenant_context(tenant):
        d = DistributorFactory(tenant=tenant)
        h = HospitalFactory(tenant=tenant, province="浙江省", city="杭州市")
        p = ProductFactory(tenant=tenant, name="甲状宁")
        first = datetime.date(2023, 1, 1)
        for i in range(36):
            m = add_months(first, i)
            units = int(1000 + 10 * i + (300 if m.month in (1, 2) else 0))  # a trend and a winter peak
            SalesRecordFactory(distributor=d, hospital=h, product=p, month=m, sell_in_units=units, sell_out_units=units)
        [f] = channel.forecast_sell_out(tenant=tenant, last=add_months(first, 35))
    assert f.method == "holt-winters" and len(f.forecast) == 6
    assert f.backtest_mape is not None and f.backtest_mape < 10
    by_month = {m.month: (mean, lo, hi) for m, mean, lo, hi in f.forecast}
    assert by_month[1][0] > by_month[3][0] + 150  # the winter peak is forecast
    assert all(lo <= mean <= hi for mean, lo, hi in by_month.values())


def test_channel_pages_and_exports(client, tenant, make_user):
    _network(tenant)
    client.force_login(make_user(tenant, "product_manager"))
    page = client.get(reverse("channel"))
    assert page.status_code == 200 and 'data-province="广东省"' in page.content.decode()
    gaps = client.get(reverse("channel_gaps") + "?province=广东省").content.decode()
    assert "南方医院" in gaps and "瑞金医院" not in gaps
    csv = b"".join(client.get(reverse("channel_export", args=["provinces", "csv"])).streaming_content).decode(
        "utf-8-sig"
    )
    assert "广东省" in csv and len(csv.strip().splitlines()) == 4
    assert client.get(reverse("channel_export", args=["sales", "xlsx"])).status_code == 200
    assert client.get(reverse("channel_export", args=["nope", "csv"])).status_code == 400
    client.force_login(make_user(tenant, "rep"))
    assert client.get(reverse("channel")).status_code == 403


def test_the_channel_page_links_only_the_distributors_the_user_may_open(client, tenant, make_user):
    today = datetime.date.today()
    with tenant_context(tenant):
        d = DistributorFactory(tenant=tenant, name="远方医药")
        h = HospitalFactory(tenant=tenant, province="浙江省", city="杭州市")
        p = ProductFactory(tenant=tenant)
        SalesRecordFactory(
            distributor=d, hospital=h, product=p, month=add_months(today.replace(day=1), -1), sell_in_value=1000
        )
        DistributorAgreementFactory(
            distributor=d,
            start=today - datetime.timedelta(days=300),
            end=today + datetime.timedelta(days=300),
            target_value=1000,
        )
    link = f'href="{reverse("distributor_detail", args=[d.pk])}"'
    client.force_login(make_user(tenant, "product_manager"))
    page = client.get(reverse("channel")).content.decode()
    assert "远方医药" in page and link in page  # head office opens every distributor
    client.force_login(make_user(tenant, "manager"))  # a manager with no territory sees none of them
    page = client.get(reverse("channel")).content.decode()
    assert "远方医药" in page and link not in page
    assert client.get(reverse("distributor_detail", args=[d.pk])).status_code == 404
