"""API pagination: the DRF adapter of the one keyset engine (crm.keyset).

Its own module: DRF imports it while loading its generic views. Every list of the API is
keyset-paginated (no COUNT(*), stable under inserts, as fast on page 1,000 as on page 1),
by ``-id`` unless the viewset's paginator offers sorts (``orderings``, e.g. the doctor list).
"""

from __future__ import annotations

from collections import OrderedDict

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from crm import keyset


class KeysetPagination(BasePagination):
    """Pages of ``page_size`` rows with ``next``/``previous`` cursors (crm.keyset cursors).

    ``orderings`` maps a value of the ``ordering`` query parameter (a leading ``-`` sorts
    descending; the same parameter a FilterSet's OrderingFilter reads) to the columns to sort
    by, before the unique ``id`` that ends every order. ``default_ordering`` applies otherwise.
    """

    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    cursor_query_param = "cursor"
    ordering_query_param = "ordering"
    orderings: dict[str, tuple[str, ...]] = {"id": ()}
    default_ordering = "-id"
    # An annotation of the queryset (``search_key`` of a doctor search) that, when present and
    # no ``ordering`` is asked for, is the sort key instead.
    search_alias: str | None = None
    invalid_cursor_message = _("Invalid cursor")

    def get_page_size(self, request):
        try:
            size = int(request.query_params[self.page_size_query_param])
        except (KeyError, ValueError):
            return self.page_size
        return max(1, min(size, self.max_page_size))

    def get_ordering(self, request, queryset=None) -> list[str]:
        """The sort (``["-name", "-id"]``) of the request's ``ordering`` parameter."""
        raw = (request.query_params.get(self.ordering_query_param) or "").split(",")[0].strip()
        if self.search_alias and queryset is not None and self.search_alias in queryset.query.annotations and not raw:
            # A search orders by what matched (DoctorQuerySet.search) unless a sort was asked for.
            return [self.search_alias, "id"]
        if raw.lstrip("-") not in self.orderings:
            raw = self.default_ordering
        descending, key = raw.startswith("-"), raw.lstrip("-")
        return [f"-{c}" if descending else c for c in (*self.orderings[key], "id")]

    def encode_cursor(self, values, reverse: bool) -> str:
        """The cursor of the row whose sort values are ``values`` (``reverse``: the rows before it)."""
        return keyset.encode_cursor(values, backwards=reverse)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.get_page_size(request)
        self.ordering = self.get_ordering(request, queryset)
        encoded = request.query_params.get(self.cursor_query_param)
        cursor = keyset.read_cursor(encoded, len(self.ordering)) if encoded else None
        if encoded and cursor is None:
            raise NotFound(self.invalid_cursor_message)
        values, reverse = cursor if cursor else (None, False)
        rows, more = keyset.seek(queryset, ordering=self.ordering, values=values, backwards=reverse, size=size)
        self.has_next = more if not reverse else True
        self.has_previous = bool(cursor) if not reverse else more
        self.page = rows
        return rows

    def _link(self, row, reverse):
        values = keyset.sort_values(row, self.ordering)
        return replace_query_param(
            self.request.build_absolute_uri(), self.cursor_query_param, self.encode_cursor(values, reverse)
        )

    def get_next_link(self):
        if not self.has_next or not self.page:
            return None
        return self._link(self.page[-1], reverse=False)

    def get_previous_link(self):
        if not self.has_previous:
            return None
        if not self.page:
            return remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)
        return self._link(self.page[0], reverse=True)

    def get_paginated_response(self, data):
        return Response(
            OrderedDict([("next", self.get_next_link()), ("previous", self.get_previous_link()), ("results", data)])
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The pagination cursor value.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": "Number of results to return per page.",
                "schema": {"type": "integer"},
            },
        ]


class CursorPagination(KeysetPagination):
    """The default of every API list (settings ``DEFAULT_PAGINATION_CLASS``): newest first, by id."""
