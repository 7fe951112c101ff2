"""The tier dashboard: the national table and chart, movement between quarters, movers, filters, export."""

import csv
import io
import json
import re

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import TerritoryAssignmentFactory
from tests.segmentation_pages.helpers import elements, one
from tests.segmentation_pages.world import LATEST, PREVIOUS

URL = reverse("tier_dashboard")


def _counts(html, testid="tier-total"):
    return {e["data-tier"]: int(e["data-count"]) for e in elements(html, testid)}


def _table(html):
    """Group key -> {tier: count} of the distribution table."""
    rows = {}
    for match in re.finditer(r'data-testid="tier-row" data-key="([^"]*)">(.*?)</tr>', html, re.S):
        key = match.group(1)
        rows[key] = {t: int(n) for t, n in re.findall(r'data-tier="([A-D])" data-count="(\d+)"', match.group(2))}
    return rows


def _matrix(html):
    return {(e["data-from"], e["data-to"]): int(e["data-count"]) for e in elements(html, "movement-cell")}


def test_pm_sees_the_national_table_chart_and_counts(client, tier_world):
    client.force_login(tier_world.pm)
    html = client.get(URL).content.decode()

    assert one(html, "tier-distribution")["data-period"] == LATEST
    assert _counts(html) == {"A": 2, "B": 3, "C": 3, "D": 2}
    assert _table(html) == {
        "北京市": {"A": 0, "B": 1, "C": 3, "D": 2},
        "上海市": {"A": 2, "B": 2, "C": 0, "D": 0},
    }
    chart = json.loads(one(html, "tier-chart")["data-tier-chart"])
    assert chart["labels"] == ["北京市", "上海市"]
    assert {ds["tier"]: ds["data"] for ds in chart["datasets"]} == {"A": [0, 2], "B": [1, 2], "C": [3, 0], "D": [2, 0]}


def test_percentages_of_each_row(client, tier_world, en):
    client.force_login(tier_world.pm)
    html = client.get(URL).content.decode()
    # 北京市: 6 doctors, C = 3 → 50.0 %; the whole tenant: A = 2 of 10 → 20.0 %.
    assert "50.0%" in html
    assert "20.0%" in html


def test_group_by_grade_and_department(client, tier_world):
    client.force_login(tier_world.pm)
    by_grade = _table(client.get(URL, {"by": "grade"}).content.decode())
    assert by_grade == {
        "3A": {"A": 2, "B": 2, "C": 0, "D": 0},
        "2A": {"A": 0, "B": 1, "C": 3, "D": 0},
        "1": {"A": 0, "B": 0, "C": 0, "D": 2},
    }
    by_department = _table(client.get(URL, {"by": "department"}).content.decode())
    assert by_department == {"cardiology": {"A": 2, "B": 3, "C": 3, "D": 2}}


def test_movement_matrix_and_movers_between_the_last_two_quarters(client, tier_world):
    client.force_login(tier_world.pm)
    html = client.get(URL).content.decode()

    summary = one(html, "movement-summary")
    assert (summary["data-up"], summary["data-down"], summary["data-same"]) == ("2", "2", "5")
    matrix = _matrix(html)
    assert matrix[("B", "A")] == 1 and matrix[("A", "A")] == 1 and matrix[("A", "B")] == 1
    assert matrix[("D", "C")] == 1 and matrix[("C", "D")] == 1 and matrix[("new", "D")] == 1
    assert sum(matrix.values()) == 10
    kinds = {(e["data-from"], e["data-to"]): e["data-kind"] for e in elements(html, "movement-cell")}
    assert kinds[("B", "A")] == "up" and kinds[("A", "B")] == "down" and kinds[("C", "C")] == "same"

    doctors = tier_world.doctors
    movers = elements(html, "mover")
    up = {int(m["data-doctor-id"]) for m in movers if m["data-to"] < m["data-from"]}
    down = {int(m["data-doctor-id"]) for m in movers if m["data-to"] > m["data-from"]}
    assert up == {doctors["李建国"].pk, doctors["杨帆"].pk}
    assert down == {doctors["刘洋"].pk, doctors["周杰"].pk}
    assert reverse("doctor_detail", args=[doctors["李建国"].pk]) in html


