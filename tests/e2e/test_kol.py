"""Key opinion leaders in a real browser (desktop, product manager): the "Done means" path of the
issue — pick 李主任 in the expert database, see his academic profile and adoption, find two paths
to him through doctors who already use the product, write a plan "loyal in 12 months", invite his
classmates to a masterclass from the network view (the events app invites them; a doctor left
out of the selection is not invited), and a quarter later read the timeline and his
usage trend against the plan.

Assertions use data and data-testids, never translated UI text.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm.tenancy import tenant_context
from hospitals.models import UsageShare
from hospitals.services import academic_levels_refresh
from segmentation import services as segmentation_services
from segmentation.models import AccountPlan, InvitationList
from tests.events.factories import AttendeeFactory, EventFactory
from tests.segmentation.kol_world import kol_world
from tests.visits.factories import VisitFactory
from visits.models import VisitKeyMessage


@pytest.fixture
def world(tenant, make_user):
    with tenant_context(tenant):
        w = kol_world(tenant)
        academic_levels_refresh(tenant=tenant)
    w.pm = make_user(tenant, "product_manager", username="kol-pm")
    return w


def test_pm_takes_li_up_the_ladder(page, login, world, tenant):
    login(page, world.pm)

    # The expert database: 李建华 is a national expert (vice chair of a national society).
    page.goto("/experts/")
    row = page.locator(f"[data-testid=expert-row][data-doctor-id='{world.target.pk}']")
    expect(row).to_have_attribute("data-level", "national")
    expect(page.locator(f"[data-testid=expert-row][data-doctor-id='{world.x.pk}']")).to_have_count(0)
    row.locator("[data-testid=expert-link]").click()

    # His profile: the academic level and where he stands on the adoption ladder.
    expect(page.locator("[data-testid=academic-level]")).to_have_attribute("data-level", "national")
    adoption = page.locator(f"[data-testid=adoption-row][data-product-id='{world.product.pk}']")
    expect(adoption).to_have_attribute("data-stage", "trial")

    # The network view draws his 2-hop neighbourhood (cytoscape.js), coloured by adoption.
    graph = page.locator("[data-testid=network-graph]")
    expect(graph).to_have_attribute("data-loaded", "1")
    expect(graph).to_have_attribute("data-nodes", "6")
    expect(graph.locator("canvas").first).to_be_visible()

    # Two (here three) paths to him through doctors who already use the product, best first.
    page.locator("[data-testid=intro-paths-link]").click()
    paths = page.locator("[data-testid=intro-path]")
    expect(paths).to_have_count(3)
    expect(paths.nth(0)).to_have_attribute("data-source-id", str(world.b.pk))
    expect(paths.nth(1)).to_have_attribute("data-source-id", str(world.a.pk))
    expect(paths.nth(1).locator("[data-testid=path-relation]").first).to_have_attribute("data-kind", "classmate")
    expect(paths.nth(1).locator(f"[data-testid=path-step][data-doctor-id='{world.x.pk}']")).to_be_visible()
    expect(paths.nth(1).locator("[data-testid=step-reps]").nth(1)).to_contain_text(world.rep.name or world.rep.username)

    # A plan: target loyal in 12 months (the form's default), with the covering rep on the team.
    page.goto(f"/doctors/{world.target.pk}/")
    page.locator("[data-testid=new-plan]").click()
    form = page.locator("[data-testid=plan-form]")
    form.locator("select[name=product]").select_option(str(world.product.pk))
    expect(form.locator("select[name=target_stage]")).to_have_value("loyal")
    form.locator("input[name=target_share]").fill("40")
    form.locator("select[name=members]").select_option(str(world.rep.pk))
    form.locator("[data-testid=save-plan]").click()
    progress = page.locator("[data-testid=plan-progress]")
    expect(progress).to_have_attribute("data-stage", "trial")
    with tenant_context(tenant):
        plan = AccountPlan.objects.get(doctor=world.target)
        assert list(plan.members.values_list("user_id", flat=True)) == [world.rep.pk]
    assert (plan.start_stage, plan.target_stage) == ("trial", "loyal")
    assert (plan.end.year - plan.start.year, plan.end.month) == (1, plan.start.month)  # 12 months

    # Invite his classmates (direct connections) to a masterclass, from the network view.
    page.goto(f"/doctors/{world.target.pk}/")
    page.locator("[data-testid=invite-network] summary").click()
    page.locator("[data-testid=invite-name]").fill("甲状腺大师班")
    page.locator("[data-testid=invite-hops-1]").check()
    page.locator("[data-testid=invite-save]").click()
    expect(page.locator("[data-testid=invitation-entry]")).to_have_count(3)
    with tenant_context(tenant):
        invitation = InvitationList.objects.get(center=world.target)
        assert set(invitation.entries.values_list("doctor_id", flat=True)) == {world.x.pk, world.b.pk, world.c.pk}
        soon = timezone.now() + datetime.timedelta(days=30)
        masterclass = EventFactory(owner=world.pm, title="甲状腺区域大师班", type="masterclass", starts_at=soon,
                                   ends_at=soon + datetime.timedelta(hours=3))  # fmt: skip

    # ... and invite them to the masterclass: the classmates X and B, not the colleague C.
    page.locator("[data-testid=invitation-action]").click()
    page.locator("[data-testid=invite-event]").select_option(f"event:{masterclass.pk}")
    page.locator(f"[data-testid=invite-network-doctor][data-doctor-id='{world.c.pk}'] input[type=checkbox]").uncheck()
    page.locator("[data-testid=invite-network-submit]").click()
    expect(page).to_have_url(re.compile(rf"/events/{masterclass.pk}/$"))
    expect(page.locator(".flash-success")).to_have_count(1)
    attendees = page.locator("[data-testid=attendee-row]")
    expect(attendees).to_have_count(2)
    for classmate in (world.x, world.b):
        expect(page.locator(f"[data-testid=attendee-row][data-doctor-id='{classmate.pk}']")).to_have_count(1)
    expect(page.locator(f"[data-testid=attendee-row][data-doctor-id='{world.c.pk}']")).to_have_count(0)

    # A quarter later: the rep visited him, he became a regular user, his share rose month by month.
    with tenant_context(tenant):
        AccountPlan.objects.filter(pk=plan.pk).update(
            start=plan.start - datetime.timedelta(days=91), end=plan.end - datetime.timedelta(days=91),
            start_share=Decimal(8),
        )  # fmt: skip
        today = timezone.localdate()
        for i in range(4):
            month = datetime.date(today.year, today.month, 1) - datetime.timedelta(days=31 * (3 - i))
            UsageShare.objects.create(
                tenant=tenant,
                doctor=world.target,
                product=world.product,
                period=month.replace(day=1),
                share=Decimal(8 + 5 * i),
                volume=Decimal(40),
            )
        visit = VisitFactory(doctor=world.target, rep=world.rep, objective="介绍大师班")
        VisitKeyMessage.objects.create(tenant=tenant, visit=visit, key_message=world.km1, reaction="accepted")
        visit.status, visit.submitted_at = "submitted", timezone.now()
        visit.save()
        segmentation_services.adoption_set(tenant=tenant, by=world.rep, doctor=world.target, product=world.product,
                                           stage="regular")  # fmt: skip
        held = timezone.now() - datetime.timedelta(days=20)
        department_meeting = EventFactory(owner=world.rep, title="科室会：长期安全性", starts_at=held,
                                          ends_at=held + datetime.timedelta(hours=1))  # fmt: skip
        AttendeeFactory(event=department_meeting, doctor=world.target, signed_in_at=held, signin_method="rep")

    page.goto(f"/kol/plans/{plan.pk}/")
    expect(progress).to_have_attribute("data-stage", "regular")
    expect(progress).to_have_attribute("data-reached", "0")
    expect(page.locator("[data-testid=stage-progress]")).to_have_attribute("value", "50")
    expect(page.locator("[data-testid=usage-month]")).to_have_count(4)
    expect(page.locator("[data-testid=usage-chart]")).to_have_attribute("data-rendered", "1")
    timeline = page.locator("[data-testid=timeline-entry]")
    expect(timeline.locator("xpath=self::*[@data-kind='visit']")).to_have_count(1)
    expect(page.locator("[data-testid=timeline-entry][data-kind=adoption]")).not_to_have_count(0)
    # the events app's source: the meeting he attended (the masterclass invited others, not him)
    expect(page.locator("[data-testid=timeline-entry][data-kind=event_attended]")).to_have_count(1)
    expect(page.locator("[data-testid=timeline-entry][data-kind=event_invited]")).to_have_count(0)
