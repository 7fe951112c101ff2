"""Keyset pagination on a sortable, non-unique column plus ``id`` (the doctor list).

DRF's CursorPagination keys on the first ordering column alone and counts ties with an
offset capped at 1,000; at a million doctors more than a thousand may share a common name
(王伟), and a deep page would then go wrong. Here the cursor holds the whole sort key
``(column, id)`` and the next page is ``WHERE (column, id) > (…)`` — one index range scan
whatever the depth, no COUNT.
"""

from __future__ import annotations

import base64
import json
from collections import OrderedDict

from django.db.models import F
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


def _value_of(obj, path: str):
    for part in path.split("__"):
        obj = getattr(obj, part)
    return obj


class KeysetPagination(BasePagination):
    """Pages of ``page_size`` rows ordered by one of ``orderings`` then ``id``, with next/previous cursors.

    ``orderings`` maps the value of the ``ordering`` query parameter (the same one the
    FilterSet's OrderingFilter reads; a leading ``-`` sorts descending) to the columns to sort by.
    """

    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    cursor_query_param = "cursor"
    ordering_query_param = "ordering"
    orderings: dict[str, tuple[str, ...]] = {"name": ("name",)}
    default_ordering = "name"
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

    def get_ordering(self, request) -> tuple[tuple[str, ...], bool]:
        """(columns ending with id, descending?) for the request's ``ordering`` parameter."""
        raw = (request.query_params.get(self.ordering_query_param) or "").split(",")[0].strip()
        descending = raw.startswith("-")
        key = raw.lstrip("-")
        if key not in self.orderings:
            key, descending = self.default_ordering, False
        return (*self.orderings[key], "id"), descending

    def decode_cursor(self, request, size: int):
        encoded = request.query_params.get(self.cursor_query_param)
        if not encoded:
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(encoded.encode()).decode())
            values, reverse = data["v"], bool(data.get("r"))
            if not isinstance(values, list) or len(values) != size:
                raise ValueError
        except (ValueError, KeyError, TypeError) as exc:
            raise NotFound(self.invalid_cursor_message) from exc
        return values, reverse

    def encode_cursor(self, values, reverse: bool) -> str:
        data = json.dumps({"v": list(values), "r": int(reverse)}, ensure_ascii=False, separators=(",", ":"))
        return base64.urlsafe_b64encode(data.encode()).decode()

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.size = self.get_page_size(request)
        self.columns, descending = self.get_ordering(request)
        if self.search_alias in queryset.query.annotations and not request.query_params.get(self.ordering_query_param):
            # A search orders by what matched (DoctorQuerySet.search) unless a sort was asked for.
            self.columns, descending = (self.search_alias, "id"), False
        cursor = self.decode_cursor(request, len(self.columns))
        reverse = bool(cursor and cursor[1])
        backwards = descending != reverse  # scanning the index downwards
        queryset = queryset.order_by(*[f"-{c}" if backwards else c for c in self.columns])
        if cursor:
            lookup = TupleLessThan if backwards else TupleGreaterThan
            queryset = queryset.filter(lookup(Tuple(*[F(c) for c in self.columns]), tuple(cursor[0])))
        rows = list(queryset[: self.size + 1])
        has_more = len(rows) > self.size
        rows = rows[: self.size]
        if reverse:
            rows.reverse()
        self.has_next = has_more if not reverse else True
        self.has_previous = bool(cursor) if not reverse else has_more
        self.page = rows
        return rows

    def _link(self, row, reverse):
        url = self.request.build_absolute_uri()
        if row is None:
            return None
        values = [_value_of(row, c) for c in self.columns]
        return replace_query_param(url, self.cursor_query_param, self.encode_cursor(values, reverse))

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


class DoctorPagination(KeysetPagination):
    """The doctor list: by name (default), hospital name or clinical title, each then by id; a
    search (``q``) by what matched (name, pinyin or initials: DoctorQuerySet.search)."""

    orderings = {"name": ("name",), "hospital": ("hospital__name",), "clinical_title": ("clinical_title",)}
    default_ordering = "name"
    search_alias = "search_key"
