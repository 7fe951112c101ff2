"""What the real-use benchmarks share: the database seeded like the demo (``seed_demo``: two
tenants, one login per role), and signed-in sessions for those logins."""

from __future__ import annotations

import io
import sys
import time


def seeded(ctx):
    """Run ``seed_demo`` once per benchmark run (it analyses what it wrote, as it does for users)."""
    if "demo" not in ctx.shared:
        from django.core.management import call_command

        start = time.perf_counter()
        call_command("seed_demo", stdout=io.StringIO())
        print(f"seed_demo: {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
        ctx.shared["demo"] = True


def demo_user(username: str):
    """A demo login (users are walled by tenant: read through the platform path)."""
    from accounts.models import User
    from crm.tenancy import platform_scope

    with platform_scope():
        return User.objects.get(username=username)


def session_cookie(username: str) -> str:
    """A session of ``username`` in the session store, as a sign-in would leave it."""
    import importlib

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from accounts.auth import TENANT_SESSION_KEY

    user = demo_user(username)
    session = importlib.import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "accounts.auth.TenantModelBackend"
    session[TENANT_SESSION_KEY] = user.tenant_id
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key
