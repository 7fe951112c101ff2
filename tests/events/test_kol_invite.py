"""Issue 16 with events: a KOL's network invitation list invited to an event (the events app's
own service), and events on the account-plan timeline (segmentation.hooks)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from crm.tenancy import tenant_context
from events import services
from events.models import Attendee, EventFollowUp
from segmentation.kol import selectors as kol_selectors
from segmentation.kol import services as kol_services
from segmentation.models import InvitationList
from tests.events.factories import AttendeeFactory, EventFactory
from tests.segmentation.kol_world import kol_world

START = datetime.date(2026, 1, 1)


@pytest.fixture
def world(tenant, make_user):
    with tenant_context(tenant):
        w = kol_world(tenant)
        w.pm = make_user(tenant, "product_manager")
        # 1 hop of the target: the classmates X and B, the colleague C
        w.invitation = kol_services.invitation_list_create(
            tenant=tenant, by=w.pm, center=w.target, name="甲状腺大师班", product=w.product, hops=1
        )
        soon = timezone.now() + datetime.timedelta(days=20)
        w.masterclass = EventFactory(owner=w.pm, title="区域大师班", type="masterclass", starts_at=soon,
                                     ends_at=soon + datetime.timedelta(hours=3))  # fmt: skip
    return w


def _invite_url(w):
    return reverse("event_invite_network", args=[w.invitation.pk])


def test_pm_invites_the_picked_classmates_and_is_told_how_many_in_chinese_then_english(client, world):
    client.force_login(world.pm)
    page = client.get(_invite_url(world)).content.decode()
    assert page.count('data-testid="invite-network-doctor"') == 3 and "区域大师班" in page

    # Given the PM unticks C, when they invite: X and B are attendees, C is not
    response = client.post(_invite_url(world), {"event": world.masterclass.pk,
                                                "doctor": [world.x.pk, world.b.pk]}, follow=True)  # fmt: skip
    assert response.redirect_chain[-1][0] == reverse("event_detail", args=[world.masterclass.pk])
    html = response.content.decode()
    assert "已邀请 2 位医生，0 位此前已受邀。" in html  # the default language is zh-hans
    with tenant_context(world.tenant):
        invited = dict(Attendee.objects.filter(event=world.masterclass).values_list("doctor_id", "invited_via"))
        assert invited == {world.x.pk: "relation", world.b.pk: "relation"}
        assert InvitationList.objects.get(pk=world.invitation.pk).event_ref == f"events.event:{world.masterclass.pk}"
    for doctor in (world.x, world.b):
        assert f'data-testid="attendee-row" data-doctor-id="{doctor.pk}"' in html
    assert f'data-doctor-id="{world.c.pk}"' not in html

    # the whole list again, in English: one new, two already there
    client.cookies["django_language"] = "en"
    everyone = [world.x.pk, world.b.pk, world.c.pk]
    response = client.post(_invite_url(world), {"event": world.masterclass.pk, "doctor": everyone}, follow=True)
    assert "1 invited, 2 already invited." in response.content.decode()
    with tenant_context(world.tenant):
        assert Attendee.objects.filter(event=world.masterclass).count() == 3


def test_a_doctor_outside_the_list_cannot_be_slipped_in(client, world):
    client.force_login(world.pm)
    client.post(_invite_url(world), {"event": world.masterclass.pk, "doctor": [world.x.pk, world.stranger.pk]})
    with tenant_context(world.tenant):
        assert set(Attendee.objects.filter(event=world.masterclass).values_list("doctor_id", flat=True)) == {world.x.pk}


def test_only_network_inviters_and_only_the_organiser(client, world, make_user):
    for role in ("rep", "medical_affairs", "compliance"):  # medical affairs reads lists but organises no event
        client.force_login(make_user(world.tenant, role))
        assert client.get(_invite_url(world)).status_code == 403
        post = client.post(_invite_url(world), {"event": world.masterclass.pk, "doctor": [world.x.pk]})
        assert post.status_code == 403
    with tenant_context(world.tenant):
        with pytest.raises(PermissionDenied):
            services.attendees_invite_from_list(tenant=world.tenant, by=world.rep, event=world.masterclass,
                                                invitation_list=world.invitation)  # fmt: skip
        # another product manager (allowed role) may not invite to an event they do not organise
        other_pm = make_user(world.tenant, "product_manager")
    client.force_login(other_pm)
    assert 'data-testid="no-invitable-event"' in client.get(_invite_url(world)).content.decode()
    response = client.post(_invite_url(world), {"event": world.masterclass.pk, "doctor": [world.x.pk]}, follow=True)
    assert "只有组织者可以邀请医生。" in response.content.decode()
    with tenant_context(world.tenant):
        assert not Attendee.objects.filter(event=world.masterclass).exists()


def test_another_tenants_event_is_404_and_nothing_is_invited(client, world, other_tenant, make_user):
    with tenant_context(other_tenant):
        foreign = EventFactory(owner=make_user(other_tenant, "product_manager"))
    client.force_login(world.pm)
    assert client.post(_invite_url(world), {"event": foreign.pk, "doctor": [world.x.pk]}).status_code == 404
    with tenant_context(other_tenant):
        assert not Attendee.objects.filter(event=foreign).exists()


def test_the_list_page_offers_the_invitation_to_those_who_may(client, world, make_user):
    client.force_login(world.pm)
    html = client.get(reverse("invitation_detail", args=[world.invitation.pk])).content.decode()
    assert f'href="{_invite_url(world)}"' in html
    client.force_login(make_user(world.tenant, "medical_affairs"))  # reads every list, invites to no event
    html = client.get(reverse("invitation_detail", args=[world.invitation.pk])).content.decode()
    assert 'data-testid="invitation-action"' not in html and _invite_url(world) not in html


def test_the_plan_timeline_shows_events_attended_invited_and_followed_up(world):
    tenant = world.tenant
    with tenant_context(tenant):
        plan = kol_services.account_plan_create(
            tenant=tenant, by=world.pm, doctor=world.target, product=world.product, title="李主任计划",
            target_stage="loyal", start=timezone.localdate() - datetime.timedelta(days=90),
            end=timezone.localdate() + datetime.timedelta(days=275),
        )  # fmt: skip
        held_at = timezone.now() - datetime.timedelta(days=30)
        attended = EventFactory(owner=world.rep, title="参加过的科室会", starts_at=held_at,
                                ends_at=held_at + datetime.timedelta(hours=1))  # fmt: skip
        a = AttendeeFactory(event=attended, doctor=world.target, signed_in_at=held_at, signin_method="rep")
        EventFollowUp.objects.create(tenant=tenant, event=attended, attendee=a, doctor=world.target,
                                     assignee=world.rep, due_date=timezone.localdate() - datetime.timedelta(days=27),
                                     purposes=["A"])  # fmt: skip
        AttendeeFactory(event=world.masterclass, doctor=world.target)  # invited, not yet held
        long_ago = timezone.now() - datetime.timedelta(days=800)
        AttendeeFactory(event=EventFactory(owner=world.rep, title="两年前的会", starts_at=long_ago,
                                           ends_at=long_ago + datetime.timedelta(hours=1)),
                        doctor=world.target, signed_in_at=long_ago, signin_method="rep")  # fmt: skip
        AttendeeFactory(event=EventFactory(owner=world.rep, title="别人的会"), doctor=world.x)
        entries = kol_selectors.plan_timeline(tenant=tenant, plan=plan)["entries"]
    by_kind = {}
    for e in entries:
        by_kind.setdefault(e["kind"], []).append(e["title"])
    assert by_kind["event_attended"] == ["参加过的科室会"]
    assert by_kind["event_invited"] == ["区域大师班"]
    assert by_kind["event_followup"] == ["参加过的科室会"]
    titles = {e["title"] for e in entries}
    assert "两年前的会" not in titles and "别人的会" not in titles  # outside the period / another doctor
