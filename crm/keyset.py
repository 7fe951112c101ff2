"""Keyset ("seek") pagination — the one engine of browser lists and of the API
(:class:`crm.pagination.KeysetPagination` is its DRF adapter): no OFFSET, no COUNT(*).

A page is the first ``size`` rows after the last row of the previous page, in a total order
that ends with a unique key (``id``). The position travels in the URL as an opaque cursor
holding that row's sort values, so page 1,000 costs what page 1 costs and rows inserted
meanwhile neither repeat nor vanish. Whether there is a next page is known by fetching one
row more than shown; there is no total. A cursor may also point backwards (the API's
``previous`` link): the rows before a row, walked in reverse and returned in order.

When every sort key runs the same way on the table itself the condition is a row comparison,
``WHERE (a, b) > (x, y)``, which PostgreSQL answers with one index range scan whatever the
depth (even past thousands of equal names); a mixed order (``-created_at, id``) or a key of a
joined table (``hospital__name``) is spelled out lexicographically, led by a bound on the first
key. The sort keys must be NOT NULL (the comparison has no NULLs).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal

from django.db.models import F, Q, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan


@dataclasses.dataclass
class KeysetPage:
    """One page of rows and the cursor of the next page (None on the last page)."""

    rows: list
    next_cursor: str | None
    is_first: bool

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


# --- cursors --------------------------------------------------------------------------------


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


def encode_cursor(values: Sequence, *, backwards: bool = False) -> str:
    """The opaque URL-safe cursor of a row's sort ``values`` (``backwards``: the rows before it)."""
    data = {"v": [_encode_value(v) for v in values]}
    if backwards:
        data["r"] = 1
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def read_cursor(cursor: str | None, length: int) -> tuple[list, bool] | None:
    """(sort values, backwards) of ``cursor``, or None when it is absent or not one of ours
    (broken, or of another sort: the wrong number of values)."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        values = data["v"]
        if not isinstance(values, list) or len(values) != length:
            return None
        return [_decode_value(v) for v in values], bool(data.get("r"))
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        return None


def decode_cursor(cursor: str | None, length: int) -> list | None:
    """The sort values of a forward ``cursor``, or None (absent, broken, another sort's)."""
    found = read_cursor(cursor, length)
    return found[0] if found is not None and not found[1] else None


# --- the seek -------------------------------------------------------------------------------


def _fields(ordering: Sequence[str]) -> list[tuple[str, bool]]:
    return [(f.removeprefix("-"), f.startswith("-")) for f in ordering]


def _after(ordering: Sequence[str], values: Sequence) -> Q:
    """Rows strictly after ``values`` in ``ordering``, spelled out lexicographically (any mix
    of directions)."""
    fields = _fields(ordering)
    disjuncts = Q()
    for k, (name, desc) in enumerate(fields):
        term = Q(**{f"{name}__{'lt' if desc else 'gt'}": values[k]})
        for i in range(k):
            term &= Q(**{fields[i][0]: values[i]})
        disjuncts |= term
    # The first key bounded on its own lets PostgreSQL range-scan an index that starts with it.
    first, first_desc = fields[0]
    return Q(**{f"{first}__{'lte' if first_desc else 'gte'}": values[0]}) & disjuncts


def after(ordering: Sequence[str], values: Sequence):
    """The condition "strictly after ``values`` in ``ordering``": a row comparison when every key
    runs the same way and none crosses a relation (one index range scan), else :func:`_after`
    (whose leading bound on the first key serves a joined sort, e.g. by hospital name, far better
    than a row comparison across two tables)."""
    fields = _fields(ordering)
    directions = {desc for _name, desc in fields}
    if len(directions) > 1 or any("__" in name for name, _desc in fields):
        return _after(ordering, values)
    if len(fields) == 1:
        name, desc = fields[0]
        return Q(**{f"{name}__{'lt' if desc else 'gt'}": values[0]})
    lookup = TupleLessThan if directions == {True} else TupleGreaterThan
    return lookup(Tuple(*[F(name) for name, _desc in fields]), tuple(values))


def _reversed(ordering: Sequence[str]) -> list[str]:
    return [f.removeprefix("-") if f.startswith("-") else f"-{f}" for f in ordering]


def sort_values(row, ordering: Sequence[str]) -> list:
    """The values of ``row`` for the sort keys of ``ordering`` (``a__b`` follows relations)."""
    out = []
    for name, _desc in _fields(ordering):
        value = row
        for part in name.split("__"):
            value = getattr(value, part)
        out.append(value)
    return out


def seek(qs: QuerySet, *, ordering: Sequence[str], values=None, backwards: bool = False, size: int):
    """Up to ``size`` rows of ``qs`` in ``ordering`` (which ends with a unique key) after the row
    whose sort values are ``values`` (None: from the start) — or, ``backwards``, before it.
    Rows come in ``ordering`` order; the flag says whether more rows lie beyond them in the
    direction walked. One query."""
    walk = _reversed(ordering) if backwards else list(ordering)
    qs = qs.order_by(*walk)
    if values is not None:
        qs = qs.filter(after(walk, values))
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    return rows, more


def keyset_page(qs: QuerySet, *, ordering: Sequence[str], cursor: str | None, size: int = 50) -> KeysetPage:
    """The page of ``qs`` (sorted by ``ordering``, which must end with a unique key) after ``cursor``."""
    ordering = list(ordering)
    values = decode_cursor(cursor, len(ordering))
    rows, more = seek(qs, ordering=ordering, values=values, size=size)
    next_cursor = encode_cursor(sort_values(rows[-1], ordering)) if more else None
    return KeysetPage(rows=rows, next_cursor=next_cursor, is_first=values is None)
