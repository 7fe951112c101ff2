"""Reads of the content library: what each role sees, search, use counts."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from crm.permissions import (
    CONTENT_ALL_READERS,
)
from visits.models import (
    ContentItem,
    VisitStatus,
)
from visits.selectors.common import (
    _same_tenant,
)

# --- content library -----------------------------------------------------------------------


def content_item_list(*, tenant, user, search: str = "") -> QuerySet[ContentItem]:
    """Library items: medical affairs and administrators all; everyone else only approved,
    currently valid items. ``search`` matches title, tag or product name."""
    items = ContentItem.objects.for_tenant(tenant).select_related("product", "approved_by")
    if not _same_tenant(tenant, user):
        return items.none()
    if user.role not in CONTENT_ALL_READERS:
        items = items.usable()
    search = (search or "").strip()
    if search:
        items = items.filter(
            Q(title__icontains=search) | Q(tags__contains=[search]) | Q(product__name__icontains=search)
        )
    return items


def content_usage(*, tenant, item_ids=None) -> dict[int, int]:
    """Content item id → number of submitted visit reports that used it (one query)."""
    from visits.models import VisitContent

    qs = VisitContent.objects.for_tenant(tenant).filter(visit__status=VisitStatus.SUBMITTED)
    if item_ids is not None:
        qs = qs.filter(content_item_id__in=list(item_ids))
    return dict(qs.order_by().values_list("content_item_id").annotate(n=Count("*")).values_list("content_item_id", "n"))


def with_usage(items: QuerySet[ContentItem]) -> QuerySet[ContentItem]:
    """``items`` annotated with ``use_count``: submitted visit reports that used each item."""
    from visits.models import VisitContent

    uses = (
        VisitContent.objects.filter(content_item_id=OuterRef("pk"), visit__status=VisitStatus.SUBMITTED)
        .order_by()
        .values("content_item_id")
        .annotate(n=Count("*"))
        .values("n")[:1]
    )
    return items.annotate(use_count=Coalesce(Subquery(uses, output_field=IntegerField()), Value(0)))
