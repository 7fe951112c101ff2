"""Statement timeouts: no query runs for minutes because one plan went wrong (DESIGN.md §5).

Three budgets, each a setting (README, "Configuration"):

* ``DB_STATEMENT_TIMEOUT_MS`` (default 5 s) — every statement of a web request or API call;
* ``DB_BULK_STATEMENT_TIMEOUT_MS`` (default 30 s) — exports and the API's bulk reads
  (aggregates over a whole tenant), marked with :func:`bulk_reads` / :func:`statement_timeout`;
* ``DB_TASK_STATEMENT_TIMEOUT_MS`` (default 10 min) — Celery tasks, management commands and
  anything else outside a request: it is also the connection's own default (settings
  ``OPTIONS``), so no statement of this application is ever unbounded.

A budget other than the connection's default travels with each statement: the database
backend (:mod:`crm.db.base`) puts ``set_config('statement_timeout', …, true)`` into the same
per-transaction prefix that carries the tenant, so it costs no extra round trip and never
outlives its transaction on a pooled connection. :class:`StatementTimeoutMiddleware` gives each
request its budget; :class:`crm.celery.CrmTask` gives each task its own.

When the server's client goes away (a gunicorn worker killed, a process stopped) PostgreSQL
notices within ``DB_CLIENT_CHECK_INTERVAL_MS`` (``client_connection_check_interval``) and
cancels the query instead of running it to the end. A statement that runs out of time raises
``QueryCanceled`` (SQLSTATE 57014); crm.errors turns it into a translated "try a narrower
filter" page, or an HTTP 503 with ``Retry-After`` for the API.
"""

from __future__ import annotations

import contextlib
import functools
from contextvars import ContextVar

from django.conf import settings

QUERY_CANCELED = "57014"

_budget: ContextVar[int | None] = ContextVar("crm_statement_timeout_ms", default=None)


def current() -> int | None:
    """The statement timeout (ms) of the current request or task, None for the connection default."""
    return _budget.get()


@contextlib.contextmanager
def statement_timeout(ms: int | None):
    """Run the block with a statement timeout of ``ms`` milliseconds (0: none; None: default)."""
    token = _budget.set(None if ms is None else int(ms))
    try:
        yield
    finally:
        _budget.reset(token)


def web_ms() -> int:
    return settings.DB_STATEMENT_TIMEOUT_MS


def bulk_ms() -> int:
    return settings.DB_BULK_STATEMENT_TIMEOUT_MS


def task_ms() -> int:
    return settings.DB_TASK_STATEMENT_TIMEOUT_MS


def bulk_reads(view):
    """Decorator: the view (or viewset action) runs with the bulk budget (exports, aggregates)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        with statement_timeout(bulk_ms()):
            return view(*args, **kwargs)

    return wrapper


def is_query_timeout(exc: BaseException | None) -> bool:
    """True for a statement cancelled by its timeout (or by a cancel request), wrapped or not."""
    while exc is not None:
        if getattr(exc, "pgcode", None) == QUERY_CANCELED:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


class StatementTimeoutMiddleware:
    """Run each request under ``DB_STATEMENT_TIMEOUT_MS`` (first in MIDDLEWARE: sessions and
    authentication are bounded too). Streaming exports re-enter their own, longer budget."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with statement_timeout(web_ms()):
            return self.get_response(request)
