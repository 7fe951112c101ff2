"""Writes of complaints: one function per use case, ``complaint_<action>(*, tenant, by, …)``,
keyword-only, in a transaction, validated, refusing with a ``ValidationError`` (the API turns it
into a 400, the pages into a form error) — and nothing the user typed is lost on a refusal.

A package split by sub-domain (every service is importable from here,
``from complaints.services import X``):

* ``intake`` — :func:`complaint_create` (phone form, sales ops, API),
  :func:`complaints_from_visit` (the visits hook: a submitted report's adverse-event or quality
  signal; awareness = the visit date) and :func:`complaint_update`;
* ``lots`` — the lot check and lot signals, on every intake;
* ``workflow`` — :func:`complaint_triage`, :func:`complaint_start_investigation`,
  :func:`complaint_investigation_record`, :func:`complaint_resolve`,
  :func:`complaint_regulator_report`, :func:`complaint_reopen`;
* ``closure`` — :func:`complaint_reply`, :func:`complaint_close` and the satisfaction follow-up;
* ``attachments`` — :func:`attachment_add`;
* ``clocks`` — the clocks of a complaint and :func:`complaint_reminders`, the daily clock job
  (registered with ``crm.inbox``);
* ``_shared`` — timeline rows, loading under lock, role checks, transitions.

Every change writes a timeline row.
"""

from ._shared import TRANSITIONS, open_statuses
from .attachments import ATTACHMENT_MAX_BYTES, ATTACHMENT_TYPES, attachment_add
from .clocks import complaint_reminders
from .closure import complaint_close, complaint_reply, covering_rep
from .intake import EDITABLE_FIELDS, complaint_create, complaint_update, complaints_from_visit
from .lots import lot_check, lot_signals_check
from .workflow import (
    complaint_investigation_record,
    complaint_regulator_report,
    complaint_reopen,
    complaint_resolve,
    complaint_start_investigation,
    complaint_triage,
)

__all__ = [
    "ATTACHMENT_MAX_BYTES",
    "ATTACHMENT_TYPES",
    "EDITABLE_FIELDS",
    "TRANSITIONS",
    "attachment_add",
    "complaint_close",
    "complaint_create",
    "complaint_investigation_record",
    "complaint_regulator_report",
    "complaint_reminders",
    "complaint_reopen",
    "complaint_reply",
    "complaint_resolve",
    "complaint_start_investigation",
    "complaint_triage",
    "complaint_update",
    "complaints_from_visit",
    "covering_rep",
    "lot_check",
    "lot_signals_check",
    "open_statuses",
]
