"""Read an uploaded CSV or XLSX file into numbered rows of clean text.

* XLSX (and XLS/ODS) through python-calamine (Rust): the first sheet that holds data. Numbers
  come back as floats and are written without a spurious ``.0`` (a phone number 13800000000
  stays 13800000000); date cells become ``YYYY-MM-DD``. Before it is expanded, the file passes
  :mod:`.guard` (sizes and row counts from the ZIP directory and a streamed pass over each
  sheet), so a small file that would expand to gigabytes is refused. Merged cells are
  unmerged by giving every cell of a vertical merge the value of its top cell (a distributor
  written once for five rows is that distributor on each row); :class:`Sheet` lists them so
  that the report can say so.
* CSV: UTF-8 with or without a byte-order mark, else GB18030 (a superset of GBK, which is what
  Excel in a Chinese locale saves); comma, tab or semicolon separated (sniffed from the start).

Every cell is normalised: Unicode NFKC (full-width letters, digits and punctuation become
half-width: ``１２３`` → ``123``, ``（`` → ``(``) and surrounding spaces stripped. Rows that are
entirely blank are dropped, but every row keeps its number as the spreadsheet shows it, so an
error says the row the user sees.

pandas is not used here on purpose: ``pandas.read_excel(engine="calamine")`` is this same
reader plus a DataFrame that would be turned back into rows; the rows are what the checks need.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import math
import unicodedata
from collections.abc import Iterable

from django.utils.translation import gettext_noop

from hospitals.imports import guard
from hospitals.imports.errors import Invalid

MAX_ROWS = 500_000  # every row is held in memory: ≈ 2 GB in the worker at this size
TITLE_ROWS = 20  # rows above the header that may be titles (engine.HEADER_SEARCH_ROWS)
CSV_EXTENSIONS = {".csv", ".txt", ".tsv"}
SHEET_EXTENSIONS = {".xlsx", ".xlsm", ".xls", ".ods"}
EXTENSIONS = CSV_EXTENSIONS | SHEET_EXTENSIONS

Row = tuple[int, list[str]]


def clean(value: str) -> str:
    """NFKC and strip: what every cell and header goes through."""
    if not value:
        return ""
    if not value.isascii():
        value = unicodedata.normalize("NFKC", value)
    return value.strip()


@dataclasses.dataclass
class Merge:
    """A vertically merged cell, unmerged: ``column`` (position in the row), first and last row."""

    column: int
    first: int
    last: int


@dataclasses.dataclass
class Sheet:
    """What was read: the non-blank rows and the merged cells that were filled down."""

    rows: list[Row]
    merges: list[Merge] = dataclasses.field(default_factory=list)


def read_rows(data: bytes, filename: str) -> list[Row]:
    """The non-blank rows of the file as ``(row number, [cell text, …])`` (see :func:`read_file`)."""
    return read_file(data, filename).rows


def read_file(data: bytes, filename: str) -> Sheet:
    """The non-blank rows of the file, merged cells filled down.

    Raises :class:`Invalid` for a file that cannot be read (wrong type, damaged, too big).
    """
    ext = _extension(filename)
    if ext not in EXTENSIONS:
        raise Invalid(
            gettext_noop("unsupported file type “%(ext)s”: upload a CSV or Excel (.xlsx) file"), ext=ext or filename
        )
    if not data:
        raise Invalid(gettext_noop("the file is empty"))
    if ext in SHEET_EXTENSIONS:
        return _read_sheet(data)
    return Sheet(_read_csv(data))


def _too_many_rows(count):
    return Invalid(gettext_noop("too many rows (%(rows)s); at most %(max)s per file"), rows=count, max=MAX_ROWS)


def _extension(filename: str) -> str:
    name = (filename or "").lower()
    return name[name.rfind(".") :] if "." in name else ""


# --- XLSX ------------------------------------------------------------------------------------


def _cell_text(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ""
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.timedelta):
        return str(value)
    return clean(str(value))


def _read_sheet(data: bytes) -> Sheet:
    from python_calamine import CalamineWorkbook

    limit = MAX_ROWS + TITLE_ROWS + 1
    guard.check_zip(io.BytesIO(data), max_rows=limit)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        for index in range(len(workbook.sheet_names)):
            sheet = workbook.get_sheet_by_index(index)
            values = sheet.to_python(skip_empty_area=True, nrows=limit + 1)
            if any(any(v not in ("", None) for v in row) for row in values[:50]):
                start = sheet.start or (0, 0)
                merges = _unmerge(values, start, sheet.merged_cell_ranges or ())
                return Sheet(_numbered(values, start[0] + 1, _cell_text, limit), merges)
    except Invalid:
        raise
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise Invalid(
            gettext_noop("the file could not be read as a spreadsheet (%(reason)s)"), reason=str(exc)[:200]
        ) from exc
    return Sheet([])


def _unmerge(values: list[list], start: tuple[int, int], ranges) -> list[Merge]:
    """Give every cell of a vertical merge the value of its top-left cell (in place)."""
    merges = []
    top, left = start
    for (r0, c0), (r1, c1) in ranges:
        if r1 <= r0:
            continue  # one row (a title across the columns): nothing to fill
        r0, r1, c0, c1 = r0 - top, r1 - top, c0 - left, c1 - left
        if r0 < 0 or c0 < 0 or r0 >= len(values):
            continue
        value = values[r0][c0] if c0 < len(values[r0]) else ""
        if value in ("", None):
            continue
        for r in range(r0, min(r1, len(values) - 1) + 1):
            row = values[r]
            for c in range(c0, min(c1, len(row) - 1) + 1):
                row[c] = value
        merges.append(Merge(c0, top + r0 + 1, top + min(r1, len(values) - 1) + 1))
    return merges


def _numbered(values: Iterable[list], first_row: int, convert, limit: int | None = None) -> list[Row]:
    limit = limit or MAX_ROWS + TITLE_ROWS + 1
    rows = []
    for offset, raw in enumerate(values):
        # Text is most cells: handled inline (a call per cell costs more than the work). Only
        # stripped here (str.strip() strips full-width spaces too); the engine applies NFKC once
        # per distinct value of a column, and the report shows the cells as they were written.
        try:
            cells = list(map(str.strip, raw))  # all text: the common row, at C speed
        except TypeError:
            cells = [v.strip() if type(v) is str else convert(v) for v in raw]
        if any(cells):
            if len(rows) >= limit:
                raise _too_many_rows(f"{limit:,}+")
            rows.append((first_row + offset, cells))
    return rows


# --- CSV -------------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """UTF-8 (BOM or not), else GB18030 — GBK files are GB18030 files."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise Invalid(
            gettext_noop("the file is neither UTF-8 nor GBK text; save it as CSV (UTF-8) or as .xlsx")
        ) from exc


def _sniff_delimiter(text: str) -> str:
    sample = text[:20_000]
    lines = [line for line in sample.splitlines()[:20] if line.strip()]
    best, best_score = ",", 0
    for delimiter in (",", "\t", ";"):
        counts = [line.count(delimiter) for line in lines]
        score = min(counts) if counts else 0
        score = max(score, sorted(counts)[len(counts) // 2] if counts else 0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_csv(data: bytes) -> list[Row]:
    text = decode(data)
    if "\x00" in text[:10_000]:
        raise Invalid(gettext_noop("the file is neither UTF-8 nor GBK text; save it as CSV (UTF-8) or as .xlsx"))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    try:
        # Excel shows one CSV record per row, even one with a line break inside a quoted cell.
        return _numbered(reader, 1, clean)
    except csv.Error as exc:
        raise Invalid(gettext_noop("the file could not be read as CSV (%(reason)s)"), reason=str(exc)[:200]) from exc
