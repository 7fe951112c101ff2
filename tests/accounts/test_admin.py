"""Django admin: platform staff see every tenant; a tenant admin only theirs."""

import pytest
from django.urls import reverse

from accounts.models import Territory, TerritoryAssignment, User
from crm.tenancy import tenant_context
from tests.factories import TEST_PASSWORD, WITH_PLATFORM_COMMITTED, territory_tree

pytestmark = pytest.mark.django_db


def test_tenant_admin_lists_only_their_tenants_territories(client, tenant, other_tenant, tenant_admin):
    _, _, own, _ = territory_tree(tenant, "A")
    _, _, foreign, _ = territory_tree(other_tenant, "B")
    client.force_login(tenant_admin)
    html = client.get(reverse("admin:accounts_territory_changelist")).content.decode()
    assert "A片区一" in html and "B片区一" not in html
    assert client.get(reverse("admin:accounts_territory_change", args=[own.pk])).status_code == 200
    assert client.get(reverse("admin:accounts_territory_change", args=[foreign.pk])).status_code == 404


def test_tenant_admin_form_offers_only_own_choices(client, tenant, other_tenant, tenant_admin, make_user):
    territory_tree(tenant, "A")
    territory_tree(other_tenant, "B")
    # The form's user choices show display names (User.__str__): the own rep's is offered, the stranger's not.
    make_user(tenant, "rep", username="own_rep", name="本公司代表")
    make_user(other_tenant, "rep", username="stranger_rep", name="外公司代表")
    client.force_login(tenant_admin)
    html = client.get(reverse("admin:accounts_territoryassignment_add")).content.decode()
    assert "A片区一" in html and "B片区一" not in html
    assert "本公司代表" in html and "外公司代表" not in html
    assert 'name="tenant"' not in html


def test_tenant_admin_adds_a_row_into_their_tenant(client, tenant, other_tenant, tenant_admin):
    _, district, _, _ = territory_tree(tenant, "A")
    client.force_login(tenant_admin)
    response = client.post(
        reverse("admin:accounts_territory_add"),
        {"name": "苏州片区", "code": "A-SZ", "level": "territory", "parent": district.pk},
    )
    assert response.status_code == 302
    with tenant_context(tenant):
        assert Territory.objects.get(code="A-SZ").tenant_id == tenant.pk
    # A duplicate code is a form error, not a crash.
    again = client.post(
        reverse("admin:accounts_territory_add"),
        {"name": "重复", "code": "A-SZ", "level": "territory", "parent": district.pk},
    )
    assert again.status_code == 200 and "errornote" in again.content.decode()


def test_tenant_admin_manages_only_their_users(client, tenant, other_tenant, tenant_admin, make_user):
    own = make_user(tenant, "rep", username="own_rep")
    foreign = make_user(other_tenant, "rep", username="foreign_rep")
    client.force_login(tenant_admin)
    html = client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert "own_rep" in html and "foreign_rep" not in html
    assert client.get(reverse("admin:accounts_user_change", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("admin:accounts_user_change", args=[own.pk])).status_code == 200
    created = client.post(
        reverse("admin:accounts_user_add"),
        {"username": "new_rep", "password1": "Zx9!long-pass", "password2": "Zx9!long-pass", "role": "rep"},
    )
    assert created.status_code == 302, created.content.decode()[:2000]
    with tenant_context(tenant):
        new = User.objects.get(username="new_rep")
    assert new.tenant_id == tenant.pk and not new.is_superuser


def test_tenant_admin_cannot_manage_tenants(client, tenant_admin):
    client.force_login(tenant_admin)
    assert client.get(reverse("admin:accounts_tenant_changelist")).status_code == 403


@WITH_PLATFORM_COMMITTED
def test_platform_staff_see_every_tenant(client, tenant, other_tenant, platform_staff):
    territory_tree(tenant, "A")
    territory_tree(other_tenant, "B")
    client.force_login(platform_staff)
    html = client.get(reverse("admin:accounts_territory_changelist")).content.decode()
    assert "A片区一" in html and "B片区一" in html
    assert client.get(reverse("admin:accounts_tenant_changelist")).status_code == 200


def test_other_roles_are_kept_out_of_admin(client, tenant, make_user):
    rep = make_user(tenant, "rep")
    client.force_login(rep)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_tenant_admin_signs_in_through_the_admin_login(client, tenant_admin):
    response = client.post(
        reverse("admin:login"), {"username": tenant_admin.username, "password": TEST_PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_assignment_admin_hides_other_tenant_rows(client, tenant, other_tenant, tenant_admin, make_user):
    # The changelist shows "<user display name> → <territory>": the own row is there, the foreign one not.
    _, _, own_t, _ = territory_tree(tenant, "A")
    _, _, foreign_t, _ = territory_tree(other_tenant, "B")
    with tenant_context(tenant):
        TerritoryAssignment.objects.create(user=make_user(tenant, "rep", name="本公司代表"), territory=own_t)
    with tenant_context(other_tenant):
        TerritoryAssignment.objects.create(user=make_user(other_tenant, "rep", name="外公司代表"), territory=foreign_t)
    client.force_login(tenant_admin)
    html = client.get(reverse("admin:accounts_territoryassignment_changelist")).content.decode()
    assert "本公司代表" in html
    assert "外公司代表" not in html
