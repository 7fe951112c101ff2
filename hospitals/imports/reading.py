"""Read an uploaded CSV or XLSX file into numbered rows of clean text.

* XLSX (and XLS/ODS) through python-calamine (Rust): the first sheet that holds data. Numbers
  come back as floats and are written without a spurious ``.0`` (a phone number 13800000000
  stays 13800000000); date cells become ``YYYY-MM-DD``.
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
import datetime as dt
import io
import math
import unicodedata
from collections.abc import Iterable

from django.utils.translation import gettext_noop

from hospitals.imports.errors import Invalid

MAX_ROWS = 500_000  # every row is held in memory: ≈ 2 GB in the worker at this size
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


def read_rows(data: bytes, filename: str) -> list[Row]:
    """The non-blank rows of the file as ``(row number, [cell text, …])``.

    Raises :class:`Invalid` for a file that cannot be read (wrong type, damaged, too big).
    """
    ext = _extension(filename)
    if ext not in EXTENSIONS:
        raise Invalid(
            gettext_noop("unsupported file type “%(ext)s”: upload a CSV or Excel (.xlsx) file"), ext=ext or filename
        )
    if not data:
        raise Invalid(gettext_noop("the file is empty"))
    rows = _read_sheet(data) if ext in SHEET_EXTENSIONS else _read_csv(data)
    if len(rows) > MAX_ROWS + 20:
        raise Invalid(gettext_noop("too many rows (%(rows)s); at most %(max)s per file"), rows=len(rows), max=MAX_ROWS)
    return rows


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


def _read_sheet(data: bytes) -> list[Row]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        for index in range(len(workbook.sheet_names)):
            sheet = workbook.get_sheet_by_index(index)
            values = sheet.to_python(skip_empty_area=True)
            if any(any(v not in ("", None) for v in row) for row in values[:50]):
                first_row = sheet.start[0] + 1 if sheet.start else 1
                return _numbered(values, first_row, _cell_text)
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise Invalid(
            gettext_noop("the file could not be read as a spreadsheet (%(reason)s)"), reason=str(exc)[:200]
        ) from exc
    return []


def _numbered(values: Iterable[list], first_row: int, convert) -> list[Row]:
    rows = []
    normalize = unicodedata.normalize
    for offset, raw in enumerate(values):
        # Text is most cells: handled inline (a call per cell costs more than the work).
        cells = [
            (v.strip() if v.isascii() else normalize("NFKC", v).strip()) if type(v) is str else convert(v) for v in raw
        ]
        if any(cells):
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
