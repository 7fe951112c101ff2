"""Academic events end to end (issue 10, "Done means"), with the real Celery worker: a product
manager sets up a program (desktop); a rep plans a 科室会 in it (phone), the manager approves it;
on the day the rep signs a doctor in on the phone and another doctor signs in by the QR page;
the rep records an unanswered question and marks the event held; the follow-ups appear on the
rep's home page within seconds with the open question; the PM answers it and the answer reaches
the rep's follow-up; the rep records recall and trial; the event's scorecard shows it."""

import datetime
import time

from django.utils import timezone
from playwright.sync_api import expect

from crm.tenancy import tenant_context
from events.models import Event, EventFollowUp, Insight, Program
from tests.events.factories import event_world


def _logout(page):
    page.context.clear_cookies()


def _wait_for(page, url, selector, timeout=45):
    """Reload ``url`` until ``selector`` is on it (the worker's effect), never a fixed sleep."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page.goto(url)
        if page.locator(selector).count():
            return page.locator(selector)
        time.sleep(0.5)
    raise AssertionError(f"{selector} did not appear on {url} within {timeout} s")


def test_program_meeting_signin_followup_answer_scorecard(
    page, phone_page, browser, live_server, login, tenant, celery_worker_process
):
    world = event_world(tenant, "W")
    doctor_a, doctor_b = world.doctors[0], world.doctors[1]

    # The product manager sets up a program (desktop).
    login(page, world.pm)
    page.goto("/events/programs/new/")
    page.fill("input[name=name]", "甲状腺外科大师班")
    page.fill("textarea[name=objective]", "把核心专家从偶尔使用变为忠实用户")
    page.select_option("select[name=products]", [str(world.product.pk)])
    page.fill("input[name=starts_on]", (timezone.localdate() - datetime.timedelta(days=10)).isoformat())
    page.fill("input[name=ends_on]", (timezone.localdate() + datetime.timedelta(days=300)).isoformat())
    page.fill("input[name=budget]", "200000")
    page.locator("[data-testid=save-program]").click()
    expect(page.locator("[data-testid=page-title]")).to_have_text("甲状腺外科大师班")
    with tenant_context(tenant):
        program = Program.objects.get(name="甲状腺外科大师班")

    # The rep plans a 科室会 in the program on the phone; an end before the start is refused, nothing lost.
    rep = phone_page
    login(rep, world.rep)
    rep.goto(f"/events/new/?program={program.pk}")
    rep.fill("input[name=title]", "内分泌科科室会")
    rep.select_option("select[name=host_hospital]", str(world.hospital.pk))
    rep.select_option("select[name=products]", [str(world.product.pk)])
    rep.select_option("select[name=key_messages]", [str(world.km1.pk), str(world.km2.pk)])
    start = timezone.localtime() - datetime.timedelta(minutes=30)
    rep.fill("input[name=starts_at]", start.strftime("%Y-%m-%dT%H:%M"))
    rep.fill("input[name=ends_at]", (start - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    rep.locator("[data-testid=save-event]").click()
    expect(rep.locator("[data-testid=error-ends_at]")).to_be_visible()
    expect(rep.locator("input[name=title]")).to_have_value("内分泌科科室会")
    rep.fill("input[name=ends_at]", (start + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    rep.locator("[data-testid=save-event]").click()
    expect(rep.locator("[data-testid=event-status]")).to_have_attribute("data-value", "draft")
    with tenant_context(tenant):
        event = Event.objects.get(title="内分泌科科室会")
    assert event.program_id == program.pk
    rep.locator("[data-testid=invite-box] summary").click()
    rep.fill("input[name=doctor_ids]", f"{doctor_a.pk},{doctor_b.pk}")
    rep.locator("[data-testid=invite]").click()
    expect(rep.locator("[data-testid=attendee-row]")).to_have_count(2)
    rep.locator("[data-testid=submit-event]").click()
    expect(rep.locator("[data-testid=event-status]")).to_have_attribute("data-value", "submitted")

    # The manager approves (desktop).
    _logout(page)
    login(page, world.manager)
    page.goto(f"/events/{event.pk}/")
    page.locator("[data-testid=approve-event]").click()
    expect(page.locator("[data-testid=event-status]")).to_have_attribute("data-value", "approved")

    # On the day: the rep signs doctor A in on the phone; doctor B scans the QR code.
    rep.goto(f"/events/{event.pk}/")
    rep.locator("[data-testid=open-signin]").first.click()
    expect(rep.locator("[data-testid=qr-code] svg")).to_be_visible()
    row_a = rep.locator(f"[data-testid=signin-row][data-doctor-id='{doctor_a.pk}']")
    row_a.locator("[data-testid=toggle-signin]").click()
    expect(rep.locator(f"[data-testid=signin-row][data-doctor-id='{doctor_a.pk}']")).to_have_attribute(
        "data-signed", "1"
    )
    link = rep.locator("[data-testid=signin-link]").get_attribute("href")
    doctor_context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN"
    )
    scan = doctor_context.new_page()
    scan.goto(link)
    scan.fill("input[name=name]", doctor_b.name)
    scan.fill("input[name=hospital_text]", world.hospital.name)
    scan.fill("input[name=phone_last4]", "12")
    scan.locator("[data-testid=self-signin]").click()
    expect(scan.locator("[data-testid=error-phone_last4]")).to_be_visible()
    expect(scan.locator("input[name=name]")).to_have_value(doctor_b.name)
    scan.fill("input[name=phone_last4]", "6688")
    scan.locator("[data-testid=self-signin]").click()
    expect(scan.locator("[data-testid=signin-done]")).to_be_visible()
    doctor_context.close()
    rep.reload()
    expect(rep.locator(f"[data-testid=signin-row][data-doctor-id='{doctor_b.pk}']")).to_have_attribute(
        "data-signed", "1"
    )

    # Doctor A's question is not answered on the spot; the rep marks the event held.
    rep.goto(f"/events/{event.pk}/")
    rep.locator("[data-testid=question-box] summary").click()
    rep.select_option("select[name=attendee]", label=doctor_a.name)
    rep.fill("textarea[name=text]", "肾功能不全患者如何调整剂量？")
    rep.locator("[data-testid=record-question]").click()
    expect(rep.locator("[data-testid=question-row]")).to_have_count(1)
    rep.locator("[data-testid=mark-held]").click()
    expect(rep.locator("[data-testid=event-status]")).to_have_attribute("data-value", "held")

    # Within seconds the worker puts both follow-ups on the rep's home page; A's carries the question.
    rows = _wait_for(rep, "/", "[data-testid=event-followups-home] [data-testid=followup-row]")
    expect(rows).to_have_count(2)
    row = rep.locator(f"[data-testid=event-followups-home] [data-testid=followup-row][data-doctor-id='{doctor_a.pk}']")
    expect(row.locator("[data-testid=has-question]")).to_be_visible()
    with tenant_context(tenant):
        assert EventFollowUp.objects.filter(event=event).count() == 2
        followup = EventFollowUp.objects.get(event=event, doctor=doctor_a)
        insight = Insight.objects.get(event=event)
    assert followup.assignee_id == world.rep.pk and followup.purposes[0] == "B"
    row.locator("a").first.click()
    expect(rep.locator("[data-testid=open-question]")).to_have_text("肾功能不全患者如何调整剂量？")
    expect(rep.locator("[data-testid=no-answer-yet]")).to_be_visible()

    # The product manager answers from the insight inbox (desktop); the answer reaches the rep.
    _logout(page)
    login(page, world.pm)
    page.goto("/events/insights/")
    page.locator(f"[data-testid=insight-row][data-insight-id='{insight.pk}'] a").click()
    page.fill("textarea[name=answer]", "eGFR<30 时剂量减半，参见说明书第4节")
    page.locator("[data-testid=send-answer]").click()
    expect(page.locator("[data-testid=insight-status]")).to_have_attribute("data-value", "answered")
    rep.reload()
    expect(rep.locator("[data-testid=pm-answer]")).to_contain_text("eGFR<30 时剂量减半")

    # The rep records recall per key message and trial prescribing.
    for km, recall in ((world.km1, "remembered"), (world.km2, "partly")):
        rep.locator(f"[data-testid=recall-{km.pk}] input[value={recall}]").check(force=True)
    rep.select_option("select[name=trial]", "started")
    rep.fill("input[name=trial_indication]", "2型糖尿病合并肾病")
    rep.locator("[data-testid=record-followup]").click()
    expect(rep.locator("[data-testid=page-title]")).to_be_visible()
    with tenant_context(tenant):
        followup.refresh_from_db()
    assert followup.status == "done" and followup.trial == "started"

    # The event's scorecard (desktop): 1 of 2 followed up within 3 days, no open question left.
    page.goto(f"/events/{event.pk}/")
    expect(page.locator("[data-testid=sc-on-time]")).to_contain_text("1 / 2")
    expect(page.locator("[data-testid=sc-open-questions]")).to_have_text("0")
    expect(page.locator("[data-testid=sc-signed]")).to_have_text("2 / 2")


def test_event_followup_questionnaire_in_the_visit_report_on_a_phone(phone_page, login, tenant):
    """A rep follows an attendee up from the visit report on the phone: the event's questionnaire
    and a recall + reaction per key message are in the form (htmx); submitting without the recall
    is refused with nothing lost; the submitted report records the follow-up and offers "Send an
    insight", prefilled with product, key message and event, which lands in the PM's inbox."""
    from tests.events.isolation_cases import _held
    from visits.models import Visit

    world = event_world(tenant, "Q")
    world.prefix = "Q"
    event = _held(world)
    with tenant_context(tenant):
        followup = EventFollowUp.objects.get(event=event)
    page = phone_page
    login(page, world.rep)
    page.goto(f"/visits/new/?plan={followup.visit_plan_id}")
    section = page.locator("[data-testid=followup-section]")
    expect(section).to_be_visible()
    expect(section).to_contain_text(event.title)
    expect(section.locator("[data-testid=open-question]")).to_contain_text("剂量如何调整")
    expect(section.locator("[data-testid=fu-question]").first).to_be_visible()
    page.evaluate("window.__sameDocument = true")
    page.locator(f"[data-testid=tap-km_{world.km1.pk}-accepted]").click()
    page.locator("[data-testid=tap-objective_achieved-yes]").click()
    page.fill("textarea[name=feedback]", "医生对剂量调整仍有疑问")
    section.locator("[data-testid=fu-question] input").first.fill("记得每日一次")

    # Submitting without what the doctor recalled: an inline error on the section, nothing lost.
    page.locator("[data-testid=submit-report]").click()
    expect(page.locator(f"[data-testid=error-fu-recall-{world.km1.pk}]")).to_be_visible()
    expect(page.locator("[data-testid=followup-section] [data-testid=fu-question] input").first).to_have_value(
        "记得每日一次"
    )
    expect(page.locator("textarea[name=feedback]")).to_have_value("医生对剂量调整仍有疑问")

    page.locator(f"[data-testid=fu-recall-{world.km1.pk}-partly]").click()
    page.locator(f"[data-testid=fu-reaction-{world.km1.pk}-doubt]").click()
    page.select_option("select[name=evfu-trial]", "none")
    page.locator("[data-testid=submit-report]").click()
    expect(page.locator("[data-testid=locked-badge]")).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True  # htmx: no page reload
    with tenant_context(tenant):
        followup.refresh_from_db()
        visit = Visit.objects.get(plan_id=followup.visit_plan_id)
        recall = followup.recalls.get()
    assert followup.status == "done" and followup.visit_id == visit.pk and visit.status == "submitted"
    assert "记得每日一次" in followup.answers.values()
    assert (recall.recall, recall.reaction) == ("partly", "doubt")

    # "Send an insight" from the report: prefilled with the event, product and key message.
    page.locator("[data-testid=send-insight]").click()
    expect(page.locator("[data-testid=about-event]")).to_have_text(event.title)
    expect(page.locator("select[name=product]")).to_have_value(str(world.product.pk))
    expect(page.locator("select[name=key_message]")).to_have_value(str(world.km1.pk))
    page.select_option("select[name=kind]", "objection")
    page.fill("textarea[name=text]", "医生质疑肾功能不全时的剂量数据")
    page.locator("[data-testid=send-insight]").click()
    expect(page.locator("[data-testid=page-title]")).to_be_visible()
    with tenant_context(tenant):
        insight = Insight.objects.get(text="医生质疑肾功能不全时的剂量数据")
    assert (insight.event_id, insight.visit_id, insight.key_message_id) == (event.pk, visit.pk, world.km1.pk)
    assert insight.product_manager_id == world.pm.pk


