"""Tenants (pharma companies), users with one role each, and the territory tree.

A user belongs to exactly one tenant with exactly one role (the "membership" of DESIGN.md is
``User.tenant`` + ``User.role``): compliance wants a person who works for two companies to
have two logins, never one account that sees both. Platform staff are superusers with no
tenant.

Users and API tokens are under row-level security like every tenant-owned row (platform
staff, who have no tenant, are visible to the platform role only). The few reads needed before
the tenant is known — sign-in by username, an API token, a password-reset e-mail — go through
narrow SECURITY DEFINER functions that answer a user's id and tenant for one exact key
(accounts/auth.py, docs/security.md); the row itself is then read inside that tenant.
"""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from crm.models import TenantModel, TenantQuerySet
from crm.permissions import FIELD_ROLES
from crm.roles import Role  # the kernel's vocabulary; ``accounts.models.Role`` stays importable


class Tenant(models.Model):
    """A pharmaceutical or medical-device company: the unit of data isolation."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")
        ordering = ["name"]

    def __str__(self):
        return self.name


class UserQuerySet(models.QuerySet):
    """Users, always asked for within one tenant outside authentication."""

    def in_tenant(self, tenant):
        """The users of ``tenant`` (a Tenant or its id)."""
        return self.filter(tenant_id=getattr(tenant, "pk", tenant))

    def with_role(self, *roles):
        """Users holding one of ``roles``."""
        return self.filter(role__in=roles)


class CrmUserManager(UserManager.from_queryset(UserQuerySet)):
    """Django's user manager with the tenant vocabulary."""


class User(AbstractUser):
    """A person who signs in: a tenant user with one role, or platform staff (no tenant)."""

    tenant = models.ForeignKey(
        Tenant, on_delete=models.PROTECT, null=True, blank=True, related_name="users", verbose_name=_("tenant")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)
    name = models.CharField(_("full name"), max_length=100, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=30, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)
    # Part of every session's hash: a new value signs the user out of all sessions.
    session_salt = models.CharField(max_length=32, blank=True, editable=False)

    objects = CrmUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [models.Index(fields=["tenant", "role"], name="user_tenant_role_idx")]
        constraints = [
            models.CheckConstraint(
                name="user_tenant_has_role",
                condition=(Q(tenant__isnull=False) & ~Q(role=""))
                | (Q(tenant__isnull=True) & Q(role="") & Q(is_superuser=True)),
                violation_error_message=_("A user needs a tenant and a role (only platform staff have neither)."),
            )
        ]

    def __str__(self):
        return self.name or self.username

    @property
    def is_platform_staff(self) -> bool:
        """Superuser without a tenant: manages tenants across the platform."""
        return self.is_superuser and self.tenant_id is None

    def _get_session_auth_hash(self, secret=None):
        # Django's hash of the password, plus the salt that "sign out everywhere" renews.
        key_salt = "accounts.User.get_session_auth_hash"
        value = f"{self.password}:{self.session_salt}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()

    def validate_unique(self, exclude=None):
        """Usernames are unique across tenants, which row-level security hides from a tenant's view."""
        super().validate_unique(exclude)
        if self.username and (exclude is None or "username" not in exclude):
            from accounts.auth import user_id_for_username

            other = user_id_for_username(self.username)
            if other is not None and other != self.pk:
                raise ValidationError({"username": self.unique_error_message(User, ["username"])})

    def clean(self):
        super().clean()
        if self.tenant_id is None and not self.is_superuser:
            raise ValidationError({"tenant": _("A user who is not platform staff belongs to a tenant.")})
        if self.tenant_id is not None and not self.role:
            raise ValidationError({"role": _("Choose the user's role.")})
        if self.tenant_id is None and self.role:
            raise ValidationError({"role": _("Platform staff have no tenant role.")})


class TerritoryLevel(models.TextChoices):
    """Levels of the territory tree, top down."""

    REGION = "region", _("Region")
    DISTRICT = "district", _("District")
    TERRITORY = "territory", _("Territory")


