"""Visit reports: the 24 h rule, late flag, backdating and future refusal, locking and amendments."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

from crm.tenancy import tenant_context
from tests.visits.factories import field_team
from visits import services
from visits.models import (
    FollowUpTask,
    PendingFollowUp,
    Visit,
    VisitAmendment,
    VisitKeyMessage,
    VisitPlan,
    VisitSettings,
)


@pytest.fixture
def team(tenant):
    return field_team(tenant)


def _report(team, *, hours_ago=1.0, submit=False, **fields):
    fields.setdefault("objective_achieved", "yes")
    fields.setdefault("feedback", "医生对新适应证感兴趣")
    with tenant_context(team.tenant):
        return services.visit_create(
            tenant=team.tenant,
            by=team.rep,
            doctor=team.doctor,
            visited_at=timezone.now() - datetime.timedelta(hours=hours_ago),
            channel="in_person",
            key_messages=[{"key_message": team.km1.pk, "reaction": "accepted"}],
            submit=submit,
            **fields,
        )


def test_a_report_submitted_within_24_hours_is_on_time_and_locked(team):
    visit = _report(team, hours_ago=23)
    with tenant_context(team.tenant):
        services.visit_submit(tenant=team.tenant, by=team.rep, visit=visit)
        visit.refresh_from_db()
    assert visit.status == "submitted" and visit.is_locked
    assert visit.is_late is False
    assert visit.submitted_at is not None


def test_a_report_submitted_after_24_hours_is_accepted_but_flagged_late(team):
    visit = _report(team, hours_ago=30)
    with tenant_context(team.tenant):
        services.visit_submit(tenant=team.tenant, by=team.rep, visit=visit)
        visit.refresh_from_db()
    assert visit.status == "submitted"
    assert visit.is_late is True


def test_the_submit_window_is_a_tenant_setting(team):
    with tenant_context(team.tenant):
        VisitSettings.objects.create(tenant=team.tenant, submit_window_hours=48)
    visit = _report(team, hours_ago=30)
    with tenant_context(team.tenant):
        services.visit_submit(tenant=team.tenant, by=team.rep, visit=visit)
        visit.refresh_from_db()
    assert visit.is_late is False


def test_a_visit_dated_beyond_the_backdating_limit_is_refused_with_a_clear_message(team):
    with pytest.raises(ValidationError) as err, translation.override("en"):
        _report(team, hours_ago=8 * 24)
    assert "7 days" in str(err.value.message_dict["visited_at"])
    with tenant_context(team.tenant):
        assert not Visit.objects.exists()


def test_the_backdating_limit_is_a_tenant_setting(team):
    with tenant_context(team.tenant):
        VisitSettings.objects.create(tenant=team.tenant, backdate_limit_days=14)
    visit = _report(team, hours_ago=8 * 24)
    assert visit.pk


def test_a_visit_in_the_future_is_refused(team):
    with pytest.raises(ValidationError) as err:
        _report(team, hours_ago=-2)
    with translation.override("en"):
        assert "future" in str(err.value.message_dict["visited_at"])


def test_moving_a_draft_into_the_future_is_refused(team):
    visit = _report(team)
    with tenant_context(team.tenant), pytest.raises(ValidationError):
        services.visit_update(
            tenant=team.tenant, by=team.rep, visit=visit, visited_at=timezone.now() + datetime.timedelta(days=1)
        )


def test_submit_needs_the_objective_outcome_and_a_due_date_for_the_next_step(team):
    visit = _report(team, objective_achieved="", next_step="送文献")
    with tenant_context(team.tenant), pytest.raises(ValidationError) as err:
        services.visit_submit(tenant=team.tenant, by=team.rep, visit=visit)
    assert {"objective_achieved", "next_step_due"} <= set(err.value.message_dict)


def test_only_the_author_submits(team):
    visit = _report(team)
    with tenant_context(team.tenant), pytest.raises(ValidationError):
        services.visit_submit(tenant=team.tenant, by=team.rep2, visit=visit)


def test_a_rep_cannot_report_a_doctor_outside_their_territories(team):
    with tenant_context(team.tenant), pytest.raises(ValidationError) as err:
        services.visit_create(
            tenant=team.tenant,
            by=team.rep,
            doctor=team.other_doctor,
            visited_at=timezone.now() - datetime.timedelta(hours=1),
        )
    assert "doctor" in err.value.message_dict


def test_unapproved_key_messages_are_refused(team):
    with tenant_context(team.tenant):
        team.km2.is_active = False
        team.km2.save()
    with pytest.raises(ValidationError) as err, tenant_context(team.tenant):
        services.visit_create(
            tenant=team.tenant,
            by=team.rep,
            doctor=team.doctor,
            visited_at=timezone.now() - datetime.timedelta(hours=1),
            key_messages=[{"key_message": team.km2.pk, "reaction": "neutral"}],
        )
    assert "key_messages" in err.value.message_dict


def test_an_objection_needs_a_note(team):
    with pytest.raises(ValidationError), tenant_context(team.tenant):
        services.visit_create(
            tenant=team.tenant,
            by=team.rep,
            doctor=team.doctor,
            visited_at=timezone.now() - datetime.timedelta(hours=1),
            key_messages=[{"key_message": team.km1.pk, "reaction": "objection"}],
        )


def test_a_report_from_a_plan_records_no_reaction_and_needs_each_planned_message_answered(team):
    """Issue 15: the plan's key messages are not recorded with an assumed reaction; submitting
    with one left unanswered is refused; "not delivered" is an answer and adds no product."""
    with tenant_context(team.tenant):
        plan = services.visit_plan_create(
            tenant=team.tenant,
            by=team.rep,
            doctor=team.doctor,
            planned_at=timezone.now() - datetime.timedelta(hours=2),
            product=team.product,
            content_items=[team.content.pk],
        )
        assert plan.objective  # tier C template
        assert set(plan.key_messages.values_list("pk", flat=True)) == {team.km1.pk, team.km2.pk}
        visit = services.visit_create_from_plan(tenant=team.tenant, by=team.rep, plan=plan)
        assert visit.objective == plan.objective
        assert not VisitKeyMessage.objects.filter(visit=visit).exists()  # nothing assumed
        assert not visit.content_items.exists()  # planned content is not "used"
        services.visit_update(tenant=team.tenant, by=team.rep, visit=visit, objective_achieved="partly")
        with pytest.raises(ValidationError) as err:
            services.visit_submit(tenant=team.tenant, by=team.rep, visit=visit)
        assert "key_messages" in err.value.message_dict
        # one answered, the other still open: still refused
        services.visit_update(
            tenant=team.tenant,
            by=team.rep,
            visit=visit,
            key_messages=[{"key_message": team.km1.pk, "reaction": "accepted"}],
        )
        with pytest.raises(ValidationError):
            services.visit_submit(tenant=team.tenant, by=team.rep, visit=visit)
        services.visit_update(
            tenant=team.tenant,
            by=team.rep,
            visit=visit,
            key_messages=[
                {"key_message": team.km1.pk, "reaction": "accepted"},
                {"key_message": team.km2.pk, "reaction": "undelivered"},
            ],
        )
        services.visit_submit(tenant=team.tenant, by=team.rep, visit=visit)
        assert dict(VisitKeyMessage.objects.filter(visit=visit).values_list("key_message_id", "reaction")) == {
            team.km1.pk: "accepted",
            team.km2.pk: "undelivered",
        }
        assert VisitPlan.objects.get(pk=plan.pk).status == "done"


def test_a_key_message_without_a_chosen_reaction_is_refused(team):
    with tenant_context(team.tenant):
        for item in (team.km1.pk, {"key_message": team.km1.pk}, {"key_message": team.km1.pk, "reaction": ""}):
            with pytest.raises(ValidationError):
                services.visit_create(
                    tenant=team.tenant,
                    by=team.rep,
                    doctor=team.doctor,
                    visited_at=timezone.now() - datetime.timedelta(hours=1),
                    key_messages=[item],
                )
        visit = services.visit_create(  # positive control
            tenant=team.tenant,
            by=team.rep,
            doctor=team.doctor,
            visited_at=timezone.now() - datetime.timedelta(hours=1),
            key_messages=[{"key_message": team.km1.pk, "reaction": "neutral"}],
        )
        assert VisitKeyMessage.objects.get(visit=visit).reaction == "neutral"


# --- locking ---------------------------------------------------------------------------------


def test_the_service_refuses_to_change_or_delete_a_submitted_report(team):
    visit = _report(team, submit=True)
    with tenant_context(team.tenant):
        with pytest.raises(ValidationError) as err:
            services.visit_update(tenant=team.tenant, by=team.rep, visit=visit, feedback="改过了")
        assert err.value.code == "locked"
        with pytest.raises(ValidationError):
            services.visit_delete(tenant=team.tenant, by=team.rep, visit=visit)
        assert Visit.objects.get(pk=visit.pk).feedback == "医生对新适应证感兴趣"


def test_the_database_refuses_a_raw_update_of_a_submitted_report(team):
    visit = _report(team, submit=True)
    with tenant_context(team.tenant):
        with pytest.raises(IntegrityError, match="locked"), transaction.atomic(), connection.cursor() as cur:
            cur.execute("UPDATE visits_visit SET feedback = 'silently changed' WHERE id = %s", [visit.pk])
        with pytest.raises(IntegrityError), transaction.atomic():
            Visit.objects.filter(pk=visit.pk).update(objective_achieved="no")
        with pytest.raises(IntegrityError), transaction.atomic():
            Visit.objects.filter(pk=visit.pk).delete()
        with pytest.raises(IntegrityError), transaction.atomic():
            VisitKeyMessage.objects.filter(visit=visit).update(reaction="objection", note="x")
        with pytest.raises(IntegrityError), transaction.atomic():
            VisitKeyMessage.objects.create(tenant=team.tenant, visit=visit, key_message=team.km2)
        fresh = Visit.objects.get(pk=visit.pk)
    assert fresh.objective_achieved == "yes" and fresh.feedback == visit.feedback


def test_a_raw_update_naming_an_amendment_of_another_visit_is_still_refused(team):
    first = _report(team, submit=True)
    second = _report(team, submit=True)
    with tenant_context(team.tenant):
        amendment = VisitAmendment.objects.create(tenant=team.tenant, visit=first, by=team.rep, reason="x")
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
            cur.execute("SELECT set_config('app.visit_amendment', %s, true)", [str(amendment.pk)])
            cur.execute("UPDATE visits_visit SET feedback = 'x' WHERE id = %s", [second.pk])


def test_a_draft_can_still_be_changed_and_deleted(team):
    visit = _report(team)
    with tenant_context(team.tenant):
        services.visit_update(tenant=team.tenant, by=team.rep, visit=visit, feedback="补充")
        assert Visit.objects.get(pk=visit.pk).feedback == "补充"
        services.visit_delete(tenant=team.tenant, by=team.rep, visit=visit)
        assert not Visit.objects.filter(pk=visit.pk).exists()


def test_an_amendment_keeps_the_original_who_when_and_why(team):
    visit = _report(team, submit=True)
    with tenant_context(team.tenant):
        amendment = services.visit_amend(
            tenant=team.tenant,
            by=team.rep,
            visit=visit,
            reason="医生反馈记录错误",
            objective_achieved="partly",
            key_messages=[{"key_message": team.km1.pk, "reaction": "objection", "note": "担心肝功能"}],
        )
        fresh = Visit.objects.get(pk=visit.pk)
        assert fresh.objective_achieved == "partly" and fresh.amended and fresh.status == "submitted"
        assert amendment.by == team.rep and amendment.reason == "医生反馈记录错误" and amendment.at
        assert amendment.changes["objective_achieved"] == {"from": "yes", "to": "partly"}
        assert amendment.changes["key_messages"]["from"] == [[team.km1.pk, "accepted", ""]]
        assert amendment.changes["key_messages"]["to"] == [[team.km1.pk, "objection", "担心肝功能"]]
        # The history keeps every version, the original included.
        assert [h.objective_achieved for h in fresh.history.order_by("history_id")][-2:] == ["yes", "partly"]
        # After the amendment, the lock holds again.
        with pytest.raises(IntegrityError), transaction.atomic():
            Visit.objects.filter(pk=visit.pk).update(objective_achieved="no")


def test_an_amendment_needs_a_reason_and_a_change_and_cannot_change_the_visit_itself(team):
    visit = _report(team, submit=True)
    with tenant_context(team.tenant):
        with pytest.raises(ValidationError):
            services.visit_amend(tenant=team.tenant, by=team.rep, visit=visit, reason=" ", feedback="x")
        with pytest.raises(ValidationError):
            services.visit_amend(tenant=team.tenant, by=team.rep, visit=visit, reason="r", objective_achieved="yes")
        with pytest.raises(ValidationError):
            services.visit_amend(tenant=team.tenant, by=team.rep, visit=visit, reason="r", doctor=team.doctors[1])
        with pytest.raises(ValidationError):
            services.visit_amend(tenant=team.tenant, by=team.rep2, visit=visit, reason="r", feedback="x")
        assert not VisitAmendment.objects.exists()


def test_the_manager_may_amend_their_teams_report(team):
    visit = _report(team, submit=True)
    with tenant_context(team.tenant):
        services.visit_amend(tenant=team.tenant, by=team.manager, visit=visit, reason="核对后更正", feedback="更正")
        assert Visit.objects.get(pk=visit.pk).feedback == "更正"


# --- follow-up enqueueing ------------------------------------------------------------------


def _enqueued(callbacks) -> list[str]:
    """The Celery tasks among on-commit callbacks (others, e.g. cache invalidation, are not enqueues)."""
    tasks = (getattr(getattr(c, "func", None), "__self__", None) for c in callbacks)
    return [t.name for t in tasks if t is not None and hasattr(t, "apply_async")]


def test_submit_enqueues_followups_on_commit_with_an_outbox_row(team, django_capture_on_commit_callbacks):
    visit = _report(team, signals=["literature_request"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks, tenant_context(team.tenant):
        services.visit_submit(tenant=team.tenant, by=team.rep, visit=visit)
        assert PendingFollowUp.objects.filter(visit=visit).exists()
    assert _enqueued(callbacks) == ["visits.create_followups"]
    with tenant_context(team.tenant):
        assert not FollowUpTask.objects.exists()  # nothing before the commit/worker


def test_a_visit_with_nothing_to_follow_up_enqueues_nothing(team, django_capture_on_commit_callbacks):
    visit = _report(team)
    with django_capture_on_commit_callbacks(execute=False) as callbacks, tenant_context(team.tenant):
        services.visit_submit(tenant=team.tenant, by=team.rep, visit=visit)
    assert _enqueued(callbacks) == []  # the test above is the positive control
