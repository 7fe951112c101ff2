"""Task inboxes per role, completing a task with an answer, medical inquiries with their SLA,
notifications."""

import datetime
import re

from django.urls import reverse
from django.utils import timezone

from crm.tenancy import tenant_context
from tests.visits.factories import FollowUpTaskFactory
from tests.visits_pages.conftest import HTMX, make_report
from tests.visits_pages.helpers import has_testid, row_ids
from visits import services
from visits.models import MedicalInquiry, Notification


def _task(team, **fields):
    fields.setdefault("doctor", team.doctor)
    with tenant_context(team.tenant):
        return FollowUpTaskFactory(**fields)


def _inquiry(team, *, due_in_days=3, **fields):
    with tenant_context(team.tenant):
        return MedicalInquiry.objects.create(
            tenant=team.tenant,
            doctor=team.doctor,
            product=team.product,
            question=fields.pop("question", "与他汀联用的安全性数据？"),
            asked_by=team.rep,
            due_date=timezone.localdate() + datetime.timedelta(days=due_in_days),
            **fields,
        )


def test_the_inbox_splits_overdue_due_and_done(team, as_user):
    overdue = _task(team, assignee=team.rep, due_at=timezone.now() - datetime.timedelta(hours=2))
    due = _task(team, assignee=team.rep)
    done = _task(team, assignee=team.rep, status="done", done_at=timezone.now(), done_by=team.rep, answer="已送达")
    someone_elses = _task(team, assignee=team.rep2)
    client = as_user(team.rep)

    html = client.get(reverse("task_inbox")).content.decode()
    assert row_ids(html, "task-row", "data-task-id") == [overdue.pk]  # overdue first when there are any
    html = client.get(reverse("task_inbox"), {"tab": "due"}).content.decode()
    assert row_ids(html, "task-row", "data-task-id") == [due.pk]
    html = client.get(reverse("task_inbox"), {"tab": "done"}).content.decode()
    assert row_ids(html, "task-row", "data-task-id") == [done.pk]
    assert has_testid(html, "task-done-by") and "已送达" in html
    assert someone_elses.pk not in row_ids(html, "task-row", "data-task-id")


def test_completing_a_task_with_an_answer_in_the_list(team, as_user):
    task = _task(team, assignee=team.rep)

    response = as_user(team.rep).post(
        reverse("task_detail", args=[task.pk]),
        {"action": "complete", "fragment": "row", "answer": "已电话回访"},
        **HTMX,
    )

    html = response.content.decode()
    assert f'data-task-id="{task.pk}" data-status="done"' in html and has_testid(html, "done-badge")
    with tenant_context(team.tenant):
        task.refresh_from_db()
    assert task.status == "done" and task.done_by_id == team.rep.pk and task.answer == "已电话回访"


def test_a_medical_task_needs_an_answer(team, as_user):
    task = _task(team, assignee_role="medical_affairs", kind="medical_question")
    html = (
        as_user(team.medical)
        .post(reverse("task_detail", args=[task.pk]), {"action": "complete", "answer": ""})
        .content.decode()
    )
    assert has_testid(html, "error-answer")
    with tenant_context(team.tenant):
        task.refresh_from_db()
    assert task.status == "open"


def test_each_role_sees_its_inbox(team, as_user):
    medical = _task(team, assignee_role="medical_affairs", kind="literature_request")
    pv = _task(team, assignee_role="pharmacovigilance", kind="adverse_event", priority=1)
    compliance = _task(team, assignee_role="compliance", kind="compliance_question")
    reps = _task(team, assignee=team.rep)

    def listed(user):
        html = as_user(user).get(reverse("task_inbox"), {"tab": "due"}).content.decode()
        return set(row_ids(html, "task-row", "data-task-id"))

    assert listed(team.medical) == {medical.pk, pv.pk}
    assert listed(team.compliance) == {compliance.pk}
    assert listed(team.rep) == {reps.pk}
    assert reps.pk in listed(team.manager)  # the team's tasks
    # Another role's task is not reachable.
    assert as_user(team.compliance).get(reverse("task_detail", args=[medical.pk])).status_code == 404
    assert as_user(team.rep).post(reverse("task_detail", args=[pv.pk]), {"action": "complete"}).status_code == 404


