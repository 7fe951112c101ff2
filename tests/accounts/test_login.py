"""Sign-in: home per role, brute-force lockout, language."""

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "heading"),
    [
        ("rep", "My day"),
        ("distributor_rep", "My day"),
        ("manager", "My team"),
        ("product_manager", "Products and tiers"),
        ("medical_affairs", "Medical inquiries"),
        ("compliance", "Compliance"),
        ("tenant_admin", "Administration"),
    ],
)
def test_each_role_lands_on_its_home(client, tenant, make_user, role, heading):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    user = make_user(tenant, role)
    response = client.post(reverse("login"), {"username": user.username, "password": TEST_PASSWORD}, follow=True)
    assert response.status_code == 200
    assert f'data-testid="home-title">{heading}<' in response.content.decode()


def test_home_requires_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_menu_follows_the_role(client, tenant, make_user):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(make_user(tenant, "rep"))
    html = client.get("/").content.decode()
    assert "Territories" in html and "Administration" not in html
    client.force_login(make_user(tenant, "tenant_admin"))
    assert "/admin/" in client.get("/").content.decode()


def test_repeated_wrong_passwords_lock_the_account_for_a_while(client, rep):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": rep.username, "password": "wrong"})
    locked = client.post(reverse("login"), {"username": rep.username, "password": TEST_PASSWORD})
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    assert settings.AXES_COOLOFF_TIME  # a finite cool-off, not a permanent lock


def test_chinese_is_the_default_and_english_is_switchable(client):
    assert "<h1>登录</h1>" in client.get(reverse("login")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert "<h1>Sign in</h1>" in client.get(reverse("login")).content.decode()
