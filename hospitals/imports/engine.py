"""From numbered rows of text to parsed rows: find the header row, set aside the rows that are
not data, map columns, parse cells — every error of every row, in one pass.

* The header row need not be the first: titles above it ("2024年医院名单") are skipped; it is
  the row among the first 20 that names the most known columns.
* Below it, rows that are not data are skipped *and reported*, never silently: totals
  (合计, 总计, 小计, Total …), notes and footers (备注, 注：, 制表人, 审核, 数据来源 …, or one
  lone cell outside the known columns) and a repeated header row.
* Merged cells were filled down by the reader; each column where that happened gets a note.
* Each column's distinct values are parsed once (a cache per column), which is what makes a
  100,000-row file cheap to check. A bad cell leaves its value empty (None) and marks the
  row; the row still takes part in the reference and duplicate checks that follow, so one
  report holds cell, reference and duplicate errors together.
"""

from __future__ import annotations

import dataclasses
import operator
import re
from collections.abc import Callable

from django.utils.translation import gettext_noop

from hospitals.imports.errors import Invalid, RowError
from hospitals.imports.parsers import Spread
from hospitals.imports.reading import Merge, Row, clean
from hospitals.imports.specs import Column, Spec, header_key, header_key_without_units

HEADER_SEARCH_ROWS = 20

_TOTALS = re.compile(
    r"^(?:合计|总计|小计|累计|共计|总合计|汇总|总数|全部合计)|^(?:total|subtotal|grandtotal|sum)\b", re.IGNORECASE
)
_NOTES = re.compile(
    r"^(?:备注|注[:：]|注意|说明|填表说明|制表人|制表|填表人|填报人|审核人|审核|复核|负责人|报送单位|填报单位|"
    r"制表日期|填报日期|打印日期|导出时间|签字|签名|盖章|数据来源|来源[:：]|以上|note|remark|preparedby|source)",
    re.I,
)


class ParsedRow(dict):
    """One data row: its parsed values by column key (the row *is* that dict, so ``row.get`` is
    dict.get: the checks call it millions of times), its spreadsheet number, the id it matched."""

    __slots__ = ("number", "id", "ok")

    def __init__(self, number: int, values: dict):
        super().__init__(values)
        self.number = number
        self.id = None
        self.ok = True

    @property
    def values(self) -> dict:
        return self


@dataclasses.dataclass
class Parsed:
    rows: list[ParsedRow]
    headers: dict[str, str]  # column key → header as written in the file
    errors: list[RowError]
    notes: list[RowError]
    header_number: int = 0  # the header row's number in the spreadsheet
    header_cells: list[str] = dataclasses.field(default_factory=list)
    skipped: dict[int, str] = dataclasses.field(default_factory=dict)  # row number → why (a msgid)

    @property
    def fatal(self) -> bool:
        """The file's columns are wrong (no row could be checked)."""
        return not self.rows and bool(self.errors)


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


_KEYWORD_STARTS = frozenset("合总小累共汇全备注说填制审复负报打导签盖数来以tTsSnNrRpP")
_SPACES = str.maketrans("", "", " \u3000\t")


def classify(cells: list[str], header_cells: list[str], known: set[int]) -> str | None:
    """Why a row below the header is not data (a msgid), or None for a data row.

    Called for every row, so the common data row is let through after looking at its first
    three filled cells (none starts like a keyword) and comparing it with the header once.
    """
    filled_count = len(cells) - cells.count("")
    if cells == header_cells and filled_count >= 2:
        return gettext_noop("skipped: the header row again (“%(text)s”)")
    suspicious, seen, first_position = False, 0, -1
    for position, cell in enumerate(cells):
        if cell:
            if first_position < 0:
                first_position = position
            if cell[0] in _KEYWORD_STARTS:
                suspicious = True
                break
            seen += 1
            if seen == 3:
                break
    if suspicious:
        filled = [c for c in cells if c]
        if any(_TOTALS.match(c.translate(_SPACES)) for c in filled[:3]):
            return gettext_noop("skipped: a totals row (“%(text)s”)")
        if len(filled) <= 2 and _NOTES.match(filled[0].translate(_SPACES)):
            return gettext_noop("skipped: a note or footer row (“%(text)s”)")
    if filled_count == 1 and first_position not in known and len(known) > 1:
        return gettext_noop("skipped: a note or footer row (“%(text)s”)")
    return None


