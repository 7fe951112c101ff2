"""API pagination (its own module: DRF imports it while loading its generic views)."""

from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """Keyset pagination by default: no COUNT(*), stable under inserts, fast on deep pages."""

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 200
