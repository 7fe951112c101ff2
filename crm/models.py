"""The tenant-owned base model and its fail-closed managers (see crm.tenancy for the context),
and the one model of the kernel: :class:`Notification`, the inbox every app writes to
(crm.inbox)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.tenancy import TenantNotSetError, current_tenant_id, in_platform_scope


def _guarded(name):
    """Wrap QuerySet method ``name`` so that it refuses to run on an unscoped queryset."""
    method = getattr(models.QuerySet, name)

    def guarded(self, *args, **kwargs):
        if self._tenant_unscoped:
            raise TenantNotSetError(
                f"{self.model._meta.label} queried with no tenant in context; "
                "use tenant_context(tenant) or platform_scope()"
            )
        return method(self, *args, **kwargs)

    guarded.__name__ = name
    guarded.__doc__ = method.__doc__
    return guarded


class TenantQuerySet(models.QuerySet):
    """QuerySet of a tenant-owned model.

    One built by the default manager with no tenant in context is *unscoped*: it can be
    composed (libraries build querysets at import time), but running it raises
    :class:`~crm.tenancy.TenantNotSetError`. It never returns every tenant's rows.
    """

    _tenant_unscoped = False

    def _clone(self):
        clone = super()._clone()
        clone._tenant_unscoped = self._tenant_unscoped
        return clone

    _fetch_all = _guarded("_fetch_all")
    count = _guarded("count")
    exists = _guarded("exists")
    contains = _guarded("contains")
    aggregate = _guarded("aggregate")
    update = _guarded("update")
    _update = _guarded("_update")
    delete = _guarded("delete")
    _raw_delete = _guarded("_raw_delete")
    iterator = _guarded("iterator")
    explain = _guarded("explain")

    def for_tenant(self, tenant):
        """Rows of ``tenant`` only (explicit form, also valid inside platform scope)."""
        return self.filter(tenant_id=getattr(tenant, "pk", tenant))

    @classmethod
    def as_tenant_manager(cls):
        """A fail-closed :class:`TenantManager` whose querysets are of this class."""
        return TenantManager.from_queryset(cls)()


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):
    """Default manager: the current tenant's rows; fails closed when no tenant is in context."""

    def get_queryset(self):
        qs = super().get_queryset()
        tenant_id = current_tenant_id()
        if tenant_id is not None:
            return qs.filter(tenant_id=tenant_id)
        if not in_platform_scope():
            qs._tenant_unscoped = True
        return qs


class UnscopedManager(models.Manager.from_queryset(TenantQuerySet)):
    """Every tenant's rows at the application level (RLS still applies in the database).

    Loudly named on purpose: only platform-wide code inside :func:`platform_scope` uses it.
    """


class TenantModel(models.Model):
    """Base of every tenant-owned model: a NOT NULL ``tenant`` and tenant-scoped managers.

    Subclasses start their indexes and unique constraints with ``tenant`` and add
    ``EnableTenantRLS`` for their table in a migration (a test enforces both).
    """

    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.PROTECT, related_name="+", verbose_name=_("tenant"))

    objects = TenantManager()
    unscoped_objects = UnscopedManager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        current = current_tenant_id()
        if self.tenant_id is None:
            if current is None:
                raise TenantNotSetError(f"cannot save {self._meta.label} without a tenant")
            self.tenant_id = current
        elif current is not None and self.tenant_id != current:
            raise TenantNotSetError(
                f"{self._meta.label} of tenant {self.tenant_id} saved while tenant {current} is active"
            )
        self.check_tenant_references()
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.tenant_id is not None:
            self.check_tenant_references()

    # ``tenant`` is never a form field, yet every unique constraint starts with it: validate
    # them with the tenant the row already has instead of skipping them (which would turn a
    # duplicate into an IntegrityError instead of a form error).
    def validate_unique(self, exclude=None):
        super().validate_unique(exclude=self._with_tenant(exclude))

    def validate_constraints(self, exclude=None):
        super().validate_constraints(exclude=self._with_tenant(exclude))

    def _with_tenant(self, exclude):
        if exclude and self.tenant_id is not None:
            return set(exclude) - {"tenant"}
        return exclude

    def check_tenant_references(self):
        """Refuse a foreign key to another tenant's row.

        PostgreSQL checks foreign keys without RLS, so a guessed id of another tenant would
        otherwise be accepted; this is the "check in the service" of STYLE.md, done once here.
        """
        for field in self._meta.concrete_fields:
            if not field.is_relation or field.name == "tenant":
                continue
            related = field.related_model
            if not has_tenant_field(related):
                continue
            value = getattr(self, field.attname)
            if value is None:
                continue
            if field.is_cached(self):
                other_tenant = getattr(self, field.name).tenant_id
            else:
                other_tenant = related._base_manager.filter(pk=value).values_list("tenant_id", flat=True).first()
            if other_tenant != self.tenant_id:
                raise ValidationError({field.name: _("Select a valid choice.")})


def has_tenant_field(model) -> bool:
    """True for models whose rows belong to a tenant (tenant-owned models and users)."""
    try:
        return model._meta.get_field("tenant").is_relation
    except Exception:  # FieldDoesNotExist, or a lazy reference
        return False


class Notification(TenantModel):
    """An in-app notification for one user: a daily reminder, a new task, a plan to review, …

    Every app writes them through :func:`crm.inbox.notify` (or a reminder it registers with
    :func:`crm.inbox.register_reminders`); ``kind`` is a code the app names and labels
    (:func:`crm.inbox.register_kinds`). At most one per (user, kind, object, day): a daily
    job may run again the same day without repeating itself.
    """

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+", verbose_name=_("user"))
    kind = models.CharField(_("kind"), max_length=20)
    text = models.CharField(_("text"), max_length=300)
    link = models.CharField(_("link"), max_length=300, blank=True)
    object_type = models.CharField(_("object type"), max_length=40, blank=True)
    object_id = models.BigIntegerField(_("object id"), null=True, blank=True)
    date = models.DateField(_("date"), default=timezone.localdate)
    read = models.BooleanField(_("read"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "user", "kind", "object_type", "object_id", "date"],
                name="notification_tenant_once_a_day",
                nulls_distinct=False,
            ),
        ]
        indexes = [models.Index(fields=["tenant", "user", "read", "-created_at"], name="notif_tenant_user_idx")]

    def __str__(self):
        return self.text

    @property
    def kind_label(self) -> str:
        """The kind as people read it (the label its app registered, else the code)."""
        from crm.inbox import kind_label

        return kind_label(self.kind)


class WorkdayOverride(TenantModel):
    """A tenant's own working or rest day on top of China's calendar (crm.workdays).

    A company holiday (``is_workday=False``), a worked day the national calendar rests, or next
    year's public holidays and make-up days (调休) entered before the chinesecalendar library
    ships them. One row per tenant and date; it wins over the national calendar.
    """

    date = models.DateField(_("date"))
    is_workday = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("working-day override")
        verbose_name_plural = _("working-day overrides")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "date"], name="workday_override_tenant_date"),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {_('working day') if self.is_workday else _('rest day')}"