def parse(
    rows: list[Row],
    spec: Spec,
    *,
    merges: list[Merge] = (),
    on_progress: Callable[[int], None] | None = None,
) -> Parsed:
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
        return Parsed([], headers, errors, notes, header_number, header_cells)

    # Rows that are not data: set aside and reported. Rows are made as wide as the header, so
    # that a column is one itemgetter away.
    known = {position for position, _ in positions}
    width = max(position for position, _ in positions) + 1
    skipped: dict[int, str] = {}
    data = []
    for number, cells in rows[header_at + 1 :]:
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        why = classify(cells, header_cells, known)
        if why is None:
            data.append((number, cells))
        else:
            skipped[number] = why
            text = next(c for c in cells if c)
            notes.append(RowError(number, "", why, {"text": text[:40]}))
    _note_merges(merges, header_number, positions, headers, notes)

    # Column by column: each distinct value of a column is parsed once, then looked up.
    count = len(data)
    ok = [True] * count
    bad_cells: set[tuple[int, str]] = set()
    columns: dict[str, list] = {}
    spreads: dict[str, list] = {}
    step = max(1, count // max(1, len(positions)))
    cell_lists = [cells for _, cells in data]
    for position, col in positions:
        texts = list(map(operator.itemgetter(position), cell_lists))
        good: dict[str, object] = {}
        bad: dict[str, Invalid] = {}
        extras: dict[str, dict] = {}
        parse_cell = col.parse
        for text in set(texts):
            if text:
                try:
                    # NFKC here, once per distinct value (the reader only strips).
                    value = parse_cell(text if text.isascii() else clean(text))
                except Invalid as exc:
                    bad[text] = exc
                    continue
                if type(value) is Spread:
                    for other, extra in value.items():
                        if other != col.key:
                            extras.setdefault(other, {})[text] = extra
                    value = value.get(col.key)
                good[text] = value
        columns[col.key] = list(map(good.get, texts))
        for other, extra in extras.items():
            spreads[other] = list(map(extra.get, texts))
        if bad:
            header = headers[col.key]
            for i in [i for i, text in enumerate(texts) if text in bad]:
                ok[i] = False
                bad_cells.add((i, col.key))
                errors.append(RowError.from_invalid(data[i][0], header, bad[texts[i]]))
        if on_progress:
            on_progress(step)
    # What a cell gave another column (the academic title in 主任医师/教授) fills it where empty.
    for key, extra in spreads.items():
        own = columns.get(key)
        columns[key] = extra if own is None else [o if o is not None else e for o, e in zip(own, extra, strict=True)]

    for col in spec.columns:
        if col.required:
            values, header = columns[col.key], headers[col.key]
            for i, value in enumerate(values):
                if value is None and (i, col.key) not in bad_cells:
                    ok[i] = False
                    errors.append(RowError(data[i][0], header, gettext_noop("this column must be filled in")))
    for group in spec.one_of:
        present = [key for key in group if key in headers]
        empty = set.intersection(*({i for i, v in enumerate(columns[key]) if v is None} for key in present))
        for i in sorted(empty):
            if not any((i, k) in bad_cells for k in present):
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
    return Parsed(parsed_rows, headers, errors, notes, header_number, header_cells, skipped)


def _note_merges(merges, header_number, positions, headers, notes):
    by_column: dict[str, list[Merge]] = {}
    labels = {position: headers[col.key] for position, col in positions}
    for merge in merges:
        if merge.first > header_number and merge.column in labels:
            by_column.setdefault(labels[merge.column], []).append(merge)
    for header, found in by_column.items():
        ranges = "、".join(f"{m.first}–{m.last}" for m in found[:8]) + ("…" if len(found) > 8 else "")
        notes.append(
            RowError(
                found[0].first,
                header,
                gettext_noop("%(count)s merged cell(s) unmerged: each row takes the merged value (rows %(rows)s)"),
                {"count": len(found), "rows": ranges},
            )
        )
