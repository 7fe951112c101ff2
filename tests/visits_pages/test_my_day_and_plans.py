"""The rep's day (home page), the week with its suggestions, and visit plans."""

import datetime
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.tenancy import tenant_context
from tests.hospitals.factories import DoctorFactory, DoctorTerritoryFactory
from tests.visits.factories import FollowUpTaskFactory, VisitPlanFactory
from tests.visits_pages.conftest import make_plan, make_report
from tests.visits_pages.helpers import checked, field_value, has_testid, row_ids
from visits import services
from visits.models import VisitPlan


def test_the_reps_home_is_their_day(midmonth_afternoon, team, as_user):
    # Given a plan later today, yesterday's plan without a report, a draft, a submitted visit,
    # a task due today and an overdue one
    today_plan = make_plan(team, doctor=team.doctors[0], hours=0.05)
    with tenant_context(team.tenant):
        past_plan = VisitPlanFactory(
            doctor=team.doctors[1], rep=team.rep, planned_at=timezone.now() - datetime.timedelta(hours=26)
        )
        due = FollowUpTaskFactory(
            doctor=team.doctor, assignee=team.rep, due_at=timezone.now() + datetime.timedelta(minutes=5)
        )
        late = FollowUpTaskFactory(
            doctor=team.doctor, assignee=team.rep, due_at=timezone.now() - datetime.timedelta(days=1)
        )
        FollowUpTaskFactory(doctor=team.doctor, assignee=team.rep, due_at=timezone.now() + datetime.timedelta(days=5))
    draft = make_report(team, doctor=team.doctors[2], hours_ago=20)
    make_report(team, doctor=team.doctors[0], submit=True)

    html = as_user(team.rep).get("/").content.decode()

    assert timezone.localtime(today_plan.planned_at).date() == timezone.localdate()  # 14:03 today
    assert row_ids(html, "plan-row", "data-plan-id") == [today_plan.pk]
    assert row_ids(html, "unreported-plan", "data-plan-id") == [past_plan.pk]
    assert row_ids(html, "draft-row", "data-visit-id") == [draft.pk]
    assert has_testid(html, "report-clock")  # the 24 h clock of each report to submit
    assert row_ids(html, "task-row", "data-task-id") == [late.pk, due.pk]  # not the one due in 5 days
    assert has_testid(html, "overdue-badge")
    # Behind frequency (tier C by default: one visit a month): the doctors not yet visited this month.
    behind = row_ids(html, "behind-row", "data-doctor-id")
    assert team.doctors[0].pk not in behind
    assert set(behind) == {team.doctors[1].pk, team.doctors[2].pk}
    assert team.other_doctor.pk not in behind  # another rep's doctor


def test_a_plan_of_today_already_past_runs_its_clock_in_the_days_list(midmonth_afternoon, team, as_user):
    plan = make_plan(team, hours=-0.5)  # 13:30 today
    html = as_user(team.rep).get("/").content.decode()
    assert row_ids(html, "plan-row", "data-plan-id") == [plan.pk]
    assert row_ids(html, "unreported-plan", "data-plan-id") == []
    assert re.search(rf'data-plan-id="{plan.pk}".*?data-testid="report-clock"', html, re.S)


def test_the_clock_shows_late_reports(team, as_user):
    draft = make_report(team, hours_ago=30)
    html = as_user(team.rep).get("/").content.decode()
    assert f'data-visit-id="{draft.pk}"' in html
    assert 'class="badge clock late"' in html


def test_my_day_costs_the_same_queries_with_more_rows(team, as_user):
    client = as_user(team.rep)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("my_day")).status_code == 200
        return len(ctx)

    make_plan(team, hours=0.2)
    make_report(team, doctor=team.doctors[1])
    first = count()
    for i in range(4):
        make_plan(team, doctor=team.doctors[i % 3], hours=0.1 + i * 0.01)
        make_report(team, doctor=team.doctors[(i + 1) % 3], hours_ago=2 + i)
    assert count() == first


def test_the_week_suggests_doctors_behind_frequency_and_plans_the_ticked_ones(team, as_user):
    client = as_user(team.rep)
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    next_monday = monday + datetime.timedelta(days=7)

    html = client.get(reverse("visit_week") + f"?start={next_monday.isoformat()}").content.decode()

    suggested = row_ids(html, "suggestion", "data-doctor-id")
    assert set(suggested) == {d.pk for d in team.doctors}
    assert html.count('data-testid="week-day"') == 7

    response = client.post(
        reverse("visit_week"), {"start": next_monday.isoformat(), "doctor": [team.doctors[0].pk, team.doctors[1].pk]}
    )

    assert response.status_code == 302
    with tenant_context(team.tenant):
        plans = list(VisitPlan.objects.filter(rep=team.rep).order_by("planned_at"))
    assert {p.doctor_id for p in plans} == {team.doctors[0].pk, team.doctors[1].pk}
    assert all(
        next_monday <= timezone.localtime(p.planned_at).date() < next_monday + datetime.timedelta(days=5) for p in plans
    )
    assert {p.source for p in plans} == {"behind_frequency"}
    html = client.get(response["Location"]).content.decode()
    assert set(row_ids(html, "week-plan", "data-plan-id")) == {p.pk for p in plans}
    # Planned doctors leave the suggestions of that week.
    assert set(row_ids(html, "suggestion", "data-doctor-id")) == {team.doctors[2].pk}


