"""Build the files users upload: CSV in a given encoding, XLSX (optionally with Excel dates)."""

import csv
import io

import xlsxwriter


def csv_bytes(rows, encoding="utf-8", delimiter=","):
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, *, start_row=0, merges=()):
    """An .xlsx whose cells keep their Python types (numbers as numbers, dates as Excel dates).

    ``merges``: ``(first_row, col, last_row, last_col)`` ranges of ``rows`` (0-based) merged as
    Excel merges them: the value in the first cell, the others empty.
    """
    import datetime as dt

    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = workbook.add_worksheet("医生")
    date_format = workbook.add_format({"num_format": "yyyy/m/d"})
    merged_away = set()
    for r0, c0, r1, c1 in merges:
        sheet.merge_range(r0 + start_row, c0, r1 + start_row, c1, rows[r0][c0])
        merged_away |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
    for r, row in enumerate(rows, start_row):
        for c, value in enumerate(row):
            if value is None or (r - start_row, c) in merged_away:
                continue
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
    workbook.close()
    return out.getvalue()
