"""Tiers in a real browser: the product manager's dashboard (table and chart), a what-if preview of a
draft version, running a scoring with a real worker and watching its progress, and the doctor
profile explaining why a doctor is tier A.

Assertions use data and data-testids, never translated UI text.
"""

import json

import pytest
from playwright.sync_api import expect

from crm.tenancy import tenant_context
from segmentation.models import Scorecard
from tests.segmentation.factories import make_doctors, make_version
from tests.segmentation_pages.world import build_tier_world


@pytest.fixture
def tier_world(tenant, make_user):
    """Ten doctors scored in 2026Q1 and 2026Q2 (tests/segmentation_pages/world.py)."""
    return build_tier_world(tenant, make_user)


def _tier_counts(page):
    cards = page.locator("[data-testid=tier-total]")
    return {
        cards.nth(i).get_attribute("data-tier"): int(cards.nth(i).get_attribute("data-count"))
        for i in range(cards.count())
    }


def test_pm_sees_the_national_tier_table_and_chart(page, login, tier_world):
    login(page, tier_world.pm)
    page.locator("[data-testid=menu] summary").click()
    page.locator("[data-testid=menu] a[href='/tiers/']").click()

    table = page.locator("[data-testid=tier-table]")
    expect(table).to_be_visible()
    assert _tier_counts(page) == {"A": 2, "B": 3, "C": 3, "D": 2}
    beijing = page.locator("[data-testid=tier-row][data-key='北京市']")
    expect(beijing.locator("td[data-tier=C]")).to_have_attribute("data-count", "3")
    expect(beijing.locator("[data-testid=row-total]")).to_have_text("6")

    # The stacked bar chart is drawn by Chart.js from the same figures.
    canvas = page.locator("[data-testid=tier-chart]")
    expect(canvas).to_have_attribute("data-rendered", "1")
    spec = json.loads(canvas.get_attribute("data-tier-chart"))
    assert {ds["tier"]: sum(ds["data"]) for ds in spec["datasets"]} == {"A": 2, "B": 3, "C": 3, "D": 2}
    assert canvas.bounding_box()["height"] > 100

    # The movement matrix between 2026Q1 and 2026Q2, coloured by direction.
    up = page.locator("[data-testid=movement-cell][data-from=B][data-to=A]")
    expect(up).to_have_attribute("data-count", "1")
    expect(up).to_have_attribute("data-kind", "up")
    expect(page.locator("[data-testid=movers-up] [data-testid=mover]")).to_have_count(2)

    # Filters swap the page in place (htmx): Beijing only.
    page.locator("[data-testid=filter-province]").select_option("北京市")
    expect(page.locator("[data-testid=tier-totals]")).to_have_attribute("data-total", "6")
    assert "province=" in page.url
    expect(page.locator("[data-testid=tier-chart]")).to_have_attribute("data-rendered", "1")

    # Group by hospital grade.
    page.locator("[data-testid=group-by] a[data-by=grade]").click()
    expect(page.locator("[data-testid=tier-table]")).to_have_attribute("data-by", "grade")
    expect(page.locator("[data-testid=tier-row][data-key='1'] td[data-tier=D]")).to_have_attribute("data-count", "2")


def test_a_mover_links_to_the_doctors_profile_which_explains_tier_a(page, login, tier_world):
    li = tier_world.doctors["李建国"]
    login(page, tier_world.pm)
    page.goto("/tiers/")
    page.locator(f"[data-testid=movers-up] [data-doctor-id='{li.pk}'] a").click()

    expect(page.locator("[data-testid=doctor-name]")).to_contain_text("李建国")
    expect(page.locator("[data-testid=doctor-tier]")).to_have_text("A")
    block = page.locator("[data-testid=doctor-tier-block]")
    expect(block).to_have_attribute("data-tier", "A")
    rows = block.locator("[data-testid=breakdown-row]")
    expect(rows).to_have_count(3)
    contributions = [float(rows.nth(i).get_attribute("data-contribution")) for i in range(3)]
    assert round(sum(contributions), 2) == 91.5
    assert contributions == sorted(contributions, reverse=True)  # the biggest reason first
    expect(block.locator("[data-testid=breakdown-chart]")).to_have_attribute("data-rendered", "1")
    expect(block.locator("[data-testid=tier-history-row]")).to_have_count(2)


def test_a_rep_sets_the_adoption_stage_on_a_phone(phone_page, login, tier_world):
    page = phone_page
    li = tier_world.doctors["李建国"]
    login(page, tier_world.rep)
    page.goto(f"/doctors/{li.pk}/#adoption")
    row = page.locator("[data-testid=adoption-row]")
    row.locator("[data-testid=adoption-stage-select]").select_option("trial")
    row.locator("[data-testid=adoption-save]").click()
    expect(page.locator("[data-testid=adoption-row]")).to_have_attribute("data-stage", "trial")
    page.reload()
    expect(page.locator("[data-testid=adoption-row]")).to_have_attribute("data-stage", "trial")


