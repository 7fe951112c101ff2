"""Extension points of segmentation, filled by the apps above it in their ``AppConfig.ready()``
(DESIGN.md §2: a lower app offers a hook, it never imports upward nor reads their tables).

* :func:`register_timeline_source` — entries of account-plan timelines from visits and events.
* :func:`register_invitation_list_action` — what an app above does with a saved invitation list
  (events: invite its doctors to an event).
* :func:`register_visit_inputs` — visits gives the visit-based dimensions (digital acceptance,
  willingness): ``fn(*, tenant_id, period) -> DataFrame`` with ``doctor_id`` and one column per
  dimension kind, set-based (segmentation.dimensions.read_frame). Without it they are 0.
"""

from __future__ import annotations

from collections.abc import Callable

_visit_inputs: Callable | None = None


def register_visit_inputs(fn: Callable) -> None:
    """Name the reader of the visit-based dimension inputs."""
    global _visit_inputs
    _visit_inputs = fn


def visit_inputs() -> Callable | None:
    """The registered reader, or None."""
    return _visit_inputs


_visit_facts: Callable | None = None


def register_visit_facts(fn: Callable) -> None:
    """Name the reader of one doctor's visit facts for a tier explanation:
    ``fn(*, tenant_id, period, doctor_id) -> {"visits", "remote", "achieved", "partly"}`` (counts)."""
    global _visit_facts
    _visit_facts = fn


def visit_facts() -> Callable | None:
    """The registered reader of one doctor's visit facts, or None."""
    return _visit_facts


# --- account plan timelines (segmentation.kol) -------------------------------------------------

_timeline_sources: dict[str, Callable] = {}


def register_timeline_source(key: str, fn: Callable) -> None:
    """Add what an app above knows of a doctor to account-plan timelines (visits: visit reports
    and their reactions, medical inquiries; events: events attended, once they exist).

    ``fn(*, tenant_id, doctor_id, product_id, start, end) -> list[dict]``, each dict an entry
    ``{"date": date, "kind": str, "title": str, "detail": str, "link": str}``, set-based and
    bounded (at most a few hundred rows for the period).
    """
    _timeline_sources[key] = fn


def timeline_sources() -> dict[str, Callable]:
    """The registered timeline sources, by key."""
    return dict(_timeline_sources)


# --- what the apps above offer on a saved invitation list (segmentation.kol) ------------------

_invitation_list_actions: dict[str, Callable] = {}


def register_invitation_list_action(key: str, fn: Callable) -> None:
    """Offer an action on a saved invitation list's page (events: invite its doctors to an event).

    ``fn(*, user, invitation) -> {"url": str, "label": str} | None`` (None: not for this user).
    """
    _invitation_list_actions[key] = fn


def invitation_list_actions(*, user, invitation) -> list[dict]:
    """The actions the registered apps offer ``user`` on ``invitation``."""
    return [a for fn in _invitation_list_actions.values() if (a := fn(user=user, invitation=invitation))]