def test_filters_narrow_table_movement_and_movers(client, tier_world):
    client.force_login(tier_world.pm)
    html = client.get(URL, {"province": "北京市"}).content.decode()
    assert _counts(html) == {"A": 0, "B": 1, "C": 3, "D": 2}
    assert sum(_matrix(html).values()) == 6
    assert {int(m["data-doctor-id"]) for m in elements(html, "mover")} == {
        tier_world.doctors["杨帆"].pk,
        tier_world.doctors["周杰"].pk,
    }

    html = client.get(URL, {"grade": "3A", "department": "cardiology"}).content.decode()
    assert _counts(html) == {"A": 2, "B": 2, "C": 0, "D": 0}


def test_an_earlier_quarter_has_no_movement_before_it(client, tier_world):
    client.force_login(tier_world.pm)
    html = client.get(URL, {"period": PREVIOUS}).content.decode()
    assert _counts(html) == {"A": 2, "B": 3, "C": 3, "D": 1}
    assert elements(html, "no-movement") and not elements(html, "movement-matrix")


def test_unknown_filter_values_fall_back_to_defaults(client, tier_world):
    client.force_login(tier_world.pm)
    response = client.get(URL, {"period": "1999Q9", "province": "x", "by": "nonsense", "scorecard": "abc"})
    assert response.status_code == 200
    assert _counts(response.content.decode()) == {"A": 2, "B": 3, "C": 3, "D": 2}


def test_a_manager_counts_their_team_doctors_only(client, tier_world, make_user):
    manager = make_user(tier_world.tenant, Role.MANAGER)
    TerritoryAssignmentFactory(territory=tier_world.territory, user=manager)
    client.force_login(manager)
    html = client.get(URL).content.decode()
    assert _counts(html) == {"A": 2, "B": 2, "C": 0, "D": 0}  # the Shanghai doctors


def test_before_any_run_the_page_says_so(client, tenant, make_user):
    client.force_login(make_user(tenant, Role.PRODUCT_MANAGER))
    html = client.get(URL).content.decode()
    assert elements(html, "no-tiers")
    assert not elements(html, "tier-table")


@pytest.mark.parametrize("role", [Role.REP, Role.DISTRIBUTOR_REP, Role.COMPLIANCE, Role.MEDICAL_AFFAIRS])
def test_field_and_other_roles_cannot_open_the_dashboard(client, tenant, make_user, role):
    client.force_login(make_user(tenant, role))
    assert client.get(URL).status_code == 403
    assert client.get(reverse("tier_export", args=["table", "csv"])).status_code == 403


def test_menu_offers_tiers_to_product_managers_not_to_reps(client, tier_world):
    client.force_login(tier_world.pm)
    assert URL in client.get(reverse("home")).content.decode()
    client.force_login(tier_world.rep)
    assert f'href="{URL}"' not in client.get(reverse("home")).content.decode()


def _csv(response):
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_export_the_table_as_filtered(client, tier_world):
    client.force_login(tier_world.pm)
    response = client.get(reverse("tier_export", args=["table", "csv"]), {"by": "province"})
    assert response.status_code == 200
    rows = _csv(response)
    assert rows[0][1] == "A" and rows[0][2] == "A %"
    by_key = {r[0]: r for r in rows[1:]}
    assert by_key["北京市"][1:] == ["0", "0.0", "1", "16.7", "3", "50.0", "2", "33.3", "6"]
    assert by_key["上海市"][-1] == "4"
    assert rows[-1][-1] == "10"  # the total row


