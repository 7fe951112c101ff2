"""Authentication under row-level security: who a user is before their tenant is known.

``accounts_user`` and ``accounts_apitoken`` are walled like every tenant table, so the app
role sees the users of the tenant it signed for and no one else. Three moments need a user
before any tenant is set; each asks one narrow SECURITY DEFINER function (owned by the owner
role, see accounts/migrations/0004_walled_users.py) for the *id and tenant* that belong to one
exact key, then reads the user inside that tenant (or, for platform staff, who have no tenant,
in :func:`~crm.tenancy.platform_scope`):

* sign-in: ``crm_auth_login(username)``;
* an API token: ``crm_auth_token(sha256 of the token)`` — unexpired tokens only;
* a password-reset request: ``crm_auth_email(e-mail)`` — the active logins with that address.

A signed-in session carries its tenant (``TENANT_SESSION_KEY``, written at sign-in), so the
user of each request is read in that tenant with no lookup at all (:func:`get_session_user`).
"""

from __future__ import annotations

from django.contrib import auth
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.db import connection
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from crm import tenancy

TENANT_SESSION_KEY = "_crm_tenant"
PLATFORM = "platform"


def _call(function: str, *args) -> list[tuple]:
    """Rows of one of the pre-tenant lookup functions (as the app role, on its own connection)."""
    placeholders = ", ".join(["%s"] * len(args))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM public.{function}({placeholders})", args)  # noqa: S608 - fixed names
        return cursor.fetchall()


def scope_for_tenant(tenant_id):
    """The tenancy scope of a user of ``tenant_id`` (None: platform staff)."""
    return tenancy.tenant_context(tenant_id) if tenant_id is not None else tenancy.platform_scope()


def user_id_for_username(username: str) -> int | None:
    """The id of the user called ``username`` in any tenant (usernames are unique platform-wide)."""
    rows = _call("crm_auth_login", username)
    return rows[0][0] if rows else None


def load_user_by_username(username: str):
    """The user called ``username``, read in their own tenant; None when there is none."""
    from accounts.models import User

    rows = _call("crm_auth_login", username)
    if not rows:
        return None
    user_id, tenant_id = rows[0]
    with scope_for_tenant(tenant_id):
        return User.objects.filter(pk=user_id).first()


def users_for_email(email: str) -> list:
    """The active users with ``email`` (one per login: a person may work for two tenants)."""
    from accounts.models import User

    users = []
    for user_id, tenant_id in _call("crm_auth_email", email):
        with scope_for_tenant(tenant_id):
            user = User.objects.filter(pk=user_id).first()
        if user is not None:
            users.append(user)
    return users


def load_user(user_id, tenant_id):
    """User ``user_id`` read inside ``tenant_id`` (None: platform staff); None when not there."""
    from accounts.models import User

    with scope_for_tenant(tenant_id):
        return User.objects.filter(pk=user_id).first()


def token_user(key: str):
    """``(user, token)`` for an unexpired API token ``key`` of an active user, else None."""
    from accounts.models import ApiToken, User

    rows = _call("crm_auth_token", ApiToken.hash_key(key))
    if not rows:
        return None
    token_id, user_id, tenant_id = rows[0]
    with tenancy.tenant_context(tenant_id):
        user = User.objects.filter(pk=user_id, is_active=True).first()
        token = ApiToken.objects.filter(pk=token_id).first()
        if user is None or token is None:
            return None
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return user, token


class TenantModelBackend(ModelBackend):
    """Django's username/password backend, reading the user inside their own tenant."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        from accounts.models import User

        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        rows = _call("crm_auth_login", username)
        if not rows:
            # As slow as a wrong password, so that timing does not tell which usernames exist.
            User().set_password(password)
            return None
        with scope_for_tenant(rows[0][1]):
            return super().authenticate(request, username=username, password=password, **kwargs)


def session_scope(session):
    """The scope a signed-in session works in (its tenant, or platform); no tenant if unknown."""
    value = session.get(TENANT_SESSION_KEY)
    if value == PLATFORM:
        return tenancy.platform_scope()
    if isinstance(value, int):
        return tenancy.tenant_context(value)
    return tenancy.tenant_context(None)


def get_session_user(request):
    """Django's ``auth.get_user``, run in the tenant the session signed in to."""
    if not hasattr(request, "_cached_user"):
        with session_scope(request.session):
            request._cached_user = auth.get_user(request)
    return request._cached_user


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's middleware with :func:`get_session_user` (the user read in the session's tenant)."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: get_session_user(request))


def remember_tenant(sender, request, user, **kwargs):
    """On sign-in, write the user's tenant (or "platform") into the session."""
    if request is not None and hasattr(request, "session"):
        request.session[TENANT_SESSION_KEY] = user.tenant_id if user.tenant_id is not None else PLATFORM


def update_last_login(sender, user, **kwargs):
    """Django's ``update_last_login``, inside the user's own tenant (their row is walled)."""
    from django.contrib.auth.models import update_last_login as django_update_last_login

    with scope_for_tenant(user.tenant_id):
        django_update_last_login(sender, user, **kwargs)
