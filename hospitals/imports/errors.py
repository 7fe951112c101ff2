"""Errors of an import, kept as message ids + parameters and rendered in the reader's language.

An import runs in a Celery worker, with no user language; the report is read later by a person
who may have switched language. So an error stores the *untranslated* message (marked with
``gettext_noop`` where it is written, so ``makemessages`` finds it) and its parameters, and
:func:`render` translates it when it is shown.
"""

from __future__ import annotations

import dataclasses

from django.utils.translation import gettext, gettext_noop

# Shown around every error in running text: "Row 5, column “医院等级”: unrecognised grade “三甲乙”".
ROW_COLUMN = gettext_noop("Row %(row)s, column “%(column)s”: %(message)s")
ROW_ONLY = gettext_noop("Row %(row)s: %(message)s")
FILE_ONLY = gettext_noop("File: %(message)s")


class Invalid(Exception):  # noqa: N818 - reads as "raise Invalid(...)"
    """A cell (or row) that cannot be accepted; ``msgid`` is an untranslated message."""

    def __init__(self, msgid: str, **params):
        super().__init__(msgid % params if params else msgid)
        self.msgid = msgid
        self.params = params


@dataclasses.dataclass(frozen=True)
class RowError:
    """One error: the spreadsheet row number (0 for the whole file), the column header as
    written in the file ('' for the whole row), and the message."""

    row: int
    column: str
    msgid: str
    params: dict = dataclasses.field(default_factory=dict)

    def as_json(self) -> dict:
        return {"row": self.row, "column": self.column, "msgid": self.msgid, "params": self.params}

    @classmethod
    def from_invalid(cls, row: int, column: str, exc: Invalid) -> RowError:
        return cls(row, column, exc.msgid, exc.params)


def render(error: dict | RowError) -> str:
    """The message of ``error`` (a RowError or its JSON) in the active language."""
    if isinstance(error, RowError):
        error = error.as_json()
    params = error.get("params") or {}
    msgid = gettext(error["msgid"])
    try:
        return msgid % params if params else msgid
    except (KeyError, TypeError, ValueError):  # a translation with broken placeholders
        return error["msgid"] % params if params else error["msgid"]


def render_full(error: dict | RowError) -> str:
    """``Row 5, column “医院等级”: …`` in the active language."""
    if isinstance(error, RowError):
        error = error.as_json()
    message = render(error)
    if not error.get("row"):
        return gettext(FILE_ONLY) % {"message": message}
    if not error.get("column"):
        return gettext(ROW_ONLY) % {"row": error["row"], "message": message}
    return gettext(ROW_COLUMN) % {"row": error["row"], "column": error["column"], "message": message}
