"""Event and program ROI: cost and reach, exact matching, the difference in differences with its
bootstrap interval, the small-sample warning, the cache and the Celery path."""

import datetime

import numpy as np
import pytest
from django.core.cache import cache
from django.urls import reverse

from analytics import roi, roi_extract
from crm.tenancy import tenant_context
from tests.analytics.roi_data import program_with_effect

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 8, 15)


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()


def _effects(result):
    return {(e["outcome"], e["horizon"]): e for e in result["effect"]["effects"]}


def test_did_estimate_and_bootstrap():
    est = roi.did_estimate(np.array([1.0] * 50 + [0.0] * 50))
    assert est["pairs"] == 100 and est["did"] == 0.5 and est["low"] < 0.5 < est["high"]
    assert est["low"] > 0.35 and est["high"] < 0.65
    assert roi.did_estimate(np.array([]))["did"] is None
    assert roi.did_estimate(np.array([0.2, 0.4]))["did"] == roi.did_estimate(np.array([0.2, 0.4]))["did"]


def test_program_cost_reach_and_effect(tenant):
    data = program_with_effect(tenant)
    with tenant_context(tenant):
        result = roi.compute(tenant=tenant, program_id=data.program.pk, today=TODAY)
    assert result["budget"] == 30000 and result["actual"] == 24000 and result["cost"] == 24000
    assert result["doctors"] == 40 and result["cost_per_attendee"] == 600
    assert result["cost_per_ab"] is None  # no A/B-tier attendee
    assert result["followups"] == 10 and result["followups_in_3_days"] == 8 and result["followup_pct"] == 80.0
    assert result["open_questions"] == 1
    assert result["reach_department"] == [("endocrinology", 40)]
    eff = result["effect"]
    assert eff["pairs"] == 40 and eff["unmatched"] == 0
    assert result["matching"] == "exact"
    stage1 = _effects(result)[("stage", 1)]
    # Attendees: 30 of 40 moved one stage; their matched controls at most 8 of 40.
    assert stage1["att_change"] == 0.75 and stage1["ctl_change"] <= 0.2
    assert stage1["did"] == pytest.approx(stage1["att_change"] - stage1["ctl_change"])
    assert stage1["low"] > 0 and stage1["warning"] == ""
    share3 = _effects(result)[("share", 3)]
    assert share3["did"] == 10.0 and share3["pairs"] == 40
    moved = eff["moved"]
    assert moved["horizon"] == 6 and moved["attendees_up"] == 30
    assert result["cost_per_moved"] == round(24000 / moved["excess"], 2)
    assert result["effect"]["chart"]["labels"][0] == -3
    assert result["effect"]["chart"]["attendees"][-1] == 0.75 + 1  # aware (1) + 0.75


def test_no_far_controls_and_a_horizon_not_reached(tenant):
    data = program_with_effect(tenant, event_month=datetime.date(2026, 5, 1))
    with tenant_context(tenant):
        result = roi.compute(tenant=tenant, program_id=data.program.pk, today=TODAY)
    assert result["effect"]["pool"] == 80  # the 2A hospital's doctors are another stratum
    eff = _effects(result)
    assert eff[("stage", 1)]["pairs"] == 40
    assert eff[("stage", 6)]["pairs"] == 0 and eff[("stage", 6)]["did"] is None  # November is not here yet


def test_small_sample_and_no_difference_are_said_plainly(tenant):
    small = program_with_effect(tenant, name="小样本", attendees=6, controls=12, moved=5, controls_moved=1)
    same = program_with_effect(tenant, name="无差异", attendees=40, controls=80, moved=10, controls_moved=20)
    from django.utils import translation

    with tenant_context(tenant), translation.override("en"):
        r_small = roi.compute(tenant=tenant, program_id=small.program.pk, today=TODAY)
        r_same = roi.compute(tenant=tenant, program_id=same.program.pk, today=TODAY)
    assert "too few" in _effects(r_small)[("stage", 1)]["warning"]
    s = _effects(r_same)[("stage", 1)]
    assert s["low"] <= 0 <= s["high"] and "includes zero" in s["warning"]
    # Positive control: the program that did move doctors has no warning (test above).


def test_cached_until_inputs_change(tenant):
    from events.models import Expense

    data = program_with_effect(tenant)
    with tenant_context(tenant):
        first = roi.roi_request(tenant=tenant, program_id=data.program.pk, today=TODAY)
        again = roi.roi_request(tenant=tenant, program_id=data.program.pk, today=TODAY)
        assert first["status"] == "done" and again["result"]["computed_at"] == first["result"]["computed_at"]
        Expense.objects.create(
            tenant=tenant, event=data.event, category="catering", amount=6000, spent_on=TODAY, created_by=data.pm
        )
        changed = roi.roi_request(tenant=tenant, program_id=data.program.pk, today=TODAY)
    assert changed["result"]["computed_at"] != first["result"]["computed_at"]
    assert changed["result"]["actual"] == 30000


