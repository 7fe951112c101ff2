"""Keyset ("seek") pagination for browser lists: no OFFSET, no COUNT(*).

A page is the first ``size`` rows after the last row of the previous page, in a total order
that ends with a unique key (``id``). The position travels in the URL as an opaque cursor
holding the last row's sort values, so page 1,000 costs what page 1 costs and rows inserted
meanwhile neither repeat nor vanish. Whether there is a next page is known by fetching one
row more than shown; there is no total.

The sort keys must be NOT NULL columns (the ``WHERE (a, b) > (x, y)`` logic has no NULLs).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal
from operator import attrgetter

from django.db.models import Q, QuerySet


@dataclasses.dataclass
class KeysetPage:
    """One page of rows and the cursor of the next page (None on the last page)."""

    rows: list
    next_cursor: str | None
    is_first: bool

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


def _encode_value(value):
    if isinstance(value, dt.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    return value


def _decode_value(value):
    if isinstance(value, dict):
        if "dt" in value:
            return dt.datetime.fromisoformat(value["dt"])
        if "d" in value:
            return dt.date.fromisoformat(value["d"])
        if "n" in value:
            return Decimal(value["n"])
        raise ValueError("unknown cursor value")
    if isinstance(value, str | int | float | bool):
        return value
    raise ValueError("unknown cursor value")


def encode_cursor(values: Sequence) -> str:
    """The opaque URL-safe cursor for a row's sort ``values``."""
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, length: int) -> list | None:
    """The sort values in ``cursor``, or None when it is absent or not one of ours."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != length:
            return None
        return [_decode_value(v) for v in values]
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def _after(ordering: Sequence[str], values: Sequence) -> Q:
    """Rows strictly after ``values`` in ``ordering`` (a lexicographic comparison as a Q)."""
    fields = [(f.removeprefix("-"), f.startswith("-")) for f in ordering]
    disjuncts = Q()
    for k, (name, desc) in enumerate(fields):
        term = Q(**{f"{name}__{'lt' if desc else 'gt'}": values[k]})
        for i in range(k):
            term &= Q(**{fields[i][0]: values[i]})
        disjuncts |= term
    # The first key bounded on its own lets PostgreSQL range-scan an index that starts with it.
    first, first_desc = fields[0]
    return Q(**{f"{first}__{'lte' if first_desc else 'gte'}": values[0]}) & disjuncts


def keyset_page(qs: QuerySet, *, ordering: Sequence[str], cursor: str | None, size: int = 50) -> KeysetPage:
    """The page of ``qs`` (sorted by ``ordering``, which must end with a unique key) after ``cursor``."""
    ordering = list(ordering)
    qs = qs.order_by(*ordering)
    values = decode_cursor(cursor, len(ordering))
    if values is not None:
        qs = qs.filter(_after(ordering, values))
    rows = list(qs[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        getters = [attrgetter(f.removeprefix("-").replace("__", ".")) for f in ordering]
        next_cursor = encode_cursor([get(rows[-1]) for get in getters])
    return KeysetPage(rows=rows, next_cursor=next_cursor, is_first=values is None)
