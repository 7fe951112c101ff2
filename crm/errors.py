"""What users see when something goes wrong: translated pages that keep the menu and a way
home, and ``{"detail": …}`` JSON for the API (``handler403/404/500`` in crm/urls.py).

An unexpected error is a 500, with two exceptions that are not bugs but load:

* a statement that ran out of its budget (crm/timeouts.py) → **503** "the list took too long,
  try a narrower filter", ``Retry-After`` set;
* PostgreSQL refusing connections (all slots taken, restarting) → **503** "busy, try again in
  a few seconds", ``Retry-After`` set. Nothing is kept broken: the next request opens a new
  connection (``CONN_HEALTH_CHECKS``), so the application recovers by itself.

With ``DEBUG=1`` Django's technical pages are shown instead (for developers only).
"""

from __future__ import annotations

import logging
import sys

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

from crm import timeouts

logger = logging.getLogger(__name__)

RETRY_AFTER_TIMEOUT_S = 10
RETRY_AFTER_BUSY_S = 5


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def _connection_refused(exc) -> bool:
    """PostgreSQL could not be reached or refused the connection (not a failing statement)."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError) or timeouts.is_query_timeout(exc):
        return False
    cause = exc.__cause__
    # A failed connection attempt has no SQLSTATE (psycopg2 sets pgcode for server errors),
    # except "too many connections" (53300) and "cannot connect now" (57P03).
    return getattr(cause, "pgcode", None) in (None, "53300", "57P03")


def _page(request, status, title, message, *, retry_after=None):
    """The error page: base.html with the menu when it can be rendered, else a bare page."""
    context = {"status": status, "title": title, "message": message}
    if is_api(request):
        response = JsonResponse({"detail": message}, status=status)
    else:
        try:
            template = loader.select_template([f"{status}.html", "errors/page.html"])
            response = HttpResponse(template.render(context, request), status=status)
        except Exception:  # the menu or the user need the database, which may be the problem
            logger.exception("rendering the %s page with the menu failed", status)
            response = HttpResponse(loader.render_to_string("errors/bare.html", context), status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


def bad_request(request, exception=None):
    return _page(request, 400, _("Bad request"), _("The request could not be understood. Go back and try again."))


def permission_denied(request, exception=None):
    return _page(
        request,
        403,
        _("Access denied"),
        _("You may not open this page. If you need it, ask your administrator for the right role."),
    )


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: usually a form left open across a sign-out or a long pause."""
    return _page(
        request,
        403,
        _("This form has expired"),
        _("The page was open too long or you signed in again elsewhere. Reload the page and send it again."),
    )


def page_not_found(request, exception=None):
    return _page(
        request,
        404,
        _("Page not found"),
        _("This page does not exist, or it is not yours to see. Check the address or start again from home."),
    )


def server_error(request):
    exc = sys.exc_info()[1]
    if timeouts.is_query_timeout(exc):
        return query_timeout(request)
    if isinstance(exc, DatabaseError) and _connection_refused(exc):
        return _page(
            request,
            503,
            _("Busy right now"),
            _("The service is busy. Please try again in a few seconds."),
            retry_after=RETRY_AFTER_BUSY_S,
        )
    return _page(
        request,
        500,
        _("Something went wrong"),
        _("An unexpected error occurred and has been recorded. Please try again in a moment."),
    )


def query_timeout(request):
    """503: a list or search ran out of its statement budget (crm/timeouts.py)."""
    seconds = max(1, round(timeouts.web_ms() / 1000))
    message = _(
        "This took longer than %(seconds)s seconds and was stopped. Try a narrower filter — a province, a "
        "hospital, a territory or a longer name — or export the list."
    ) % {"seconds": seconds}
    return _page(request, 503, _("Try a narrower filter"), message, retry_after=RETRY_AFTER_TIMEOUT_S)
