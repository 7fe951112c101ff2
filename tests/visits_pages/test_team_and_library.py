"""The manager's team view and cycle plan review, the content library, the doctor timeline, the menu."""

import datetime
import json
import re

from django.urls import reverse
from django.utils import timezone

from crm.tenancy import tenant_context
from tests.visits.factories import ContentItemFactory
from tests.visits_pages.conftest import make_report
from tests.visits_pages.helpers import has_testid, row_ids
from visits import services
from visits.models import CyclePlan, Notification


def _row_attr(html, rep_id, attr):
    m = re.search(rf'data-testid="team-row" data-rep-id="{rep_id}"[^>]*?{attr}="([^"]*)"', html)
    return m.group(1) if m else None


def _canvas_spec(html, testid):
    m = re.search(rf'data-team-chart="([^"]*)"[^>]*data-testid="{testid}"', html)
    return json.loads(m.group(1).replace("&quot;", '"'))


def test_the_team_view_shows_adherence_timeliness_and_overdue_per_rep(midmonth_afternoon, team, as_user):
    # A late report of this month (30 hours ago) needs the month to be older than that: 17 June.
    # Given the rep's plan for this month (3 doctors, tier C: one visit each) and two reports
    with tenant_context(team.tenant):
        services.cycle_plan_generate(tenant=team.tenant, rep=team.rep, month=timezone.localdate())
    make_report(team, doctor=team.doctors[0], submit=True)
    late = make_report(team, doctor=team.doctors[1], hours_ago=30)
    with tenant_context(team.tenant):
        services.visit_submit(tenant=team.tenant, by=team.rep, visit=late)

    html = as_user(team.manager).get(reverse("team")).content.decode()

    assert set(row_ids(html, "team-row", "data-rep-id")) == {team.rep.pk, team.rep2.pk}
    assert float(_row_attr(html, team.rep.pk, "data-adherence")) == round(2 / 3, 4)
    assert _row_attr(html, team.rep.pk, "data-on-time") == "1"
    assert _row_attr(html, team.rep.pk, "data-late") == "1"
    assert _row_attr(html, team.rep2.pk, "data-adherence") == ""  # no plan yet
    # Charts cover this month and the last six.
    spec = _canvas_spec(html, "chart-adherence")
    assert len(spec["labels"]) == 7 and spec["labels"][-1] == timezone.localdate().strftime("%Y-%m")
    timeliness = _canvas_spec(html, "chart-timeliness")
    assert [ds["data"][-1] for ds in timeliness["datasets"]] == [1, 1]
    assert has_testid(html, "chart-ab")


def test_only_managers_open_the_team_view(team, as_user):
    for user in (team.rep, team.medical, team.compliance, team.admin):
        assert as_user(user).get(reverse("team")).status_code == 403


def test_a_rep_makes_and_submits_a_cycle_plan_and_the_manager_approves_it(team, as_user):
    rep = as_user(team.rep)
    response = rep.post(reverse("cycle_plan_list"), {"month": timezone.localdate().replace(day=1).isoformat()})
    with tenant_context(team.tenant):
        plan = CyclePlan.objects.get(rep=team.rep)
    assert response["Location"] == reverse("cycle_plan_detail", args=[plan.pk])
    html = rep.get(response["Location"]).content.decode()
    assert set(row_ids(html, "cycle-line", "data-doctor-id")) == {d.pk for d in team.doctors}
    assert has_testid(html, "submit-plan")

    rep.post(response["Location"], {"action": "submit"})

    manager = as_user(team.manager)
    html = manager.get(reverse("team")).content.decode()
    assert row_ids(html, "team-plan", "data-plan-id") == [plan.pk] and has_testid(html, "approve-plan")
    assert row_ids(manager.get("/").content.decode(), "plan-to-review", "data-plan-id") == [plan.pk]

    # Returning needs a note; approving does not.
    manager.post(
        reverse("cycle_plan_detail", args=[plan.pk]),
        {"action": "review", "decision": "return", "note": "", "next": "team"},
    )
    with tenant_context(team.tenant):
        plan.refresh_from_db()
    assert plan.status == "submitted"
    response = manager.post(
        reverse("cycle_plan_detail", args=[plan.pk]), {"action": "review", "decision": "approve", "next": "team"}
    )
    assert response["Location"] == reverse("team")
    with tenant_context(team.tenant):
        plan.refresh_from_db()
        assert Notification.objects.filter(user=team.rep, kind="plan_reviewed").exists()
    assert plan.status == "approved" and plan.reviewed_by_id == team.manager.pk


