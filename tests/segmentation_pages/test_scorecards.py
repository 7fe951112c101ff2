"""Scorecards in the browser: create, edit a version (weights adding up to 100 %), preview
(what-if, nothing written), activate, run now with progress and statistics; role rules."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from crm.tenancy import tenant_context
from segmentation import services
from segmentation.models import (
    RunStatus,
    Scorecard,
    ScorecardDimension,
    ScorecardVersion,
    ScoringRun,
    TierAssignment,
    VersionStatus,
)
from tests.segmentation.factories import make_doctors, make_version
from tests.segmentation_pages.helpers import elements, one

WEIGHTS = {
    "weight:academic_influence": "50",
    "weight:prescribing_potential": "30",
    "weight:business_contribution": "20",
}
RULE = {"tier_rule": "quotas", "quota_a": "10", "quota_b": "20", "quota_c": "30"}
RULE |= {"cutoff_a": "75", "cutoff_b": "50", "cutoff_c": "25"}


@pytest.fixture
def pm(tenant, make_user):
    return make_user(tenant, Role.PRODUCT_MANAGER)


def _in(tenant, fn):
    with tenant_context(tenant):
        return fn()


def _dimensions(tenant, version):
    return _in(
        tenant,
        lambda: {d.kind: float(d.weight) for d in ScorecardDimension.objects.filter(version_id=version.pk)},
    )


def test_pm_creates_a_scorecard_and_lands_in_its_first_version(client, tenant, pm):
    client.force_login(pm)
    response = client.post(reverse("tier_scorecards"), {"name": "全产品分级", "description": "按学术影响力与处方潜力"})
    scorecard = _in(tenant, lambda: Scorecard.objects.get(name="全产品分级"))
    version = _in(tenant, lambda: ScorecardVersion.objects.get(scorecard=scorecard))
    assert response.status_code == 302 and response.url == reverse("tier_version", args=[version.pk])
    assert scorecard.is_primary and version.number == 1 and version.status == VersionStatus.DRAFT
    html = client.get(reverse("tier_scorecards")).content.decode()
    assert "全产品分级" in html and elements(html, "primary")


def test_a_scorecard_needs_a_name(client, tenant, pm):
    client.force_login(pm)
    html = client.post(reverse("tier_scorecards"), {"name": ""}).content.decode()
    assert elements(html, "error-name")
    assert not _in(tenant, lambda: Scorecard.objects.exists())


def test_weights_that_do_not_add_up_to_100_get_a_clear_error_and_change_nothing(client, tenant, pm, en):
    version = make_version(tenant, by=pm, activate=False)
    before = _dimensions(tenant, version)
    client.force_login(pm)
    data = {**WEIGHTS, "weight:business_contribution": "10", **RULE}
    response = client.post(reverse("tier_version", args=[version.pk]), data)
    assert response.status_code == 200
    error = one(response.content.decode(), "weights-error")["text"]
    assert "100%" in error and "90" in error
    assert _dimensions(tenant, version) == before
    # What was typed is kept in the form.
    assert 'value="10"' in response.content.decode()


def test_saving_weights_and_a_tier_rule(client, tenant, pm):
    version = make_version(tenant, by=pm, activate=False)
    client.force_login(pm)
    data = {**WEIGHTS, "norm:business_contribution": "minmax", **RULE, "tier_rule": "cutoffs", "cutoff_a": "80"}
    response = client.post(reverse("tier_version", args=[version.pk]), data)
    assert response.status_code == 302
    assert _dimensions(tenant, version) == {
        "academic_influence": 50.0,
        "prescribing_potential": 30.0,
        "business_contribution": 20.0,
    }
    saved = _in(tenant, lambda: ScorecardVersion.objects.get(pk=version.pk))
    assert saved.tier_rule == "cutoffs" and float(saved.cutoff_a) == 80.0
    norm = _in(tenant, lambda: ScorecardDimension.objects.get(version=version, kind="business_contribution"))
    assert norm.normalisation == "minmax"


def test_cutoffs_must_go_down(client, tenant, pm):
    version = make_version(tenant, by=pm, activate=False)
    client.force_login(pm)
    data = {**WEIGHTS, **RULE, "tier_rule": "cutoffs", "cutoff_a": "40", "cutoff_b": "60"}
    html = client.post(reverse("tier_version", args=[version.pk]), data).content.decode()
    assert elements(html, "error-cutoff_b")
    assert float(_in(tenant, lambda: ScorecardVersion.objects.get(pk=version.pk)).cutoff_a) == 75.0


def test_a_used_version_is_read_only(client, tenant, pm):
    version = make_version(tenant, by=pm)
    _in(tenant, lambda: ScorecardVersion.objects.filter(pk=version.pk).update(used_at=timezone.now()))
    before = _dimensions(tenant, version)
    client.force_login(pm)
    html = client.get(reverse("tier_version", args=[version.pk])).content.decode()
    assert not elements(html, "version-form")
    assert len(elements(html, "dimension-row")) == 3
    response = client.post(reverse("tier_version", args=[version.pk]), {**WEIGHTS, **RULE})
    assert response.status_code == 302
    assert _dimensions(tenant, version) == before


def test_new_version_copies_the_active_one(client, tenant, pm):
    active = make_version(tenant, by=pm)
    client.force_login(pm)
    response = client.post(reverse("tier_scorecard", args=[active.scorecard_id]), {"action": "new_version"})
    draft = _in(tenant, lambda: ScorecardVersion.objects.get(scorecard_id=active.scorecard_id, number=2))
    assert response.url == reverse("tier_version", args=[draft.pk])
    assert draft.status == VersionStatus.DRAFT
    assert _dimensions(tenant, draft) == _dimensions(tenant, active)


@pytest.fixture
def draft_world(tenant, pm):
    """Ten doctors of rising value, an active version, and a draft that weighs only business contribution."""
    make_doctors(tenant, 10)
    active = make_version(tenant, by=pm)
    draft = make_version(
        tenant,
        by=pm,
        scorecard=_in(tenant, lambda: Scorecard.objects.get(pk=active.scorecard_id)),
        dimensions=[{"kind": "business_contribution", "weight": 100}],
        activate=False,
        quota_a=50,
        quota_b=0,
        quota_c=0,
    )
    return active, draft


def test_preview_shows_distribution_and_movement_and_writes_nothing(client, tenant, pm, draft_world):
    active, draft = draft_world
    client.force_login(pm)
    response = client.get(reverse("tier_version_preview", args=[draft.pk]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html  # the fragment only, for htmx
    rows = {e["data-tier"]: int(e["data-count"]) for e in elements(html, "whatif-row")}
    baseline = {e["data-tier"]: int(e["data-baseline"]) for e in elements(html, "whatif-row")}
    assert rows == {"A": 5, "B": 0, "C": 0, "D": 5}  # the draft's quotas: top half A, the rest D
    assert baseline == {"A": 1, "B": 2, "C": 3, "D": 4}  # the active version's 10/20/30 %
    cells = [int(e["data-count"]) for e in elements(html, "movement-cell")]
    assert sum(cells) == 10
    assert one(html, "whatif-table")["data-total"] == "10"
    assert elements(html, "whatif-chart")
    # Nothing written: no assignment, the draft is still a draft and not frozen.
    assert not _in(tenant, lambda: TierAssignment.objects.exists())
    fresh = _in(tenant, lambda: ScorecardVersion.objects.get(pk=draft.pk))
    assert fresh.status == VersionStatus.DRAFT and fresh.used_at is None


def test_preview_as_a_whole_page_and_of_a_version_that_cannot_score(client, tenant, pm, draft_world, en):
    _active, draft = draft_world
    client.force_login(pm)
    html = client.get(reverse("tier_version_preview", args=[draft.pk])).content.decode()
    assert "<html" in html and elements(html, "whatif-table")
    empty = _in(tenant, lambda: services.version_create(tenant=tenant, by=pm, scorecard=draft.scorecard))
    html = client.get(reverse("tier_version_preview", args=[empty.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert elements(html, "whatif-errors")


def test_activate_a_draft_retires_the_active_version(client, tenant, pm, draft_world):
    active, draft = draft_world
    client.force_login(pm)
    assert client.get(reverse("tier_version_activate", args=[draft.pk])).status_code == 200  # asks first
    response = client.post(reverse("tier_version_activate", args=[draft.pk]))
    assert response.url == reverse("tier_scorecard", args=[draft.scorecard_id])
    statuses = _in(
        tenant,
        lambda: dict(ScorecardVersion.objects.filter(scorecard_id=draft.scorecard_id).values_list("pk", "status")),
    )
    assert statuses == {active.pk: VersionStatus.RETIRED, draft.pk: VersionStatus.ACTIVE}


def test_run_now_shows_progress_then_statistics(client, tenant, pm, draft_world, django_capture_on_commit_callbacks):
    active, _draft = draft_world
    client.force_login(pm)
    html = client.get(reverse("tier_runs")).content.decode()
    assert elements(html, "run-form")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("tier_runs"), {"period": "2026Q1", "version": active.pk})
    run = _in(tenant, lambda: ScoringRun.objects.get())
    assert response.url == reverse("tier_run", args=[run.pk])
    assert len(callbacks) == 1  # the rescore task is enqueued once the run is committed

    # While it waits, the page polls its progress fragment.
    html = client.get(reverse("tier_run", args=[run.pk])).content.decode()
    progress = one(html, "run-progress")
    assert progress["data-status"] == RunStatus.PENDING and progress["hx-trigger"] == "every 1s"
    assert elements(html, "run-progress-bar")
    fragment = client.get(
        reverse("tier_run", args=[run.pk]), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="run-progress"
    ).content.decode()
    assert "<html" not in fragment and elements(fragment, "run-progress")

    # The worker's job, done here in the test's process: then the page shows the outcome and stops polling.
    _in(tenant, lambda: services.tier_rescore(tenant=tenant, period="2026Q1", run_id=run.pk))
    html = client.get(reverse("tier_run", args=[run.pk])).content.decode()
    progress = one(html, "run-progress")
    assert progress["data-status"] == RunStatus.DONE and "hx-trigger" not in progress
    stats = one(html, "run-stats")
    assert stats["data-doctors"] == "10"
    tiers = {e["data-tier"]: int(e["data-count"]) for e in elements(html, "run-tier")}
    assert tiers == {"A": 1, "B": 2, "C": 3, "D": 4}
    assert elements(html, "run-duration")


def test_run_now_refused_while_one_is_under_way(client, tenant, pm, draft_world):
    active, _draft = draft_world
    client.force_login(pm)
    client.post(reverse("tier_runs"), {"period": "2026Q1", "version": active.pk})
    html = client.post(reverse("tier_runs"), {"period": "2026Q1", "version": active.pk}).content.decode()
    assert elements(html, "form-errors")
    assert _in(tenant, lambda: ScoringRun.objects.count()) == 1


def test_runs_page_without_an_active_version(client, tenant, pm):
    client.force_login(pm)
    html = client.get(reverse("tier_runs")).content.decode()
    assert elements(html, "no-active-version") and not elements(html, "run-form")


TIER_MANAGER_PAGES = ["tier_scorecards", "tier_runs", "tier_overrides"]


@pytest.mark.parametrize("role", [Role.REP, Role.DISTRIBUTOR_REP, Role.MANAGER, Role.COMPLIANCE])
def test_other_roles_cannot_open_scorecards_runs_or_overrides(client, tenant, make_user, role):
    version = make_version(tenant)
    client.force_login(make_user(tenant, role))
    for name in TIER_MANAGER_PAGES:
        assert client.get(reverse(name)).status_code == 403, name
    for name in ("tier_version", "tier_version_preview", "tier_version_activate"):
        assert client.get(reverse(name, args=[version.pk])).status_code == 403, name
    assert client.post(reverse("tier_version_activate", args=[version.pk])).status_code == 403
    assert client.post(reverse("tier_scorecards"), {"name": "偷偷建的"}).status_code == 403
    assert _in(tenant, lambda: Scorecard.objects.count()) == 1


@pytest.mark.parametrize("role", [Role.PRODUCT_MANAGER, Role.TENANT_ADMIN])
def test_product_managers_and_admins_open_them(client, tenant, make_user, role):
    version = make_version(tenant)
    client.force_login(make_user(tenant, role))
    for name in TIER_MANAGER_PAGES:
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("tier_version", args=[version.pk])).status_code == 200
    assert client.get(reverse("tier_scorecard", args=[version.scorecard_id])).status_code == 200


def test_pm_sets_visit_frequency_per_tier(client, tenant, pm):
    from segmentation.selectors import tier_settings

    client.force_login(pm)
    html = client.get(reverse("tier_settings")).content.decode()
    rows = {e["data-tier"]: e for e in elements(html, "tier-setting-row")}
    assert set(rows) == {"A", "B", "C", "D"} and all(r["data-default"] == "1" for r in rows.values())
    data = {}
    for tier, visits, channel, online in (
        ("A", 6, "in_person", False),
        ("B", 2, "in_person", False),
        ("C", 1, "wechat", True),
        ("D", 0, "online_meeting", True),
    ):
        data |= {f"{tier}-visits_per_month": visits, f"{tier}-preferred_channel": channel}
        if online:
            data[f"{tier}-online_allowed"] = "on"
    assert client.post(reverse("tier_settings"), data).status_code == 302
    settings = _in(tenant, lambda: tier_settings(tenant=tenant))
    assert (settings["A"].visits_per_month, settings["A"].is_default) == (6, False)
    assert (settings["C"].preferred_channel, settings["C"].online_allowed) == ("wechat", True)

    bad = {**data, "B-visits_per_month": "40"}
    html = client.post(reverse("tier_settings"), bad).content.decode()
    assert elements(html, "error-visits-B")
    assert _in(tenant, lambda: tier_settings(tenant=tenant))["B"].visits_per_month == 2


def test_a_rep_cannot_open_tier_settings(client, tenant, make_user):
    client.force_login(make_user(tenant, Role.REP))
    assert client.get(reverse("tier_settings")).status_code == 403


def test_a_big_tenants_preview_runs_in_the_background_and_the_page_polls(
    client, tenant, pm, draft_world, settings, django_capture_on_commit_callbacks
):
    from segmentation import whatif

    _active, draft = draft_world
    settings.SEGMENTATION_WHATIF_SYNC_MAX_DOCTORS = 5  # ten doctors count as "big" here
    client.force_login(pm)
    url = reverse("tier_version_preview", args=[draft.pk])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        html = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    pending = one(html, "whatif")
    assert pending["data-pending"] == "1" and pending["hx-trigger"] == "every 2s"
    progress = one(html, "whatif-pending")
    assert progress["data-phase"] == "waiting" and progress["data-percent"] == "0"
    assert elements(html, "whatif-progress-bar")
    assert len(callbacks) == 1  # the what-if task, enqueued once the request commits
    period = pending["data-period"]
    with django_capture_on_commit_callbacks(execute=False) as again:
        html = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert one(html, "whatif")["data-pending"] == "1" and len(again) == 0  # not enqueued twice

    # What the worker does, step by step: progress first, then the result under the page's key.
    with tenant_context(tenant):
        key = whatif.whatif_key(tenant=tenant, version=draft, period=period)
    cache.set(key, {"status": "running", "phase": "scoring", "done": 5, "total": 10}, 60)
    html = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert one(html, "whatif-pending")["data-phase"] == "scoring"
    assert one(html, "whatif-pending")["data-percent"] == "50"
    with tenant_context(tenant):
        whatif.whatif_run(tenant=tenant.pk, version_id=draft.pk, period=period, key=key)
    html = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "data-pending" not in one(html, "whatif")
    assert {e["data-tier"]: int(e["data-count"]) for e in elements(html, "whatif-row")} == {
        "A": 5,
        "B": 0,
        "C": 0,
        "D": 5,
    }
    assert not _in(tenant, lambda: TierAssignment.objects.exists())
