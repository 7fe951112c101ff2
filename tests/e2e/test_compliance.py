"""The compliance path of issue 11, end to end in a real browser with the real Celery worker:
a rep requests a lecture fee for a speaker at their 科室会 → compliance sees what the rate card
allows, the hospital approval and the contract, and approves → after the meeting the evidence is
attached and the fee paid → the doctor's year total moves → a second request that would pass
the cap, a meeting with a recycled sign-in photo and one in a resort with twenty minutes of
content show up flagged with the reason → a paid record cannot change except by a reversal →
compliance exports the year's transfer-of-value report."""

import csv
import io
import time
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from playwright.sync_api import expect

from crm.tenancy import tenant_context
from events.fees.models import ComplianceSettings, Engagement, FeeRecord
from tests.compliance import factories as f


def _upload(name):
    return {"name": name, "mimeType": "application/pdf", "buffer": b"%PDF-1.4 test"}


def _wait_for_flag(page, rule, timeout=60):
    """Reload the flagged list until the worker's refresh has raised a flag of ``rule``."""
    deadline = time.monotonic() + timeout
    row = page.locator(f"[data-testid=flag-row][data-rule={rule}]")
    while time.monotonic() < deadline:
        page.goto(f"/compliance/?status=open&rule={rule}")
        if row.count():
            return row
        time.sleep(1)
    raise AssertionError(f"no {rule} flag after {timeout} s")


