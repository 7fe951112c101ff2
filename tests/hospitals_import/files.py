"""Build the files users upload: CSV in a given encoding, XLSX (optionally with Excel dates)."""

import csv
import io

import xlsxwriter


def csv_bytes(rows, encoding="utf-8", delimiter=","):
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, *, start_row=0):
    """An .xlsx whose cells keep their Python types (numbers as numbers, dates as Excel dates)."""
    import datetime as dt

    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = workbook.add_worksheet("医生")
    date_format = workbook.add_format({"num_format": "yyyy/m/d"})
    for r, row in enumerate(rows, start_row):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
    workbook.close()
    return out.getvalue()
