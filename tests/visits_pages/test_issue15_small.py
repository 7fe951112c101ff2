"""The smaller inconsistencies of issue 15, each failing without its fix: the task tab "Due" read
as 截止日期, the list searches that ignored paste and voice input (keyup only), and an inquiry's
task marked done while the inquiry is unanswered."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from crm.tenancy import tenant_context
from tests.segmentation_pages.helpers import one
from tests.visits_pages.conftest import make_report
from visits import services
from visits.models import FollowUpTask, MedicalInquiry


def test_the_open_tasks_tab_is_to_do_not_a_due_date(team, client):
    client.force_login(team.rep)
    client.cookies["django_language"] = "zh-hans"
    html = client.get(reverse("task_inbox")).content.decode()
    tab = one(html, "tab-due")["text"]
    assert "待办" in tab and "截止日期" not in tab
    assert one(html, "tab-overdue")["text"]  # the other tabs are still there


@pytest.mark.parametrize("url_name", ["doctor_list", "hospital_list", "distributor_list", "tier_overrides"])
def test_list_searches_fire_on_input_not_only_keyup(client, team, url_name):
    client.force_login(team.admin)
    html = client.get(reverse(url_name)).content.decode()
    triggers = re.findall(r'hx-trigger="([^"]*)"', html)
    search = [t for t in triggers if "changed delay" in t]
    assert search, triggers  # the search box is there
    assert all("input changed" in t and "keyup" not in t for t in search), search


def test_an_inquiry_task_is_not_done_while_its_inquiry_is_unanswered(team):
    visit = make_report(team, submit=True, signals=["medical_question"], questions_raised="妊娠期能否使用？")
    with tenant_context(team.tenant):
        services.visit_followups_create(tenant=team.tenant, visit_id=visit.pk)
        task = FollowUpTask.objects.get(visit=visit, kind="medical_question")
        inquiry = MedicalInquiry.objects.get(visit=visit)
        with pytest.raises(ValidationError):
            services.followup_task_complete(tenant=team.tenant, by=team.medical, task=task, answer="已处理")
        task.refresh_from_db()
        assert task.status == "open"
        # Answering the inquiry closes the task with the same answer (positive control).
        services.medical_inquiry_answer(tenant=team.tenant, by=team.medical, inquiry=inquiry, answer="不建议使用")
        task.refresh_from_db()
        assert task.status == "done" and task.answer == "不建议使用"