_PARENT_LEVEL = {
    TerritoryLevel.REGION: None,
    TerritoryLevel.DISTRICT: TerritoryLevel.REGION,
    TerritoryLevel.TERRITORY: TerritoryLevel.DISTRICT,
}


class TerritoryQuerySet(TenantQuerySet):
    """Territory nodes."""

    def subtree_of(self, nodes):
        """``nodes`` and every node below them (the tree is three levels deep)."""
        ids = [getattr(n, "pk", n) for n in nodes]
        return self.filter(Q(pk__in=ids) | Q(parent_id__in=ids) | Q(parent__parent_id__in=ids))

    def leaves(self):
        """Only the bottom level, the territories reps work in."""
        return self.filter(level=TerritoryLevel.TERRITORY)


class Territory(TenantModel):
    """A node of the sales structure: region (大区) > district (地区) > territory (片区)."""

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=40)
    level = models.CharField(_("level"), max_length=16, choices=TerritoryLevel.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )

    objects = TerritoryQuerySet.as_tenant_manager()

    class Meta:
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="territory_tenant_code_uniq"),
        ]
        indexes = [models.Index(fields=["tenant", "parent"], name="territory_tenant_parent_idx")]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def clean(self):
        super().clean()
        expected = _PARENT_LEVEL.get(self.level)
        parent_level = self.parent.level if self.parent_id else None
        if parent_level != expected:
            raise ValidationError(
                {
                    "parent": _("A %(level)s must sit under a %(parent)s.")
                    % {"level": self.get_level_display(), "parent": TerritoryLevel(expected).label}
                }
                if expected
                else {"parent": _("A region is the top of the tree and has no parent.")}
            )


class TerritoryAssignment(TenantModel):
    """Who covers a node: a rep their territories, a manager a district or region."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="territory_assignments", verbose_name=_("user")
    )
    territory = models.ForeignKey(
        Territory, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("territory")
    )
    since = models.DateField(_("since"), null=True, blank=True)

    class Meta:
        verbose_name = _("territory assignment")
        verbose_name_plural = _("territory assignments")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user", "territory"], name="assignment_tenant_user_uniq"),
        ]
        indexes = [models.Index(fields=["tenant", "territory"], name="assignment_tenant_terr_idx")]

    def __str__(self):
        return f"{self.user} → {self.territory}"

    def clean(self):
        super().clean()
        if self.user_id and self.user.tenant_id != self.tenant_id:
            raise ValidationError({"user": _("Select a valid choice.")})
        if self.user_id and self.territory_id:
            if self.user.role in FIELD_ROLES and self.territory.level != TerritoryLevel.TERRITORY:
                raise ValidationError({"territory": _("Reps are assigned to territories, not regions or districts.")})
            if self.user.role == Role.MANAGER and self.territory.level == TerritoryLevel.TERRITORY:
                raise ValidationError({"territory": _("Managers manage a district or a region.")})


def _token_expiry():
    from django.utils import timezone

    return timezone.now() + settings.API_TOKEN_TTL


class ApiToken(TenantModel):
    """An API token of a user: only its SHA-256 is stored, and it expires.

    The token itself is shown once, when it is made (``accounts.services.api_token_create``);
    a client sends it as ``Authorization: Token <token>``.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    key_hash = models.CharField(_("key hash"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), default=_token_expiry)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [models.UniqueConstraint(fields=["tenant", "key_hash"], name="apitoken_tenant_hash_uniq")]
        indexes = [models.Index(fields=["tenant", "user"], name="apitoken_tenant_user_idx")]

    def __str__(self):
        return f"{self.user} · {self.name or self.pk}"

    @staticmethod
    def new_key() -> str:
        """A fresh random token (256 bits)."""
        return secrets.token_urlsafe(32)

    @staticmethod
    def hash_key(key: str) -> str:
        """What is stored of a token: its SHA-256, hex (tokens are random, so no slow hash is needed)."""
        return hashlib.sha256(key.encode()).hexdigest()