def test_planning_a_visit_prefills_the_tier_objective_and_the_products_key_messages(team, as_user):
    client = as_user(team.rep)
    html = client.get(reverse("visit_plan_new") + f"?doctor={team.doctor.pk}").content.decode()

    assert field_value(html, "objective") == "Build awareness"  # tier C template (no tier yet)
    assert checked(html, "product") == [str(team.product.pk)]
    assert set(checked(html, "key_messages")) == {str(team.km1.pk), str(team.km2.pk)}
    assert checked(html, "content_items") == [str(team.content.pk)]

    at = timezone.localtime(timezone.now() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("visit_plan_new"),
        {
            "doctor": team.doctor.pk,
            "planned_at": at,
            "channel": "wechat",
            "product": team.product.pk,
            "objective": "介绍新适应证",
            "key_messages": [team.km2.pk],
            "content_items": [],
            "questions": "目前的患者用药情况？\n对新适应证的看法？",
        },
    )

    with tenant_context(team.tenant):
        plan = VisitPlan.objects.get(rep=team.rep)
    assert response["Location"] == reverse("visit_plan_detail", args=[plan.pk])
    assert plan.channel == "wechat" and plan.objective == "介绍新适应证"
    assert plan.questions == ["目前的患者用药情况？", "对新适应证的看法？"]
    detail = client.get(response["Location"]).content.decode()
    assert f'data-km-id="{team.km2.pk}"' in detail
    assert f'data-km-id="{team.km1.pk}"' not in detail
    assert has_testid(detail, "write-report")


def test_plan_form_errors_stay_on_the_form(team, as_user):
    response = as_user(team.rep).post(
        reverse("visit_plan_new"), {"doctor": team.doctor.pk, "planned_at": "", "channel": "in_person"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and has_testid(html, "error-planned_at")
    with tenant_context(team.tenant):
        assert not VisitPlan.objects.exists()


def test_changing_the_product_offers_its_key_messages(team, as_user):
    html = as_user(team.rep).get(reverse("visit_plan_choices"), {"product": team.product.pk}).content.decode()
    assert set(checked(html, "key_messages")) == {str(team.km1.pk), str(team.km2.pk)}


def test_a_plan_can_be_changed_and_cancelled_by_its_rep_only(team, as_user):
    plan = make_plan(team)
    url = reverse("visit_plan_detail", args=[plan.pk])
    assert not has_testid(as_user(team.manager).get(url).content.decode(), "cancel-plan")

    as_user(team.manager).post(url, {"action": "cancel"})
    with tenant_context(team.tenant):
        plan.refresh_from_db()
    assert plan.status == "planned"

    as_user(team.rep).post(url, {"action": "cancel"})
    with tenant_context(team.tenant):
        plan.refresh_from_db()
    assert plan.status == "cancelled"


def test_the_doctor_search_finds_only_the_reps_doctors(team, as_user):
    # Given a doctor of the rep who shares the name of another rep's doctor
    namesake = DoctorFactory(hospital=team.hospital, name=team.other_doctor.name)
    DoctorTerritoryFactory(doctor=namesake, territory=team.t1)
    html = as_user(team.rep).get(reverse("visit_plan_doctor_search"), {"q": team.other_doctor.name}).content.decode()
    ids = row_ids(html, "doctor-choice", "data-doctor-id")
    # then the search finds the rep's own (the search works) and not the other rep's.
    assert namesake.pk in ids
    assert team.other_doctor.pk not in ids


def test_a_rep_cannot_plan_another_reps_doctor(team, as_user):
    assert as_user(team.rep).get(reverse("visit_plan_new") + f"?doctor={team.other_doctor.pk}").status_code == 404


def test_writing_the_report_of_a_plan_twice_continues_the_same_report(team, as_user):
    plan = make_plan(team, hours=-1)
    # Each planned key message answered (issue 15): one delivered, one not.
    draft = make_report(
        team,
        plan=plan,
        key_messages=[
            {"key_message": team.km1.pk, "reaction": "accepted"},
            {"key_message": team.km2.pk, "reaction": "undelivered"},
        ],
    )
    response = as_user(team.rep).get(reverse("visit_new") + f"?plan={plan.pk}")
    assert response.status_code == 302 and response["Location"] == reverse("visit_detail", args=[draft.pk])
    # Once submitted (the plan is done), the plan's link still leads to its report.
    with tenant_context(team.tenant):
        services.visit_submit(tenant=team.tenant, by=team.rep, visit=draft)
    response = as_user(team.rep).get(reverse("visit_new") + f"?plan={plan.pk}")
    assert response["Location"] == reverse("visit_detail", args=[draft.pk])


def test_a_cancelled_plan_has_no_report(team, as_user):
    plan = make_plan(team)
    with tenant_context(team.tenant):
        services.visit_plan_cancel(tenant=team.tenant, by=team.rep, plan=plan)
    assert as_user(team.rep).get(reverse("visit_new") + f"?plan={plan.pk}").status_code == 404


def test_roles_that_do_not_visit_have_no_day_or_week(team, as_user):
    for user in (team.medical, team.compliance, team.admin):
        client = as_user(user)
        assert client.get(reverse("my_day")).status_code == 403
        assert client.get(reverse("visit_week")).status_code == 403
        assert client.get(reverse("visit_plan_new")).status_code == 403
    assert as_user(team.manager).get(reverse("visit_week")).status_code == 200
