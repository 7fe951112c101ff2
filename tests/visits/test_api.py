"""The visits API: the report life cycle over HTTP, locking (409), amendments, role visibility."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.tenancy import tenant_context
from tests.visits.factories import ContentItemFactory, FollowUpTaskFactory, VisitFactory, field_team
from visits.models import Visit, VisitAmendment


@pytest.fixture
def team(tenant):
    return field_team(tenant)


def _new_report(api_client, team, **extra):
    api_client.force_login(team.rep)
    body = {
        "doctor": team.doctor.pk,
        "visited_at": (timezone.now() - datetime.timedelta(hours=2)).isoformat(),
        "channel": "wechat",
        "duration_minutes": 15,
        "key_messages": [
            {"key_message": team.km1.pk, "reaction": "accepted"},
            {"key_message": team.km2.pk, "reaction": "objection", "note": "价格偏高"},
        ],
        "content_items": [team.content.pk],
        "objective_achieved": "partly",
        "feedback": "关注医保报销",
        "signals": ["literature_request"],
        **extra,
    }
    return api_client.post(reverse("visit-list"), body, format="json")


def test_a_rep_reports_and_submits_through_the_api(api_client, team):
    created = _new_report(api_client, team)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft"
    assert {(k["key_message"], k["reaction"]) for k in body["key_messages"]} == {
        (team.km1.pk, "accepted"),
        (team.km2.pk, "objection"),
    }
    assert body["products"] == [team.product.pk]  # the key messages' product
    submitted = api_client.post(reverse("visit-submit", args=[body["id"]]))
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted" and submitted.json()["is_late"] is False


def test_a_submitted_report_is_locked_against_put_patch_delete(api_client, team):
    visit_id = _new_report(api_client, team, submit=True).json()["id"]
    url = reverse("visit-detail", args=[visit_id])
    put = api_client.put(
        url,
        {"doctor": team.doctor.pk, "visited_at": timezone.now().isoformat(), "feedback": "改"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert put.status_code == 409
    assert "locked" in put.json()["non_field_errors"][0]
    assert api_client.patch(url, {"feedback": "改"}, format="json").status_code == 409
    assert api_client.delete(url).status_code == 409
    assert api_client.post(reverse("visit-submit", args=[visit_id])).status_code == 409
    with tenant_context(team.tenant):
        assert Visit.objects.get(pk=visit_id).feedback == "关注医保报销"


def test_the_amendment_path_works_over_the_api(api_client, team):
    visit_id = _new_report(api_client, team, submit=True).json()["id"]
    response = api_client.post(
        reverse("visit-amend", args=[visit_id]),
        {"reason": "渠道记错了", "changes": {"channel": "phone", "feedback": "关注医保报销和集采"}},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["channel"] == "phone" and response.json()["amended"] is True
    amendments = api_client.get(reverse("visit-amendment-list"), {"visit": visit_id}).json()["results"]
    assert len(amendments) == 1
    assert amendments[0]["changes"]["channel"] == {"from": "wechat", "to": "phone"}
    assert amendments[0]["reason"] == "渠道记错了" and amendments[0]["by"] == team.rep.pk
    # Without a reason, nothing changes.
    refused = api_client.post(
        reverse("visit-amend", args=[visit_id]), {"reason": "", "changes": {"channel": "video"}}, format="json"
    )
    assert refused.status_code == 400
    with tenant_context(team.tenant):
        assert VisitAmendment.objects.count() == 1


def test_backdating_is_refused_with_a_message_in_the_users_language(api_client, team):
    api_client.force_login(team.rep)
    response = _new_report(
        api_client,
        team,
        visited_at=(timezone.now() - datetime.timedelta(days=10)).isoformat(),
    )
    assert response.status_code == 400
    assert "visited_at" in response.json()
    zh = api_client.post(
        reverse("visit-list"),
        {"doctor": team.doctor.pk, "visited_at": (timezone.now() - datetime.timedelta(days=10)).isoformat()},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    en = api_client.post(
        reverse("visit-list"),
        {"doctor": team.doctor.pk, "visited_at": (timezone.now() - datetime.timedelta(days=10)).isoformat()},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "7 days" in en.json()["visited_at"][0]
    assert zh.status_code == 400


def test_a_rep_sees_own_reports_and_submitted_history_of_their_doctors_only(api_client, team):
    own_draft = VisitFactory(doctor=team.doctor, rep=team.rep)
    colleague_draft = VisitFactory(doctor=team.doctor, rep=team.rep2)
    colleague_submitted = VisitFactory(doctor=team.doctor, rep=team.rep2, status="submitted")
    other_doctor_visit = VisitFactory(doctor=team.other_doctor, rep=team.rep2, status="submitted")
    api_client.force_login(team.rep)
    ids = {v["id"] for v in api_client.get(reverse("visit-list")).json()["results"]}
    assert ids == {own_draft.pk, colleague_submitted.pk}
    assert api_client.get(reverse("visit-detail", args=[colleague_draft.pk])).status_code == 404
    assert api_client.get(reverse("visit-detail", args=[other_doctor_visit.pk])).status_code == 404
    # Someone else's draft cannot be edited by id either.
    assert api_client.patch(reverse("visit-detail", args=[colleague_draft.pk]), {}, format="json").status_code == 404


def test_a_manager_sees_the_team_and_compliance_reads_only(api_client, team):
    submitted = VisitFactory(doctor=team.other_doctor, rep=team.rep2, status="submitted")
    draft = VisitFactory(doctor=team.doctor, rep=team.rep)
    api_client.force_login(team.manager)
    ids = {v["id"] for v in api_client.get(reverse("visit-list")).json()["results"]}
    assert submitted.pk in ids and draft.pk not in ids  # drafts belong to their author
    api_client.force_login(team.compliance)
    assert submitted.pk in {v["id"] for v in api_client.get(reverse("visit-list")).json()["results"]}
    response = api_client.post(
        reverse("visit-list"), {"doctor": team.doctor.pk, "visited_at": timezone.now().isoformat()}, format="json"
    )
    assert response.status_code == 403


def test_task_inboxes_over_the_api(api_client, team):
    mine = FollowUpTaskFactory(doctor=team.doctor, assignee=team.rep)
    medical = FollowUpTaskFactory(doctor=team.doctor, assignee_role="medical_affairs", kind="literature_request")
    api_client.force_login(team.rep)
    assert {t["id"] for t in api_client.get(reverse("followup-task-list")).json()["results"]} == {mine.pk}
    assert api_client.post(reverse("followup-task-complete", args=[medical.pk]), {}).status_code == 404
    api_client.force_login(team.medical)
    done = api_client.post(reverse("followup-task-complete", args=[medical.pk]), {"answer": "已寄送"}, format="json")
    assert done.status_code == 200
    assert done.json()["status"] == "done" and done.json()["done_by"] == team.medical.pk


def test_reps_see_only_approved_valid_content(api_client, team):
    draft_item = ContentItemFactory(tenant=team.tenant, approved_at=None, title="未审批")
    expired = ContentItemFactory(
        tenant=team.tenant, title="已过期", valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    api_client.force_login(team.rep)
    titles = {c["title"] for c in api_client.get(reverse("content-item-list")).json()["results"]}
    assert team.content.title in titles and draft_item.title not in titles and expired.title not in titles
    assert api_client.post(reverse("content-item-approve", args=[draft_item.pk])).status_code == 403
    api_client.force_login(team.medical)
    titles = {c["title"] for c in api_client.get(reverse("content-item-list")).json()["results"]}
    assert {draft_item.title, expired.title} <= titles
    assert api_client.post(reverse("content-item-approve", args=[draft_item.pk])).status_code == 200


def test_content_use_is_counted_from_submitted_reports(api_client, team):
    _new_report(api_client, team, submit=True)
    _new_report(api_client, team)  # a draft does not count
    api_client.force_login(team.medical)
    item = api_client.get(reverse("content-item-detail", args=[team.content.pk])).json()
    assert item["use_count"] == 1


def test_cycle_plan_workflow_over_the_api(api_client, team):
    api_client.force_login(team.rep)
    month = timezone.localdate().replace(day=1).isoformat()
    plan = api_client.post(reverse("cycle-plan-generate"), {"month": month}, format="json").json()
    assert plan["status"] == "draft"
    lines = api_client.get(reverse("cycle-plan-line-list"), {"plan": plan["id"]}).json()["results"]
    assert len(lines) == 3 and all(line["target"] == 1 and line["remaining"] == 1 for line in lines)
    assert api_client.post(reverse("cycle-plan-submit", args=[plan["id"]])).status_code == 200
    assert api_client.post(reverse("cycle-plan-approve", args=[plan["id"]])).status_code == 403
    api_client.force_login(team.manager)
    returned = api_client.post(reverse("cycle-plan-return", args=[plan["id"]]), {"note": ""}, format="json")
    assert returned.status_code == 400
    approved = api_client.post(reverse("cycle-plan-approve", args=[plan["id"]]), {"note": "同意"}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"


def test_a_distributor_rep_has_no_cycle_plan_over_the_api(api_client, team, make_user):
    """Distributor reps see doctors through coverage, not alignment: no plan of their own."""
    month = timezone.localdate().replace(day=1).isoformat()
    api_client.force_login(make_user(team.tenant, "distributor_rep"))
    assert api_client.post(reverse("cycle-plan-generate"), {"month": month}, format="json").status_code == 403
    api_client.force_login(team.rep)  # the positive control
    assert api_client.post(reverse("cycle-plan-generate"), {"month": month}, format="json").status_code == 200


def test_medical_inquiries_are_seen_by_medical_affairs_and_the_doctors_reps_only(api_client, team):
    from visits.models import MedicalInquiry

    with tenant_context(team.tenant):
        inquiry = MedicalInquiry.objects.create(
            tenant=team.tenant,
            doctor=team.doctor,
            question="肾功能不全如何调整剂量？",
            asked_by=team.rep,
            due_date=timezone.localdate() + datetime.timedelta(days=5),
        )
    url = reverse("medical-inquiry-detail", args=[inquiry.pk])
    api_client.force_login(team.rep2)  # the doctor is not in rep2's territory
    assert api_client.get(url).status_code == 404
    api_client.force_login(team.rep)
    assert api_client.get(url).status_code == 200
    assert api_client.post(reverse("medical-inquiry-answer", args=[inquiry.pk]), {"answer": "x"}).status_code == 403
    api_client.force_login(team.compliance)
    assert api_client.get(url).status_code == 200
    assert api_client.post(reverse("medical-inquiry-answer", args=[inquiry.pk]), {"answer": "x"}).status_code == 403
    api_client.force_login(team.medical)
    answered = api_client.post(reverse("medical-inquiry-answer", args=[inquiry.pk]), {"answer": "减量至 10 mg"})
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    sent = api_client.post(reverse("medical-inquiry-send-back", args=[inquiry.pk]), {"channel": "rep"})
    assert sent.status_code == 200 and sent.json()["sent_back_channel"] == "rep"
