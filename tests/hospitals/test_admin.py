"""Django admin of master data: tenant-scoped lists, search, autocomplete, history and checks."""

import pytest
from django.urls import reverse

from crm.tenancy import tenant_context
from hospitals.models import DoctorRelation, ProductCompetitor
from tests.factories import WITH_PLATFORM_COMMITTED
from tests.hospitals import factories as f


@pytest.fixture
def doctors(tenant, other_tenant):
    mine = f.DoctorFactory(hospital__tenant=tenant, hospital__name="本院", name="李建国")
    theirs = f.DoctorFactory(hospital__tenant=other_tenant, hospital__name="他院", name="王芳")
    return mine, theirs


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def test_tenant_admin_lists_and_finds_only_their_doctors(client, tenant_admin, doctors):
    mine, theirs = doctors
    client.force_login(tenant_admin)
    html = client.get(reverse("admin:hospitals_doctor_changelist")).content.decode()
    assert mine.name in html and theirs.name not in html
    found = client.get(reverse("admin:hospitals_doctor_changelist"), {"q": "ljg"}).content.decode()
    assert mine.name in found
    assert client.get(reverse("admin:hospitals_doctor_changelist"), {"q": "wf"}).content.decode().count("王芳") == 0


def test_tenant_admin_cannot_open_another_tenants_doctor_or_its_history(client, tenant_admin, doctors):
    mine, theirs = doctors
    client.force_login(tenant_admin)
    assert client.get(reverse("admin:hospitals_doctor_change", args=[mine.pk])).status_code == 200
    assert client.get(reverse("admin:hospitals_doctor_history", args=[mine.pk])).status_code == 200
    assert client.get(reverse("admin:hospitals_doctor_change", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("admin:hospitals_doctor_history", args=[theirs.pk])).status_code == 404


def test_autocomplete_offers_only_the_tenants_hospitals(client, tenant_admin, doctors):
    client.force_login(tenant_admin)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "hospitals", "model_name": "doctor", "field_name": "hospital", "term": "院"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["本院"]


def test_admin_refuses_a_self_relation_with_the_services_message(english, tenant_admin, doctors):
    mine, _ = doctors
    english.force_login(tenant_admin)
    response = english.post(
        reverse("admin:hospitals_doctorrelation_add"),
        {"from_doctor": mine.pk, "to_doctor": mine.pk, "kind": "classmate", "strength": 3, "source": ""},
    )
    assert response.status_code == 200
    assert "A doctor cannot be related to themselves." in response.content.decode()
    with tenant_context(mine.tenant_id):
        assert not DoctorRelation.objects.exists()


def test_admin_adds_a_product_with_a_competitor_inline(english, tenant, tenant_admin):
    competitor = f.CompetitorProductFactory(tenant=tenant, name="立普妥")
    own = f.ProductFactory(tenant=tenant, name="康立欣")
    english.force_login(tenant_admin)
    # ProductCompetitor.product has related_name "+", so Django names its inline formset "-1".
    prefix_c, prefix_k = "-1", "key_messages"
    data = {
        "name": "康立宁",
        "generic_name": "",
        "therapeutic_area": "心血管",
        "is_own": "on",
        "company": "",
        "is_active": "on",
        f"{prefix_c}-TOTAL_FORMS": "1",
        f"{prefix_c}-INITIAL_FORMS": "0",
        f"{prefix_c}-0-competitor": competitor.pk,
        f"{prefix_k}-TOTAL_FORMS": "0",
        f"{prefix_k}-INITIAL_FORMS": "0",
    }
    response = english.post(reverse("admin:hospitals_product_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    with tenant_context(tenant):
        link = ProductCompetitor.objects.get(competitor=competitor)
        assert link.product.name == "康立宁" and link.tenant_id == tenant.pk
    # our own product cannot be listed as a competitor
    data.update({"name": "康立安", f"{prefix_c}-0-competitor": own.pk})
    response = english.post(reverse("admin:hospitals_product_add"), data)
    assert response.status_code == 200
    assert "is one of our products" in response.content.decode()


@WITH_PLATFORM_COMMITTED
def test_platform_staff_see_every_tenants_doctors(client, platform_staff, doctors):
    client.force_login(platform_staff)
    html = client.get(reverse("admin:hospitals_doctor_changelist"), {"q": "李"}).content.decode()
    assert "李建国" in html
    html = client.get(reverse("admin:hospitals_doctor_changelist")).content.decode()
    assert "王芳" in html


@pytest.mark.parametrize("role", ["rep", "product_manager"])
def test_other_roles_have_no_admin(client, tenant, make_user, role):
    client.force_login(make_user(tenant, role))
    assert client.get(reverse("admin:hospitals_doctor_changelist")).status_code == 302
