"""Pages of key opinion leaders and of the expert database, through the test client: what each
role sees and may do (a negative beside each positive)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from crm.tenancy import tenant_context
from hospitals.models import ExpertProfile, SpeakerQualification
from hospitals.services import academic_levels_refresh
from segmentation.models import AccountPlan, InvitationList
from tests.segmentation.kol_world import kol_world


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(tenant, make_user):
    with tenant_context(tenant):
        w = kol_world(tenant)
        academic_levels_refresh(tenant=tenant)
    w.pm = make_user(tenant, "product_manager")
    w.compliance_user = make_user(tenant, "compliance")
    w.medical_user = make_user(tenant, "medical_affairs")
    return w


def test_doctor_page_shows_expert_and_kol_sections(client, world):
    client.force_login(world.pm)
    html = client.get(reverse("doctor_detail", args=[world.target.pk])).content.decode()
    assert 'data-testid="doctor-expert"' in html and 'data-level="national"' in html
    assert 'data-testid="network-graph"' in html and 'data-testid="new-plan"' in html
    assert 'data-testid="edit-level"' not in html  # only compliance overrides
    client.force_login(world.compliance_user)
    html = client.get(reverse("doctor_detail", args=[world.target.pk])).content.decode()
    assert 'data-testid="edit-level"' in html and 'data-testid="new-plan"' not in html


def test_paths_page_and_network_json(client, world):
    client.force_login(world.pm)
    html = client.get(reverse("intro_paths", args=[world.target.pk]), {"product": world.product.pk}).content.decode()
    assert html.count('data-testid="intro-path"') == 3
    assert html.index(f'data-source-id="{world.b.pk}"') < html.index(f'data-source-id="{world.a.pk}"')
    data = client.get(reverse("network_json", args=[world.target.pk]), {"product": world.product.pk}).json()
    nodes = {e["data"]["id"]: e["data"] for e in data["elements"] if "source" not in e["data"]}
    assert nodes[str(world.a.pk)]["stage"] == "loyal" and nodes[str(world.target.pk)]["center"]
    assert len([e for e in data["elements"] if "source" in e["data"]]) == 5
    # the rep sees only the doctors of their territory (B is rep2's)
    client.force_login(world.rep)
    data = client.get(reverse("network_json", args=[world.target.pk])).json()
    assert str(world.b.pk) not in {e["data"]["id"] for e in data["elements"]}
    assert str(world.x.pk) in {e["data"]["id"] for e in data["elements"]}


def test_invite_the_network_saves_a_list(client, world):
    client.force_login(world.pm)
    response = client.post(
        reverse("invitation_new", args=[world.target.pk]),
        {"name": "甲状腺大师班", "purpose": "masterclass", "product": world.product.pk, "hops": "1"},
    )
    with tenant_context(world.tenant):
        invitation = InvitationList.objects.get()
    assert response.status_code == 302 and response.url == reverse("invitation_detail", args=[invitation.pk])
    html = client.get(response.url).content.decode()
    assert html.count('data-testid="invitation-entry"') == 3
    export = client.get(reverse("invitation_export", args=[invitation.pk, "csv"]))
    assert export.status_code == 200 and world.x.name in b"".join(export.streaming_content).decode("utf-8-sig")
    client.force_login(world.rep)  # reps do not make invitation lists
    assert client.post(reverse("invitation_new", args=[world.target.pk]), {"hops": "1"}).status_code == 403


def test_plan_new_detail_and_visibility(client, world):
    client.force_login(world.pm)
    page = client.get(reverse("plan_new", args=[world.target.pk]))
    assert page.status_code == 200
    today = timezone.localdate()
    response = client.post(
        reverse("plan_new", args=[world.target.pk]),
        {"product": world.product.pk, "title": "李主任一年计划", "target_stage": "loyal", "target_share": "40",
         "start": today.isoformat(), "end": (today + datetime.timedelta(days=365)).isoformat(),
         "review_cadence": "quarterly", "members": [world.rep.pk]},
    )  # fmt: skip
    with tenant_context(world.tenant):
        plan = AccountPlan.objects.get()
    assert response.status_code == 302 and plan.start_stage == "trial"
    html = client.get(reverse("plan_detail", args=[plan.pk])).content.decode()
    assert 'data-testid="plan-progress"' in html and 'data-stage="trial"' in html
    client.force_login(world.rep)  # on the team: sees it, records a review
    response = client.post(reverse("plan_detail", args=[plan.pk]), {"review-rating": "on_track", "review-notes": "ok"})
    with tenant_context(world.tenant):
        assert response.status_code == 302 and plan.reviews.count() == 1
    assert client.get(reverse("plan_list")).content.decode().count('data-testid="plan-row"') == 1
    assert client.get(reverse("plan_new", args=[world.target.pk])).status_code == 403
    client.force_login(world.rep2)  # not on the team
    assert client.get(reverse("plan_detail", args=[plan.pk])).status_code == 404
    assert client.get(reverse("plan_list")).content.decode().count('data-testid="plan-row"') == 0


def test_expert_list_filters_and_export(client, world):
    with tenant_context(world.tenant):
        ExpertProfile.objects.filter(doctor=world.target).update(research_interests=["甲状腺癌"], publications_count=88)
        SpeakerQualification.objects.create(tenant=world.tenant, doctor=world.target, product=world.product,
                                            topic="指南解读", approved_on=timezone.localdate())  # fmt: skip
    client.force_login(world.pm)
    html = client.get(reverse("expert_list")).content.decode()
    assert f'data-doctor-id="{world.target.pk}"' in html
    assert f'data-doctor-id="{world.x.pk}"' not in html  # an attending: local level, not an expert
    html = client.get(reverse("expert_list"), {"topic": "甲状腺"}).content.decode()
    assert html.count('data-testid="expert-row"') == 1
    assert client.get(reverse("expert_list"), {"topic": "心衰"}).content.decode().count('data-testid="expert-row"') == 0
    html = client.get(reverse("expert_list"), {"speaker_product": world.product.pk}).content.decode()
    assert html.count('data-testid="expert-row"') == 1
    export = client.get(reverse("expert_export", args=["csv"]))
    assert "李建华" in b"".join(export.streaming_content).decode("utf-8-sig")
    client.force_login(world.medical_user)
    assert client.get(reverse("expert_list")).status_code == 200


def test_compliance_overrides_the_level_with_a_reason(client, world):
    client.force_login(world.compliance_user)
    url = reverse("academic_level_edit", args=[world.target.pk])
    response = client.post(url, {"level": "provincial", "reason": ""})
    assert response.status_code == 200 and b'data-testid="error-reason"' in response.content
    response = client.post(url, {"level": "provincial", "reason": "学组副组长，非全国委员"})
    assert response.status_code == 302
    with tenant_context(world.tenant):
        assert ExpertProfile.objects.get(doctor=world.target).level == "provincial"
    client.force_login(world.pm)
    assert client.get(url).status_code == 403


def test_malformed_parameters_are_answered_not_crashed(client, api_client, world):
    client.force_login(world.pm)
    assert client.get(reverse("plan_list"), {"product": "abc", "status": "x"}).status_code == 200
    assert client.get(reverse("expert_list"), {"speaker_product": "1e99", "level": "nope"}).status_code == 200
    api_client.force_login(world.pm)
    url = reverse("kol-doctor-paths", args=[world.target.pk])
    assert api_client.get(url, {"sources": "1,abc"}).status_code == 400
    assert api_client.get(url, {"sources": "99999999999999999999"}).status_code == 400
    assert api_client.get(url).status_code == 400  # neither product nor sources
    ok = api_client.get(url, {"product": world.product.pk})  # positive control
    assert ok.status_code == 200 and [p["steps"][0]["doctor"] for p in ok.json()] == [
        world.b.pk,
        world.a.pk,
        world.d.pk,
    ]
    assert api_client.get(reverse("account-plan-list"), {"product": "abc"}).status_code == 200
