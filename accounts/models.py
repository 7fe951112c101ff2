"""Tenants (pharma companies), users with one role each, and the territory tree.

A user belongs to exactly one tenant with exactly one role (the "membership" of DESIGN.md is
``User.tenant`` + ``User.role``): compliance wants a person who works for two companies to
have two logins, never one account that sees both. Platform staff are superusers with no
tenant.

``User`` and DRF's ``Token`` are looked up during authentication, before any tenant is known,
so their tables are not under row-level security; every other query for users goes through
``User.objects.in_tenant(...)``.
"""

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
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
