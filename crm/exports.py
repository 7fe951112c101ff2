"""Export any list to CSV or XLSX, streaming in chunks (DESIGN.md: "export any list, as filtered").

``export_response(source, columns, fmt, filename)`` is the one entry point. ``source`` is a
QuerySet (as filtered and ordered by the page) or any iterable of rows (dicts or objects);
``columns`` is a list of ``(header, accessor)`` where ``header`` may be a lazy translation and
``accessor`` is either

* a string path, ``"name"`` or ``"hospital__name"`` (a model field path for a QuerySet, a key
  or attribute path for other rows). For a QuerySet, a field with choices is written as its
  label, an array field as a ``", "``-joined list, a boolean as Yes/No (in the user's language);
* or a callable ``row -> value`` (it receives the model instance for a QuerySet).

A QuerySet is never loaded whole: its primary keys are read once (in the page's order), then
rows are fetched ``CHUNK_SIZE`` keys at a time — with ``values_list`` when every accessor is a
path (no model instances at all), else as instances (``select_related`` of the QuerySet kept).
The database connection has server-side cursors disabled (crm/db/base.py), which is why the
chunks are keyed by id rather than read from one cursor.

CSV is UTF-8 with a byte-order mark, so Excel in a Chinese locale opens it as UTF-8 instead of
GBK, and is streamed as it is produced. XLSX is written by XlsxWriter in ``constant_memory``
mode to a temporary file (a zip cannot be streamed before it is complete), a new sheet every
1,048,575 rows (Excel's limit). Text that a spreadsheet would run as a formula is neutralised.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext

from crm import tenancy, timeouts

CHUNK_SIZE = 2000
XLSX_MAX_ROWS = 1_048_576  # per sheet, including the header row
FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# A cell beginning with one of these is run as a formula by spreadsheets (CSV injection);
# signed numbers and phone numbers (+86 138 …) are left alone.
_FORMULA_START = re.compile(r"^[=@\t\r]|^[+-](?![\d\s().-]*$)")

Accessor = str | Callable
Column = tuple[object, Accessor]


class ExportError(ValueError):
    """An export asked for something this module cannot produce (unknown format, bad path)."""


def export_response(source, columns: list[Column], fmt: str, filename: str):
    """An HTTP response that downloads ``source`` as ``filename-YYYYMMDD.<fmt>``.

    ``fmt`` is ``"csv"`` or ``"xlsx"``; anything else raises :class:`ExportError` (a view
    should check it against :data:`FORMATS` first and answer 400).
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}")
    headers = [str(header) for header, _ in columns]
    rows = iter_rows(source, columns)
    name = f"{filename}-{timezone.localdate():%Y%m%d}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_stream(headers, rows), content_type=CONTENT_TYPES["csv"])
    else:
        response = FileResponse(_xlsx_file(headers, rows), content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "no-store"
    return response


# --- rows ------------------------------------------------------------------------------------


def iter_rows(source, columns: list[Column]) -> Iterator[list]:
    """The cell values of ``source``, one list per row, in chunks (see the module docstring).

    The generator captures the tenant scope it was created in and re-enters it for each
    chunk (a streaming response is consumed after the request's middleware has left it),
    with the bulk statement budget of exports.
    """
    if isinstance(source, models.QuerySet):
        return _iter_queryset(source, columns, _captured_scope())
    return _iter_plain(source, columns)


def _captured_scope():
    tenant_id, platform = tenancy.current_tenant_id(), tenancy.in_platform_scope()

    @contextlib.contextmanager
    def scope():
        # An export reads the whole list: the bulk statement budget, not a page's (crm/timeouts.py).
        with timeouts.statement_timeout(timeouts.bulk_ms()):
            if tenant_id is None and platform:
                with tenancy.platform_scope():
                    yield
            else:
                with tenancy.tenant_context(tenant_id):
                    yield

    return scope


def _iter_queryset(qs: models.QuerySet, columns: list[Column], scope) -> Iterator[list]:
    # Built before the first row, so a bad path fails in the view, not mid-download.
    accessors = [accessor for _, accessor in columns]
    converters = [_converter_for(qs, a) if isinstance(a, str) else _plain_value for a in accessors]
    return _queryset_chunks(qs, accessors, converters, scope)


def _queryset_chunks(qs, accessors, converters, scope) -> Iterator[list]:
    flat = all(isinstance(a, str) for a in accessors)
    # Chunks are re-read through the page's queryset (annotations and select_related kept);
    # a sliced queryset cannot be filtered again, so its chunks come from the model.
    base = qs.model._default_manager.all() if qs.query.is_sliced else qs
    with scope():
        pks = list(qs.values_list("pk", flat=True))
    for start in range(0, len(pks), CHUNK_SIZE):
        chunk = pks[start : start + CHUNK_SIZE]
        cells = []
        with scope():
            rows = base.filter(pk__in=chunk).order_by()
            if flat:
                fetched = {row[0]: row[1:] for row in rows.values_list("pk", *accessors)}
                for pk in chunk:
                    row = fetched.get(pk)
                    if row is not None:  # None: deleted since the keys were read
                        cells.append([conv(v) for conv, v in zip(converters, row, strict=True)])
            else:
                fetched = {obj.pk: obj for obj in rows}
                for pk in chunk:
                    obj = fetched.get(pk)
                    if obj is not None:
                        cells.append(
                            [
                                conv(_resolve(obj, a) if isinstance(a, str) else a(obj))
                                for conv, a in zip(converters, accessors, strict=True)
                            ]
                        )
        yield from cells


def _iter_plain(rows: Iterable, columns: list[Column]) -> Iterator[list]:
    for row in rows:
        yield [
            _plain_value(_resolve(row, accessor) if isinstance(accessor, str) else accessor(row))
            for _, accessor in columns
        ]


def _resolve(row, path: str):
    """``hospital__name`` of a dict or object; None where a link is missing."""
    value = row
    for part in path.split("__"):
        if value is None:
            return None
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
    if isinstance(row, models.Model) and isinstance(value, models.Model):
        return str(value)
    return value


def _field_for(model, path: str):
    field = None
    current = model
    for part in path.split("__"):
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist as exc:
            raise ExportError(f"{model.__name__} has no field path {path!r}") from exc
        if field.is_relation and field.related_model is not None:
            current = field.related_model
    return field


def _converter_for(qs: models.QuerySet, path: str) -> Callable:
    """A function turning the raw value of ``path`` into what a person reads in a cell."""
    if path in qs.query.annotations:
        return _plain_value
    field = _field_for(qs.model, path)
    if isinstance(field, ArrayField):
        labels = {k: str(v) for k, v in (field.base_field.choices or [])}
        return lambda v: ", ".join(str(labels.get(x, x)) for x in v) if v else ""
    if getattr(field, "choices", None):
        labels = {k: str(v) for k, v in field.flatchoices}
        # An empty value is an empty cell, not the label of the blank choice ("None", "Unknown").
        return lambda v: "" if v is None or v == "" else labels.get(v, v)
    if isinstance(field, models.BooleanField):
        yes, no = gettext("Yes"), gettext("No")
        return lambda v: "" if v is None else (yes if v else no)
    if field.is_relation:
        # A path ending on a foreign key gives its id; name a field of it ("hospital__name").
        raise ExportError(f"{qs.model.__name__}.{path} is a relation; export one of its fields")
    return _plain_value


def _plain_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, int | float | Decimal | dt.date):
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            return timezone.make_naive(value)
        return value
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _safe_text(text: str) -> str:
    return "'" + text if _FORMULA_START.match(text) else text