def test_a_rep_adjusts_the_planned_visits_of_a_doctor(team, as_user):
    with tenant_context(team.tenant):
        plan = services.cycle_plan_generate(tenant=team.tenant, rep=team.rep, month=timezone.localdate())
        line = plan.lines.get(doctor=team.doctor)
    response = as_user(team.rep).post(
        reverse("cycle_plan_detail", args=[plan.pk]),
        {"action": "set_planned", "line": line.pk, "planned": 3},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 204
    with tenant_context(team.tenant):
        line.refresh_from_db()
    assert line.planned == 3
    # The manager cannot change the rep's numbers.
    as_user(team.manager).post(
        reverse("cycle_plan_detail", args=[plan.pk]), {"action": "set_planned", "line": line.pk, "planned": 0}
    )
    with tenant_context(team.tenant):
        line.refresh_from_db()
    assert line.planned == 3


def test_reps_see_only_approved_valid_content_and_search_it(team, as_user):
    today = timezone.localdate()
    with tenant_context(team.tenant):
        tagged = ContentItemFactory(
            tenant=team.tenant, product=team.product, title="指南解读2025", tags=["指南", "血脂"]
        )
        unapproved = ContentItemFactory(tenant=team.tenant, title="未审批的幻灯", approved_at=None)
        expired = ContentItemFactory(
            tenant=team.tenant, title="过期的手册", valid_until=today - datetime.timedelta(days=1)
        )
    client = as_user(team.rep)
    html = client.get(reverse("content_list")).content.decode()
    listed = set(row_ids(html, "content-row", "data-content-id"))
    assert {tagged.pk, team.content.pk} <= listed
    assert not listed & {unapproved.pk, expired.pk}

    html = client.get(reverse("content_list"), {"tag": "指南"}).content.decode()
    assert row_ids(html, "content-row", "data-content-id") == [tagged.pk]
    html = client.get(reverse("content_list"), {"q": "指南解读"}).content.decode()
    assert row_ids(html, "content-row", "data-content-id") == [tagged.pk]
    html = client.get(reverse("content_list"), {"product": team.product.pk}).content.decode()
    assert set(row_ids(html, "content-row", "data-content-id")) == {tagged.pk, team.content.pk}

    # Medical affairs owns the library: they see what is not approved yet.
    html = as_user(team.medical).get(reverse("content_list")).content.decode()
    assert unapproved.pk in row_ids(html, "content-row", "data-content-id") and has_testid(html, "not-approved")


def test_content_use_is_counted_from_reports(team, as_user):
    make_report(team, submit=True, content_items=[team.content.pk])
    html = as_user(team.rep).get(reverse("content_list")).content.decode()
    assert re.search(rf'data-content-id="{team.content.pk}".*?used in 1 visit\b', html, re.S)


def test_the_doctor_profile_shows_the_visit_timeline(team, as_user, make_user):
    submitted = make_report(team, submit=True)
    draft = make_report(team, hours_ago=2)
    url = reverse("doctor_detail", args=[team.doctor.pk])

    html = as_user(team.rep).get(url).content.decode()
    assert row_ids(html, "timeline-visit", "data-visit-id") == [submitted.pk]  # drafts are not history
    assert draft.pk not in row_ids(html, "timeline-visit", "data-visit-id")
    html = as_user(make_user(team.tenant, "product_manager")).get(url).content.decode()
    assert row_ids(html, "timeline-visit", "data-visit-id") == [submitted.pk]
    assert not has_testid(html, "timeline-report")  # head office does not report visits


def test_the_menu_by_role(team, as_user):
    def menu(user):
        html = as_user(user).get("/").content.decode()
        return {name for name in ("my_day", "visit_week", "task_inbox", "team") if f'href="{reverse(name)}"' in html}

    assert {"my_day", "visit_week", "task_inbox"} <= menu(team.rep) and "team" not in menu(team.rep)
    assert {"visit_week", "task_inbox", "team"} <= menu(team.manager)
    assert menu(team.medical) == {"task_inbox"}
