"""Tiers of record (issue 15): a published period is frozen; a re-run is a draft until someone
publishes it with a reason, and the earlier record stays in history; new doctors are "unscored"
until scored against the record's cut-offs; the missing-data policy; the tenant's schedule."""

import datetime

import numpy as np
import pandas as pd
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crm.tenancy import tenant_context
from segmentation import selectors, services
from segmentation.models import MissingData, RunStatus, ScoringRun, SegmentationSettings, TierAssignment, TierResult
from segmentation.scoring import DimensionSpec, TierRuleSpec, score_frame
from tests.factories import WITH_PLATFORM_COMMITTED, UserFactory
from tests.segmentation.factories import make_doctors, make_version

PERIOD = "2026Q1"


def run(tenant, version, period=PERIOD):
    with tenant_context(tenant):
        scoring_run = ScoringRun.objects.create(tenant=tenant, version=version, period=period)
        return services.tier_rescore(tenant=tenant, period=period, run_id=scoring_run.pk)


def record(tenant, period=PERIOD) -> dict:
    with tenant_context(tenant):
        return {
            a.doctor_id: (a.tier, a.score, a.version_id)
            for a in TierAssignment.objects.filter(period=period).order_by("doctor_id")
        }


def test_re_running_a_published_quarter_changes_nothing_until_the_draft_is_published(tenant):
    doctors, product = make_doctors(tenant, 10)
    version = make_version(tenant)
    pm = UserFactory(tenant=tenant, role="product_manager")
    first = run(tenant, version)
    assert first.published_at is not None and not first.is_draft  # the first result is the record
    before = record(tenant)
    assert len(before) == 10

    # Given new doctors imported after the quarter was published (more valuable than some old ones)
    make_doctors(tenant, 4, product=product)
    # When the quarter is re-run
    draft = run(tenant, version)
    # Then the record is exactly as it was; the new result waits as a draft
    assert record(tenant) == before
    assert draft.status == RunStatus.DONE and draft.is_draft and draft.published_at is None
    assert draft.changed_rows > 0  # differences from the record, nothing written to it
    with tenant_context(tenant):
        assert TierResult.objects.filter(run=draft).count() == 14
        assert [r.pk for r in selectors.draft_runs(tenant=tenant)] == [draft.pk]
        comparison = selectors.draft_comparison(tenant=tenant, run=draft)
        assert sum(comparison["record"].values()) == 10 and sum(comparison["draft"].values()) == 14
        assert comparison["changed"] >= 4  # at least the new doctors

        # Publishing needs a reason and a product manager / administrator.
        with pytest.raises(ValidationError):
            services.run_publish(tenant=tenant, by=pm, run=draft, reason="  ")
        rep = UserFactory(tenant=tenant, role="rep")
        with pytest.raises(PermissionDenied):
            services.run_publish(tenant=tenant, by=rep, run=draft, reason="新导入医生")
    assert record(tenant) == before

    with tenant_context(tenant):
        services.run_publish(tenant=tenant, by=pm, run=draft, reason="新导入医生后重新分级")
        draft.refresh_from_db()
        first.refresh_from_db()
    after = record(tenant)
    assert len(after) == 14 and after != before
    assert draft.published_by_id == pm.pk and draft.publish_reason == "新导入医生后重新分级" and not draft.is_draft
    # The earlier record stays in history, row for row.
    assert first.superseded_at is not None
    with tenant_context(tenant):
        kept = {r.doctor_id: (r.tier, r.score) for r in TierResult.objects.filter(run=first)}
        assert kept == {d: (t, s) for d, (t, s, _v) in before.items()}
        assert not TierResult.objects.filter(run=draft).exists()  # the record holds them now
        assert [r.pk for r in selectors.run_history(tenant=tenant, period=PERIOD)] == [draft.pk, first.pk]
        # Publishing twice is refused.
        with pytest.raises(ValidationError):
            services.run_publish(tenant=tenant, by=pm, run=draft, reason="again")


def test_an_identical_re_run_leaves_no_draft(tenant):
    make_doctors(tenant, 6)
    version = make_version(tenant)
    run(tenant, version)
    before = record(tenant)
    again = run(tenant, version)
    assert record(tenant) == before
    assert not again.is_draft and again.changed_rows == 0
    with tenant_context(tenant):
        assert not TierResult.objects.exists()
        assert not selectors.draft_runs(tenant=tenant).exists()