def test_scorecard_charts_on_the_desktop_and_the_week_on_a_phone(page, phone_page, login, tenant):
    """The PM sees the scorecard as charts (desktop, drawn by Chart.js); the rep browses the week
    calendar on the phone, week by week, with a filter kept."""
    from events import services
    from tests.events.isolation_cases import _held

    world = event_world(tenant, "R")
    world.prefix = "R"
    event = _held(world)
    with tenant_context(tenant):
        followup = EventFollowUp.objects.get(event=event)
        services.followup_complete(
            tenant=tenant,
            by=world.rep,
            followup=followup,
            recalls=[{"key_message": world.km1.pk, "recall": "remembered", "reaction": "accepted"}],
            trial="started",
        )
    login(page, world.pm)
    page.goto(f"/events/{event.pk}/")
    for testid in ("chart-tiers", "chart-signed", "chart-followup", "chart-recall"):
        chart = page.locator(f"canvas[data-testid={testid}]")
        expect(chart).to_have_attribute("data-rendered", "1")
        box = chart.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100, (testid, box)
    page.locator("[data-testid=scorecard-tables] summary").click()
    expect(page.locator("[data-testid=sc-recall]")).to_contain_text("100")

    rep = phone_page
    login(rep, world.rep)
    monday = timezone.localdate(event.starts_at) - datetime.timedelta(
        days=timezone.localdate(event.starts_at).weekday()
    )
    rep.goto(f"/events/week/?week={monday.isoformat()}&type=department_meeting")
    expect(rep.locator(f"[data-testid=calendar-event][data-event-id='{event.pk}']").first).to_be_visible()
    assert rep.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone
    rep.locator("[data-testid=next-week]").click()
    expect(rep.locator("[data-testid=calendar-week]")).to_have_attribute(
        "data-monday", (monday + datetime.timedelta(days=7)).isoformat()
    )
    expect(rep.locator(f"[data-testid=calendar-event][data-event-id='{event.pk}']")).to_have_count(0)
    expect(rep.locator("select[name=type]")).to_have_value("department_meeting")
    rep.locator("[data-testid=prev-week]").click()
    expect(rep.locator(f"[data-testid=calendar-event][data-event-id='{event.pk}']").first).to_be_visible()
