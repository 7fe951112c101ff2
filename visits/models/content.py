"""The content library: approved material a rep brings to or uses in a visit."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import TenantModel, TenantQuerySet
from visits.vocabulary import (
    ContentKind,
)

# --- content library -----------------------------------------------------------------------


class ContentItemQuerySet(TenantQuerySet):
    """Items of the content library."""

    def approved(self):
        """Approved by medical affairs."""
        return self.filter(approved_at__isnull=False)

    def valid_on(self, day=None):
        """Valid on ``day`` (today): started (or no start) and not expired (or no end)."""
        day = day or timezone.localdate()
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=day)
        )

    def usable(self, day=None):
        """What reps may see and use: approved and valid."""
        return self.approved().valid_on(day)


def content_upload_to(item, filename):
    """content/<tenant id>/<random>.<ext> (the title carries the human name)."""
    import os
    import uuid

    return f"content/{item.tenant_id}/{uuid.uuid4().hex}{os.path.splitext(filename)[1].lower()[:8]}"


class ContentItem(TenantModel):
    """An item of the content library (slide deck, brochure, …) for a product, approved and dated."""

    kind = models.CharField(_("kind"), max_length=24, choices=ContentKind.choices)
    product = models.ForeignKey(
        "hospitals.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="content_items",
        verbose_name=_("product"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    file = models.FileField(_("file"), upload_to=content_upload_to, max_length=200, blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    tags = ArrayField(models.CharField(max_length=40), blank=True, default=list, verbose_name=_("tags"))
    approved_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ContentItemQuerySet.as_tenant_manager()

    class Meta:
        verbose_name = _("content item")
        verbose_name_plural = _("content items")
        ordering = ["title", "id"]
        indexes = [
            models.Index(fields=["tenant", "product"], name="content_tenant_product_idx"),
            models.Index(fields=["tenant", "kind"], name="content_tenant_kind_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_until__gte=models.F("valid_from")),
                name="content_valid_range",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None
