"""Analytics in a real browser: each role's home page, the product manager's program ROI, the
sales director's KPI export, the channel manager's provinces without a distributor."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from playwright.sync_api import expect

from crm.tenancy import tenant_context
from tests.analytics.helpers import scored_team
from tests.analytics.roi_data import program_with_effect
from tests.factories import UserFactory
from tests.hospitals.factories import DistributorCoverageFactory, DistributorFactory, HospitalFactory

MONTH = datetime.date(2026, 5, 1)


@pytest.fixture
def may():
    cache.clear()
    with time_machine.travel(datetime.datetime(2026, 5, 20, 12, 0), tick=True):
        yield


def test_each_roles_home_page(page, login, tenant, may):
    team = scored_team(tenant, month=MONTH)
    pm = UserFactory(tenant=tenant, role="product_manager")
    homes = [
        (team.rep, "home-my-month"),
        (team.manager, "home-team-kpi"),
        (pm, "home-adoption"),
        (team.compliance, "home-compliance"),
        (team.medical, "home-inquiry-sla"),
        (team.admin, "home-data-quality"),
    ]
    for user, card in homes:
        page.context.clear_cookies()
        login(page, user)
        expect(page.locator(f"[data-testid={card}]")).to_be_visible()
        others = {c for _u, c in homes} - {card}
        for other in others:
            expect(page.locator(f"[data-testid={other}]")).to_have_count(0)
        if user == team.rep:
            expect(page.locator("[data-testid=my-month-tier][data-tier=A]")).to_be_visible()
        if user == team.manager:
            # Who is behind and why, then the drill-down to the rep.
            row = page.locator(f"[data-testid=team-kpi-row][data-rep-id='{team.rep2.pk}']")
            expect(row.locator("[data-kpi=ab_coverage]")).to_be_visible()
            row.locator("a").first.click()
            expect(page.locator("[data-testid=rep-line][data-kpi=ab_coverage]")).to_be_visible()
            expect(page.locator("[data-testid=rep-behind]")).to_contain_text("A/B")


def test_product_manager_opens_the_program_roi(page, login, tenant):
    cache.clear()
    data = program_with_effect(tenant, name="甲状腺大师班")
    login(page, data.pm)
    page.goto("/analytics/roi/")
    page.locator("[data-testid=program-row] a", has_text="甲状腺大师班").click()
    expect(page.locator("[data-testid=roi-actual]")).to_have_text("24000")
    expect(page.locator("[data-testid=roi-pairs]")).to_have_text("40")
    stage = page.locator("[data-testid=roi-effect-row][data-outcome=stage][data-horizon='1']")
    expect(stage).to_be_visible()
    expect(stage.locator("[data-testid=roi-warning]")).to_have_count(0)  # the difference means something
    expect(page.locator("[data-testid=roi-cost-per-moved]")).to_contain_text("CNY")
    expect(page.locator("canvas[data-analytics-chart][data-rendered='1']")).to_have_count(1)
    with page.expect_download() as download:
        page.locator("[data-testid=roi-export]").click()
    assert download.value.suggested_filename.endswith(".xlsx")


def test_sales_director_exports_the_kpi_ranking(page, login, tenant, may):
    team = scored_team(tenant, month=MONTH)
    login(page, team.admin)
    page.goto("/analytics/kpi/?period=2026-05")
    expect(page.locator("[data-testid=ranking-row]")).to_have_count(2)
    expect(page.locator("[data-testid=ranking-row]").first).to_have_attribute("data-rep-id", str(team.rep.pk))
    page.select_option("[data-testid=period-select]", "2026Q2")
    page.wait_for_url("**period=2026Q2")
    with page.expect_download() as download:
        page.locator("[data-testid=export-xlsx]").click()
    assert download.value.suggested_filename.startswith("kpi-ranking-2026Q2")


def test_channel_manager_sees_provinces_without_distributor(page, login, tenant):
    with tenant_context(tenant):
        d = DistributorFactory(tenant=tenant)
        DistributorCoverageFactory(
            distributor=d, hospital=HospitalFactory(tenant=tenant, province="上海市", city="上海市")
        )
        HospitalFactory(tenant=tenant, province="甘肃省", city="兰州市", name="兰州大学第一医院")
    login(page, UserFactory(tenant=tenant, role="product_manager"))
    page.goto("/analytics/channel/")
    gap = page.locator("[data-testid=province-row][data-province=甘肃省]")
    expect(gap).to_have_attribute("data-gaps", "1")
    gap.locator("a").click()
    expect(page.locator("[data-testid=gap-hospital]")).to_have_text("兰州大学第一医院 兰州市 · 三级甲等")
