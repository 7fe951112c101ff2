"""The report of an import, for people and for programs.

* :func:`annotated_file` — the uploaded file itself with one column added, "Errors": each row's
  problems (and the rows skipped, the probable matches waiting for a decision) in the reader's
  language, rows where the spreadsheet had them, so a user corrects the file in Excel and
  uploads it again. An Excel upload gives an .xlsx (rows in error highlighted), a CSV a CSV.
* :func:`report_json` — the same for an API client: status, counts, every error with the
  original row, notes, suggestions, decisions.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict

from django.utils.translation import gettext

from hospitals.imports.errors import render, render_full
from hospitals.imports.reading import CSV_EXTENSIONS, read_file
from hospitals.models import ImportJob


def _decision_text(decision: dict) -> str:
    return gettext(
        "matches doctor #%(doctor)s %(name)s (%(department)s) by hospital + department + name: "
        "update that doctor or create a new one"
    ) % {**decision, "department": decision.get("department") or "—"}


def messages_by_row(job: ImportJob) -> dict[int, list[str]]:
    """Row number → what the report says about that row (errors, decisions, skipping)."""
    by_row: dict[int, list[str]] = defaultdict(list)
    for error in job.errors:
        if error.get("row"):
            message = render(error)
            by_row[error["row"]].append(f"{error['column']}: {message}" if error.get("column") else message)
    for decision in job.decisions:
        by_row[decision["row"]].append(_decision_text(decision))
    for note in job.notes:
        if note.get("row") and note["msgid"].startswith("skipped"):
            by_row[note["row"]].append(render(note))
    return by_row


def annotated_file(job: ImportJob) -> tuple[bytes, str, str]:
    """``(content, file name, content type)`` of the upload with an "Errors" column added."""
    with job.file.open("rb") as handle:
        sheet = read_file(handle.read(), job.original_name)
    by_row = messages_by_row(job)
    width = max((len(cells) for _, cells in sheet.rows), default=0)
    header_number = (job.row_values or {}).get("header_row")
    file_messages = [render_full(e) for e in job.errors if not e.get("row")]
    title = gettext("Errors")
    stem = job.original_name.rsplit(".", 1)[0]
    if job.original_name.lower().endswith(tuple(CSV_EXTENSIONS)):
        return _csv(sheet.rows, width, by_row, header_number, title, file_messages), f"{stem}-errors.csv", "text/csv"
    content = _xlsx(sheet.rows, width, by_row, header_number, title, file_messages)
    return content, f"{stem}-errors.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _csv(rows, width, by_row, header_number, title, file_messages) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    previous = 0
    for number, cells in rows:
        for _ in range(number - previous - 1):
            writer.writerow([])  # keep every row where the spreadsheet had it
        previous = number
        cells = cells + [""] * (width - len(cells))
        extra = title if number == header_number else "；".join(by_row.get(number, ()))
        writer.writerow([*cells, extra])
    for message in file_messages:
        writer.writerow([*[""] * width, message])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # a BOM, so that Excel reads UTF-8


def _xlsx(rows, width, by_row, header_number, title, file_messages) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False, "strings_to_urls": False})
    sheet = book.add_worksheet()
    bad = book.add_format({"bg_color": "#FDE2E1"})
    message = book.add_format({"bg_color": "#FDE2E1", "font_color": "#9C0006", "text_wrap": True})
    bold = book.add_format({"bold": True})
    last = 0
    for number, cells in rows:
        r = number - 1
        last = max(last, r)
        messages = by_row.get(number)
        for c, text in enumerate(cells):
            if text:
                sheet.write_string(r, c, text, bad if messages else None)
        if number == header_number:
            sheet.write_string(r, width, title, bold)
            sheet.freeze_panes(r + 1, 0)
        elif messages:
            sheet.write_string(r, width, "；".join(messages), message)
    for offset, text in enumerate(file_messages, start=2):
        sheet.write_string(last + offset, 0, text, message)
    sheet.set_column(width, width, 60)
    book.close()
    return out.getvalue()


def report_json(job: ImportJob) -> dict:
    """The whole report of ``job``, in the active language, for an API client."""
    rows = (job.row_values or {}).get("rows", {})
    return {
        "id": job.pk,
        "status": job.status,
        "kind": job.kind,
        "options": job.options,
        "rows_total": job.rows_total,
        "created": job.created_count,
        "updated": job.updated_count,
        "unchanged": job.unchanged_count,
        "error_count": job.error_count,
        "header": (job.row_values or {}).get("header", []),
        "errors": [
            {
                "row": e["row"],
                "column": e["column"],
                "message": render(e),
                "text": render_full(e),
                "values": rows.get(str(e["row"]), []),
            }
            for e in job.errors
        ],
        "notes": [{"row": n.get("row", 0), "column": n.get("column", ""), "message": render(n)} for n in job.notes],
        "suggestions": job.suggestions,
        "decisions": [
            {**d, "message": _decision_text(d), "values": rows.get(str(d["row"]), [])} for d in job.decisions
        ],
    }
