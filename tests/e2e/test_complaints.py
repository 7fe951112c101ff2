"""Complaints, the "Done means" path in a real browser:

1. a rep hears of a serious adverse event in a visit, ticks the signal on the phone; the real
   Celery worker takes the report in, and the complaint lands in the PV inbox with the visit
   date as day 0 and its 15-day regulatory clock running;
2. a pharmacy reports a packaging defect on lot X (the rep records it on the phone); QA opens
   the lot trace — three hospitals, one distributor, the two other complaints on the lot —
   investigates, records the CAPA, replies to the pharmacy, closes; the closed complaint is
   locked and the rep has the satisfaction follow-up visit in their plans.
"""

import datetime
import time

from django.utils import timezone
from playwright.sync_api import expect

from complaints import services
from complaints.models import Complaint
from crm.tenancy import tenant_context
from tests.complaints.factories import complaints_world
from visits.models import VisitPlan


def _wait_for_complaint(tenant, visit_filter, timeout=45):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with tenant_context(tenant):
            found = Complaint.objects.filter(**visit_filter).first()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"no complaint from the visit after {timeout} s")


def test_serious_adverse_event_from_a_visit_lands_in_the_pv_inbox(
    phone_page, browser, live_server, login, tenant, celery_worker_process
):
    world = complaints_world(tenant, "E")
    page = phone_page
    login(page, world.rep)
    page.goto(f"/visits/new/?doctor={world.doctor.pk}")
    expect(page.locator("[data-testid=visit-form]")).to_be_visible()
    page.locator("[data-testid=tap-channel-in_person]").click()
    page.locator(f"[data-testid=tap-products-{world.product.pk}]").click()
    page.locator("[data-testid=tap-objective_achieved-yes]").click()
    page.locator("[data-testid=tap-signals-adverse_event]").click()
    page.fill("textarea[name=note_adverse_event]", "患者服药后严重皮疹，已住院")
    page.fill("textarea[name=feedback]", "医生反馈一例严重不良反应")
    page.locator("[data-testid=submit-report]").click()
    expect(page.locator("[data-testid=locked-badge]")).to_be_visible()

    complaint = _wait_for_complaint(tenant, {"channel": "visit", "type": "adverse_event"})
    with tenant_context(tenant):
        visit_day = timezone.localtime(complaint.visit.visited_at).date()
    assert complaint.aware_on == visit_day and complaint.assignee_id == world.pv.pk

    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    pv_page = context.new_page()
    try:
        login(pv_page, world.pv)
        pv_page.goto("/complaints/?scope=team")
        row = pv_page.locator(f"[data-testid=complaint-row][data-complaint-id='{complaint.pk}']")
        expect(row).to_be_visible()
        expect(row).to_have_attribute("data-type", "adverse_event")
        row.locator("a").first.click()
        expect(pv_page.locator("[data-testid=aware-on]")).to_have_text(visit_day.isoformat())
        clock = pv_page.locator("[data-testid=clock][data-kind=regulator]")
        expect(clock).to_have_attribute("data-due", (visit_day + datetime.timedelta(days=15)).isoformat())
        expect(clock).not_to_have_attribute("data-state", "met")
        expect(pv_page.locator("[data-testid=pv-narrative]")).to_contain_text("严重皮疹")
    finally:
        context.close()


