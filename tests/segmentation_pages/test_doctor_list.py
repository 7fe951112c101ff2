"""The doctor list gains a tier column and tier and adoption filters (browser and API share them)."""

import datetime

from django.urls import reverse
from django.utils import timezone

from crm.tenancy import tenant_context
from segmentation import services
from tests.hospitals import factories as f
from tests.segmentation_pages.helpers import elements

URL = reverse("doctor_list")


def _ids(html):
    return {int(e["data-doctor-id"]) for e in elements(html, "doctor-row")}


def test_tier_column_and_filter(client, tier_world):
    d = tier_world.doctors
    client.force_login(tier_world.pm)
    html = client.get(URL).content.decode()
    tiers = [e["text"] for e in elements(html, "doctor-row-tier")]
    assert sorted(tiers) == sorted(["A", "A", "B", "B", "B", "C", "C", "C", "D", "D"])
    assert _ids(client.get(URL, {"tier": "A"}).content.decode()) == {d["李建国"].pk, d["王芳"].pk}
    assert len(_ids(client.get(URL, {"tier": ["C", "D"]}).content.decode())) == 5


def test_tier_filter_follows_overrides(client, tier_world):
    d = tier_world.doctors
    with tenant_context(tier_world.tenant):
        services.tier_override_set(
            tenant=tier_world.tenant,
            by=tier_world.pm,
            doctor=d["周杰"],
            tier="A",
            reason="新晋学会委员",
            expires_on=timezone.localdate() + datetime.timedelta(days=10),
        )
    client.force_login(tier_world.pm)
    assert _ids(client.get(URL, {"tier": "A"}).content.decode()) == {d["李建国"].pk, d["王芳"].pk, d["周杰"].pk}
    assert d["周杰"].pk not in _ids(client.get(URL, {"tier": "D"}).content.decode())


def test_adoption_filter_by_stage_and_product(client, tier_world):
    d, product = tier_world.doctors, tier_world.product
    other = f.ProductFactory(tenant=tier_world.tenant, name="康立宁")
    with tenant_context(tier_world.tenant):
        for doctor, prod, stage in (
            (d["李建国"], product, "loyal"),
            (d["王芳"], other, "loyal"),
            (d["张伟"], product, "trial"),
        ):
            services.adoption_set(tenant=tier_world.tenant, by=tier_world.pm, doctor=doctor, product=prod, stage=stage)
    client.force_login(tier_world.pm)
    assert _ids(client.get(URL, {"adoption": "loyal"}).content.decode()) == {d["李建国"].pk, d["王芳"].pk}
    only_ours = client.get(URL, {"adoption": "loyal", "adoption_product": product.pk}).content.decode()
    assert _ids(only_ours) == {d["李建国"].pk}
    page = client.get(URL, {"adoption": "loyal"}).content.decode()
    assert elements(page, "filter-adoption-product")  # two products: the product choice is offered


def test_a_rep_filters_only_their_doctors_by_tier(client, tier_world):
    client.force_login(tier_world.rep)
    # The rep covers Shanghai: A 2, B 2; Beijing's C doctors are not theirs.
    assert len(_ids(client.get(URL, {"tier": "A"}).content.decode())) == 2
    assert _ids(client.get(URL, {"tier": "C"}).content.decode()) == set()
