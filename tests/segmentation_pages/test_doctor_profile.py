"""The doctor profile's tier block: current tier, why (score breakdown chart and table), history,
high-tier connections in the network, and the adoption ladder that reps set."""

import json

import pytest
from django.urls import reverse

from accounts.models import Role
from crm.tenancy import tenant_context
from hospitals.models import RelationKind
from segmentation.models import Adoption, AdoptionStage
from tests.hospitals import factories as f
from tests.segmentation_pages.helpers import elements, one, section


def _profile(client, doctor):
    response = client.get(reverse("doctor_detail", args=[doctor.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_profile_says_why_a_doctor_is_tier_a(client, tier_world):
    doctor = tier_world.doctors["李建国"]
    client.force_login(tier_world.pm)
    html = _profile(client, doctor)

    assert one(html, "doctor-tier")["text"] == "A"
    assert one(html, "doctor-tier-block")["data-tier"] == "A"
    rows = elements(html, "breakdown-row")
    assert [r["data-key"] for r in rows] == ["academic_influence", "prescribing_potential", "business_contribution"]
    assert round(sum(float(r["data-contribution"]) for r in rows), 2) == 91.5
    assert one(html, "breakdown-total")["text"] == "91.50"
    chart = json.loads(one(html, "breakdown-chart")["data-tier-chart"])
    assert chart["datasets"][0]["data"] == [float(r["data-contribution"]) for r in rows]
    assert chart["datasets"][1]["data"] == [40.0, 30.0, 30.0]  # the weights: the most each could give

    history = [(r["data-period"], r["data-tier"]) for r in elements(html, "tier-history-row")]
    assert history == [("2026Q2", "A"), ("2026Q1", "B")]


def test_a_doctor_never_scored_has_no_tier(client, tier_world):
    doctor = f.DoctorFactory(hospital__tenant=tier_world.tenant, name="新医生")
    client.force_login(tier_world.pm)
    html = _profile(client, doctor)
    assert elements(html, "no-tier") and not elements(html, "doctor-tier")
    assert not elements(html, "breakdown-row")


def test_a_rep_sees_the_tier_of_their_doctors(client, tier_world):
    client.force_login(tier_world.rep)
    html = _profile(client, tier_world.doctors["李建国"])
    assert one(html, "current-tier")["text"] == "A" and elements(html, "breakdown-row")
    # A doctor outside the rep's territories stays a 404, tier block and all.
    assert client.get(reverse("doctor_detail", args=[tier_world.doctors["周杰"].pk])).status_code == 404


def test_network_marks_high_tier_connections(client, tier_world):
    d = tier_world.doctors
    f.DoctorRelationFactory(from_doctor=d["李建国"], to_doctor=d["王芳"], kind=RelationKind.COLLEAGUE)  # A
    f.DoctorRelationFactory(from_doctor=d["李建国"], to_doctor=d["周杰"], kind=RelationKind.CLASSMATE)  # D
    client.force_login(tier_world.pm)
    html = _profile(client, d["李建国"])
    network = section(html, "doctor-network")
    high = [int(r["data-doctor-id"]) for r in elements(network, "network-row") if "high-tier" in r.get("class", "")]
    assert high == [d["王芳"].pk]


def _adoption(tenant):
    with tenant_context(tenant):
        return {(a.doctor_id, a.product_id): a.stage for a in Adoption.objects.all()}


def test_a_rep_sets_the_adoption_stage_with_htmx(client, tier_world):
    doctor, product = tier_world.doctors["李建国"], tier_world.product
    client.force_login(tier_world.rep)
    html = _profile(client, doctor)
    row = one(html, "adoption-row")
    assert (row["data-product-id"], row["data-stage"]) == (str(product.pk), "")
    assert elements(html, "adoption-form")

    response = client.post(
        reverse("doctor_adoption", args=[doctor.pk]),
        {"product": product.pk, "stage": AdoptionStage.TRIAL},
        HTTP_HX_REQUEST="true",
    )
    fragment = response.content.decode()
    assert response.status_code == 200 and "<html" not in fragment
    assert one(fragment, "adoption-row")["data-stage"] == "trial"
    assert _adoption(tier_world.tenant) == {(doctor.pk, product.pk): "trial"}

    # Without JavaScript the form posts and comes back to the profile.
    response = client.post(reverse("doctor_adoption", args=[doctor.pk]), {"product": product.pk, "stage": "loyal"})
    assert response.status_code == 302
    assert one(_profile(client, doctor), "adoption-row")["data-stage"] == "loyal"


def test_adoption_refusals(client, tier_world, make_user):
    doctor, product = tier_world.doctors["李建国"], tier_world.product
    client.force_login(tier_world.rep)
    # A stage that does not exist: the block comes back with an error, nothing stored.
    html = client.post(
        reverse("doctor_adoption", args=[doctor.pk]), {"product": product.pk, "stage": "fan"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert elements(html, "adoption-error")
    # A doctor the rep does not see: 404.
    outside = tier_world.doctors["周杰"]
    assert (
        client.post(
            reverse("doctor_adoption", args=[outside.pk]), {"product": product.pk, "stage": "aware"}
        ).status_code
        == 404
    )
    # Compliance reads the ladder but does not set it.
    client.force_login(make_user(tier_world.tenant, Role.COMPLIANCE))
    html = _profile(client, doctor)
    assert elements(html, "adoption-row") and not elements(html, "adoption-form")
    url = reverse("doctor_adoption", args=[doctor.pk])
    assert client.post(url, {"product": product.pk, "stage": "aware"}).status_code == 403
    assert _adoption(tier_world.tenant) == {}


@pytest.mark.parametrize("role", [Role.PRODUCT_MANAGER, Role.REP])
def test_profile_query_count_stays_bounded_with_tiers(client, tier_world, role, django_assert_max_num_queries):
    user = tier_world.pm if role == Role.PRODUCT_MANAGER else tier_world.rep
    client.force_login(user)
    with django_assert_max_num_queries(35):
        _profile(client, tier_world.doctors["李建国"])