@pytest.fixture
def scorecard_world(tenant, make_user):
    pm = make_user(tenant, "product_manager")
    make_doctors(tenant, 10)
    active = make_version(tenant, by=pm, name="全产品分级")
    with tenant_context(tenant):
        scorecard = Scorecard.objects.get(pk=active.scorecard_id)
    return {"pm": pm, "active": active, "scorecard": scorecard}


def test_pm_edits_a_draft_previews_it_and_activates_it(page, login, scorecard_world):
    login(page, scorecard_world["pm"])
    page.goto(f"/tiers/scorecards/{scorecard_world['scorecard'].pk}/")
    page.locator("[data-testid=new-version]").click()
    expect(page.locator("[data-testid=version-status]")).to_have_attribute("data-status", "draft")

    # Weights that add up to 90 %: the live total says so, and saving is refused with a clear error.
    page.locator("input[name='weight:academic_influence']").fill("60")
    page.locator("input[name='weight:prescribing_potential']").fill("30")
    page.locator("input[name='weight:business_contribution']").fill("")
    total = page.locator("[data-testid=weight-total]")
    expect(total).to_have_attribute("data-total", "90")
    expect(total).to_have_class("error")
    page.locator("[data-testid=save-version]").click()
    expect(page.locator("[data-testid=weights-error]")).to_contain_text("90")

    page.locator("input[name='weight:business_contribution']").fill("10")
    expect(page.locator("[data-testid=weight-total]")).to_have_attribute("data-total", "100")
    page.locator("[data-testid=save-version]").click()
    expect(page.locator("[data-testid=weights-error]")).to_have_count(0)

    # Preview: distribution and the movement matrix against the active version, in place.
    page.locator("[data-testid=preview]").click()
    whatif = page.locator("[data-testid=whatif]")
    expect(whatif.locator("[data-testid=movement-matrix]")).to_be_visible()
    expect(whatif.locator("[data-testid=whatif-table]")).to_have_attribute("data-total", "10")
    cells = whatif.locator("[data-testid=movement-cell]")
    assert sum(int(cells.nth(i).get_attribute("data-count")) for i in range(cells.count())) == 10
    counts = whatif.locator("[data-testid=whatif-row]")
    assert sum(int(counts.nth(i).get_attribute("data-count")) for i in range(4)) == 10
    expect(whatif.locator("[data-testid=whatif-chart]")).to_have_attribute("data-rendered", "1")

    page.locator("[data-testid=activate]").click()
    expect(page.locator("[data-testid=version-row][data-status=active]")).to_have_count(1)
    expect(
        page.locator(f"[data-testid=version-row][data-version-id='{scorecard_world['active'].pk}']")
    ).to_have_attribute("data-status", "retired")


def test_run_now_shows_progress_and_then_the_results(page, login, scorecard_world, celery_worker_process):
    login(page, scorecard_world["pm"])
    page.goto("/tiers/runs/")
    page.locator("select[name=period]").select_option("2026Q1")
    page.locator("[data-testid=run-now]").click()
    progress = page.locator("[data-testid=run-progress]")
    expect(progress).to_be_visible()
    # The page polls until the worker has finished, then shows the statistics.
    expect(progress).to_have_attribute("data-status", "done", timeout=60_000)
    stats = page.locator("[data-testid=run-stats]")
    expect(stats).to_have_attribute("data-doctors", "10")
    tiers = page.locator("[data-testid=run-tier]")
    assert {
        tiers.nth(i).get_attribute("data-tier"): int(tiers.nth(i).get_attribute("data-count")) for i in range(4)
    } == {"A": 1, "B": 2, "C": 3, "D": 4}

    page.locator("[data-testid=see-dashboard]").click()
    assert _tier_counts(page) == {"A": 1, "B": 2, "C": 3, "D": 4}


def test_a_big_tenants_preview_is_computed_by_the_worker(page, login, scorecard_world, celery_worker_process, settings):
    settings.SEGMENTATION_WHATIF_SYNC_MAX_DOCTORS = 5  # ten doctors count as "big" here
    login(page, scorecard_world["pm"])
    page.goto(f"/tiers/versions/{scorecard_world['active'].pk}/")
    page.locator("[data-testid=preview]").click()
    # The request answers at once with the progress bar of a scoring run ...
    expect(page.locator("[data-testid=whatif-pending]")).to_be_visible()
    expect(page.locator("[data-testid=whatif-progress-bar]")).to_be_visible()
    # ... and the page polls until the worker has put the result in the cache.
    table = page.locator("[data-testid=whatif-table]")
    expect(table).to_have_attribute("data-total", "10", timeout=60_000)
    expect(page.locator("[data-testid=whatif]")).not_to_have_attribute("data-pending", "1")
    # No scoring run yet: it says that none of the ten doctors is scored.
    expect(page.locator("[data-testid=whatif-unscored]")).to_have_attribute("data-count", "10")