def test_export_every_doctors_tier_as_xlsx_and_csv(client, tier_world):
    client.force_login(tier_world.pm)
    xlsx = client.get(reverse("tier_export", args=["doctors", "xlsx"]))
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _csv(client.get(reverse("tier_export", args=["doctors", "csv"]), {"province": "上海市"}))
    assert len(rows) == 1 + 4
    names = {r[0]: r for r in rows[1:]}
    assert names["李建国"][7] == "A" and names["李建国"][9] == "B"  # tier now and before


def test_export_refuses_an_unknown_format(client, tier_world):
    client.force_login(tier_world.pm)
    assert client.get(reverse("tier_export", args=["table", "pdf"])).status_code == 400


def test_dashboard_query_count_does_not_grow_with_doctors(client, tier_world, django_assert_max_num_queries):
    client.force_login(tier_world.pm)
    with django_assert_max_num_queries(20):
        client.get(URL)


def test_adoption_ladder_counts_per_product_and_stage(client, tier_world):
    from crm.tenancy import tenant_context
    from segmentation import services

    d = tier_world.doctors
    with tenant_context(tier_world.tenant):
        for name, stage in (("李建国", "loyal"), ("王芳", "loyal"), ("陈静", "trial")):
            services.adoption_set(
                tenant=tier_world.tenant, by=tier_world.pm, doctor=d[name], product=tier_world.product, stage=stage
            )
    client.force_login(tier_world.pm)
    html = client.get(URL).content.decode()
    row = re.search(r'data-testid="adoption-summary-row"[^>]*>(.*?)</tr>', html, re.S).group(1)
    counts = dict(re.findall(r'data-stage="(\w+)" data-count="(\d+)"', row))
    assert counts["loyal"] == "2" and counts["trial"] == "1" and counts["unaware"] == "0"
    # The place filter narrows it too: 陈静 works in Beijing.
    html = client.get(URL, {"province": "北京市"}).content.decode()
    row = re.search(r'data-testid="adoption-summary-row"[^>]*>(.*?)</tr>', html, re.S).group(1)
    assert dict(re.findall(r'data-stage="(\w+)" data-count="(\d+)"', row))["trial"] == "1"
    assert dict(re.findall(r'data-stage="(\w+)" data-count="(\d+)"', row))["loyal"] == "0"


def test_movers_page_agrees_with_the_movers_selector(tier_world):
    from crm.tenancy import tenant_context
    from segmentation import pages, selectors

    doctors = None
    with tenant_context(tier_world.tenant):
        for direction in ("up", "down"):
            fast = pages.movers_page(
                tenant=tier_world.tenant, direction=direction, from_period=PREVIOUS, to_period=LATEST, doctors=doctors
            )
            slow = list(selectors.movers(tenant=tier_world.tenant, direction=direction))
            assert [(a.pk, a.from_tier) for a in fast] == [(a.pk, a.from_tier) for a in slow]
            assert len(fast) == 2


def test_a_finished_run_refreshes_the_cached_dashboard(client, tier_world):
    from django.utils import timezone

    from crm.tenancy import tenant_context
    from segmentation.models import RunStatus, ScoringRun, TierAssignment

    client.force_login(tier_world.pm)
    assert one(client.get(URL).content.decode(), "tier-distribution")["data-period"] == LATEST
    # A new quarter is scored: every doctor tier A.
    with tenant_context(tier_world.tenant):
        TierAssignment.objects.bulk_create(
            TierAssignment(
                tenant=tier_world.tenant, doctor=d, period="2026Q3", version=tier_world.version, tier="A", score=99.0
            )
            for d in tier_world.doctors.values()
        )
        ScoringRun.objects.create(
            tenant=tier_world.tenant,
            version=tier_world.version,
            period="2026Q3",
            status=RunStatus.DONE,
            finished_at=timezone.now(),
        )
    html = client.get(URL).content.decode()
    assert one(html, "tier-distribution")["data-period"] == "2026Q3"
    assert _counts(html) == {"A": 10, "B": 0, "C": 0, "D": 0}