@pytest.mark.timeout(300)
def test_lecture_fee_from_request_to_paid_flags_reversal_and_export(page, login, tenant, celery_worker_process):
    w = f.world(tenant, "e")
    with tenant_context(tenant):
        ComplianceSettings.objects.create(tenant=tenant, annual_cap=Decimal("3000"))
    meeting = f.event(w, title="心内科科室会", days_ago=-2)
    f.agenda(w, meeting, speaker=w.doctor, minutes=45)

    # A recycled sign-in photo, and a resort meeting with twenty minutes of content (held earlier).
    first = f.event(w, title="三月科室会", status="held", days_ago=30)
    f.attendees(w, first, w.doctors[1:7])
    f.agenda(w, first, minutes=60)
    recycled = f.event(w, title="四月科室会", status="held", days_ago=20)
    f.attendees(w, recycled, w.doctors[1:7])
    f.agenda(w, recycled, minutes=60)
    f.photo(w, first, f.jpeg(11), kind="signin_sheet")
    f.photo(w, recycled, f.jpeg(11, quality=55, resize=0.7), kind="signin_sheet")
    resort = f.event(w, title="温泉度假村研讨会", status="held", days_ago=10, venue_kind="resort", hours=4)
    f.attendees(w, resort, w.doctors[1:7])
    f.agenda(w, resort, minutes=20)

    # 1. The rep requests the lecture fee for the speaker of their 科室会.
    login(page, w.rep)
    page.goto(f"/compliance/engagements/new/?event={meeting.pk}&doctor={w.doctor.pk}")
    page.select_option("select[name=service_type]", "lecture")
    page.fill("input[name=service_date]", meeting.starts_at.date().isoformat())
    page.fill("input[name=planned_hours]", "2")
    page.fill("input[name=description]", "血脂管理新进展")
    page.set_input_files("input[name=contract_file]", _upload("contract.pdf"))
    page.fill("input[name=contract_signed_on]", timezone.localdate().isoformat())
    page.set_input_files("input[name=hospital_approval_file]", _upload("approval.pdf"))
    page.fill("input[name=hospital_approval_on]", timezone.localdate().isoformat())
    page.locator("[data-testid=submit]").click()
    expect(page.locator("[data-testid=fee-status]")).to_have_attribute("data-status", "requested")
    expect(page.locator("[data-testid=fee-amounts]")).to_have_count(0)  # a rep never sees amounts
    with tenant_context(tenant):
        engagement = Engagement.objects.get(event=meeting)
    url = f"/compliance/engagements/{engagement.pk}/"

    # 2. Compliance sees the card's amount, the hospital approval and the contract; approves.
    page.context.clear_cookies()
    login(page, w.compliance)
    page.goto(url)
    expect(page.locator("[data-testid=card-amount]")).to_have_text("2000.00")
    expect(page.locator("[data-testid=hospital-approval] a")).to_be_visible()
    expect(page.locator("[data-testid=contract] a")).to_be_visible()
    page.locator("[data-testid=action-approve]").click()
    expect(page.locator("[data-testid=fee-status]")).to_have_attribute("data-status", "approved")

    # 3. After the meeting the rep attaches the evidence and asks for the payment.
    page.context.clear_cookies()
    login(page, w.rep)
    page.goto(url)
    page.check("input[name=evidence_attendance]")
    page.fill("input[name=evidence_recording_url]", "https://example.com/rec/1")
    page.locator("[data-testid=action-deliver]").click()
    expect(page.locator("[data-testid=fee-status]")).to_have_attribute("data-status", "delivered")
    page.locator("[data-testid=action-request-payment]").click()
    expect(page.locator("[data-testid=fee-status]")).to_have_attribute("data-status", "payment_requested")

    # 4. Compliance pays: tax withheld; the doctor's year total moves.
    page.context.clear_cookies()
    login(page, w.compliance)
    page.goto(f"/compliance/doctors/{w.doctor.pk}/")
    expect(page.locator("[data-testid=fees-paid]")).to_have_text("0")
    page.goto(url)
    page.fill("input[name=payer_entity]", "华康制药（上海）有限公司")
    page.select_option("select[name=channel]", "doctor_bank")
    page.locator("[data-testid=action-pay]").click()
    expect(page.locator("[data-testid=fee-status]")).to_have_attribute("data-status", "paid")
    expect(page.locator("[data-testid=payment]")).to_contain_text("240.00")
    page.goto(f"/compliance/doctors/{w.doctor.pk}/")
    expect(page.locator("[data-testid=fees-paid]")).to_have_text("2000.00")

    # 5. A second request that would pass the cap (2 000 paid + 2 000 > 3 000).
    page.context.clear_cookies()
    login(page, w.rep)
    page.goto(f"/compliance/engagements/new/?event={meeting.pk}&doctor={w.doctor.pk}")
    page.select_option("select[name=service_type]", "chair")
    page.fill("input[name=service_date]", meeting.starts_at.date().isoformat())
    page.fill("input[name=planned_hours]", "2")
    page.locator("[data-testid=submit]").click()
    expect(page.locator("[data-testid=fee-status]")).to_have_attribute("data-status", "requested")

    # ... flagged with the reason, as are the recycled photo and the resort (the worker refreshed).
    page.context.clear_cookies()
    login(page, w.compliance)
    cap = _wait_for_flag(page, "above_annual_cap")
    expect(cap.locator("[data-testid=flag-why]")).to_contain_text("3000")
    photo = _wait_for_flag(page, "photo_reused")
    expect(photo).to_contain_text("四月科室会")
    expect(photo.locator("[data-testid=flag-why]")).to_contain_text(str(first.pk))
    for rule in ("flagged_venue", "low_academic_content"):
        row = _wait_for_flag(page, rule)
        expect(row).to_contain_text("温泉度假村研讨会")
    expect(_wait_for_flag(page, "low_academic_content").locator("[data-testid=flag-why]")).to_contain_text("20")

    # 6. The paid record cannot be changed (the database refuses), only reversed.
    with tenant_context(tenant):
        fee = FeeRecord.objects.get(engagement=engagement, kind="fee")
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
            cur.execute("UPDATE events_feerecord SET amount = 1 WHERE id = %s", [fee.pk])
    page.goto(url)
    expect(page.locator("[data-testid=action-approve]")).to_have_count(0)
    page.locator("[data-testid=reverse-form] textarea").fill("讲者未按合同授课，款项追回")
    page.locator("[data-testid=action-reverse]").click()
    expect(page.locator("[data-testid=reversed]")).to_contain_text("款项追回")
    page.goto(f"/compliance/doctors/{w.doctor.pk}/")
    expect(page.locator("[data-testid=fees-paid]")).to_have_text("0.00")

    # 7. Compliance exports the year's transfer-of-value report.
    page.goto("/compliance/exports/")
    with page.expect_download() as info:
        page.locator("[data-testid=export-summary-csv]").click()
    text = open(info.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    rows = list(csv.reader(io.StringIO(text)))
    doctor_row = next(r for r in rows[1:] if r[0] == str(w.doctor.pk))
    assert Decimal(doctor_row[4]) == 0 and len(rows) == 2  # fee 2 000 and its reversal −2 000