def test_big_programs_go_to_celery_with_progress(tenant, monkeypatch, django_capture_on_commit_callbacks):
    data = program_with_effect(tenant, attendees=8, controls=10, moved=4, controls_moved=1)
    monkeypatch.setattr(roi, "ASYNC_MIN_ATTENDEES", 5)
    sent = []
    from analytics import tasks

    monkeypatch.setattr(tasks.program_roi, "delay_on_commit", lambda **kw: sent.append(kw))
    with tenant_context(tenant):
        state = roi.roi_request(tenant=tenant, program_id=data.program.pk, today=TODAY)
        assert state["status"] == "pending" and len(sent) == 1
        assert roi.roi_request(tenant=tenant, program_id=data.program.pk, today=TODAY)["status"] == "pending"
        assert len(sent) == 1  # enqueued once
        # The task's body (run here): the result is in the cache for the next request.
        kw = sent[0]
        assert tasks.program_roi.run(**kw) == "done"
        done = roi.roi_request(tenant=tenant, program_id=data.program.pk, today=TODAY)
    assert done["status"] == "done" and done["result"]["doctors"] == 8


def test_pages(client, tenant, make_user):
    data = program_with_effect(tenant)
    client.force_login(data.pm)
    html = client.get(reverse("roi_program", args=[data.program.pk])).content.decode()
    assert 'data-testid="roi-pairs">40<' in html
    assert client.get(reverse("roi_event", args=[data.event.pk])).status_code == 200
    listing = client.get(reverse("roi_programs") + f"?compare={data.program.pk}").content.decode()
    assert f'data-program-id="{data.program.pk}"' in listing
    csv = b"".join(client.get(reverse("roi_export", args=[data.program.pk, "csv"])).streaming_content).decode(
        "utf-8-sig"
    )
    assert data.event.title in csv
    client.force_login(make_user(tenant, "rep"))
    assert client.get(reverse("roi_program", args=[data.program.pk])).status_code == 403


def test_product_manager_home_lists_the_quarters_events_with_their_roi(client, tenant):
    from analytics import pages
    from events.models import Insight

    data = program_with_effect(tenant)
    with tenant_context(tenant):
        Insight.objects.create(
            tenant=tenant, text="患者问剂量", product=data.product, raised_by=data.pm, product_manager=data.pm
        )
        ctx = pages.events_this_quarter(data.pm, today=datetime.date(2026, 2, 1))
        later = pages.events_this_quarter(data.pm, today=datetime.date(2026, 4, 1))
    assert [e.pk for e in ctx["quarter_events"]] == [data.event.pk] and ctx["quarter_events"][0].has_roi
    assert later["quarter_events"] == []
    assert ctx["insights_mine"] == 1 and ctx["insights_open"] == 1
    client.force_login(data.pm)
    html = client.get(reverse("home")).content.decode()
    assert 'data-testid="home-events"' in html and reverse("roi_programs") in html


def test_the_matching_does_not_depend_on_the_order_the_database_returns_rows_in(tenant, monkeypatch):
    data = program_with_effect(tenant)
    with tenant_context(tenant):
        first = roi.compute(tenant=tenant, program_id=data.program.pk, today=TODAY)["effect"]
        # The same rows in the reverse order (another plan could return them so) ...
        real_pool, real_rows = roi._rows_hash_joined, roi._rows
        monkeypatch.setattr(roi, "_rows_hash_joined", lambda sql, params: real_pool(sql, params)[::-1])
        monkeypatch.setattr(roi, "_rows", lambda sql, params: real_rows(sql, params)[::-1])
        monkeypatch.setattr(roi_extract, "_rows", lambda sql, params: real_rows(sql, params)[::-1])  # history, usage
        again = roi.compute(tenant=tenant, program_id=data.program.pk, today=TODAY)["effect"]
    # ... give the same pairs and the same estimates (and the control: controls were drawn)
    assert first["pool"] > first["pairs"] > 0
    assert again == first


def test_the_control_pool_turns_nested_loops_off_for_its_statement_only(tenant):
    from django.db import connection, transaction

    with tenant_context(tenant), transaction.atomic(), connection.cursor() as cur:
        inside = roi._rows_hash_joined("SELECT current_setting('enable_nestloop')", {})
        cur.execute("SELECT current_setting('enable_nestloop')")
        after = cur.fetchone()[0]
    assert inside == [("off",)] and after == "on"
