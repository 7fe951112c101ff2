"""Issue 15 in a real browser: a report submitted in a hurry on a phone contains no reaction the
rep did not choose; a manager lists last week's late reports of one rep from the team table and
opens one."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from crm.tenancy import tenant_context
from tests.visits.factories import VisitFactory, field_team
from visits import services
from visits.models import Visit, VisitContent, VisitKeyMessage


def test_a_report_submitted_in_a_hurry_records_no_reaction_nobody_chose(phone_page, login, tenant):
    team = field_team(tenant, "H")
    with tenant_context(tenant):
        plan = services.visit_plan_create(
            tenant=tenant,
            by=team.rep,
            doctor=team.doctor,
            planned_at=timezone.now() - datetime.timedelta(hours=1),
            product=team.product,
            content_items=[team.content.pk],
        )
    page = phone_page
    login(page, team.rep)
    page.goto(f"/visits/new/?plan={plan.pk}")
    expect(page.locator("[data-testid=visit-form]")).to_be_visible()
    # Nothing preselected: no reaction, no content used.
    expect(page.locator("input[name^=km_]:checked")).to_have_count(0)
    expect(page.locator("input[name=content_items]:checked")).to_have_count(0)
    expect(page.locator("[data-testid=km-item][data-planned='1']")).to_have_count(2)

    # In a hurry: objective achieved, submit — refused, nothing recorded for the key messages.
    page.locator("[data-testid=tap-objective_achieved-yes]").click()
    page.locator("[data-testid=submit-report]").click()
    expect(page.locator("[data-testid=form-errors]")).to_contain_text("未传递")
    with tenant_context(tenant):
        visits = list(Visit.objects.filter(rep=team.rep))
        assert all(v.status == "draft" for v in visits)
        assert not VisitKeyMessage.objects.filter(visit__in=visits).exists()

    # One tap each: accepted, not delivered. Submitted and locked.
    page.locator(f"[data-testid=tap-km_{team.km1.pk}-accepted]").click()
    page.locator(f"[data-testid=tap-km_{team.km2.pk}-undelivered]").click()
    page.locator("[data-testid=submit-report]").click()
    expect(page.locator("[data-testid=locked-badge]")).to_be_visible()
    with tenant_context(tenant):
        visit = Visit.objects.get(rep=team.rep)
        assert visit.status == "submitted"
        reactions = dict(VisitKeyMessage.objects.filter(visit=visit).values_list("key_message_id", "reaction"))
        assert reactions == {team.km1.pk: "accepted", team.km2.pk: "undelivered"}
        assert not VisitContent.objects.filter(visit=visit).exists()


def _last_week_at(days_before_monday):
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    return timezone.make_aware(
        datetime.datetime.combine(monday - datetime.timedelta(days=days_before_monday), datetime.time(10))
    )


def test_a_manager_drills_down_to_a_reps_late_reports_of_last_week_and_opens_one(page, login, tenant):
    team = field_team(tenant, "G")
    with tenant_context(tenant):
        at = _last_week_at(3)
        late = VisitFactory(
            tenant=tenant,
            doctor=team.doctors[0],
            rep=team.rep,
            visited_at=at,
            status="submitted",
            is_late=True,
            submitted_at=at + datetime.timedelta(hours=40),
        )
        VisitFactory(  # on time: not in the list
            tenant=tenant,
            doctor=team.doctors[1],
            rep=team.rep,
            visited_at=at,
            status="submitted",
            submitted_at=at + datetime.timedelta(hours=2),
        )
        VisitFactory(  # another rep's late report: not in this rep's list
            tenant=tenant,
            doctor=team.other_doctor,
            rep=team.rep2,
            visited_at=at,
            status="submitted",
            is_late=True,
            submitted_at=at + datetime.timedelta(hours=40),
        )
    login(page, team.manager)
    page.goto("/visits/team/")
    page.locator(f"[data-testid=team-row][data-rep-id='{team.rep.pk}'] [data-testid=drill-rep]").click()
    expect(page.locator("[data-testid=rep-summary]")).to_have_attribute("data-rep-id", str(team.rep.pk))
    page.locator("[data-testid=rep-late-last-week]").click()
    rows = page.locator("[data-testid=report-row]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-visit-id", str(late.pk))
    rows.first.locator("[data-testid=open-report]").click()
    expect(page.locator("[data-testid=locked-badge]")).to_be_visible()
    assert page.url.endswith(f"/visits/{late.pk}/")
