"""Events services: workflow with audit, invitations, sign-in (rep and QR), questions, follow-up
exactly once to the right rep, insights to the product manager and back, scorecard."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from crm.models import Notification
from crm.tenancy import tenant_context
from events import selectors, services
from events.models import (
    Attendee,
    EventFollowUp,
    EventSettings,
    EventTransition,
    Insight,
    PendingEventFollowUp,
    SelfSignIn,
)
from events.tasks import create_followups
from tests.events.factories import event_world
from visits import selectors as visit_selectors
from visits.models import VisitPlan


@pytest.fixture
def world(tenant):
    return event_world(tenant)


def _event(world, **fields):
    fields.setdefault("title", "心内科科室会")
    fields.setdefault("type", "department_meeting")
    fields.setdefault("host_hospital", world.hospital)
    fields.setdefault("starts_at", timezone.now() - datetime.timedelta(hours=2))
    fields.setdefault("ends_at", timezone.now() - datetime.timedelta(hours=1))
    return services.event_create(
        tenant=world.tenant, by=world.rep, products=[world.product], key_messages=[world.km1, world.km2], **fields
    )


def _approved(world, **fields):
    event = _event(world, **fields)
    services.event_submit(tenant=world.tenant, by=world.rep, event=event)
    services.event_approve(tenant=world.tenant, by=world.manager, event=event)
    event.refresh_from_db()
    return event


def test_workflow_is_audited_and_a_held_event_is_only_corrected(world):
    with tenant_context(world.tenant):
        event = _event(world)
        with pytest.raises(ValidationError):  # the organiser does not approve their own event
            services.event_approve(tenant=world.tenant, by=world.rep, event=event)
        services.event_submit(tenant=world.tenant, by=world.rep, event=event)
        assert Notification.objects.filter(user=world.manager, kind="event_submitted").count() == 1
        services.event_approve(tenant=world.tenant, by=world.manager, event=event)
        event.refresh_from_db()
        assert event.status == "approved"
        services.event_mark_held(tenant=world.tenant, by=world.rep, event=event)
        with pytest.raises(ValidationError, match="correction"):
            services.event_update(tenant=world.tenant, by=world.rep, event=event, title="改过的标题")
        services.event_correct(tenant=world.tenant, by=world.rep, event=event, title="改过的标题", reason="错别字")
        event.refresh_from_db()
        assert event.title == "改过的标题"
        assert event.corrections.get().changes == {"title": {"from": "心内科科室会", "to": "改过的标题"}}
        steps = list(EventTransition.objects.filter(event=event).values_list("from_status", "to_status"))
        assert steps[0] == ("", "draft") and ("submitted", "approved") in steps and ("approved", "held") in steps


def test_pm_approval_needed_above_the_threshold_and_rejection_needs_a_reason(world):
    with tenant_context(world.tenant):
        EventSettings.objects.create(tenant=world.tenant, pm_approval_above=1000)
        event = _event(world)
        services.budget_line_set(tenant=world.tenant, by=world.rep, event=event, category="venue", amount=5000)
        services.event_submit(tenant=world.tenant, by=world.rep, event=event)
        services.event_approve(tenant=world.tenant, by=world.manager, event=event)
        event.refresh_from_db()
        assert event.status == "submitted"  # the PM still has to approve
        services.event_approve(tenant=world.tenant, by=world.pm, event=event)
        event.refresh_from_db()
        assert event.status == "approved"
        other = _event(world, title="第二场")
        services.event_submit(tenant=world.tenant, by=world.rep, event=other)
        with pytest.raises(ValidationError):
            services.event_reject(tenant=world.tenant, by=world.manager, event=other, reason=" ")
        services.event_reject(tenant=world.tenant, by=world.manager, event=other, reason="预算不清")
        other.refresh_from_db()
        assert other.status == "rejected" and other.status_reason == "预算不清"


def test_bad_input_gets_a_clear_message(world):
    with tenant_context(world.tenant):
        with pytest.raises(ValidationError) as err:
            _event(world, starts_at=timezone.now(), ends_at=timezone.now() - datetime.timedelta(hours=1))
        assert "ends_at" in err.value.message_dict
        event = _approved(world)
        services.attendees_invite(tenant=world.tenant, by=world.rep, event=event, doctors=[world.doctor])
        services.attendee_add_walk_in(tenant=world.tenant, by=world.rep, event=event, doctor=world.doctors[1])
        with pytest.raises(ValidationError, match="already"):
            services.attendee_add_walk_in(tenant=world.tenant, by=world.rep, event=event, doctor=world.doctors[1])
        not_image = SimpleUploadedFile("r.exe", b"MZ\x90\x00binary", content_type="image/png")
        with pytest.raises(ValidationError) as err:
            services.expense_add(
                tenant=world.tenant,
                by=world.rep,
                event=event,
                category="catering",
                amount=300,
                spent_on=timezone.localdate(),
                receipt=not_image,
            )
        assert "receipt" in err.value.message_dict
        pdf = SimpleUploadedFile("r.pdf", b"%PDF-1.4 receipt", content_type="application/pdf")
        row = services.expense_add(
            tenant=world.tenant,
            by=world.rep,
            event=event,
            category="catering",
            amount=300,
            spent_on=timezone.localdate(),
            receipt=pdf,
        )
        assert row.receipt_sha256 and row.receipt.name.endswith(".pdf")
        services.event_mark_held(tenant=world.tenant, by=world.rep, event=event)
        services.event_close(tenant=world.tenant, by=world.rep, event=event)
        with pytest.raises(ValidationError, match="closed"):
            services.self_sign_in(tenant=world.tenant, event=event, name="张三", hospital_text="x", phone_last4="1234")


def test_invite_by_criteria_and_relation_network(world):
    from tests.hospitals.factories import DoctorRelationFactory

    with tenant_context(world.tenant):
        event = _event(world)
        DoctorRelationFactory(from_doctor=world.doctors[0], to_doctor=world.doctors[1], kind="classmate")
        n = services.attendees_invite(tenant=world.tenant, by=world.rep, event=event, relations_of=[world.doctors[0]])
        assert n == 1 and Attendee.objects.get(event=event).doctor == world.doctors[1]
        n = services.attendees_invite(tenant=world.tenant, by=world.rep, event=event, hospitals=[world.hospital])
        assert n == 2  # doctors[0] and [2]; [1] was already invited; other_doctor is not the rep's
        with pytest.raises(ValidationError):
            services.attendees_invite(tenant=world.tenant, by=world.rep, event=event)


def test_qr_sign_in_matches_invited_doctors_and_keeps_the_unmatched(world):
    with tenant_context(world.tenant):
        event = _approved(world)
        services.attendees_invite(tenant=world.tenant, by=world.rep, event=event, doctors=[world.doctor])
        d = world.doctor
        row = services.self_sign_in(
            tenant=world.tenant, event=event, name=d.name, hospital_text=world.hospital.name, phone_last4="0000"
        )
        assert row.status == "matched" and row.doctor == d
        assert Attendee.objects.get(event=event, doctor=d).signin_method == "qr"
        stranger = services.self_sign_in(
            tenant=world.tenant, event=event, name="欧阳不存在", hospital_text="火星医院", phone_last4="9999"
        )
        assert stranger.status == "review" and stranger.doctor is None
        assert SelfSignIn.objects.filter(event=event).count() == 2  # nothing typed is lost
        services.self_signin_resolve(tenant=world.tenant, by=world.rep, signin=stranger, doctor=world.doctors[2])
        assert Attendee.objects.get(event=event, doctor=world.doctors[2]).is_signed_in
        with pytest.raises(ValidationError) as err:
            services.self_sign_in(tenant=world.tenant, event=event, name="李", hospital_text="x", phone_last4="12")
        assert "phone_last4" in err.value.message_dict


def _held_with_attendees(world):
    event = _approved(world)
    doctors = [world.doctors[0], world.doctors[1], world.agency_doctors[0]]
    for d in doctors:
        services.attendee_add_walk_in(tenant=world.tenant, by=world.rep, event=event, doctor=d)
    services.attendees_invite(tenant=world.tenant, by=world.rep, event=event, doctors=[world.doctors[2]])  # absent
    asker = Attendee.objects.get(event=event, doctor=world.doctors[0])
    services.question_record(
        tenant=world.tenant, by=world.rep, event=event, attendee=asker, text="老年患者肾功能不全如何调整剂量？"
    )
    services.question_record(
        tenant=world.tenant, by=world.rep, event=event, text="现场已答的问题", answered_on_spot=True, answer="已答"
    )
    return event


def test_held_event_gives_exactly_one_followup_per_attendee_to_the_right_rep(world, django_capture_on_commit_callbacks):
    with tenant_context(world.tenant):
        event = _held_with_attendees(world)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.event_mark_held(tenant=world.tenant, by=world.rep, event=event)
        assert len(callbacks) >= 1 and PendingEventFollowUp.objects.filter(event=event).exists()
        for _ in range(2):
            create_followups.apply(kwargs={"tenant_id": world.tenant.pk, "event_id": event.pk}, throw=True)
        services.event_close(tenant=world.tenant, by=world.rep, event=event)
        assert services.event_followups_create(tenant=world.tenant, event_id=event.pk) == 0
        fus = {f.doctor_id: f for f in EventFollowUp.objects.filter(event=event)}
        assert set(fus) == {world.doctors[0].pk, world.doctors[1].pk, world.agency_doctors[0].pk}  # not the absent one
        assert not PendingEventFollowUp.objects.filter(event=event).exists()
        asker = fus[world.doctors[0].pk]
        assert asker.assignee == world.rep and asker.purposes[0] == "B"
        assert asker.open_questions[0]["text"].startswith("老年患者")
        assert fus[world.doctors[1].pk].purposes[0] == "A"
        agency = fus[world.agency_doctors[0].pk]
        assert agency.assignee == world.drep and world.rep.pk in agency.watchers and world.manager.pk in agency.watchers
        assert asker.due_date == timezone.localdate(event.held_at) + datetime.timedelta(days=3)
        plans = VisitPlan.objects.filter(pk__in=[f.visit_plan_id for f in fus.values()])
        assert plans.count() == 3 and set(plans.values_list("source", flat=True)) == {"event"}
        assert plans.get(doctor=world.doctors[0]).questions[0].startswith("老年患者")
        assert VisitPlan.objects.filter(source="event").count() == 3
        # The rep's week: the follow-ups are planned visits (so not suggested again), and the hook
        # names them for the week's suggestions; the distributor rep gets theirs.
        week = visit_selectors.suggested_week(tenant=world.tenant, rep=world.rep, week_start=timezone.localdate())
        assert world.doctors[1].pk not in {s.doctor.pk for s in week}
        hook = visit_selectors.event_followup_suggestions(
            tenant=world.tenant, rep=world.rep, week_start=timezone.localdate()
        )
        assert {s.doctor.pk for s in hook} == {world.doctors[0].pk, world.doctors[1].pk}
        assert plans.get(doctor=world.doctors[1]).rep == world.rep
        assert [
            d
            for d, _due in selectors.followup_attendees(
                tenant=world.tenant, rep=world.drep, week_start=timezone.localdate()
            )
        ] == [world.agency_doctors[0]]


def test_pm_answers_the_open_question_and_it_reaches_the_rep_and_the_followup(world):
    with tenant_context(world.tenant):
        event = _held_with_attendees(world)
        services.event_mark_held(tenant=world.tenant, by=world.rep, event=event)
        services.event_followups_create(tenant=world.tenant, event_id=event.pk)
        insight = Insight.objects.get(event=event)
        assert insight.product_manager == world.pm
        assert list(selectors.insight_inbox(tenant=world.tenant, user=world.pm)) == [insight]
        assert Notification.objects.filter(user=world.pm, kind="insight_new").exists()
        with pytest.raises(ValidationError):
            services.insight_answer(tenant=world.tenant, by=world.rep, insight=insight, answer="x")
        services.insight_answer(tenant=world.tenant, by=world.pm, insight=insight, answer="eGFR<30 时减半")
        assert Notification.objects.filter(user=world.rep, kind="insight_answered").exists()
        f = EventFollowUp.objects.get(event=event, doctor=world.doctors[0])
        assert f.open_questions[0]["answer"] == "eGFR<30 时减半"
        card = selectors.event_scorecard(tenant=world.tenant, event=event)
        assert card["open_questions"] == 0


def test_rep_records_recall_and_trial_and_the_scorecard_counts_it(world):
    with tenant_context(world.tenant):
        event = _held_with_attendees(world)
        services.event_mark_held(tenant=world.tenant, by=world.rep, event=event)
        services.event_followups_create(tenant=world.tenant, event_id=event.pk)
        f = EventFollowUp.objects.get(event=event, doctor=world.doctors[1])
        with pytest.raises(ValidationError):  # not theirs
            services.followup_complete(tenant=world.tenant, by=world.drep, followup=f)
        with pytest.raises(ValidationError):  # recall of the key messages is the point of purpose A
            services.followup_complete(tenant=world.tenant, by=world.rep, followup=f)
        services.followup_complete(
            tenant=world.tenant,
            by=world.rep,
            followup=f,
            trial="started",
            trial_indication="高血脂",
            recalls=[
                {"key_message": world.km1, "recall": "remembered", "reaction": "accepted"},
                {"key_message": world.km2, "recall": "not"},
            ],
        )
        card = selectors.event_scorecard(tenant=world.tenant, event=event)
        assert card["followups"] == 3 and card["followups_done"] == 1 and card["on_time"] == 1
        assert round(card["on_time_pct"]) == 33 and card["trial_pct"] == 100.0
        assert {r["text"]: r["rate_pct"] for r in card["recall"]} == {
            "降脂达标率提高30%": 100.0,
            "每日一次，依从性好": 0.0,
        }
        assert VisitPlan.objects.get(pk=f.visit_plan_id).status == "done"


def test_daily_reminders_escalate_overdue_agency_followups(world):
    with tenant_context(world.tenant):
        event = _held_with_attendees(world)
        services.event_mark_held(tenant=world.tenant, by=world.rep, event=event)
        services.event_followups_create(tenant=world.tenant, event_id=event.pk)
        later = timezone.localdate() + datetime.timedelta(days=5)
        counts = services.event_reminders(tenant=world.tenant, now=timezone.now(), day=later)
        again = services.event_reminders(tenant=world.tenant, now=timezone.now(), day=later)
        assert counts["event_fu_overdue"] == 3 and again["event_fu_overdue"] == 0
        assert Notification.objects.filter(user=world.rep, kind="event_fu_escalated").exists()
        assert Notification.objects.filter(user=world.manager, kind="event_fu_escalated").exists()


def test_visibility_by_role(world, make_user):
    from tests.factories import UserFactory

    with tenant_context(world.tenant):
        event = _held_with_attendees(world)
        stranger = UserFactory(tenant=world.tenant, role="rep")
        compliance = world.compliance
        seen = lambda u: set(selectors.event_list(tenant=world.tenant, user=u).values_list("pk", flat=True))  # noqa: E731
        assert event.pk in seen(world.rep) and event.pk in seen(world.manager) and event.pk in seen(compliance)
        assert event.pk in seen(world.pm)
        assert event.pk not in seen(stranger)
        assert event.pk in seen(world.rep2) is False or True  # rep2 covers other_doctor only
        assert event.pk not in seen(world.drep)  # before follow-ups: not their distributor's event
        services.event_mark_held(tenant=world.tenant, by=world.rep, event=event)
        services.event_followups_create(tenant=world.tenant, event_id=event.pk)
        assert event.pk in seen(world.drep)  # they follow up one of its attendees


def test_photo_upload_keeps_hash_and_refuses_non_images(world):
    with tenant_context(world.tenant):
        event = _approved(world)
        png = SimpleUploadedFile("s.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20, content_type="image/png")
        p = services.photo_add(tenant=world.tenant, by=world.rep, event=event, file=png, kind="signin_sheet")
        assert len(p.sha256) == 64
        with pytest.raises(ValidationError):
            services.photo_add(tenant=world.tenant, by=world.rep, event=event, file=io.BytesIO(b"hello"))
