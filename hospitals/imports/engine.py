"""From numbered rows of text to parsed rows: find the header row, map columns, parse cells.

The header row need not be the first: titles above it ("2024年医院名单") are skipped; it is
the row among the first 20 that names the most known columns. Each column's distinct values
are parsed once (a cache per column), which is what makes a 100,000-row file cheap to check.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from django.utils.translation import gettext_noop

from hospitals.imports.errors import Invalid, RowError
from hospitals.imports.reading import Row
from hospitals.imports.specs import Column, Spec, header_key, header_key_without_units

HEADER_SEARCH_ROWS = 20


class ParsedRow:
    """One data row: its spreadsheet number, parsed values by column key, and the id it matched."""

    __slots__ = ("number", "values", "id", "ok")

    def __init__(self, number: int, values: dict):
        self.number = number
        self.values = values
        self.id = None
        self.ok = True

    def get(self, key):
        return self.values.get(key)


@dataclasses.dataclass
class Parsed:
    rows: list[ParsedRow]
    headers: dict[str, str]  # column key → header as written in the file
    errors: list[RowError]
    notes: list[RowError]


def _match_headers(cells: list[str], index: dict[str, Column]) -> dict[int, Column]:
    found = {}
    for position, cell in enumerate(cells):
        if not cell:
            continue
        col = index.get(header_key(cell)) or index.get(header_key_without_units(cell))
        if col is not None:
            found[position] = col
    return found


def locate_header(rows: list[Row], spec: Spec) -> tuple[int, dict[int, Column]]:
    """Position in ``rows`` of the header row and its recognised columns (position → column)."""
    index = spec.header_index()
    best, best_found, best_score = 0, {}, (-1, -1)
    for i, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found = _match_headers(cells, index)
        required = sum(1 for c in found.values() if c.required)
        score = (len({c.key for c in found.values()}), required)
        if score > best_score:
            best, best_found, best_score = i, found, score
    return best, best_found


def parse(rows: list[Row], spec: Spec, *, on_progress: Callable[[int], None] | None = None) -> Parsed:
    """Parse every data row; errors of every row and column are collected, nothing stops early."""
    errors: list[RowError] = []
    notes: list[RowError] = []
    if not rows:
        errors.append(RowError(0, "", gettext_noop("the file has no rows")))
        return Parsed([], {}, errors, notes)

    header_at, found = locate_header(rows, spec)
    header_number, header_cells = rows[header_at]
    if not found:
        labels = "、".join(str(c.label) for c in spec.columns if c.required) or str(spec.columns[0].label)
        errors.append(
            RowError(
                0,
                "",
                gettext_noop("no header row found: the file needs the column(s) %(columns)s"),
                {"columns": labels},
            )
        )
        return Parsed([], {}, errors, notes)

    headers: dict[str, str] = {}
    positions: list[tuple[int, Column]] = []
    for position, col in sorted(found.items()):
        if col.key in headers:
            errors.append(
                RowError(
                    header_number,
                    header_cells[position],
                    gettext_noop("the column “%(first)s” appears twice"),
                    {"first": headers[col.key]},
                )
            )
            continue
        headers[col.key] = header_cells[position]
        positions.append((position, col))
    for position, cell in enumerate(header_cells):
        if cell and position not in found:
            notes.append(RowError(header_number, cell, gettext_noop("column not recognised; it was ignored")))

    for col in spec.columns:
        if col.required and col.key not in headers:
            errors.append(RowError(header_number, str(col.label), gettext_noop("required column missing")))
    for group in spec.one_of:
        if not any(key in headers for key in group):
            names = " / ".join(str(spec.column(key).label) for key in group)
            errors.append(RowError(header_number, names, gettext_noop("required column missing")))
    if errors:
        return Parsed([], headers, errors, notes)

    # Column by column: each distinct value of a column is parsed once, then looked up.
    data = rows[header_at + 1 :]
    count = len(data)
    ok = [True] * count
    bad_cells: set[tuple[int, str]] = set()
    columns: dict[str, list] = {}
    step = max(1, count // max(1, len(positions)))
    for position, col in positions:
        texts = [cells[position] if position < len(cells) else "" for _, cells in data]
        good: dict[str, object] = {"": None}
        bad: dict[str, Invalid] = {}
        for text in set(texts):
            if text:
                try:
                    good[text] = col.parse(text)
                except Invalid as exc:
                    bad[text] = exc
        columns[col.key] = [good.get(text) for text in texts]
        if bad:
            header = headers[col.key]
            for i, text in enumerate(texts):
                if text in bad:
                    ok[i] = False
                    bad_cells.add((i, col.key))
                    errors.append(RowError.from_invalid(data[i][0], header, bad[text]))
        if on_progress:
            on_progress(step)

    for col in spec.columns:
        if col.required:
            values, header = columns[col.key], headers[col.key]
            for i, value in enumerate(values):
                if value is None and (i, col.key) not in bad_cells:
                    ok[i] = False
                    errors.append(RowError(data[i][0], header, gettext_noop("this column must be filled in")))
    for group in spec.one_of:
        present = [key for key in group if key in headers]
        for i in range(count):
            if ok[i] and all(columns[key][i] is None for key in present):
                ok[i] = False
                errors.append(RowError(data[i][0], headers[present[0]], gettext_noop("this column must be filled in")))

    keys = list(columns)
    parsed_rows: list[ParsedRow] = []
    for i, values in enumerate(zip(*columns.values(), strict=True)):
        row = ParsedRow(data[i][0], dict(zip(keys, values, strict=True)))
        row.ok = ok[i]
        parsed_rows.append(row)
    if not parsed_rows:
        errors.append(RowError(0, "", gettext_noop("the file has a header row but no data rows")))
    return Parsed(parsed_rows, headers, errors, notes)
