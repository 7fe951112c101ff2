"""The doctors' matching strata (analytics.strata): the refresh writes what changed and nothing
else, the ROI reads its control pool from them and gets the same answer as from the live tables,
and falls back to the live tables when the strata are not there or of another tier period."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection

from analytics import roi, strata
from analytics.models import DoctorStratum
from crm.tenancy import tenant_context
from tests.analytics.roi_data import program_with_effect

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 8, 15)


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()


def test_the_refresh_writes_each_doctors_stratum_once_and_then_only_what_changed(tenant):
    data = program_with_effect(tenant)
    with tenant_context(tenant):
        first = strata.refresh(tenant=tenant)
        assert first["written"] == 140 and first["period"] == ""  # 40 attendees, 80 controls, 20 far
        row = DoctorStratum.objects.get(doctor=data.attendees[0])
        assert (row.grade, row.dept, row.tier, row.is_active) == ("3A", "endocrinology", "", True)
        assert 0 <= row.draw < 10000
        assert strata.refresh(tenant=tenant)["written"] == 0  # nothing changed: nothing written
        moved = data.attendees[1]
        moved.department.standard_code = "cardiology"  # positive control: a change is written
        moved.department.save()
        assert strata.refresh(tenant=tenant)["written"] == 120  # the department's 120 doctors …
        assert DoctorStratum.objects.get(doctor=moved).dept == "cardiology"
        assert DoctorStratum.objects.get(doctor=data.far[0]).dept == "endocrinology"  # … no other


def test_the_refresh_is_walled_per_tenant(tenant, other_tenant):
    program_with_effect(tenant)
    program_with_effect(other_tenant)
    with tenant_context(tenant):
        strata.refresh(tenant=tenant)
        with connection.cursor() as cur:  # raw SQL: only row-level security applies
            cur.execute("SELECT DISTINCT tenant_id FROM analytics_doctorstratum")
            assert [r[0] for r in cur.fetchall()] == [tenant.pk]
    with tenant_context(other_tenant):
        assert DoctorStratum.objects.count() == 0  # not refreshed there yet
        assert strata.refresh(tenant=other_tenant)["written"] == 140


def _spy(monkeypatch):
    live = []
    real = roi._rows_hash_joined
    monkeypatch.setattr(roi, "_rows_hash_joined", lambda sql, params: live.append(1) or real(sql, params))
    return live


def test_the_roi_reads_its_controls_from_the_strata_with_the_live_answer(tenant, monkeypatch):
    monkeypatch.setattr(roi, "CONTROL_POOL_FACTOR", 1)  # 40 of the 80 similar doctors: the draw decides
    data = program_with_effect(tenant)
    live = _spy(monkeypatch)
    with tenant_context(tenant):
        before = roi.compute(tenant=tenant, program_id=data.program.pk, today=TODAY)
        assert live == [1]  # no strata yet: the live tables
        strata.refresh(tenant=tenant)
        after = roi.compute(tenant=tenant, program_id=data.program.pk, today=TODAY)
    assert live == [1]  # the second time, from the strata
    assert after["effect"]["pool"] == 40 and after["effect"]["pairs"] == 40
    assert after["effect"] == before["effect"]  # the same controls, the same estimates
    assert after["reach_department"] == before["reach_department"] == [("endocrinology", 40)]


def test_strata_of_another_tier_period_are_not_used(tenant, monkeypatch):
    data = program_with_effect(tenant)
    with tenant_context(tenant):
        strata.refresh(tenant=tenant)
        assert strata.ready(tenant=tenant, period="")
        assert not strata.ready(tenant=tenant, period="2026Q1")  # tiers scored since: live
        DoctorStratum.objects.update(period="2025Q4")  # as if refreshed before a new quarter's tiers
        live = _spy(monkeypatch)
        result = roi.compute(tenant=tenant, program_id=data.program.pk, today=TODAY)
    assert live == [1] and result["effect"]["pairs"] == 40


def test_an_attendee_newer_than_the_strata_is_read_live(tenant):
    from events.models import Attendee
    from tests.hospitals.factories import DoctorFactory

    data = program_with_effect(tenant)
    with tenant_context(tenant):
        strata.refresh(tenant=tenant)
        newcomer = DoctorFactory(hospital=data.attendees[0].hospital, department=data.attendees[0].department)
        Attendee.objects.create(
            tenant=tenant,
            event=data.event,
            doctor=newcomer,
            rsvp="accepted",
            signed_in_at=data.event.starts_at,
            signin_method="rep",
        )
        result = roi.compute(tenant=tenant, program_id=data.program.pk, today=TODAY)
    assert result["doctors"] == 41
    assert result["reach_department"] == [("endocrinology", 41)]  # the newcomer's department, read live


def test_a_refresh_gives_a_new_cached_result(tenant, django_capture_on_commit_callbacks):
    data = program_with_effect(tenant)
    with tenant_context(tenant):
        first = roi.roi_request(tenant=tenant, program_id=data.program.pk, today=TODAY)
        again = roi.roi_request(tenant=tenant, program_id=data.program.pk, today=TODAY)
        assert again["result"]["computed_at"] == first["result"]["computed_at"]  # control: cached
        with django_capture_on_commit_callbacks(execute=True):
            strata.refresh(tenant=tenant)
        fresh = roi.roi_request(tenant=tenant, program_id=data.program.pk, today=TODAY)
    assert fresh["result"]["computed_at"] != first["result"]["computed_at"]
