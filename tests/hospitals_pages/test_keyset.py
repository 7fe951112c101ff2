"""crm.keyset: cursors survive the round trip; pages follow the order exactly."""

import datetime as dt
from decimal import Decimal

from crm.keyset import _after, decode_cursor, encode_cursor


def test_cursor_round_trip_of_every_kind_of_sort_value():
    values = ["李建国", 42, dt.datetime(2025, 6, 1, 8, 30, tzinfo=dt.UTC), dt.date(2025, 6, 1), Decimal("1.50")]
    assert decode_cursor(encode_cursor(values), len(values)) == values


def test_a_foreign_or_broken_cursor_is_no_cursor():
    assert decode_cursor(None, 2) is None
    assert decode_cursor("%%%", 2) is None
    assert decode_cursor(encode_cursor(["a"]), 2) is None  # the wrong length: another sort's cursor
    assert decode_cursor(encode_cursor([{"x": 1}, 1]), 2) is None


def test_after_compares_lexicographically_in_each_direction():
    q = _after(["-name", "-id"], ["王", 5])
    text = str(q)
    assert "name__lte" in text and "name__lt" in text and "id__lt" in text
