"""The segmentation API by role: who reads which tiers, who changes scorecards, overrides and stages."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Role
from crm.tenancy import tenant_context
from segmentation import services
from segmentation.models import ImportedDimension, ImportedValue, ScoringRun, TierAssignment
from tests.factories import TerritoryAssignmentFactory, territory_tree
from tests.hospitals.factories import DoctorTerritoryFactory
from tests.segmentation.factories import make_doctors, make_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tenant, make_user):
    """10 scored doctors; the rep covers territory t1, aligned to the first 3 of them."""
    doctors, product = make_doctors(tenant, 10)
    version = make_version(tenant)
    with tenant_context(tenant):
        run = ScoringRun.objects.create(tenant=tenant, version=version, period="2026Q1")
        services.tier_rescore(tenant=tenant, period="2026Q1", run_id=run.pk)
    _, _, t1, _ = territory_tree(tenant, "S")
    for doctor in doctors[:3]:
        DoctorTerritoryFactory(doctor=doctor, territory=t1)
    rep = make_user(tenant, Role.REP)
    TerritoryAssignmentFactory(territory=t1, user=rep)
    return {
        "doctors": doctors,
        "product": product,
        "version": version,
        "rep": rep,
        "pm": make_user(tenant, Role.PRODUCT_MANAGER),
    }


def test_rep_reads_only_the_tiers_of_their_doctors(api_client, world):
    api_client.force_login(world["rep"])
    body = api_client.get("/api/v1/tier-assignments/?page_size=100").json()
    assert {row["doctor"] for row in body["results"]} == {d.pk for d in world["doctors"][:3]}
    dist = api_client.get("/api/v1/tier-assignments/distribution/?by=grade").json()
    assert dist["totals"]["total"] == 3
    other = world["doctors"][-1].pk
    current = api_client.get(f"/api/v1/tier-assignments/current/?doctor={world['doctors'][0].pk}&doctor={other}").json()
    assert list(current) == [str(world["doctors"][0].pk)]


def test_product_manager_sees_every_tier_and_the_national_table(api_client, world):
    api_client.force_login(world["pm"])
    dist = api_client.get("/api/v1/tier-assignments/distribution/?by=province").json()
    assert dist["totals"]["counts"] == {"A": 1, "B": 2, "C": 3, "D": 4}
    assert {row["key"] for row in dist["rows"]} == {"上海市", "北京市"}
    best = world["doctors"][-1]
    rows = api_client.get(f"/api/v1/tier-assignments/?doctor={best.pk}").json()["results"]
    assert rows[0]["tier"] == "A" and sum(rows[0]["breakdown"].values()) == pytest.approx(rows[0]["score"], abs=0.02)


def test_only_product_managers_and_admins_change_scorecards(api_client, world, tenant, make_user):
    payload = {"name": "新产品分级"}
    for role in (Role.REP, Role.MANAGER, Role.COMPLIANCE):
        api_client.force_login(make_user(tenant, role))
        assert api_client.post("/api/v1/scorecards/", payload, format="json").status_code == 403
        assert api_client.get("/api/v1/scorecards/").status_code == 200
    api_client.force_login(make_user(tenant, Role.TENANT_ADMIN))
    assert api_client.post("/api/v1/scorecards/", payload, format="json").status_code == 201


def test_version_lifecycle_over_the_api(api_client, world):
    api_client.force_login(world["pm"])
    scorecard = world["version"].scorecard
    created = api_client.post(
        "/api/v1/scorecard-versions/",
        {
            "scorecard": scorecard.pk,
            "tier_rule": "cutoffs",
            "cutoff_a": "80",
            "cutoff_b": "50",
            "cutoff_c": "20",
            "dimensions": [
                {"kind": "academic_influence", "weight": "60"},
                {"kind": "prescribing_potential", "weight": "30"},
            ],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    vid = created.json()["id"]
    refused = api_client.post(f"/api/v1/scorecard-versions/{vid}/activate/")
    assert refused.status_code == 400 and "100" in str(refused.json())
    fixed = api_client.patch(
        f"/api/v1/scorecard-versions/{vid}/",
        {
            "dimensions": [
                {"kind": "academic_influence", "weight": "70"},
                {"kind": "prescribing_potential", "weight": "30"},
            ]
        },
        format="json",
    )
    assert fixed.status_code == 200, fixed.content
    preview = api_client.get(f"/api/v1/scorecard-versions/{vid}/whatif/?period=2026Q1").json()
    assert sum(v["count"] for v in preview["distribution"].values()) == 10
    assert api_client.post(f"/api/v1/scorecard-versions/{vid}/activate/").json()["status"] == "active"
    # The used version is frozen.
    used = world["version"].pk
    frozen = api_client.patch(f"/api/v1/scorecard-versions/{used}/", {"quota_a": "30"}, format="json")
    assert frozen.status_code == 400


def test_starting_a_run_enqueues_it_after_commit(api_client, world, django_capture_on_commit_callbacks):
    api_client.force_login(world["pm"])
    with django_capture_on_commit_callbacks() as callbacks:
        response = api_client.post("/api/v1/scoring-runs/", {"period": "2026Q2"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending" and len(callbacks) == 1
    again = api_client.post("/api/v1/scoring-runs/", {"period": "2026Q2"}, format="json")
    assert again.status_code == 400  # one run of a period at a time


def test_override_by_hand_wins_until_revoked(api_client, world):
    api_client.force_login(world["pm"])
    worst = world["doctors"][0]
    expires = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    no_reason = api_client.post(
        "/api/v1/tier-overrides/",
        {"doctor": worst.pk, "tier": "A", "reason": " ", "expires_on": expires},
        format="json",
    )
    assert no_reason.status_code == 400
    created = api_client.post(
        "/api/v1/tier-overrides/",
        {"doctor": worst.pk, "tier": "A", "reason": "新任学会主委", "expires_on": expires},
        format="json",
    )
    assert created.status_code == 201 and created.json()["created_by"] == world["pm"].pk
    assert api_client.get(f"/api/v1/tier-assignments/current/?doctor={worst.pk}").json() == {str(worst.pk): "A"}
    assert api_client.delete(f"/api/v1/tier-overrides/{created.json()['id']}/").status_code == 204
    assert api_client.get(f"/api/v1/tier-assignments/current/?doctor={worst.pk}").json() == {str(worst.pk): "D"}
    history = api_client.get(f"/api/v1/tier-overrides/?doctor={worst.pk}").json()["results"]
    assert len(history) == 1 and history[0]["revoked_by"] == world["pm"].pk and not history[0]["in_force"]


def test_rep_sets_adoption_for_their_doctors_only(api_client, world):
    api_client.force_login(world["rep"])
    mine, theirs = world["doctors"][0], world["doctors"][-1]
    ok = api_client.post(
        "/api/v1/adoptions/", {"doctor": mine.pk, "product": world["product"].pk, "stage": "trial"}, format="json"
    )
    assert ok.status_code == 201, ok.content
    refused = api_client.post(
        "/api/v1/adoptions/", {"doctor": theirs.pk, "product": world["product"].pk, "stage": "loyal"}, format="json"
    )
    assert refused.status_code == 400
    moved = api_client.patch(f"/api/v1/adoptions/{ok.json()['id']}/", {"stage": "loyal"}, format="json")
    assert moved.status_code == 200 and moved.json()["stage"] == "loyal"
    counts = api_client.get("/api/v1/adoptions/counts/").json()
    assert counts["loyal"] == 1 and counts["trial"] == 0


def test_tier_settings_effective_and_changed_by_product_manager(api_client, world, tenant, make_user):
    api_client.force_login(world["rep"])
    assert api_client.get("/api/v1/tier-settings/effective/").json()["A"]["visits_per_month"] == 4
    assert api_client.post("/api/v1/tier-settings/", {}, format="json").status_code == 403
    api_client.force_login(world["pm"])
    created = api_client.post(
        "/api/v1/tier-settings/",
        {"tier": "A", "visits_per_month": 6, "preferred_channel": "in_person", "online_allowed": False},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert api_client.get("/api/v1/tier-settings/effective/").json()["A"]["visits_per_month"] == 6


def test_imported_values_upload_is_all_or_nothing_with_per_row_errors(api_client, world, tenant):
    api_client.force_login(world["pm"])
    with tenant_context(tenant):
        dim = ImportedDimension.objects.create(tenant=tenant, code="kol", name="KOL指数")
    doctors = world["doctors"]
    bad = f"doctor_id,value\n{doctors[0].pk},88\n{doctors[1].pk},abc\n999999,5\n{doctors[0].pk},3\n"
    response = api_client.post(
        f"/api/v1/imported-dimensions/{dim.pk}/values/",
        {"period": "2026Q1", "file": SimpleUploadedFile("kol.csv", bad.encode())},
        format="multipart",
    )
    assert response.status_code == 400
    assert [e["row"] for e in response.json()["errors"]] == [3, 4, 5]
    with tenant_context(tenant):
        assert not ImportedValue.objects.exists()

    good = "doctor_id,value\n" + "".join(f"{d.pk},{i * 10}\n" for i, d in enumerate(doctors))
    response = api_client.post(
        f"/api/v1/imported-dimensions/{dim.pk}/values/",
        {"period": "2026Q1", "file": SimpleUploadedFile("kol.csv", good.encode())},
        format="multipart",
    )
    assert response.status_code == 200 and response.json()["written"] == 10
    with tenant_context(tenant):
        assert ImportedValue.objects.get(doctor=doctors[3]).value == 30


def test_imported_dimension_drives_the_score(tenant, world):
    doctors = world["doctors"]
    with tenant_context(tenant):
        dim = ImportedDimension.objects.create(tenant=tenant, code="kol", name="KOL指数")
        # The imported index ranks doctors in reverse: the worst by master data is the top KOL.
        for i, d in enumerate(doctors):
            ImportedValue.objects.create(tenant=tenant, dimension=dim, doctor=d, period="2026Q2", value=100 - i)
        version = services.version_create(
            tenant=tenant, by=None, scorecard=world["version"].scorecard,
            dimensions=[{"kind": "imported", "weight": 100, "imported_dimension": dim.pk}],
        )  # fmt: skip
        services.version_activate(tenant=tenant, by=None, version=version)
        run = ScoringRun.objects.create(tenant=tenant, version=version, period="2026Q2")
        services.tier_rescore(tenant=tenant, period="2026Q2", run_id=run.pk)
        top = TierAssignment.objects.get(period="2026Q2", tier="A")
    assert top.doctor_id == doctors[0].pk and top.breakdown == {f"imported:{dim.pk}": 100.0}
    assert top.previous_tier == "D"  # the worst doctor of 2026Q1