def test_new_doctors_are_unscored_until_scored_against_the_published_cutoffs(
    tenant, django_capture_on_commit_callbacks
):
    doctors, product = make_doctors(tenant, 10)
    version = make_version(tenant)
    pm = UserFactory(tenant=tenant, role="product_manager")
    run(tenant, version)
    before = record(tenant)
    with tenant_context(tenant):
        assert selectors.unscored_doctors(tenant=tenant).count() == 0
    new, _ = make_doctors(tenant, 3, product=product)
    with tenant_context(tenant):
        assert set(selectors.unscored_doctors(tenant=tenant).values_list("pk", flat=True)) == {d.pk for d in new}
        with django_capture_on_commit_callbacks(execute=False):
            scoring = services.tier_score_new_doctors(tenant=tenant, by=pm)
        services.tier_rescore(tenant=tenant, period=PERIOD, run_id=scoring.pk)
        assert selectors.unscored_doctors(tenant=tenant).count() == 0
    after = record(tenant)
    # Nobody else moved; the new doctors got tiers by the record's lowest score per tier.
    assert {d: after[d] for d in before} == before
    lowest = {}
    for tier, score, _v in before.values():
        lowest[tier] = min(lowest.get(tier, 101), score)
    for d in new:
        tier, score, _v = after[d.pk]
        expected = (
            "A" if score >= lowest["A"] else "B" if score >= lowest["B"] else "C" if score >= lowest["C"] else "D"
        )
        assert tier == expected


# --- the missing-data policy --------------------------------------------------------------------


def _frame():
    raw = pd.DataFrame(
        {"academic": [1.0, 2.0, 3.0, 4.0], "business": [10.0, np.nan, 30.0, 20.0]},
        index=pd.Index([1, 2, 3, 4], name="doctor_id"),
    )
    dims = [DimensionSpec("academic", 50.0, "percentile"), DimensionSpec("business", 50.0, "percentile")]
    return raw, dims


def _rule(missing):
    return TierRuleSpec("quotas", (75, 50, 25), (25, 25, 25), missing)


def test_missing_lowest_counts_no_data_as_the_lowest_value():
    raw, dims = _frame()
    out = score_frame(raw, dims, _rule(MissingData.LOWEST))
    assert out.loc[2, "business"] == 0.0  # as before the policy existed
    assert out.loc[2, "score"] == out.loc[2, "academic"]


def test_missing_median_gives_the_median_of_doctors_with_data():
    raw, dims = _frame()
    out = score_frame(raw, dims, _rule(MissingData.MEDIAN))
    # Known values 10, 30, 20 → normalised 0, 1, 0.5 → median 0.5 → 25 points.
    assert out.loc[2, "business"] == 25.0
    assert out.loc[1, "business"] == 0.0 and out.loc[3, "business"] == 50.0


def test_missing_excluded_renormalises_the_other_weights():
    raw, dims = _frame()
    out = score_frame(raw, dims, _rule(MissingData.EXCLUDED))
    # Doctor 2: academic normalised 1/3 → with the business weight left out, 1/3 × 100.
    assert out.loc[2, "business"] == 0.0
    assert out.loc[2, "academic"] == pytest.approx(33.33, abs=0.01)
    assert out.loc[2, "score"] == pytest.approx(33.33, abs=0.01)
    # A doctor with every input keeps the full weights: academic 1 × 50 + business 0.5 × 50.
    assert out.loc[4, "score"] == 75.0 and out.loc[4, "business"] == 25.0


# --- the tenant's re-score schedule -------------------------------------------------------------


def test_a_tenant_moves_its_quarterly_rescore_and_sees_the_next_date(tenant, other_tenant, make_user):
    admin = make_user(tenant, "tenant_admin")
    with tenant_context(tenant):
        default = selectors.segmentation_settings(tenant=tenant)
        assert selectors.next_rescore_date(settings_obj=default, today=datetime.date(2026, 11, 30)) == datetime.date(
            2027, 1, 1
        )
        services.segmentation_settings_update(tenant=tenant, by=admin, rescore_enabled=True, rescore_day=15)
        moved = selectors.segmentation_settings(tenant=tenant)
        assert selectors.next_rescore_date(settings_obj=moved, today=datetime.date(2027, 1, 2)) == datetime.date(
            2027, 1, 15
        )
        with pytest.raises(ValidationError):
            services.segmentation_settings_update(tenant=tenant, by=admin, rescore_enabled=True, rescore_day=31)
        rep = make_user(tenant, "rep")
        with pytest.raises(PermissionDenied):
            services.segmentation_settings_update(tenant=tenant, by=rep, rescore_enabled=False, rescore_day=1)
        assert SegmentationSettings.objects.get().history.count() == 1


@WITH_PLATFORM_COMMITTED
def test_the_daily_beat_starts_only_the_tenants_whose_day_it_is(tenant, other_tenant, make_user):
    admin = make_user(tenant, "tenant_admin")
    with tenant_context(tenant):
        services.segmentation_settings_update(tenant=tenant, by=admin, rescore_enabled=True, rescore_day=15)
    from crm.tenancy import platform_scope

    with platform_scope():
        on_first = selectors.tenants_due_for_rescore(day=datetime.date(2027, 1, 1))
        on_15th = selectors.tenants_due_for_rescore(day=datetime.date(2027, 1, 15))
        in_february = selectors.tenants_due_for_rescore(day=datetime.date(2027, 2, 1))
    assert other_tenant.pk in on_first and tenant.pk not in on_first
    assert tenant.pk in on_15th and other_tenant.pk not in on_15th
    assert in_february == []
