"""Writes of accounts: one function per use case, each in a transaction."""

import secrets

from django.db import transaction

from accounts.models import ApiToken, Territory, TerritoryAssignment, User
from crm.tenancy import tenant_id_of


@transaction.atomic
def territory_create(*, tenant, by, name, code, level, parent=None) -> Territory:
    """Add a node to the territory tree of ``tenant`` (validated: level fits the parent)."""
    territory = Territory(tenant_id=tenant_id_of(tenant), name=name, code=code, level=level, parent=parent)
    territory.full_clean()
    territory.save()
    return territory


@transaction.atomic
def territory_assign(*, tenant, by, user, territory, since=None) -> TerritoryAssignment:
    """Assign ``user`` to ``territory`` (a rep to a territory, a manager to a district or region)."""
    assignment = TerritoryAssignment(tenant_id=tenant_id_of(tenant), user=user, territory=territory, since=since)
    assignment.full_clean()
    assignment.save()
    return assignment


@transaction.atomic
def api_token_create(*, tenant, by, user, name="") -> tuple[ApiToken, str]:
    """A new API token for ``user``: the row (only the hash is stored) and the token, shown once."""
    key = ApiToken.new_key()
    token = ApiToken(tenant_id=getattr(tenant, "pk", tenant), user=user, name=name, key_hash=ApiToken.hash_key(key))
    token.full_clean()
    token.save()
    return token, key


@transaction.atomic
def api_token_revoke(*, tenant, by, token) -> None:
    """Delete one API token (the client signs out)."""
    ApiToken.objects.for_tenant(tenant).filter(pk=token.pk).delete()


@transaction.atomic
def user_profile_update(*, by, user, name, phone, language) -> User:
    """Change what a user says about themselves: name, phone, language."""
    user.name, user.phone, user.language = name, phone, language
    user.full_clean(exclude=["password", "username"])
    user.save(update_fields=["name", "phone", "language"])
    return user


@transaction.atomic
def user_sign_out_everywhere(*, by, user) -> int:
    """End every session of ``user`` (their hash changes with a new salt) and delete their API tokens.

    Returns how many API tokens were deleted. Platform staff have no tokens.
    """
    user.session_salt = secrets.token_hex(16)
    user.save(update_fields=["session_salt"])
    if user.tenant_id is None:
        return 0
    deleted, _ = ApiToken.objects.for_tenant(user.tenant_id).filter(user=user).delete()
    return deleted
