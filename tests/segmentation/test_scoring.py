"""Scoring runs in-process: tiers, breakdown, history, idempotency, frozen versions."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from crm.tenancy import tenant_context
from segmentation import services
from segmentation.models import (
    RunStatus,
    ScorecardVersion,
    ScoringRun,
    TierAssignment,
    VersionFrozenError,
    VersionStatus,
)
from tests.factories import UserFactory
from tests.segmentation.factories import make_doctors, make_version

pytestmark = pytest.mark.django_db


def checksum(tenant, period):
    with tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), md5(string_agg(concat_ws('|', doctor_id, version_id, tier, score, breakdown::text, "
            "previous_tier), ',' ORDER BY doctor_id)) FROM segmentation_tierassignment WHERE period = %s",
            [period],
        )
        return cursor.fetchone()


def run(tenant, version, period):
    with tenant_context(tenant):
        scoring_run = ScoringRun.objects.create(tenant=tenant, version=version, period=period)
        return services.tier_rescore(tenant=tenant, period=period, run_id=scoring_run.pk)


def test_quota_run_tiers_every_doctor_with_a_breakdown_that_explains_the_score(tenant):
    doctors, _ = make_doctors(tenant, 10)
    version = make_version(tenant)

    result = run(tenant, version, "2026Q1")

    assert result.status == RunStatus.DONE
    assert result.doctors_total == 10
    # A top 10 %, B next 20 %, C next 30 %, D the rest.
    assert result.tier_counts == {"A": 1, "B": 2, "C": 3, "D": 4}
    with tenant_context(tenant):
        rows = {a.doctor_id: a for a in TierAssignment.objects.filter(period="2026Q1")}
    assert len(rows) == 10
    best, worst = rows[doctors[-1].pk], rows[doctors[0].pk]
    assert best.tier == "A" and worst.tier == "D"
    assert set(best.breakdown) == {"academic_influence", "prescribing_potential", "business_contribution"}
    assert sum(best.breakdown.values()) == pytest.approx(best.score, abs=0.011)
    # Percentile rank: the best doctor has the highest raw value everywhere → full weight.
    assert best.score == pytest.approx(100.0)
    assert worst.score == pytest.approx(0.0)
    assert result.new_count == 10 and result.moved_up == 0


def test_rerun_of_the_same_period_and_version_changes_no_row(tenant):
    make_doctors(tenant, 12)
    version = make_version(tenant)
    first = run(tenant, version, "2026Q1")
    before = checksum(tenant, "2026Q1")

    second = run(tenant, version, "2026Q1")

    assert first.changed_rows == 12
    assert second.changed_rows == 0
    assert checksum(tenant, "2026Q1") == before
    assert second.tier_counts == first.tier_counts


def test_a_finished_run_is_not_carried_out_twice(tenant):
    make_doctors(tenant, 4)
    version = make_version(tenant)
    done = run(tenant, version, "2026Q1")

    with tenant_context(tenant):
        again = services.tier_rescore(tenant=tenant, period="2026Q1", run_id=done.pk)

    assert again.pk == done.pk and again.attempts == 1


# make_doctors(10) scores, from the least to the most valuable doctor (percentile ranks, default
# weights): 0, 6.66, 13.34, 33.33, 39.99, 55.56, 62.22, 68.88, 88.9, 100.
@pytest.mark.parametrize(
    "cutoffs, expected",
    [
        ((90, 60, 30), ["D", "D", "D", "C", "C", "C", "B", "B", "B", "A"]),
        ((50, 20, 5), ["D", "C", "C", "B", "B", "A", "A", "A", "A", "A"]),
    ],
)
def test_cutoff_rule_uses_score_thresholds(tenant, cutoffs, expected):
    doctors, _ = make_doctors(tenant, 10)
    a, b, c = cutoffs
    version = make_version(tenant, tier_rule="cutoffs", cutoff_a=a, cutoff_b=b, cutoff_c=c)

    result = run(tenant, version, "2026Q1")

    with tenant_context(tenant):
        tiers = dict(TierAssignment.objects.filter(period="2026Q1").values_list("doctor_id", "tier"))
    assert [tiers[d.pk] for d in doctors] == expected
    assert result.tier_counts == {t: expected.count(t) for t in "ABCD"}


def test_next_quarter_records_previous_tier_and_moves(tenant):
    doctors, product = make_doctors(tenant, 10)
    version = make_version(tenant, dimensions=[{"kind": "business_contribution", "weight": 100}])
    run(tenant, version, "2026Q1")
    # In Q2 the order of usage is reversed: the worst doctor becomes the best.
    import datetime

    from tests.hospitals.factories import UsageShareFactory

    for i, doctor in enumerate(doctors):
        UsageShareFactory(
            doctor=doctor, product=product, period=datetime.date(2026, 4, 1), volume=10 * (10 - i), share=5 * (9 - i)
        )

    q2 = run(tenant, version, "2026Q2")

    with tenant_context(tenant):
        first = TierAssignment.objects.get(period="2026Q2", doctor=doctors[0])
        last = TierAssignment.objects.get(period="2026Q2", doctor=doctors[-1])
    assert (first.previous_tier, first.tier) == ("D", "A")
    assert (last.previous_tier, last.tier) == ("A", "D")
    assert q2.moved_up > 0 and q2.moved_down > 0 and q2.new_count == 0


def test_a_used_version_is_frozen(tenant):
    make_doctors(tenant, 3)
    version = make_version(tenant)
    run(tenant, version, "2026Q1")

    with tenant_context(tenant):
        version.refresh_from_db()
        assert version.is_frozen
        with pytest.raises(VersionFrozenError):
            services.version_update(tenant=tenant, by=None, version=version, quota_a=20)
        version.quota_a = 20
        with pytest.raises(VersionFrozenError):
            version.save()
        with pytest.raises(VersionFrozenError):
            version.dimensions.first().delete()


def test_weights_must_add_up_to_100_before_activation(tenant):
    version = make_version(
        tenant,
        dimensions=[{"kind": "academic_influence", "weight": 50}, {"kind": "prescribing_potential", "weight": 40}],
        activate=False,
    )
    with tenant_context(tenant), pytest.raises(ValidationError, match="100"):
        services.version_activate(tenant=tenant, by=None, version=version)


def test_one_active_version_per_scorecard(tenant):
    v1 = make_version(tenant)
    with tenant_context(tenant):
        v2 = services.version_create(tenant=tenant, by=None, scorecard=v1.scorecard, copy_from=v1)
        assert v2.number == 2 and v2.dimensions.count() == 3
        services.version_activate(tenant=tenant, by=None, version=v2)
        v1.refresh_from_db()
        assert v1.status == VersionStatus.RETIRED
        # The database refuses a second active version whatever the code path.
        with pytest.raises(IntegrityError), transaction.atomic():
            ScorecardVersion.objects.filter(pk=v1.pk).update(status=VersionStatus.ACTIVE)


def test_inactive_doctors_are_not_scored_and_their_old_rows_go(tenant):
    doctors, _ = make_doctors(tenant, 5)
    version = make_version(tenant)
    run(tenant, version, "2026Q1")
    with tenant_context(tenant):
        doctors[0].is_active = False
        doctors[0].save()

    again = run(tenant, version, "2026Q1")

    assert again.doctors_total == 4
    with tenant_context(tenant):
        # The published period is frozen (issue 15): the re-run is a draft until published.
        assert again.is_draft and TierAssignment.objects.filter(doctor=doctors[0]).exists()
        pm = UserFactory(tenant=tenant, role="product_manager")
        services.run_publish(tenant=tenant, by=pm, run=again, reason="停用医生退出分级")
        assert not TierAssignment.objects.filter(doctor=doctors[0]).exists()


def test_a_run_left_running_by_a_dead_worker_does_not_block_a_new_one(
    tenant, make_user, django_capture_on_commit_callbacks
):
    make_doctors(tenant, 3)
    version = make_version(tenant)
    pm = make_user(tenant, "product_manager")
    with tenant_context(tenant):
        dead = ScoringRun.objects.create(tenant=tenant, version=version, period="2026Q1", status=RunStatus.RUNNING)
        with django_capture_on_commit_callbacks():
            fresh = services.run_start(tenant=tenant, by=pm, period="2026Q1")
        dead.refresh_from_db()
        assert dead.status == RunStatus.FAILED and "interrupted" in dead.error
        assert fresh.status == RunStatus.PENDING
        # A run still waiting in the queue does block a second one.
        with pytest.raises(ValidationError):
            services.run_start(tenant=tenant, by=pm, period="2026Q1")


def test_digital_acceptance_and_willingness_come_from_submitted_visits_of_the_period(tenant):
    import datetime as dt

    from django.utils import timezone

    from tests.visits.factories import VisitFactory

    doctors, _ = make_doctors(tenant, 4)
    in_q1 = timezone.make_aware(dt.datetime(2026, 2, 10, 10, 0))
    online, in_person, draft_only, no_visits = doctors
    VisitFactory(doctor=online, channel="wechat", objective_achieved="yes", status="submitted", visited_at=in_q1)
    VisitFactory(
        doctor=online, channel="online_meeting", objective_achieved="partly", status="submitted", visited_at=in_q1
    )
    VisitFactory(doctor=in_person, channel="in_person", objective_achieved="no", status="submitted", visited_at=in_q1)
    VisitFactory(doctor=draft_only, channel="video", objective_achieved="yes", status="draft", visited_at=in_q1)
    # Another quarter does not count.
    VisitFactory(
        doctor=no_visits, channel="phone", objective_achieved="yes", status="submitted",
        visited_at=timezone.make_aware(dt.datetime(2026, 4, 2, 10, 0)),
    )  # fmt: skip
    version = make_version(
        tenant, dimensions=[{"kind": "digital_acceptance", "weight": 50}, {"kind": "willingness", "weight": 50}]
    )

    run(tenant, version, "2026Q1")

    with tenant_context(tenant):
        rows = {a.doctor_id: a.breakdown for a in TierAssignment.objects.filter(period="2026Q1")}
    # Raw: online 1.0 digital / 0.75 willing; everyone else 0 → percentile: online 1, others 0.
    assert rows[online.pk] == {"digital_acceptance": 50.0, "willingness": 50.0}
    for doctor in (in_person, draft_only, no_visits):
        assert rows[doctor.pk] == {"digital_acceptance": 0.0, "willingness": 0.0}
