"""Issue 16 with events: a KOL's network invitation list invited to an event (the events app's
own service), and events on the account-plan timeline (segmentation.hooks)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from crm.tenancy import tenant_context
from events import services
from events.models import Attendee, EventFollowUp, ProgramTarget
from segmentation.kol import selectors as kol_selectors
from segmentation.kol import services as kol_services
from segmentation.models import InvitationList
from tests.events.factories import AttendeeFactory, EventFactory, ProgramFactory
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
    assert "同学" in page and "classmate" not in page  # relation kinds in the reader's language, not codes

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


# --- a network invited "to a program": its target audience -----------------------------------


def _targets(w, program):
    with tenant_context(w.tenant):
        return set(ProgramTarget.objects.filter(program=program).values_list("doctor_id", flat=True))


def test_pm_adds_the_network_to_a_programs_target_audience_and_sees_it_on_the_program(client, world, make_user):
    with tenant_context(world.tenant):
        program = ProgramFactory(owner=world.pm, name="甲状腺外科大师班系列")
        over = ProgramFactory(owner=world.pm, name="去年的项目", starts_on=datetime.date(2025, 1, 1),
                              ends_on=datetime.date(2025, 12, 31))  # fmt: skip
    client.force_login(world.pm)
    page = client.get(_invite_url(world)).content.decode()
    assert f'value="program:{program.pk}"' in page and f'value="event:{world.masterclass.pk}"' in page
    assert f'value="program:{over.pk}"' not in page  # a program that is over takes no audience

    response = client.post(_invite_url(world), {"destination": f"program:{program.pk}",
                                                "doctor": [world.x.pk, world.b.pk]}, follow=True)  # fmt: skip
    assert response.redirect_chain[-1][0] == reverse("program_detail", args=[program.pk])
    html = response.content.decode()
    assert "已将 2 位医生加入项目目标人群，0 位此前已在其中。" in html
    assert _targets(world, program) == {world.x.pk, world.b.pk}
    for doctor in (world.x, world.b):
        assert f'data-testid="program-target" data-doctor-id="{doctor.pk}"' in html
    assert f'data-doctor-id="{world.c.pk}"' not in html
    with tenant_context(world.tenant):
        assert InvitationList.objects.get(pk=world.invitation.pk).event_ref == f"events.program:{program.pk}"
        assert not Attendee.objects.filter(doctor__in=[world.x, world.b]).exists()  # nobody invited to an event yet

    # again with everyone: one added, two already there; the program that is over refuses
    client.post(_invite_url(world), {"destination": f"program:{program.pk}",
                                     "doctor": [world.x.pk, world.b.pk, world.c.pk]})  # fmt: skip
    assert _targets(world, program) == {world.x.pk, world.b.pk, world.c.pk}
    response = client.post(_invite_url(world), {"destination": f"program:{over.pk}", "doctor": [world.x.pk]},
                           follow=True)  # fmt: skip
    assert "项目已结束" in response.content.decode()
    assert _targets(world, over) == set()

    # a rep reads the program's audience size, not the doctors
    rep = make_user(world.tenant, "rep")
    client.force_login(rep)
    html = client.get(reverse("program_detail", args=[program.pk])).content.decode()
    assert 'data-testid="program-target-count">3<' in html
    assert 'data-testid="program-target"' not in html


def test_the_api_invites_a_network_to_an_event_and_to_a_program(api_client, world, other_tenant, make_user):
    with tenant_context(world.tenant):
        program = ProgramFactory(owner=world.pm)
    api_client.force_authenticate(world.pm)
    url = f"/api/v1/events/{world.masterclass.pk}/invite-network/"
    response = api_client.post(url, {"invitation_list": world.invitation.pk, "doctors": [world.x.pk]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"invited": 1, "already": 0}
    response = api_client.post(url, {"invitation_list": world.invitation.pk}, format="json")  # the whole list
    assert response.json() == {"invited": 2, "already": 1}
    with tenant_context(world.tenant):
        assert Attendee.objects.filter(event=world.masterclass).count() == 3

    body = {"invitation_list": world.invitation.pk, "doctors": [world.b.pk]}
    response = api_client.post(f"/api/v1/programs/{program.pk}/add-network/", body, format="json")
    assert response.status_code == 200 and response.json() == {"invited": 1, "already": 0}
    assert _targets(world, program) == {world.b.pk}

    # another tenant's list is not found; a rep may not; another tenant's event is 404
    with tenant_context(other_tenant):
        foreign_pm = make_user(other_tenant, "product_manager")
        foreign_event = EventFactory(owner=foreign_pm)
    api_client.force_authenticate(foreign_pm)
    response = api_client.post(f"/api/v1/events/{foreign_event.pk}/invite-network/",
                               {"invitation_list": world.invitation.pk}, format="json")  # fmt: skip
    assert response.status_code == 400 and "invitation_list" in response.json()
    assert api_client.post(url, {"invitation_list": world.invitation.pk}, format="json").status_code == 404
    with tenant_context(other_tenant):
        assert not Attendee.objects.filter(event=foreign_event).exists()
    api_client.force_authenticate(world.rep)
    assert api_client.post(url, {"invitation_list": world.invitation.pk}, format="json").status_code == 403
    response = api_client.post(f"/api/v1/programs/{program.pk}/add-network/",
                               {"invitation_list": world.invitation.pk}, format="json")  # fmt: skip
    assert response.status_code == 403
    assert _targets(world, program) == {world.b.pk}
