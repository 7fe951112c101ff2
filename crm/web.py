"""Helpers of the browser views, shared by every app (the views stay thin: parse, check, call,
render).

* :func:`tenant_user` — the signed-in tenant user, optionally holding one of some roles, or 403;
* :func:`get_or_404` — one row of a selector's queryset (what the user may see), or 404: another
  tenant's object, or one the user may not see, is a 404 everywhere;
* :func:`is_htmx` — an htmx request (optionally for one target), not a history restore;
* :func:`render_list` — a list page, or only its results block when htmx asks for it;
* :func:`int_or_none` / :func:`ints` — query-string integers that never raise;
* :func:`add_service_errors` / :func:`error_messages` — a service's ``ValidationError`` on a
  form or as messages;
* :func:`dispatch_action` — one URL per object, one view function per POSTed ``action``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from crm.permissions import has_role, is_tenant_user


def tenant_user(request, roles: Iterable | None = None):
    """``request.user`` when a tenant user (holding one of ``roles`` when given), else 403."""
    user = request.user
    if not is_tenant_user(user) or (roles is not None and not has_role(user, frozenset(roles))):
        raise PermissionDenied
    return user


def get_or_404(queryset, pk):
    """The row ``pk`` of ``queryset`` (a selector's: what the user may see), or 404."""
    obj = queryset.filter(pk=pk).first() if pk is not None else None
    if obj is None:
        raise Http404
    return obj


def is_htmx(request, target: str | None = None) -> bool:
    """An htmx request (for the element ``target`` when given); a history restore needs the whole page."""
    return (
        request.headers.get("HX-Request") == "true"
        and not request.headers.get("HX-History-Restore-Request")
        and (target is None or request.headers.get("HX-Target") == target)
    )


def render_list(request, template, partial, results_id, context, *, filters=(), options=None):
    """A list page, or only its results block (``partial``) when htmx asks for ``results_id``
    (typing in the search box, "more results"). ``options()`` gives the filters' choices, only
    computed for the whole page; ``filters`` names the query parameters counted as active."""
    if is_htmx(request, results_id):
        response = render(request, partial, context)
    else:
        active = sum(1 for name in filters if request.GET.get(name))
        context |= {
            "options": options() if options else {},
            "filters_active": active,
            "filters_open": bool(active or request.GET.get("ordering")),
        }
        response = render(request, template, context)
    # The same URL answers a page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def int_or_none(value):
    """``value`` as an int, or None when it is missing or not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def ints(values) -> list[int]:
    """The integers among ``values`` (e.g. ``request.POST.getlist("id")``), others dropped."""
    return [i for i in (int_or_none(v) for v in values) if i]


def add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's refusal on the form: on its field when the form has it, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def error_messages(exc: ValidationError) -> list[str]:
    """The messages of a service's refusal, for ``django.contrib.messages``."""
    return [str(m) for m in exc.messages]


def dispatch_action(request, handlers: dict[str, Callable], *args, **kwargs):
    """Call the handler of the POSTed ``action`` (``handlers[action](request, *args, **kwargs)``),
    or answer 400 for an unknown one. An object keeps one URL (and one isolation case) while
    each of its actions is a view function of its own."""
    handler = handlers.get(request.POST.get("action"))
    if handler is None:
        return HttpResponseBadRequest()
    return handler(request, *args, **kwargs)
