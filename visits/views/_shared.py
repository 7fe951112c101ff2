"""What the pages of visits share: who visits doctors, the page size of long lists."""

from __future__ import annotations

from crm.permissions import VISITING_ROLES
from crm.web import tenant_user

CONTENT_PAGE_SIZE = 30


def _visiting_user(request):
    return tenant_user(request, VISITING_ROLES)
