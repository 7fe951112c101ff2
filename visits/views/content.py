"""The content library page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from crm.keyset import keyset_page
from crm.web import int_or_none, is_htmx, tenant_user
from visits import selectors
from visits.forms import (
    own_products,
)
from visits.models import (
    ContentKind,
)
from visits.views._shared import CONTENT_PAGE_SIZE

# --- content library -----------------------------------------------------------------------


@login_required
@require_GET
def content_list(request):
    """The content library: reps see approved, currently valid items; search by title, tag or
    product; filter by product and kind."""
    user = tenant_user(request)
    tenant = user.tenant_id
    qs = selectors.content_item_list(tenant=tenant, user=user, search=request.GET.get("q", ""))
    product_id = int_or_none(request.GET.get("product"))
    if product_id:
        qs = qs.filter(product_id=product_id)
    kind = request.GET.get("kind")
    if kind in ContentKind.values:
        qs = qs.filter(kind=kind)
    tag = (request.GET.get("tag") or "").strip()
    if tag:
        qs = qs.filter(tags__contains=[tag])
    page = keyset_page(qs, ordering=("title", "id"), cursor=request.GET.get("cursor"), size=CONTENT_PAGE_SIZE)
    usage = selectors.content_usage(tenant=tenant, item_ids=[i.pk for i in page.rows]) if page.rows else {}
    for item in page.rows:
        item.use_count = usage.get(item.pk, 0)
    context = {
        "page": page,
        "products": list(own_products(tenant).values_list("pk", "name")),
        "kinds": ContentKind.choices,
        "product_id": product_id,
        "kind": kind,
        "tag": tag,
    }
    if is_htmx(request) and request.headers.get("HX-Target") == "content-results":
        return render(request, "visits/_content_results.html", context)
    return render(request, "visits/content_list.html", context)
