"""A memo that lives for one read-only request: a value several parts of a page need (a rep's
book of doctors: hospitals.selectors) is computed once instead of once per part.

Only GET and HEAD requests get one (:class:`RequestMemoMiddleware`), so nothing a request
writes can be hidden by an earlier read of the same request; outside a request (tasks, shells,
tests calling selectors directly) :func:`memoize` simply computes.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from contextvars import ContextVar

_memo: ContextVar[dict | None] = ContextVar("crm_request_memo", default=None)


def memoize(key: Hashable, compute: Callable):
    """``compute()``, remembered under ``key`` for the rest of the current read-only request."""
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


class RequestMemoMiddleware:
    """Give each GET/HEAD request a fresh memo, dropped at its end."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _memo.set({} if request.method in ("GET", "HEAD") else None)
        try:
            return self.get_response(request)
        finally:
            _memo.reset(token)