# --- writers ---------------------------------------------------------------------------------


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a generator."""

    def write(self, value):
        return value


def _csv_cell(value):
    if isinstance(value, str):
        return _safe_text(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _csv_stream(headers: list[str], rows: Iterator[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(headers)
    buffer = []
    for row in rows:
        buffer.append(writer.writerow([_csv_cell(v) for v in row]))
        if len(buffer) >= 500:
            yield "".join(buffer)
            buffer = []
    if buffer:
        yield "".join(buffer)


def _xlsx_file(headers: list[str], rows: Iterator[list]):
    """Write the workbook to a temporary file and return it, open and rewound."""
    import xlsxwriter

    out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by FileResponse
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": False, "strings_to_numbers": False})
    bold = workbook.add_format({"bold": True})
    date_fmt = workbook.add_format({"num_format": "yyyy-mm-dd"})
    datetime_fmt = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    widths = [max(10, min(40, len(h) * 2 + 2)) for h in headers]

    def new_sheet():
        sheet = workbook.add_worksheet()
        for col, (header, width) in enumerate(zip(headers, widths, strict=True)):
            sheet.set_column(col, col, width)
            sheet.write_string(0, col, header, bold)
        sheet.freeze_panes(1, 0)
        return sheet

    sheet, r = new_sheet(), 1
    for row in rows:
        if r >= XLSX_MAX_ROWS:
            sheet, r = new_sheet(), 1
        for c, value in enumerate(row):
            if isinstance(value, str):
                if value:
                    sheet.write_string(r, c, value[:32767])
            elif isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            elif isinstance(value, int | float | Decimal):
                sheet.write_number(r, c, float(value))
            elif isinstance(value, dt.datetime):
                sheet.write_datetime(r, c, value, datetime_fmt)
            elif isinstance(value, dt.date):
                sheet.write_datetime(r, c, value, date_fmt)
        r += 1
    workbook.close()
    out.seek(0)
    return out
