"""Follow-up rules → tasks (exactly once), medical inquiries, inboxes, daily reminders."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from crm.tenancy import tenant_context
from tests.factories import WITH_PLATFORM_COMMITTED
from tests.visits.factories import FollowUpTaskFactory, VisitFactory, field_team
from visits import selectors, services
from visits.models import (
    FollowUpRule,
    FollowUpTask,
    MedicalInquiry,
    Notification,
    PendingFollowUp,
    VisitSettings,
)
from visits.schedule import ensure_periodic_tasks
from visits.tasks import create_followups, followups_sweep


@pytest.fixture
def team(tenant):
    return field_team(tenant)


def _submitted(team, **fields):
    fields.setdefault("objective_achieved", "yes")
    with tenant_context(team.tenant):
        return services.visit_create(
            tenant=team.tenant,
            by=team.rep,
            doctor=team.doctor,
            visited_at=timezone.now() - datetime.timedelta(hours=2),
            products=[team.product.pk],
            submit=True,
            **fields,
        )


ALL_SIGNALS = {
    "next_step": "带去新版指南解读",
    "next_step_due": datetime.date.today() + datetime.timedelta(days=3),
    "signals": ["literature_request", "medical_question", "compliance_question", "adverse_event", "sample_request"],
    "signal_notes": {
        "medical_question": "肾功能不全患者如何调整剂量？",
        "adverse_event": "一名患者服药后出现肌痛",
        "literature_request": "要 TST 研究全文",
    },
}


def test_each_rule_gives_exactly_one_task_to_the_right_inbox(team):
    visit = _submitted(team, **ALL_SIGNALS)
    with tenant_context(team.tenant):
        create_followups.apply(kwargs={"tenant_id": team.tenant.pk, "visit_id": visit.pk}, throw=True)
        create_followups.apply(kwargs={"tenant_id": team.tenant.pk, "visit_id": visit.pk}, throw=True)
        tasks = {t.kind: t for t in FollowUpTask.objects.filter(visit=visit)}
        assert FollowUpTask.objects.filter(visit=visit).count() == 5  # sample_request has no default rule
        assert set(tasks) == {
            "next_step",
            "literature_request",
            "medical_question",
            "compliance_question",
            "adverse_event",
        }

        step = tasks["next_step"]
        assert step.assignee == team.rep and step.assignee_role == "visit_rep"
        assert timezone.localtime(step.due_at).date() == ALL_SIGNALS["next_step_due"]
        assert "带去新版指南解读" in step.title

        assert tasks["literature_request"].assignee_role == "medical_affairs"
        assert tasks["literature_request"].detail == "要 TST 研究全文"
        assert tasks["compliance_question"].assignee_role == "compliance"

        ae = tasks["adverse_event"]
        assert ae.assignee_role == "pharmacovigilance" and ae.priority == 1
        assert ae.due_at - visit.submitted_at == datetime.timedelta(hours=24)

        inquiry = MedicalInquiry.objects.get(visit=visit)
        assert inquiry.question == "肾功能不全患者如何调整剂量？"
        assert inquiry.doctor == team.doctor and inquiry.product == team.product and inquiry.asked_by == team.rep
        assert tasks["medical_question"].inquiry == inquiry
        assert inquiry.due_date == services.working_days_after(timezone.localtime(visit.submitted_at).date(), 5)
        assert MedicalInquiry.objects.count() == 1
        assert not PendingFollowUp.objects.exists()


def test_the_pv_assignee_setting_receives_adverse_events(team):
    with tenant_context(team.tenant):
        VisitSettings.objects.create(tenant=team.tenant, pv_assignee=team.medical)
    visit = _submitted(team, signals=["adverse_event"])
    with tenant_context(team.tenant):
        services.visit_followups_create(tenant=team.tenant, visit_id=visit.pk)
        task = FollowUpTask.objects.get(visit=visit)
        assert task.assignee == team.medical
        assert Notification.objects.filter(user=team.medical, kind="task_assigned").count() == 1


def test_inactive_rules_and_tenant_edits_are_respected(team):
    with tenant_context(team.tenant):
        services.followup_rules_ensure(tenant=team.tenant)
        FollowUpRule.objects.filter(trigger="literature_request").update(is_active=False)
        FollowUpRule.objects.filter(trigger="compliance_question").update(due_hours=8)
    visit = _submitted(team, signals=["literature_request", "compliance_question"])
    with tenant_context(team.tenant):
        services.visit_followups_create(tenant=team.tenant, visit_id=visit.pk)
        tasks = list(FollowUpTask.objects.filter(visit=visit))
    assert [t.kind for t in tasks] == ["compliance_question"]
    assert tasks[0].due_at - visit.submitted_at == datetime.timedelta(hours=8)


def test_a_draft_gets_no_tasks(team):
    with tenant_context(team.tenant):
        visit = VisitFactory(doctor=team.doctor, rep=team.rep, signals=["adverse_event"])
        assert services.visit_followups_create(tenant=team.tenant, visit_id=visit.pk) == 0
        assert not FollowUpTask.objects.exists()


@WITH_PLATFORM_COMMITTED
def test_the_sweeper_re_enqueues_pending_followups(team, settings):
    visit = _submitted(team, signals=["literature_request"])
    with tenant_context(team.tenant):
        assert PendingFollowUp.objects.filter(visit=visit).exists()
    assert followups_sweep.apply(kwargs={"older_than_seconds": 3600}).get() == 0
    assert followups_sweep.apply(kwargs={"older_than_seconds": 0}).get() == 1


# --- inbox ---------------------------------------------------------------------------------


def test_inboxes_show_each_role_its_tasks_and_completion_records_who_and_the_answer(team):
    visit = _submitted(team, **ALL_SIGNALS)
    with tenant_context(team.tenant):
        services.visit_followups_create(tenant=team.tenant, visit_id=visit.pk)
        kinds = lambda user: {t.kind for t in selectors.followup_task_list(tenant=team.tenant, user=user)}  # noqa: E731
        assert kinds(team.rep) == {"next_step"}
        assert kinds(team.rep2) == set()
        assert kinds(team.medical) == {"literature_request", "medical_question", "adverse_event"}
        assert kinds(team.compliance) == {"compliance_question"}
        assert "next_step" in kinds(team.manager)  # the team's tasks

        task = FollowUpTask.objects.get(visit=visit, kind="literature_request")
        with pytest.raises(ValidationError):
            services.followup_task_complete(tenant=team.tenant, by=team.rep, task=task)
        services.followup_task_complete(tenant=team.tenant, by=team.medical, task=task, answer="已发送全文")
        task.refresh_from_db()
        assert (task.status, task.done_by, task.answer) == ("done", team.medical, "已发送全文")
        assert task.done_at is not None
        inbox = selectors.task_inbox(tenant=team.tenant, user=team.medical)
        assert task in inbox.done and task not in inbox.due


def test_answering_an_inquiry_completes_its_task_and_the_send_back_is_recorded(team):
    visit = _submitted(team, signals=["medical_question"], questions_raised="联合用药的安全性？")
    with tenant_context(team.tenant):
        services.visit_followups_create(tenant=team.tenant, visit_id=visit.pk)
        inquiry = MedicalInquiry.objects.get(visit=visit)
        assert inquiry.question == "联合用药的安全性？"
        with pytest.raises(ValidationError):
            services.medical_inquiry_answer(tenant=team.tenant, by=team.rep, inquiry=inquiry, answer="x")
        services.medical_inquiry_answer(tenant=team.tenant, by=team.medical, inquiry=inquiry, answer="可以联用")
        task = FollowUpTask.objects.get(visit=visit, kind="medical_question")
        assert task.status == "done" and task.answer == "可以联用" and task.done_by == team.medical
        services.medical_inquiry_send_back(tenant=team.tenant, by=team.medical, inquiry=inquiry, channel="email")
        inquiry.refresh_from_db()
        assert inquiry.status == "sent" and inquiry.sent_back_channel == "email" and inquiry.sent_back_at


def test_working_days_skip_weekends():
    friday = datetime.date(2025, 6, 6)
    assert services.working_days_after(friday, 1) == datetime.date(2025, 6, 9)
    assert services.working_days_after(friday, 5) == datetime.date(2025, 6, 13)


# --- reminders -----------------------------------------------------------------------------


def test_daily_reminders_are_sent_once_a_day(team):
    now = timezone.now()
    with tenant_context(team.tenant):
        late_draft = VisitFactory(doctor=team.doctor, rep=team.rep, visited_at=now - datetime.timedelta(hours=30))
        VisitFactory(doctor=team.doctor, rep=team.rep, visited_at=now - datetime.timedelta(hours=3))  # still in time
        overdue = FollowUpTaskFactory(
            doctor=team.doctor, assignee=team.rep, due_at=now - datetime.timedelta(hours=5), title="逾期任务"
        )
        unassigned = FollowUpTaskFactory(
            doctor=team.doctor, assignee_role="medical_affairs", due_at=now - datetime.timedelta(hours=1)
        )
        inquiry = MedicalInquiry.objects.create(
            tenant=team.tenant,
            doctor=team.doctor,
            question="超说明书用药？",
            due_date=timezone.localdate() - datetime.timedelta(days=1),
        )
        first = services.reminders_send(tenant=team.tenant, now=now)
        second = services.reminders_send(tenant=team.tenant, now=now)
        notes = Notification.objects.all()
        assert first["report_overdue"] == 1 and first["task_overdue"] == 2 and first["inquiry_overdue"] == 1
        # Every registered reminder (complaints' too) adds nothing the second time.
        assert set(second) >= {"report_overdue", "task_due", "task_overdue", "inquiry_overdue"}
        assert not any(second.values()), second
        assert notes.filter(user=team.rep, kind="report_overdue", object_id=late_draft.pk).count() == 1
        assert notes.filter(user=team.rep, kind="task_overdue", object_id=overdue.pk).count() == 1
        assert notes.filter(user=team.medical, kind="task_overdue", object_id=unassigned.pk).count() == 1
        assert notes.filter(user=team.medical, kind="inquiry_overdue", object_id=inquiry.pk).count() == 1
        # The next day, both drafts are overdue: reminded (again) once each.
        tomorrow = services.reminders_send(tenant=team.tenant, now=now + datetime.timedelta(days=1))
        assert tomorrow["report_overdue"] == 2


def test_the_beat_schedule_is_created_idempotently(db):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from crm.schedule import ensure_periodic_tasks as ensure_kernel_tasks

    # An entry of an earlier version (the reminders were visits' job before the kernel's inbox).
    every_day, _ = IntervalSchedule.objects.get_or_create(every=1, period="days")
    PeriodicTask.objects.create(name="visits: daily reminders", task="visits.reminders_daily", interval=every_day)

    for _round in range(2):
        ensure_periodic_tasks()
        ensure_kernel_tasks()

    tasks = PeriodicTask.objects.filter(task__startswith="visits.")
    assert sorted(tasks.values_list("task", flat=True)) == ["visits.followups_sweep"]
    daily = PeriodicTask.objects.get(task="crm.reminders_daily")
    assert daily.crontab.hour == "8" and str(daily.crontab.timezone) == "Asia/Shanghai"
    assert PeriodicTask.objects.filter(task="crm.reminders_daily").count() == 1


def test_a_done_task_is_reopened_by_its_assignee_or_an_administrator_only(team):
    with tenant_context(team.tenant):
        task = FollowUpTaskFactory(doctor=team.doctor, assignee=team.rep)
        services.followup_task_complete(tenant=team.tenant, by=team.rep, task=task, answer="资料已送达")
        # Another rep may not reopen it: it stays done.
        with pytest.raises(ValidationError):
            services.followup_task_reopen(tenant=team.tenant, by=team.rep2, task=task)
        assert FollowUpTask.objects.get(pk=task.pk).status == "done"
        # Its assignee may: open again, no trace of the completion.
        reopened = services.followup_task_reopen(tenant=team.tenant, by=team.rep, task=task)
        assert (reopened.status, reopened.done_by_id, reopened.done_at) == ("open", None, None)
        # An administrator may too.
        services.followup_task_complete(tenant=team.tenant, by=team.rep, task=task, answer="再次完成")
        assert services.followup_task_reopen(tenant=team.tenant, by=team.admin, task=task).status == "open"


def test_medical_affairs_hands_an_inquiry_to_a_medical_affairs_colleague_only(team, make_user, other_tenant):
    colleague = make_user(team.tenant, "medical_affairs")
    stranger = make_user(other_tenant, "medical_affairs")
    with tenant_context(team.tenant):
        inquiry = services.medical_inquiry_create(
            tenant=team.tenant, by=team.rep, doctor=team.doctor, question="剂量？"
        )
        # Refused: a rep assigning; a rep as assignee; medical affairs of another tenant.
        for by, assignee in ((team.rep, colleague), (team.medical, team.rep), (team.medical, stranger)):
            with pytest.raises(ValidationError):
                services.medical_inquiry_assign(tenant=team.tenant, by=by, inquiry=inquiry, assignee=assignee.pk)
        assert MedicalInquiry.objects.get(pk=inquiry.pk).assignee_id is None
        # Medical affairs hands it over: the colleague has it, the unassigned inbox no longer.
        services.medical_inquiry_assign(tenant=team.tenant, by=team.medical, inquiry=inquiry, assignee=colleague.pk)
        assert MedicalInquiry.objects.get(pk=inquiry.pk).assignee_id == colleague.pk
        assert selectors.medical_inquiry_list(tenant=team.tenant, user=colleague).filter(pk=inquiry.pk).exists()
        assert not selectors.medical_inquiry_list(tenant=team.tenant, user=team.medical).filter(pk=inquiry.pk).exists()
