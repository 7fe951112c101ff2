"""Introduction paths, the 2-hop network, invitation lists, account plans and their timeline."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from crm.tenancy import tenant_context
from segmentation.kol import network, selectors, services
from segmentation.models import Adoption, InvitationListEntry
from tests.segmentation.kol_world import kol_world
from tests.visits.factories import VisitFactory
from visits.models import VisitKeyMessage


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(tenant):
    with tenant_context(tenant):
        yield kol_world(tenant)


def test_paths_shortest_then_strongest_with_covering_reps(tenant, world):
    paths = network.introduction_paths(tenant=tenant, target=world.target, product=world.product)
    assert [[s.doctor for s in p.steps] for p in paths] == [
        [world.b, world.target],
        [world.a, world.x, world.target],
        [world.d, world.c, world.target],
    ]
    assert [p.hops for p in paths] == [1, 2, 2]
    assert paths[1].score == pytest.approx(0.81) and paths[2].score == pytest.approx(0.42)
    assert [s.relation for s in paths[1].steps] == ["classmate", "classmate", ""]
    assert paths[1].intermediates[0].reps == [world.rep]  # X is covered by the rep of t1
    assert paths[0].steps[0].reps == [world.rep2]
    # the stranger is loyal but unconnected; C (regular) is no source: neither starts a path
    assert world.stranger not in {p.source for p in paths} and world.c not in {p.source for p in paths}


def test_paths_bounded_depth_and_chosen_sources(tenant, world):
    one_hop = network.introduction_paths(tenant=tenant, target=world.target, product=world.product, depth=1)
    assert [p.source for p in one_hop] == [world.b]
    chosen = network.introduction_paths(tenant=tenant, target=world.target, source_ids=[world.c.pk, world.a.pk])
    assert [p.source for p in chosen] == [world.c, world.a]
    # a user who cannot see X gets no path through X
    hidden = network.introduction_paths(
        tenant=tenant, target=world.target, product=world.product, visible_ids={world.target.pk, world.b.pk}
    )
    assert [p.source for p in hidden] == [world.b]


def test_paths_do_not_cross_tenants(tenant, other_tenant, world):
    with tenant_context(other_tenant):
        other = kol_world(other_tenant, prefix="O")
    rows = network.path_rows(tenant=tenant, target_id=other.target.pk, product_id=other.product.pk)
    assert rows == []
    # even naming the other tenant: row-level security answers for the tenant in context
    assert network.path_rows(tenant=other_tenant, target_id=other.target.pk, product_id=other.product.pk) == []
    with tenant_context(other_tenant):  # positive control
        assert len(network.path_rows(tenant=other_tenant, target_id=other.target.pk, product_id=other.product.pk)) == 3


def test_neighbourhood_and_invitation_list(tenant, world, make_user):
    near = network.neighbourhood(tenant=tenant, center_id=world.target.pk, hops=2)
    assert near == {world.target.pk: 0, world.x.pk: 1, world.b.pk: 1, world.c.pk: 1, world.a.pk: 2, world.d.pk: 2}
    pm = make_user(tenant, "product_manager")
    classmates = services.invitation_list_create(
        tenant=tenant, by=pm, center=world.target, name="甲状腺大师班", hops=1, product=world.product,
        purpose="masterclass",
    )  # fmt: skip
    entries = list(InvitationListEntry.objects.filter(invitation_list=classmates).order_by("doctor_id"))
    assert {e.doctor_id for e in entries} == {world.x.pk, world.b.pk, world.c.pk}
    assert {e.doctor_id: e.relation for e in entries}[world.x.pk] == "classmate"
    assert selectors.invitation_list_doctor_ids(tenant=tenant, invitation_list=classmates)
    loyal_only = services.invitation_list_create(
        tenant=tenant, by=pm, center=world.target, name="loyal", hops=2, product=world.product, stages=["loyal"]
    )
    assert set(selectors.invitation_list_doctor_ids(tenant=tenant, invitation_list=loyal_only)) == {
        world.a.pk, world.d.pk,
    }  # fmt: skip
    with pytest.raises(ValidationError):
        services.invitation_list_create(
            tenant=tenant, by=pm, center=world.target, name="none", hops=1, product=world.product, stages=["advocate",
                                                                                                            "trial"],
            tiers=["A"],
        )  # fmt: skip


def test_plan_visibility_and_timeline(tenant, world, make_user):
    pm = make_user(tenant, "product_manager")
    start = timezone.localdate() - datetime.timedelta(days=90)
    plan = services.account_plan_create(
        tenant=tenant, by=pm, doctor=world.target, product=world.product, title="李主任：一年成为忠实用户",
        target_stage="loyal", target_share=40, start=start, end=start + datetime.timedelta(days=365),
        objectives="从试用到忠实", members=[world.rep],
    )  # fmt: skip
    assert plan.start_stage == "trial" and plan.owner == pm and plan.department == world.target.department
    assert list(selectors.plan_list(tenant=tenant, user=world.rep)) == [plan]
    assert list(selectors.plan_list(tenant=tenant, user=world.rep2)) == []  # negative control
    assert list(selectors.plan_list(tenant=tenant, user=world.manager)) == [plan]  # their territory's doctor
    assert list(selectors.plan_list(tenant=tenant, user=pm)) == [plan]

    visit = VisitFactory(doctor=world.target, rep=world.rep, objective="介绍大师班")
    VisitKeyMessage.objects.create(tenant=tenant, visit=visit, key_message=world.km1, reaction="accepted")
    visit.status, visit.submitted_at = "submitted", timezone.now()
    visit.save()
    VisitFactory(doctor=world.target, rep=world.rep, objective="草稿")  # a draft: not on the timeline
    adoption = Adoption.objects.get(doctor=world.target, product=world.product)
    adoption.stage = "regular"
    adoption.save()
    services.plan_review_create(tenant=tenant, by=world.rep, plan=plan, rating="on_track", notes="进展顺利")

    timeline = selectors.plan_timeline(tenant=tenant, plan=plan)
    kinds = [e["kind"] for e in timeline["entries"]]
    assert {"visit", "adoption", "review"} <= set(kinds)
    visit_entry = next(e for e in timeline["entries"] if e["kind"] == "visit")
    assert visit_entry["reactions"] == ["accepted"] and visit_entry["title"] == "介绍大师班"
    assert kinds.count("visit") == 1
    progress = timeline["progress"]
    assert progress["stage"] == "regular" and progress["stage_pct"] == 50 and not progress["reached"]


def test_plan_validation(tenant, world, make_user):
    pm = make_user(tenant, "product_manager")
    with pytest.raises(ValidationError) as exc:
        services.account_plan_create(
            tenant=tenant, by=pm, doctor=world.target, product=world.product, title="x", target_stage="famous",
            start=datetime.date(2026, 1, 1), end=datetime.date(2025, 1, 1),
        )  # fmt: skip
    assert {"target_stage", "end"} & set(exc.value.message_dict)
