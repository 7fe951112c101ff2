"""Sign-in paths under the database wall: passwords, reset by e-mail, profile, sessions, API tokens."""

import datetime
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken, User
from accounts.services import api_token_create
from crm.tenancy import tenant_context
from tests.factories import TEST_PASSWORD, WITH_PLATFORM_COMMITTED, TerritoryAssignmentFactory, territory_tree

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent.parent


def _signed_in(user, password=TEST_PASSWORD):
    client = Client()
    response = client.post(reverse("login"), {"username": user.username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def _is_signed_in(client) -> bool:
    return client.get(reverse("profile")).status_code == 200


# --- sign-in and sessions -------------------------------------------------------------------------


def test_sign_in_reads_the_user_in_their_tenant_and_sessions_live_outside_the_database(tenant, rep):
    client = _signed_in(rep)
    assert _is_signed_in(client)
    with tenant_context(tenant):
        rep.refresh_from_db()
    assert rep.last_login is not None  # written in the user's tenant, under RLS
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM django_session")
        assert cur.fetchone()[0] == 0


def test_a_wrong_password_and_an_unknown_username_fail_alike(client, rep):
    wrong = client.post(reverse("login"), {"username": rep.username, "password": "nope"})
    unknown = client.post(reverse("login"), {"username": "nobody-here", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 200
    assert 'data-testid="login-error"' in wrong.content.decode()
    assert 'data-testid="login-error"' in unknown.content.decode()


def test_the_chosen_language_follows_the_user_to_sign_in(tenant, make_user):
    user = make_user(tenant, "rep", language="en")
    client = _signed_in(user)
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "My profile" in client.get(reverse("profile")).content.decode()


@WITH_PLATFORM_COMMITTED
def test_platform_staff_sign_in_through_the_page_and_the_admin(platform_staff):
    client = _signed_in(platform_staff)
    assert _is_signed_in(client)
    admin = Client()
    response = admin.post(
        reverse("admin:login"), {"username": platform_staff.username, "password": TEST_PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302
    assert admin.get(reverse("admin:accounts_tenant_changelist")).status_code == 200


# --- passwords ------------------------------------------------------------------------------------


def test_password_change_keeps_this_session_and_ends_the_others(rep):
    here, elsewhere = _signed_in(rep), _signed_in(rep)
    page = here.get(reverse("password_change"))
    assert page.status_code == 200
    response = here.post(
        reverse("password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": "Qz8!another-one", "new_password2": "Qz8!another-one"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("password_change_done")
    assert _is_signed_in(here)
    assert not _is_signed_in(elsewhere)
    assert _is_signed_in(_signed_in(rep, "Qz8!another-one"))


def test_a_wrong_old_password_is_a_form_error(client, rep):
    client.force_login(rep)
    response = client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": "Qz8!another-one", "new_password2": "Qz8!another-one"},
    )
    assert response.status_code == 200 and 'data-testid="error-old_password"' in response.content.decode()


def test_password_reset_by_e_mail_sets_a_new_password(client, tenant, make_user, mailoutbox):
    rep = make_user(tenant, "rep", email="wang.lei@example.com")
    response = client.post(reverse("password_reset"), {"email": "Wang.Lei@example.com"})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["wang.lei@example.com"]
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mailoutbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert 'data-testid="password-set-form"' in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": "Rs7!fresh-secret", "new_password2": "Rs7!fresh-secret"}
    )
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    assert _is_signed_in(_signed_in(rep, "Rs7!fresh-secret"))
    # The link works once.
    assert 'data-testid="invalid-link"' in client.get(link, follow=True).content.decode()


def test_password_reset_answers_the_same_for_an_unknown_address(client, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert mailoutbox == []


def test_a_reset_link_with_another_tenant_in_it_finds_nobody(client, tenant, other_tenant, make_user, mailoutbox):
    make_user(tenant, "rep", email="li.na@example.com")
    client.post(reverse("password_reset"), {"email": "li.na@example.com"})
    link = re.search(r"(/accounts/password/reset/\S+/)", mailoutbox[0].body).group(1)
    uid, token = link.strip("/").split("/")[-2:]
    from django.utils.encoding import force_str
    from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

    _, user_id = force_str(urlsafe_base64_decode(uid)).split(".")
    forged = urlsafe_base64_encode(f"{other_tenant.pk}.{user_id}".encode())
    page = client.get(reverse("password_reset_confirm", args=[forged, token]), follow=True)
    assert 'data-testid="invalid-link"' in page.content.decode()


# --- profile and "sign out everywhere" ---------------------------------------------------------


def test_profile_saves_name_phone_and_language_and_lists_territories(client, tenant, rep):
    _, _, t1, _ = territory_tree(tenant, "A")
    TerritoryAssignmentFactory(user=rep, territory=t1)
    client.force_login(rep)
    page = client.get(reverse("profile")).content.decode()
    assert "A片区一" in page and 'data-testid="sign-out-everywhere"' in page
    response = client.post(reverse("profile"), {"name": "王磊", "phone": "13800138000", "language": "en"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    with tenant_context(tenant):
        rep.refresh_from_db()
    assert (rep.name, rep.phone, rep.language) == ("王磊", "13800138000", "en")
    bad = client.post(reverse("profile"), {"name": "x", "phone": "", "language": "fr"})
    assert bad.status_code == 200 and 'data-testid="error-language"' in bad.content.decode()


def test_sign_out_everywhere_ends_every_session_and_revokes_the_api_tokens(tenant, rep, api_client):
    here, elsewhere = _signed_in(rep), _signed_in(rep)
    with tenant_context(tenant):
        _, key = api_token_create(tenant=tenant, by=rep, user=rep)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get(reverse("api-me")).status_code == 200
    response = here.post(reverse("sign_out_everywhere"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert not _is_signed_in(here) and not _is_signed_in(elsewhere)
    assert api_client.get(reverse("api-me")).status_code == 401
    assert _is_signed_in(_signed_in(rep))  # the password still works


# --- API tokens and 401 ---------------------------------------------------------------------------


def test_tokens_are_stored_hashed_and_expire(api_client, tenant, rep):
    response = api_client.post(reverse("api-token"), {"username": rep.username, "password": TEST_PASSWORD})
    assert response.status_code == 200
    key, expires = response.json()["token"], response.json()["expires_at"]
    assert datetime.datetime.fromisoformat(expires) > timezone.now() + datetime.timedelta(days=29)
    with tenant_context(tenant):
        token = ApiToken.objects.get(user=rep)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest() and key not in token.key_hash
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get(reverse("api-me")).status_code == 200
    with tenant_context(tenant):
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    expired = api_client.get(reverse("api-me"))
    assert expired.status_code == 401 and expired["WWW-Authenticate"] == 'Token realm="api"'


def test_a_client_revokes_its_token(api_client, tenant, rep):
    key = api_client.post(reverse("api-token"), {"username": rep.username, "password": TEST_PASSWORD}).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.delete(reverse("api-token")).status_code == 204
    assert api_client.get(reverse("api-me")).status_code == 401


@pytest.mark.parametrize("header", [None, "Token", "Token not-a-token", "Bearer abc"])
def test_api_calls_without_valid_credentials_answer_401_with_www_authenticate(api_client, header):
    if header:
        api_client.credentials(HTTP_AUTHORIZATION=header)
    response = api_client.get(reverse("territory-list"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Token realm="api"'


def test_signed_in_but_not_allowed_is_still_403(api_client, tenant, rep):
    api_client.force_login(rep)
    response = api_client.post(reverse("territory-list"), {"name": "x", "code": "X", "level": "region"})
    assert response.status_code == 403


def test_platform_staff_and_inactive_users_get_no_token(api_client, tenant, make_user):
    user = make_user(tenant, "rep", is_active=False)
    response = api_client.post(reverse("api-token"), {"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 400


# --- usernames are unique across tenants, which a tenant admin cannot see --------------------------


def test_a_username_taken_in_another_tenant_is_a_form_error_not_a_crash(client, tenant, other_tenant, make_user):
    make_user(other_tenant, "rep", username="taken_name")
    client.force_login(make_user(tenant, "tenant_admin"))
    response = client.post(
        reverse("admin:accounts_user_add"),
        {"username": "taken_name", "password1": "Zx9!long-pass", "password2": "Zx9!long-pass", "role": "rep"},
    )
    assert response.status_code == 200 and "errornote" in response.content.decode()
    with tenant_context(tenant):
        assert not User.objects.filter(username="taken_name").exists()


# --- Content-Security-Policy, API docs -----------------------------------------------------------


def test_pages_carry_a_strict_content_security_policy(client, rep):
    client.force_login(rep)
    for url in (reverse("home"), reverse("profile"), reverse("login")):
        policy = client.get(url)["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
        assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
        assert "unsafe" not in policy
    html = client.get(reverse("home")).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)", html) and " style=" not in html and " onclick=" not in html


def test_api_docs_are_open_here_and_load_no_inline_script(client):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs and not re.search(r"<script(?![^>]*\bsrc=)", docs)


def test_production_settings_put_the_api_schema_and_docs_behind_sign_in():
    script = (
        "from django.test import Client; c = Client(); "
        "s = c.get('/api/schema/'); d = c.get('/api/docs/'); "
        "print('|'.join(map(str, [s.status_code, s.get('WWW-Authenticate'), d.status_code, d.get('Location')])))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crm.settings.production",
        "SECRET_KEY": "x7#kq!v2$m9@pl4&zr8^wt6*yb1(nc5)hd3-fj0+gs_ue-docs-check-key",
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "false",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    schema_status, challenge, docs_status, location = result.stdout.strip().splitlines()[-1].split("|")
    assert (schema_status, challenge) == ("401", 'Token realm="api"')
    assert docs_status == "302" and location.startswith("/accounts/login/")
