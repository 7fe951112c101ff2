"""Complaint pages and API: intake form, inbox filters, role visibility, lot trace (page, API,
export), attachments, the dashboard, clear errors that lose nothing."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, ComplaintAttachment, Status
from crm.tenancy import tenant_context
from tests.complaints.factories import complaints_world

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def world(tenant, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return complaints_world(tenant)


def _make(world, by=None, **kw):
    data = {
        "tenant": world.tenant, "by": by or world.rep, "type": "quality", "defect": "packaging",
        "reporter_kind": "hospital",
        "hospital": world.hospital, "doctor": world.doctor, "product": world.product, "lot_number": world.lot,
        "description": "铝箔破损", "contact_phone": "13800000000",
    }  # fmt: skip
    data.update(kw)
    with tenant_context(world.tenant):
        return services.complaint_create(**data)


def test_rep_records_a_complaint_from_the_phone_form_with_a_photo(client, world):
    client.force_login(world.rep)
    page = client.get(reverse("complaint_new"))
    assert page.status_code == 200 and "complaint-form" in page.content.decode()
    body = {
        "type": "quality", "defect": "packaging", "severity": "low", "description": "外盒破损",
        "product": world.product.pk, "lot_number": world.lot.lower(), "quantity": "3", "reporter_kind": "hospital",
        "hospital": world.hospital.pk, "contact_name": "王主任", "aware_on": timezone.localdate().isoformat(),
        "attachment": SimpleUploadedFile("photo.png", PNG, content_type="image/png"),
    }  # fmt: skip
    response = client.post(reverse("complaint_new"), body)
    assert response.status_code == 302
    with tenant_context(world.tenant):
        c = Complaint.objects.get()
        assert c.lot_number == world.lot and c.lot_known and c.channel == "phone"
        assert ComplaintAttachment.objects.filter(complaint=c, content_type="image/png").count() == 1


def test_bad_input_shows_errors_and_keeps_what_was_typed(client, world):
    client.force_login(world.rep)
    body = {
        "type": "quality", "defect": "", "severity": "low", "description": "说明文字保留",
        "reporter_kind": "hospital", "aware_on": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
        "attachment": SimpleUploadedFile("virus.exe", b"MZ..", content_type="application/octet-stream"),
    }  # fmt: skip
    response = client.post(reverse("complaint_new"), body)
    html = response.content.decode()
    assert response.status_code == 200
    assert "说明文字保留" in html  # nothing lost
    assert 'data-testid="error-defect"' in html and 'data-testid="error-hospital"' in html
    with tenant_context(world.tenant):
        assert not Complaint.objects.exists()
    # A bad attachment alone refuses the whole intake (no complaint without its photo), clearly.
    body.update(
        defect="packaging",
        hospital=world.hospital.pk,
        product=world.product.pk,
        aware_on=timezone.localdate().isoformat(),
        attachment=SimpleUploadedFile("virus.exe", b"MZ..", content_type="application/octet-stream"),
    )
    html = client.post(reverse("complaint_new"), body).content.decode()
    assert 'data-testid="error-attachment"' in html
    with tenant_context(world.tenant):
        assert not Complaint.objects.exists()


def test_attachment_rules(world):
    c = _make(world)
    with tenant_context(world.tenant):
        services.attachment_add(
            tenant=world.tenant,
            by=world.rep,
            complaint=c,
            upload=SimpleUploadedFile("a.pdf", b"%PDF-1.7 x", content_type="application/pdf"),
        )
        for name, data in (("fake.png", b"not a png at all"), ("a.txt", b"hello")):
            with pytest.raises(Exception) as err:
                services.attachment_add(
                    tenant=world.tenant, by=world.rep, complaint=c, upload=SimpleUploadedFile(name, data)
                )
            assert "file" in err.value.message_dict
        big = SimpleUploadedFile("big.png", PNG + b"\x00" * (services.ATTACHMENT_MAX_BYTES + 1))
        with pytest.raises(Exception):
            services.attachment_add(tenant=world.tenant, by=world.rep, complaint=c, upload=big)
        assert ComplaintAttachment.objects.filter(complaint=c).count() == 1


def test_visibility_by_role_contact_and_narrative(client, world, make_user):
    ae = _make(
        world,
        type="adverse_event",
        defect="",
        severity="high",
        reporter_kind="doctor",
        pv_narrative="患者住院",
        description="皮疹",
    )
    stranger = make_user(world.tenant, "rep")  # a rep with no territory: sees nothing of it
    compliance = world.compliance
    client.force_login(stranger)
    assert client.get(reverse("complaint_detail", args=[ae.pk])).status_code == 404
    assert client.get(reverse("complaint-detail", args=[ae.pk])).status_code == 404
    # rep2 covers another territory of the same hospital: sees it (their hospital), without narrative/contact.
    client.force_login(world.rep2)
    body = client.get(reverse("complaint-detail", args=[ae.pk])).json()
    assert body["pv_narrative"] is None and body["contact_phone"] is None
    # The recorder sees both; PV sees both; compliance reads it, without narrative, and may not act.
    client.force_login(world.rep)
    body = client.get(reverse("complaint-detail", args=[ae.pk])).json()
    assert body["pv_narrative"] == "患者住院" and body["contact_phone"] == "13800000000"
    client.force_login(world.pv)
    assert client.get(reverse("complaint-detail", args=[ae.pk])).json()["pv_narrative"] == "患者住院"
    client.force_login(compliance)
    assert client.get(reverse("complaint-detail", args=[ae.pk])).json()["pv_narrative"] is None
    assert client.post(reverse("complaint-triage", args=[ae.pk]), {}).status_code == 403


def test_inbox_filters_scopes_and_due_dates(client, world):
    q = _make(world)
    ae = _make(world, type="adverse_event", defect="", severity="high", reporter_kind="doctor", lot_number="")
    old = _make(world, lot_number="", aware_on=timezone.localdate() - datetime.timedelta(days=40))
    client.force_login(world.qa)
    html = client.get(reverse("complaint_list") + "?scope=team").content.decode()
    assert f'data-complaint-id="{q.pk}"' in html and f'data-complaint-id="{ae.pk}"' not in html
    assert 'data-testid="due-badge"' in html
    html = client.get(reverse("complaint_list") + "?scope=all&overdue=on").content.decode()
    assert f'data-complaint-id="{old.pk}"' in html and f'data-complaint-id="{q.pk}"' not in html
    api = client.get(reverse("complaint-list") + f"?lot={world.lot.lower()}&type=quality").json()
    assert [r["id"] for r in api["results"]] == [q.pk]
    client.force_login(world.pv)
    html = client.get(reverse("complaint_list") + "?scope=team").content.decode()
    assert f'data-complaint-id="{ae.pk}"' in html and f'data-complaint-id="{q.pk}"' not in html


def test_inbox_page_queries_do_not_grow_with_rows(client, world, django_assert_max_num_queries):
    for _ in range(12):
        _make(world, lot_number="")
    client.force_login(world.qa)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("complaint_list") + "?scope=all").status_code == 200


def test_lot_trace_page_api_and_export(client, world, other_tenant):
    first = _make(world)
    _make(world, hospital=world.hospitals[1], doctor=None)
    client.force_login(world.qa)
    html = client.get(reverse("lot_trace", args=[world.lot])).content.decode()
    assert html.count('data-testid="trace-hospital"') == 3 and html.count('data-testid="trace-distributor"') == 1
    assert html.count('data-testid="trace-complaint"') == 2 and html.count('data-testid="trace-shipment"') == 3
    body = client.get(reverse("complaint-lot-trace", args=[world.lot])).json()
    assert {h["id"] for h in body["hospitals"]} == {h.pk for h in world.hospitals}
    assert len(body["distributors"]) == 1 and {c["id"] for c in body["complaints"]} >= {first.pk}
    csv = b"".join(client.get(reverse("lot_trace", args=[world.lot]) + "?export=csv").streaming_content)
    assert csv.decode("utf-8-sig").count(world.lot) == 3
    # Another tenant's lot number shows nothing of theirs.
    other = complaints_world(other_tenant, "Z")
    html = client.get(reverse("lot_trace", args=[other.lot])).content.decode()
    assert 'data-testid="trace-shipment"' not in html
    # Lots received by a hospital in a period.
    rows = client.get(reverse("complaint-lots-received") + f"?hospital={world.hospital.pk}").json()
    assert [r["lot_number"] for r in rows] == [world.lot]
    # A rep has no lot trace.
    client.force_login(world.rep)
    assert client.get(reverse("lot_trace", args=[world.lot])).status_code == 403


def test_api_workflow_and_clear_errors(client, world):
    c = _make(world)
    client.force_login(world.qa)
    r = client.post(reverse("complaint-resolve", args=[c.pk]), {}, content_type="application/json")
    assert r.status_code == 400 and "detail" in r.json() or "non_field_errors" in r.json()
    r = client.post(reverse("complaint-triage", args=[c.pk]), {"severity": "high"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "triaged"
    r = client.post(reverse("complaint-reply", args=[c.pk]), {"channel": "phone"}, content_type="application/json")
    assert r.status_code == 400 and {"replied_on", "text"} <= set(r.json())
    r = client.post(
        reverse("complaint-list"), {"type": "quality", "reporter_kind": "hospital"}, content_type="application/json"
    )
    assert r.status_code == 400


def test_dashboard_and_home_card(client, world):
    _make(world)
    _make(world, lot_number="", aware_on=timezone.localdate() - datetime.timedelta(days=40))
    client.force_login(world.qa)
    html = client.get(reverse("complaint_dashboard")).content.decode()
    assert 'data-testid="type-chart"' in html and 'data-testid="dash-overdue">1<' in html
    assert world.lot in html  # top lots
    home = client.get(reverse("home")).content.decode()
    assert 'data-testid="complaints-card"' in home


def test_home_card_of_a_field_user_without_an_open_complaint_of_their_own_reads_no_book(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from complaints import pages

    complaint = _make(world)  # recorded by rep, about a doctor of rep's book
    # rep2 has none of their own: no card, and their book (the doctor alignments) is not read
    with CaptureQueriesContext(connection) as queries:
        assert pages.home_card(world.rep2) is None
    assert len(queries) <= 2 and not any("hospitals_doctorterritory" in q["sql"] for q in queries)
    # Positive control: rep's card lists the complaint they recorded
    card = pages.home_card(world.rep)
    assert [c.pk for c in card["rows"]] == [complaint.pk]
    # and a closed one is no longer their own open complaint
    with tenant_context(world.tenant):
        Complaint.objects.filter(pk=complaint.pk).update(status=Status.CLOSED)
    assert pages.home_card(world.rep) is None
