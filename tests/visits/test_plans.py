"""Cycle plans (tier-driven targets, actual, remaining, approval), visit plans, my day, the
suggested week and the manager's adherence view."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.tenancy import tenant_context
from tests.visits.factories import FollowUpTaskFactory, VisitFactory, VisitPlanFactory, field_team
from visits import pages, selectors, services
from visits.models import CyclePlanLine, VisitSettings


@pytest.fixture
def team(tenant):
    return field_team(tenant, doctors=4)


def _set_tier(team, doctor, tier):
    from segmentation.models import TierOverride

    TierOverride.objects.create(
        tenant=team.tenant,
        doctor=doctor,
        tier=tier,
        reason="测试",
        expires_on=timezone.localdate() + datetime.timedelta(days=90),
    )


def _this_month():
    return timezone.localdate().replace(day=1)


def _visit(team, doctor, *, rep=None, days_ago=0.1, status="submitted", **kw):
    return VisitFactory(
        doctor=doctor,
        rep=rep or team.rep,
        status=status,
        visited_at=timezone.now() - datetime.timedelta(days=days_ago),
        **kw,
    )


def test_cycle_plan_targets_come_from_tiers_and_untiered_doctors_count_as_c(team):
    a, b, c, d = team.doctors
    with tenant_context(team.tenant):
        _set_tier(team, a, "A")
        _set_tier(team, b, "B")
        _set_tier(team, d, "D")
        plan = services.cycle_plan_generate(tenant=team.tenant, rep=team.rep, month=timezone.localdate())
        lines = {
            line.doctor_id: (line.tier, line.target, line.planned) for line in CyclePlanLine.objects.filter(plan=plan)
        }
    assert lines == {a.pk: ("A", 4, 4), b.pk: ("B", 2, 2), c.pk: ("C", 1, 1), d.pk: ("D", 0, 0)}
    assert team.other_doctor.pk not in lines  # aligned to the other rep's territory


def test_actual_counts_submitted_visits_in_the_month_by_anyone_and_remaining_never_goes_negative(
    midmonth_afternoon, team
):
    a, b, c, _ = team.doctors
    with tenant_context(team.tenant):
        _set_tier(team, a, "A")
        plan = services.cycle_plan_generate(tenant=team.tenant, rep=team.rep, month=timezone.localdate())
        _visit(team, a)
        _visit(team, a, rep=team.manager)  # a co-visit by the manager counts
        _visit(team, a, status="draft")  # a draft does not
        _visit(team, c)
        _visit(team, c)  # more than the target
        _visit(team, b, days_ago=45)  # last month
        lines = {line.doctor_id: line for line in selectors.cycle_plan_lines(tenant=team.tenant, plan=plan)}
        totals = selectors.cycle_plan_totals(tenant=team.tenant, plan=plan)
    assert (lines[a.pk].actual, lines[a.pk].remaining) == (2, 2)
    assert (lines[c.pk].actual, lines[c.pk].remaining) == (2, 0)
    assert (lines[b.pk].actual, lines[b.pk].remaining) == (0, 1)
    assert totals.target == 4 + 1 + 1 + 1 and totals.remaining == 2 + 0 + 1 + 1


def test_refresh_keeps_the_reps_planned_counts_and_follows_alignment(team):
    from tests.hospitals.factories import DoctorFactory, DoctorTerritoryFactory

    a, b, *_ = team.doctors
    with tenant_context(team.tenant):
        plan = services.cycle_plan_generate(tenant=team.tenant, rep=team.rep, month=timezone.localdate())
        line_b = CyclePlanLine.objects.get(plan=plan, doctor=b)
        services.cycle_plan_line_set_planned(tenant=team.tenant, by=team.rep, line=line_b, planned=3)
        _set_tier(team, a, "A")
        newcomer = DoctorFactory(hospital=team.hospital)
        DoctorTerritoryFactory(doctor=newcomer, territory=team.t1)
        team.doctors[3].territory_links.all().delete()
        services.cycle_plan_generate(tenant=team.tenant, rep=team.rep, month=timezone.localdate())
        lines = {line.doctor_id: line for line in CyclePlanLine.objects.filter(plan=plan)}
    assert (lines[a.pk].tier, lines[a.pk].target, lines[a.pk].planned) == ("A", 4, 4)
    assert lines[b.pk].planned == 3
    assert newcomer.pk in lines and team.doctors[3].pk not in lines


def test_the_plan_approval_state_machine(team):
    with tenant_context(team.tenant):
        plan = services.cycle_plan_generate(tenant=team.tenant, rep=team.rep, month=timezone.localdate())
        with pytest.raises(ValidationError):
            services.cycle_plan_approve(tenant=team.tenant, by=team.manager, plan=plan)  # not submitted yet
        with pytest.raises(ValidationError):
            services.cycle_plan_submit(tenant=team.tenant, by=team.rep2, plan=plan)  # not theirs
        services.cycle_plan_submit(tenant=team.tenant, by=team.rep, plan=plan)
        line = CyclePlanLine.objects.filter(plan=plan).first()
        with pytest.raises(ValidationError):
            services.cycle_plan_line_set_planned(tenant=team.tenant, by=team.rep, line=line, planned=2)
        with pytest.raises(ValidationError):
            services.cycle_plan_approve(tenant=team.tenant, by=team.rep, plan=plan)
        plan = services.cycle_plan_return(tenant=team.tenant, by=team.manager, plan=plan, note="A 类医生频次不足")
        assert plan.status == "returned" and plan.reviewed_by == team.manager
        services.cycle_plan_line_set_planned(tenant=team.tenant, by=team.rep, line=line, planned=2)
        services.cycle_plan_submit(tenant=team.tenant, by=team.rep, plan=plan)
        plan = services.cycle_plan_approve(tenant=team.tenant, by=team.manager, plan=plan)
        assert plan.status == "approved"
        # An approved plan is not regenerated.
        services.cycle_plan_generate(tenant=team.tenant, rep=team.rep, month=timezone.localdate())
        assert CyclePlanLine.objects.get(pk=line.pk).planned == 2
        assert [h.status for h in plan.history.order_by("history_id")] == [
            "draft",
            "draft",
            "submitted",
            "returned",
            "submitted",
            "approved",
        ]


def test_visit_plan_is_prefilled_from_tier_template_and_approved_key_messages(team):
    a = team.doctors[0]
    with tenant_context(team.tenant):
        _set_tier(team, a, "A")
        VisitSettings.objects.create(tenant=team.tenant, objective_templates={"A": "讨论临床研究数据"})
        team.km2.is_active = False
        team.km2.save()
        plan = services.visit_plan_create(
            tenant=team.tenant,
            by=team.rep,
            doctor=a,
            planned_at=timezone.now() + datetime.timedelta(days=1),
            product=team.product,
            questions=["目前首选方案？"],
        )
        assert plan.objective == "讨论临床研究数据"
        assert list(plan.key_messages.values_list("pk", flat=True)) == [team.km1.pk]
        with pytest.raises(ValidationError):
            services.visit_plan_create(
                tenant=team.tenant, by=team.rep, doctor=team.other_doctor, planned_at=timezone.now()
            )


def test_suggested_week_puts_doctors_behind_frequency_first_then_due_follow_ups(midmonth_afternoon, team):
    a, b, c, d = team.doctors
    week_start = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    with tenant_context(team.tenant):
        _set_tier(team, a, "A")
        _set_tier(team, b, "B")
        _set_tier(team, c, "D")  # target 0: never behind
        _set_tier(team, d, "D")
        _visit(team, b)
        _visit(team, b)  # B at target
        FollowUpTaskFactory(
            doctor=d, assignee=team.rep, due_at=timezone.now() + datetime.timedelta(days=1), title="送文献"
        )
        FollowUpTaskFactory(doctor=c, assignee=team.rep2, due_at=timezone.now())  # another rep's task
        suggestions = selectors.suggested_week(tenant=team.tenant, rep=team.rep, week_start=week_start)
    assert [(s.doctor.pk, s.reason) for s in suggestions] == [(a.pk, "behind_frequency"), (d.pk, "follow_up")]
    assert suggestions[0].target == 4 and suggestions[0].actual == 0


def _doctor_reads(call) -> int:
    """How many queries of ``call()`` read doctors with their hospital (model instances)."""
    with CaptureQueriesContext(connection) as captured:
        call()
    return sum('FROM "hospitals_doctor"' in q["sql"] and '"hospitals_hospital"' in q["sql"] for q in captured)


def test_the_week_page_reads_only_the_shown_suggestions_as_doctors_and_counts_them_all(midmonth_afternoon, team):
    # Given four doctors of the rep behind frequency (a tier A first) and one follow-up due
    a, b, c, d = team.doctors
    week_start = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    with tenant_context(team.tenant):
        _set_tier(team, a, "A")
        _set_tier(team, d, "D")  # target 0: never behind, but a follow-up is due
        FollowUpTaskFactory(doctor=d, assignee=team.rep, due_at=timezone.now() + datetime.timedelta(days=1))
        every = selectors.suggested_week(tenant=team.tenant, rep=team.rep, week_start=week_start)
        # When the page asks for the first two
        head, total = selectors.suggested_week_head(tenant=team.tenant, rep=team.rep, week_start=week_start, limit=2)
        # Then they are the head of the full list, with their doctors, and the total counts all
        assert [(s.doctor.pk, s.reason) for s in head] == [(s.doctor.pk, s.reason) for s in every[:2]]
        assert head[0].doctor.pk == a.pk and head[0].doctor.hospital.name  # hospital read with it
        assert total == len(every) == 4
        # and the doctors behind frequency beyond the head are never read as doctors: asking for
        # none reads no doctor row (control: asking for two read them, above).
        none, total_again = selectors.suggested_week_head(
            tenant=team.tenant, rep=team.rep, week_start=week_start, limit=0
        )
        assert none == [] and total_again == 4
        assert (
            _doctor_reads(
                lambda: selectors.suggested_week_head(tenant=team.tenant, rep=team.rep, week_start=week_start, limit=0)
            )
            == 0
        )
        assert (
            _doctor_reads(
                lambda: selectors.suggested_week_head(tenant=team.tenant, rep=team.rep, week_start=week_start, limit=2)
            )
            == 1
        )


def test_rows_behind_frequency_are_cached_and_follow_visits_tiers_and_plans(midmonth_afternoon, team):
    a, b, *_ = team.doctors
    with tenant_context(team.tenant):
        _set_tier(team, a, "A")
        first = selectors.behind_frequency_rows(tenant=team.tenant, rep=team.rep)
        assert first[0][:4] == (a.pk, "A", 4, 0)
        # Read again: from the cache, no query (control: the first read queried)
        with CaptureQueriesContext(connection) as again:
            assert selectors.behind_frequency_rows(tenant=team.tenant, rep=team.rep) == first
        assert len(again) == 0
        # A submitted visit counts at once
        _visit(team, a)
        assert selectors.behind_frequency_rows(tenant=team.tenant, rep=team.rep)[0][:4] == (a.pk, "A", 4, 1)
        # and so do a new tier and a cycle plan
        _set_tier(team, b, "A")
        assert {r[0] for r in selectors.behind_frequency_rows(tenant=team.tenant, rep=team.rep)[:2]} == {a.pk, b.pk}
        services.cycle_plan_generate(tenant=team.tenant, rep=team.rep, month=timezone.localdate())
        CyclePlanLine.objects.filter(plan__rep=team.rep, doctor=a).update(target=1)
        # (a bulk UPDATE sends no signal: the TTL bounds it; a saved line is seen at once)
        line = CyclePlanLine.objects.get(plan__rep=team.rep, doctor=b)
        line.target = 1
        line.save()
        rows = selectors.behind_frequency_rows(tenant=team.tenant, rep=team.rep)
        assert a.pk not in {r[0] for r in rows} and (b.pk, "A", 1, 0) in rows


def test_a_visit_forgets_the_cached_rows_of_the_reps_whose_book_holds_its_doctor_only(midmonth_afternoon, team):
    a, *_ = team.doctors
    with tenant_context(team.tenant):
        _set_tier(team, a, "A")
        _set_tier(team, team.other_doctor, "A")
        mine = selectors.behind_frequency_rows(tenant=team.tenant, rep=team.rep)
        theirs = selectors.behind_frequency_rows(tenant=team.tenant, rep=team.rep2)
        assert (team.other_doctor.pk, "A", 4, 0) in theirs
        # A visit of rep2 to their own doctor (in no book of rep's): rep's rows stay cached (no
        # query) while rep2's, the positive control, count it at once
        _visit(team, team.other_doctor, rep=team.rep2)
        with CaptureQueriesContext(connection) as again:
            assert selectors.behind_frequency_rows(tenant=team.tenant, rep=team.rep) == mine
        assert len(again) == 0
        assert (team.other_doctor.pk, "A", 4, 1) in selectors.behind_frequency_rows(tenant=team.tenant, rep=team.rep2)
        # A visit of rep2 (a co-visit) to a doctor of rep's territory counts in rep's rows too
        _visit(team, a, rep=team.rep2)
        assert (a.pk, "A", 4, 1) in selectors.behind_frequency_rows(tenant=team.tenant, rep=team.rep)
        # and so does one to a doctor outside rep's territory but on rep's cycle plan of the month
        plan = services.cycle_plan_generate(tenant=team.tenant, rep=team.rep, month=timezone.localdate())
        CyclePlanLine.objects.create(tenant=team.tenant, plan=plan, doctor=team.other_doctor, tier="A", target=4)
        assert (team.other_doctor.pk, "A", 4, 1) in selectors.behind_frequency_rows(tenant=team.tenant, rep=team.rep)
        _visit(team, team.other_doctor, rep=team.rep2)
        assert (team.other_doctor.pk, "A", 4, 2) in selectors.behind_frequency_rows(tenant=team.tenant, rep=team.rep)


def test_my_day_card_changes_when_the_rep_submits_a_visit(midmonth_afternoon, team, django_capture_on_commit_callbacks):
    a, *_ = team.doctors
    with tenant_context(team.tenant):
        _set_tier(team, a, "A")
        before = pages.my_day_context(team.rep)["day"].behind
        assert (before[0].doctor.pk, before[0].actual, before[0].remaining) == (a.pk, 0, 4)
        # A draft is not a visit made: the card does not change
        visit = services.visit_create(
            tenant=team.tenant,
            by=team.rep,
            doctor=a,
            visited_at=timezone.now() - datetime.timedelta(hours=1),
            objective_achieved="yes",
        )
        assert pages.my_day_context(team.rep)["day"].behind[0].actual == 0
        with django_capture_on_commit_callbacks(execute=True):
            services.visit_submit(tenant=team.tenant, by=team.rep, visit=visit)
        after = pages.my_day_context(team.rep)["day"].behind
    assert (after[0].doctor.pk, after[0].actual, after[0].remaining) == (a.pk, 1, 3)


def test_my_day_shows_todays_plans_reports_to_submit_tasks_due_and_doctors_behind(team, django_assert_max_num_queries):
    a, b, *_ = team.doctors
    with tenant_context(team.tenant):
        _set_tier(team, a, "A")
        today_plan = VisitPlanFactory(doctor=a, rep=team.rep, planned_at=timezone.now())
        VisitPlanFactory(doctor=b, rep=team.rep, planned_at=timezone.now() + datetime.timedelta(days=2))
        late_draft = _visit(team, b, status="draft", days_ago=2)
        fresh_draft = _visit(team, a, status="draft", days_ago=0.05)
        due = FollowUpTaskFactory(doctor=a, assignee=team.rep, due_at=timezone.now() - datetime.timedelta(hours=1))
        FollowUpTaskFactory(doctor=a, assignee=team.rep, due_at=timezone.now() + datetime.timedelta(days=3))
        with django_assert_max_num_queries(14):
            day = selectors.my_day(tenant=team.tenant, rep=team.rep)
    assert [p.pk for p in day.plans] == [today_plan.pk]
    assert [(v.pk, v.overdue) for v in day.reports_to_submit] == [(late_draft.pk, True), (fresh_draft.pk, False)]
    assert [t.pk for t in day.tasks_due] == [due.pk]
    assert day.behind[0].doctor.pk == a.pk and day.behind[0].remaining == 4


def test_manager_adherence_per_rep_and_month_in_a_fixed_number_of_queries(
    midmonth_afternoon, team, django_assert_max_num_queries
):
    a, b, c, d = team.doctors
    with tenant_context(team.tenant):
        VisitSettings.objects.create(tenant=team.tenant)
        _set_tier(team, a, "A")
        _set_tier(team, b, "B")
        services.cycle_plan_generate(tenant=team.tenant, rep=team.rep, month=timezone.localdate())
        services.cycle_plan_generate(tenant=team.tenant, rep=team.rep2, month=timezone.localdate())
        for _ in range(4):
            _visit(team, a, is_late=False)
        _visit(team, b, is_late=True)
        _visit(team, c, status="draft", days_ago=3)
        FollowUpTaskFactory(doctor=a, assignee=team.rep, due_at=timezone.now() - datetime.timedelta(days=1))
        with django_assert_max_num_queries(8):
            result = selectors.manager_adherence(tenant=team.tenant, manager=team.manager)
    assert set(result) == {team.rep.pk, team.rep2.pk}
    months = result[team.rep.pk]
    assert len(months) == 7 and months[-1].month == _this_month()
    now = months[-1]
    # targets: A 4 + B 2 + C 1 + C 1 = 8; covered: a 4 (of 4) + b 1 (of 2) = 5
    assert (now.target, now.covered, now.plan_adherence) == (8, 5, 0.625)
    assert (now.ab_doctors, now.ab_at_target, now.ab_coverage) == (2, 1, 0.5)
    assert (now.on_time, now.late, now.overdue_drafts, now.overdue_tasks) == (4, 1, 1, 1)
    assert months[0].has_plan is False and months[0].plan_adherence is None
    rep2_now = result[team.rep2.pk][-1]
    assert (rep2_now.target, rep2_now.covered) == (1, 0)


def test_plans_from_suggestions_plan_the_chosen_suggested_doctors_over_the_week(midmonth_afternoon, team):
    # Given four doctors of the rep behind their call frequency (a tier A, the others C; none visited)
    a, b, c, d = team.doctors
    monday = datetime.date(2026, 6, 15)  # the week of Wednesday 17 June
    with tenant_context(team.tenant):
        _set_tier(team, a, "A")
        # When the rep plans three of them, plus another rep's doctor (never suggested to them)
        chosen = [a.pk, b.pk, team.other_doctor.pk, str(c.pk)]
        plans = services.visit_plans_from_suggestions(
            tenant=team.tenant, by=team.rep, week_start=monday, doctor_ids=chosen
        )
        left = selectors.suggested_week(tenant=team.tenant, rep=team.rep, week_start=monday)
    # Then the suggested ones are planned one a working day at 10:00, for the reason they were suggested
    assert [p.doctor_id for p in plans] == [a.pk, b.pk, c.pk]
    when = [timezone.localtime(p.planned_at).strftime("%a %H:%M") for p in plans]
    assert when == ["Mon 10:00", "Tue 10:00", "Wed 10:00"]
    assert {(p.rep_id, p.source) for p in plans} == {(team.rep.pk, "behind_frequency")}
    # and, planned, they leave the week's suggestions.
    assert [s.doctor.pk for s in left] == [d.pk]