def test_packaging_defect_traced_investigated_replied_closed_and_followed_up(
    phone_page, browser, live_server, login, tenant
):
    world = complaints_world(tenant, "F")
    with tenant_context(tenant):
        others = [
            services.complaint_create(
                tenant=tenant, by=world.rep, type="quality", defect="packaging", reporter_kind="hospital",
                hospital=h, product=world.product, lot_number=world.lot, description=f"其他医院投诉 {i}",
                title=f"其他医院投诉 {i}",
            )
            for i, h in enumerate(world.hospitals[1:])
        ]  # fmt: skip

    # The pharmacy calls the rep, who records it on the phone.
    page = phone_page
    login(page, world.rep)
    page.goto("/complaints/new/")
    page.locator("[data-testid=field-type] input[value=quality]").check()
    page.select_option("select[name=defect]", "packaging")
    page.fill("textarea[name=description]", "药剂科反映铝箔泡罩封口破损")
    page.select_option("select[name=product]", str(world.product.pk))
    page.fill("input[name=lot_number]", world.lot)
    page.select_option("select[name=reporter_kind]", "hospital")
    page.select_option("select[name=hospital]", str(world.hospital.pk))
    page.select_option("select[name=doctor]", str(world.doctor.pk))
    page.fill("input[name=contact_name]", "药剂科王主任")
    page.locator("[data-testid=complaint-submit]").click()
    expect(page.locator("[data-testid=complaint-status]")).to_have_attribute("data-status", "new")
    with tenant_context(tenant):
        complaint = Complaint.objects.get(description="药剂科反映铝箔泡罩封口破损")
    assert complaint.lot_known and complaint.assignee_id == world.qa.pk

    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    qa = context.new_page()
    try:
        login(qa, world.qa)
        qa.goto("/complaints/?scope=team")
        qa.locator(f"[data-testid=complaint-row][data-complaint-id='{complaint.pk}'] a").click()
        # The lot trace: three hospitals, one distributor, this complaint and the two others.
        qa.locator("[data-testid=lot-trace-link]").click()
        expect(qa.locator("[data-testid=lot-number]")).to_have_text(world.lot)
        expect(qa.locator("[data-testid=trace-hospital]")).to_have_count(3)
        expect(qa.locator("[data-testid=trace-distributor]")).to_have_count(1)
        expect(qa.locator("[data-testid=trace-complaint]")).to_have_count(3)
        for other in others:
            expect(qa.locator(f"[data-testid=trace-complaint][data-complaint-id='{other.pk}']")).to_be_visible()
        qa.go_back()

        def act(name, fill=None):
            qa.locator(f"[data-testid=action-{name}] summary").click()
            for selector, value in (fill or {}).items():
                field = qa.locator(f"[data-testid=form-{name}] {selector}")
                if field.evaluate("e => e.tagName") == "SELECT":
                    field.select_option(value)
                else:
                    field.fill(value)
            qa.locator(f"[data-testid=submit-{name}]").click()

        # Closing before the reply is refused with a clear message (later, after resolving).
        act("triage", {"textarea[name=note]": "已致电药剂科确认"})
        expect(qa.locator("[data-testid=complaint-status]")).to_have_attribute("data-status", "triaged")
        act("start_investigation")
        expect(qa.locator("[data-testid=complaint-status]")).to_have_attribute("data-status", "investigating")
        act("investigation", {
            "select[name=root_cause]": "packaging", "textarea[name=findings]": "热封温度偏低",
            "input[name=capa_ref]": "CAPA-2026-031", "select[name=lot_affected]": "true",
            "select[name=decision]": "replace",
        })  # fmt: skip
        expect(qa.locator("[data-testid=capa]")).to_have_text("CAPA-2026-031")
        act("resolve")
        expect(qa.locator("[data-testid=complaint-status]")).to_have_attribute("data-status", "resolved")
        act("close")
        expect(qa.locator("[data-testid=action-error]")).to_be_visible()
        act("reply", {"select[name=channel]": "phone", "textarea[name=text]": "已查明原因，更换同批次产品"})
        expect(qa.locator("[data-testid=reply]")).to_contain_text("更换同批次产品")
        act("close")
        expect(qa.locator("[data-testid=complaint-status]")).to_have_attribute("data-status", "closed")
        expect(qa.locator("[data-testid=action-reopen]")).to_be_visible()
        expect(qa.locator("[data-testid=action-reply]")).to_have_count(0)
    finally:
        context.close()

    # The rep gets the satisfaction follow-up: a visit plan with the pharmacy's doctor, and a notification.
    with tenant_context(tenant):
        plan = VisitPlan.objects.get(rep=world.rep, doctor=world.doctor, source="follow_up")
    assert str(complaint.pk) in plan.objective
    page.goto("/notifications/")
    expect(page.get_by_text(f"#{complaint.pk}").first).to_be_visible()
