"""Refuse a spreadsheet that would expand beyond what an import may hold, before expanding it.

An .xlsx (and .ods) is a ZIP of XML files: a few megabytes can declare gigabytes of XML or a
million rows (a "decompression bomb"), and a cell written at row 1,000,000 makes the reader
allocate every empty cell above it. So, before python-calamine builds the sheet in memory:

1. the ZIP directory: at most :data:`MAX_MEMBERS` entries, each at most :data:`MAX_MEMBER_BYTES`
   uncompressed and at most :data:`MAX_RATIO` times its compressed size, all together at most
   :data:`MAX_TOTAL_BYTES`;
2. every worksheet is streamed (decompressed 1 MB at a time, never held whole): its rows are
   counted and the highest row number and column letter are read from the cell references;
   the stream stops at the first limit passed. Python's ZIP reader never produces more bytes
   than the directory declared (and fails the CRC check if the data disagrees), so a forged
   directory does not get past step 1.

What passes holds at most ``max_rows`` rows and :data:`MAX_CELLS` cells, which the reader
then loads (with ``nrows`` as a last bound).
"""

from __future__ import annotations

import re
import zipfile

from django.utils.translation import gettext_noop

from hospitals.imports.errors import Invalid

MAX_MEMBERS = 5_000
MAX_MEMBER_BYTES = 1_000_000_000
MAX_TOTAL_BYTES = 1_500_000_000
MAX_RATIO = 200  # deflate reaches ~1,000:1 on a bomb; real sheets compress 5–30:1
MAX_CELLS = 25_000_000
MAX_COLUMNS = 256  # as .xls: real import sheets have tens of columns
CHUNK = 1 << 20

_ROW_OPEN = (b"<row ", b"<row>", b"<table:table-row ", b"<table:table-row>")
# Only row numbers of six digits and more matter (a sheet that reaches row 100,000 or beyond).
_ROW_NUMBER = re.compile(rb'<row [^>]*?\br="(\d{6,9})"')
_WIDE_CELL = re.compile(rb'<c r="([A-Z]{2,4})\d')  # a column AA or beyond (rare: only they can be wide)
_OVERLAP = 64  # longer than any pattern above, so a match split between two chunks is seen


def _too_big(reason: str, **params):
    return Invalid(gettext_noop("the file is too big to import (%(reason)s); split it into several files"),
                   reason=reason % params if params else reason)  # fmt: skip


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters:
        number = number * 26 + (char - 64)
    return number


def check_zip(data, *, max_rows: int) -> None:
    """Raise :class:`Invalid` when the spreadsheet ZIP in ``data`` (a file object) is too big."""
    try:
        archive = zipfile.ZipFile(data)
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a ZIP (an .xls, or damaged): the reader reports what it is
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise _too_big("%(count)s parts in the file", count=len(members))
        total = 0
        for member in members:
            total += member.file_size
            if member.file_size > MAX_MEMBER_BYTES:
                raise _too_big("%(name)s expands to %(mb)s MB", name=member.filename, mb=member.file_size // 10**6)
            if member.file_size > 10**6 and member.file_size > MAX_RATIO * max(1, member.compress_size):
                raise _too_big(
                    "%(name)s expands %(ratio)s times", name=member.filename,
                    ratio=member.file_size // max(1, member.compress_size),
                )  # fmt: skip
        if total > MAX_TOTAL_BYTES:
            raise _too_big("the file expands to %(mb)s MB", mb=total // 10**6)
        for member in members:
            name = member.filename.lower()
            if (name.startswith("xl/worksheets/") and name.endswith(".xml")) or name == "content.xml":
                _check_sheet(archive, member, max_rows=max_rows)


def _check_sheet(archive: zipfile.ZipFile, member: zipfile.ZipInfo, *, max_rows: int) -> None:
    rows = highest_row = widest = 0
    tail = b""
    tags = _ROW_OPEN[2:] if member.filename.lower() == "content.xml" else _ROW_OPEN[:2]
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(CHUNK):
                buffer = tail + chunk
                # Tags wholly inside the tail were counted with the previous chunk.
                rows += sum(buffer.count(tag) - tail.count(tag) for tag in tags)
                if rows > max_rows:
                    raise _too_big("more than %(max)s rows", max=max_rows)
                for match in _ROW_NUMBER.finditer(buffer):
                    highest_row = max(highest_row, int(match.group(1)))
                for match in _WIDE_CELL.finditer(buffer):
                    widest = max(widest, _column_number(match.group(1)))
                if highest_row > 1_048_576 or widest > MAX_COLUMNS:
                    raise _too_big("cells beyond row %(row)s or column %(col)s", row=highest_row, col=widest)
                if highest_row * max(widest, 26) > MAX_CELLS and highest_row > max_rows:
                    raise _too_big("a cell at row %(row)s", row=highest_row)
                tail = buffer[-_OVERLAP:]
    except zipfile.BadZipFile as exc:
        raise Invalid(
            gettext_noop("the file could not be read as a spreadsheet (%(reason)s)"), reason=str(exc)[:200]
        ) from exc
