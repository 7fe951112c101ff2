"""Pages and API of events: the calendar, the event page's actions, the phone sign-in page and the
public QR page (rate-limited, closed after the event), the insight inbox, admin."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from crm.tenancy import tenant_context
from events.models import Attendee, Event, EventFollowUp, EventSettings, SelfSignIn
from tests.events.factories import event_world
from tests.events.isolation_cases import _held


def _refresh(obj):
    with tenant_context(obj.tenant_id):
        obj.refresh_from_db()


@pytest.fixture
def world(tenant):
    w = event_world(tenant, "P")
    w.prefix = "P"
    return w


def test_rep_plans_submits_and_the_manager_approves_on_the_pages(client, world):
    client.force_login(world.rep)
    starts = timezone.localtime() - datetime.timedelta(hours=1)
    response = client.post(
        reverse("event_new"),
        {
            "title": "心内科科室会（页面）",
            "type": "department_meeting",
            "organiser_kind": "company",
            "host_hospital": world.hospital.pk,
            "venue_kind": "hospital",
            "expected_attendees": 10,
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (starts + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "products": [world.product.pk],
            "key_messages": [world.km1.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "/events/" in response["Location"], response["Location"]
    with tenant_context(world.tenant):
        event = Event.objects.get(pk=int(response["Location"].strip("/").split("/")[-1]))
    assert event.title == "心内科科室会（页面）" and event.status == "draft"
    url = reverse("event_detail", args=[event.pk])
    assert client.post(url, {"action": "submit"}).status_code == 302
    client.force_login(world.manager)
    page = client.get(url).content.decode()
    assert 'data-testid="approve-event"' in page
    client.post(url, {"action": "approve"})
    _refresh(event)
    assert event.status == "approved"


def test_bad_input_keeps_what_was_typed(client, world):
    client.force_login(world.rep)
    now = timezone.localtime()
    response = client.post(
        reverse("event_new"),
        {
            "title": "时间倒置的会",
            "type": "department_meeting",
            "organiser_kind": "company",
            "venue_name": "会议室",
            "venue_kind": "hotel",
            "expected_attendees": 1,
            "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    page = response.content.decode()
    assert response.status_code == 400 and "时间倒置的会" in page and 'data-testid="error-ends_at"' in page


def test_public_qr_page_signs_in_is_rate_limited_and_closes(client, world):
    event = _held(world)
    with tenant_context(world.tenant):
        EventSettings.objects.create(tenant=world.tenant, signin_attempts_per_minute=2)
        Event.objects.filter(pk=event.pk).update(status="approved")
        _refresh(event)
    cache.clear()
    url = reverse("event_self_signin", args=[world.tenant.pk, event.signin_token])
    assert client.get(url).status_code == 200
    d = world.doctors[1]
    ok = client.post(url, {"name": d.name, "hospital_text": world.hospital.name, "phone_last4": "0000"})
    assert ok.status_code == 200 and 'data-testid="signin-done"' in ok.content.decode()
    with tenant_context(world.tenant):
        assert Attendee.objects.get(event=event, doctor=d).signin_method == "qr"
    client.post(url, {"name": "甲", "hospital_text": "乙", "phone_last4": "1111"})
    limited = client.post(url, {"name": "丙", "hospital_text": "丁", "phone_last4": "2222"})
    assert limited.status_code == 429
    other = reverse("event_self_signin", args=[world.tenant.pk + 999, event.signin_token])
    assert client.get(other).status_code == 404
    with tenant_context(world.tenant):
        Event.objects.filter(pk=event.pk).update(status="closed")
    cache.clear()
    closed = client.post(url, {"name": "迟到", "hospital_text": "x", "phone_last4": "3333"})
    assert 'data-testid="signin-closed"' in closed.content.decode()
    with tenant_context(world.tenant):
        assert not SelfSignIn.objects.filter(name="迟到").exists()


def test_phone_signin_page_toggles_and_shows_the_qr(client, world):
    event = _held(world)
    with tenant_context(world.tenant):
        a = Attendee.objects.get(event=event, doctor=world.doctor)
    client.force_login(world.rep)
    url = reverse("event_signin", args=[event.pk])
    page = client.get(url).content.decode()
    assert "<svg" in page and str(event.signin_token) in page
    client.post(url, {"attendee": a.pk, "signed_in": "0"})
    _refresh(a)
    assert a.signed_in_at is None
    client.post(url, {"attendee": a.pk, "signed_in": "1"})
    _refresh(a)
    assert a.signin_method == "rep"


def test_api_workflow_and_followup_complete(api_client, world):
    event = _held(world)
    api_client.force_login(world.rep)
    with tenant_context(world.tenant):
        f = EventFollowUp.objects.get(event=event)
    body = {"recalls": [{"key_message": world.km1.pk, "recall": "partly", "reaction": "doubt"}], "trial": "started"}
    response = api_client.post(reverse("event-followup-complete", args=[f.pk]), body, format="json")
    assert response.status_code == 200, response.content
    card = api_client.get(reverse("event-scorecard", args=[event.pk])).json()
    assert card["followups_done"] == 1 and card["recall"][0]["partly"] == 1
    listing = api_client.get(reverse("event-list"), {"status": "held", "ordering": "-starts_at"}).json()
    assert [e["id"] for e in listing["results"]] == [event.pk]
    assert api_client.get(reverse("event-list"), {"status": "draft"}).json()["results"] == []


def test_pm_inbox_answer_and_admin(client, world):
    event = _held(world)
    client.force_login(world.pm)
    inbox = client.get(reverse("insight_inbox")).content.decode()
    assert "剂量如何调整？P" in inbox
    with tenant_context(world.tenant):
        insight = event.insights.get()
    client.post(reverse("insight_detail", args=[insight.pk]), {"answer": "减量一半"})
    _refresh(insight)
    assert insight.status == "answered"
    client.force_login(world.admin)
    for name in ["event", "program", "insight", "eventfollowup", "eventsettings", "attendee", "expense"]:
        assert client.get(reverse(f"admin:events_{name}_changelist")).status_code == 200, name


def test_home_cards_show_followups_to_the_rep_and_insights_to_the_pm(client, world):
    _held(world)
    client.force_login(world.rep)
    assert 'data-testid="event-followups-home"' in client.get(reverse("home")).content.decode()
    client.force_login(world.pm)
    assert 'data-testid="insights-home"' in client.get(reverse("home")).content.decode()
    for name in ["event_list", "program_list", "insight_inbox"]:
        assert client.get(reverse(name)).status_code == 200