def test_home_pages_show_the_inbox_of_medical_affairs_and_compliance(team, as_user):
    pv = _task(team, assignee_role="pharmacovigilance", kind="adverse_event", priority=1)
    comp = _task(team, assignee_role="compliance", kind="compliance_question")
    inquiry = _inquiry(team)
    html = as_user(team.medical).get("/").content.decode()
    assert row_ids(html, "home-task", "data-task-id") == [pv.pk]
    assert row_ids(html, "home-inquiry", "data-inquiry-id") == [inquiry.pk]
    html = as_user(team.compliance).get("/").content.decode()
    assert row_ids(html, "home-task", "data-task-id") == [comp.pk]


def test_inquiries_show_their_sla(team, as_user):
    ok = _inquiry(team, due_in_days=4, question="问题甲")
    breached = _inquiry(team, due_in_days=-2, question="问题乙")
    html = as_user(team.medical).get(reverse("inquiry_list")).content.decode()
    assert row_ids(html, "inquiry-row", "data-inquiry-id") == [breached.pk, ok.pk]  # most urgent first
    states = dict(
        zip(row_ids(html, "inquiry-row", "data-inquiry-id"), re.findall(r'data-state="(\w+)"', html), strict=True)
    )
    assert states == {breached.pk: "breached", ok.pk: "ok"}


def test_medical_affairs_answers_and_records_how_the_answer_went_back(team, as_user):
    inquiry = _inquiry(team)
    client = as_user(team.medical)
    url = reverse("inquiry_detail", args=[inquiry.pk])

    assert has_testid(client.get(url).content.decode(), "answer-form")
    html = client.post(url, {"action": "answer", "answer": ""}).content.decode()
    assert has_testid(html, "error-answer")

    client.post(url, {"action": "answer", "answer": "联用安全性良好，见附件文献。"})
    client.post(url, {"action": "send_back", "channel": "email", "sent_at": ""})

    with tenant_context(team.tenant):
        inquiry.refresh_from_db()
    assert inquiry.status == "sent" and inquiry.answered_by_id == team.medical.pk
    assert inquiry.sent_back_channel == "email" and inquiry.sent_back_at is not None
    html = client.get(url).content.decode()
    assert 'data-state="met"' in html  # answered within the SLA


def test_a_rep_sees_the_inquiries_they_raised_but_does_not_answer(team, as_user):
    inquiry = _inquiry(team)
    client = as_user(team.rep)
    url = reverse("inquiry_detail", args=[inquiry.pk])
    html = client.get(url).content.decode()
    assert not has_testid(html, "answer-form")
    client.post(url, {"action": "answer", "answer": "我来回答"})
    with tenant_context(team.tenant):
        inquiry.refresh_from_db()
    assert inquiry.status == "open" and inquiry.answer == ""
    # rep2 does not see this doctor's inquiry.
    assert as_user(team.rep2).get(url).status_code == 404


def test_a_submitted_medical_question_reaches_medical_affairs(team, as_user):
    visit = make_report(
        team, submit=True, signals=["medical_question"], signal_notes={"medical_question": "肾功能不全如何调整剂量？"}
    )
    with tenant_context(team.tenant):
        services.visit_followups_create(tenant=team.tenant, visit_id=visit.pk)  # what the worker does
    html = as_user(team.medical).get(reverse("inquiry_list")).content.decode()
    assert "肾功能不全如何调整剂量？" in html


def test_notifications_are_listed_and_marked_read(team, as_user):
    with tenant_context(team.tenant):
        Notification.objects.create(tenant=team.tenant, user=team.rep, kind="task_due", text="今天到期：回访")
        Notification.objects.create(tenant=team.tenant, user=team.rep2, kind="task_due", text="别人的通知")
    client = as_user(team.rep)
    html = client.get(reverse("notification_list")).content.decode()
    assert "今天到期：回访" in html and "别人的通知" not in html
    assert has_testid(html, "unread-count")
    client.post(reverse("notification_list"))
    html = client.get(reverse("notification_list")).content.decode()
    assert not has_testid(html, "unread-count") and 'data-read="1"' in html
