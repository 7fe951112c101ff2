"""A rep's visit on a phone, end to end with the real Celery worker: plan → report (an error
first, nothing lost, no page reload) → submit → the follow-up task appears → it is completed;
the submitted report is locked and an amendment is recorded. And the manager's charts."""

import datetime
import re
import time

from django.utils import timezone
from playwright.sync_api import expect

from crm.tenancy import tenant_context
from tests.visits.factories import field_team
from visits.models import FollowUpTask, Visit, VisitAmendment, VisitPlan


def _wait_for_task_row(page, visit_id, timeout=45):
    """Reload the inbox until the worker has created the visit's next-step task."""
    deadline = time.monotonic() + timeout
    row = page.locator("[data-testid=task-row][data-kind=next_step]")
    while time.monotonic() < deadline:
        page.goto("/visits/tasks/?tab=due")
        if row.count():
            return row
        time.sleep(1)
    raise AssertionError(f"no follow-up task of visit {visit_id} after {timeout} s")


def test_plan_report_task_done_and_locked_report_on_a_phone(phone_page, login, tenant, celery_worker_process):
    team = field_team(tenant, "E")
    page = phone_page
    login(page, team.rep)

    # My day: the doctor is behind frequency; plan a visit from there.
    behind = page.locator(f"[data-testid=behind-row][data-doctor-id='{team.doctor.pk}']")
    behind.locator("[data-testid=plan-doctor]").click()
    expect(page.locator("[data-testid=plan-form]")).to_be_visible()
    expect(page.locator(f"input[name=key_messages][value='{team.km1.pk}']")).to_be_checked()
    page.locator("[data-testid=tap-channel-in_person]").click()
    page.locator("[data-testid=save-plan]").click()
    expect(page.locator("[data-testid=plan-status]")).to_have_attribute("data-value", "planned")
    with tenant_context(tenant):
        plan = VisitPlan.objects.get(rep=team.rep, doctor=team.doctor)

    # The report: key messages come from the plan, choices are taps.
    page.locator("[data-testid=write-report]").click()
    expect(page.locator("[data-testid=visit-form]")).to_be_visible()
    # Nothing is assumed (issue 15): no reaction preselected on the plan's key messages.
    expect(page.locator(f"input[name=km_{team.km1.pk}]:checked")).to_have_count(0)
    page.evaluate("window.__sameDocument = true")
    page.locator(f"[data-testid=tap-km_{team.km1.pk}-accepted]").click()
    page.locator(f"[data-testid=tap-km_{team.km2.pk}-undelivered]").click()
    page.locator("[data-testid=tap-duration_minutes-15]").click()
    page.locator("[data-testid=tap-signals-literature_request]").click()
    page.fill("textarea[name=note_literature_request]", "III期研究全文")
    page.fill("textarea[name=feedback]", "医生愿意下月试用")
    page.fill("input[name=next_step]", "送III期研究文献")
    due = timezone.localdate() + datetime.timedelta(days=2)
    page.fill("input[name=next_step_due]", due.isoformat())

    # Submitting without saying whether the objective was achieved: an inline error, nothing lost.
    page.locator("[data-testid=submit-report]").click()
    expect(page.locator("[data-testid=error-objective_achieved]")).to_be_visible()
    expect(page.locator("textarea[name=feedback]")).to_have_value("医生愿意下月试用")
    expect(page.locator(f"input[name=km_{team.km1.pk}][value=accepted]")).to_be_checked()

    page.locator("[data-testid=tap-objective_achieved-yes]").click()
    page.locator("[data-testid=submit-report]").click()
    expect(page.locator("[data-testid=locked-badge]")).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True  # htmx: no page reload
    with tenant_context(tenant):
        visit = Visit.objects.get(rep=team.rep)
    assert page.url.endswith(f"/visits/{visit.pk}/")
    assert visit.status == "submitted" and visit.plan_id == plan.pk and visit.objective_achieved == "yes"

    # The worker turns the next step into a task for the rep, exactly once.
    row = _wait_for_task_row(page, visit.pk)
    with tenant_context(tenant):
        task = FollowUpTask.objects.get(visit=visit, kind="next_step")
        assert FollowUpTask.objects.filter(visit=visit).count() == 2  # next step + literature request
    expect(row).to_have_attribute("data-task-id", str(task.pk))
    assert task.assignee_id == team.rep.pk and timezone.localtime(task.due_at).date() == due

    row.locator("[data-testid=complete-open]").click()
    row.locator("[data-testid=task-answer-input]").fill("文献已送达")
    row.locator("[data-testid=complete-task]").click()
    expect(page.locator(f"[data-testid=task-row][data-task-id='{task.pk}']")).to_have_attribute("data-status", "done")
    with tenant_context(tenant):
        task.refresh_from_db()
    assert task.status == "done" and task.done_by_id == team.rep.pk and task.answer == "文献已送达"

    # The submitted report is locked: read-only, corrected only by an amendment with a reason.
    page.goto(f"/visits/{visit.pk}/")
    expect(page.locator("[data-testid=locked-badge]")).to_be_visible()
    expect(page.locator("[data-testid=visit-form]")).to_have_count(0)
    page.locator("[data-testid=amend-panel] > summary").click()
    amend = page.locator("[data-testid=amend-form]")
    amend.locator("textarea[name=feedback]").fill("医生同意下月试用20例")
    amend.locator("[data-testid=save-amendment]").click()
    expect(page.locator("[data-testid=error-reason]")).to_be_visible()  # the reason is required
    page.locator("[data-testid=amend-form] textarea[name=reason]").fill("补充试用病例数")
    page.locator("[data-testid=save-amendment]").click()
    expect(page.locator("[data-testid=amendment]")).to_have_count(1)
    expect(page.locator("[data-testid=amendment-from]").first).to_have_text("医生愿意下月试用")
    with tenant_context(tenant):
        amendment = VisitAmendment.objects.get(visit=visit)
        visit.refresh_from_db()
    assert amendment.by_id == team.rep.pk and amendment.reason == "补充试用病例数"
    assert visit.feedback == "医生同意下月试用20例" and visit.status == "submitted"


def test_the_manager_sees_the_teams_charts(page, login, tenant):
    team = field_team(tenant, "F")
    login(page, team.manager)
    page.goto("/visits/team/")
    expect(page.locator("[data-testid=team-row]")).to_have_count(2)
    for chart in ("chart-adherence", "chart-timeliness", "chart-ab"):
        expect(page.locator(f"[data-testid={chart}]")).to_have_attribute("data-rendered", "1")
    assert re.search(r"/visits/team/$", page.url)
