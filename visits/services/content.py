"""Writes of the content library: add, change (a substantive change needs a new approval),
approve (medical affairs), withdraw."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.permissions import CONTENT_EDITORS
from crm.tenancy import tenant_id_of
from visits.models import (
    ContentItem,
)
from visits.services._shared import (
    _only,
    _pk,
)

CONTENT_FIELDS = frozenset(
    {"kind", "product", "title", "description", "file", "url", "tags", "valid_from", "valid_until"}
)


# --- content library -----------------------------------------------------------------------


@transaction.atomic
def content_item_create(*, tenant, by, **fields) -> ContentItem:
    """Add an item to the library (not approved yet: reps do not see it)."""
    _only(fields, CONTENT_FIELDS)
    item = ContentItem(tenant_id=tenant_id_of(tenant), **fields)
    _check_content(item)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def content_item_update(*, tenant, by, item, **fields) -> ContentItem:
    """Change an item; a change of what reps show (file, link, title, kind) needs a new approval."""
    _only(fields, CONTENT_FIELDS)
    item = ContentItem.objects.for_tenant(tenant).select_for_update().get(pk=_pk(item))
    substantive = {"file", "url", "title", "kind", "product"}
    changed = False
    for name, value in fields.items():
        if getattr(item, name) != value and name in substantive:
            changed = True
        setattr(item, name, value)
    if changed:
        item.approved_at = None
        item.approved_by = None
    _check_content(item)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def content_item_approve(*, tenant, by, item) -> ContentItem:
    """Medical affairs approves an item: reps see it while it is valid."""
    if by.role not in CONTENT_EDITORS:
        raise ValidationError(_("Only medical affairs approves content."))
    item = ContentItem.objects.for_tenant(tenant).select_for_update().get(pk=_pk(item))
    item.approved_by = by
    item.approved_at = timezone.now()
    item.save(update_fields=["approved_by", "approved_at"])
    return item


@transaction.atomic
def content_item_withdraw(*, tenant, by, item) -> ContentItem:
    """Withdraw an approval (reps stop seeing the item; past uses stay counted)."""
    item = ContentItem.objects.for_tenant(tenant).select_for_update().get(pk=_pk(item))
    item.approved_by = None
    item.approved_at = None
    item.save(update_fields=["approved_by", "approved_at"])
    return item


def _check_content(item):
    if not item.file and not item.url:
        raise ValidationError({"url": _("Give a file or a link.")})
