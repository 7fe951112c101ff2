"""Extension points of visits, filled by the apps above it in their ``AppConfig.ready()``
(DESIGN.md §2: a lower app offers a hook, it never imports upward).

* :func:`register_event_followups` — events/ names who to follow up after an event:
  ``fn(*, tenant, rep, week_start) -> iterable of (doctor, due_date)``; the rep's suggested
  week (``visits.selectors.suggested_week``) lists them with the reason "Event attendee".
* :func:`register_report_submitted` — something to do with every submitted visit report that
  carries a signal: ``fn(*, tenant, visit) -> None``, run by the follow-up job
  (``visits.services.visit_followups_create``) inside its transaction, so that it shares the
  job's outbox and retries. It must be idempotent (the job may run twice); complaints/ takes
  in the adverse-event and quality signals with it.
* :func:`register_report_section` — a section of the visit report form that an app above adds
  for some visits (events/: the event follow-up's questionnaire and key-message recall when the
  visit's plan is an event follow-up). ``fn(*, tenant, user, plan, visit, data) -> section | None``
  where ``section`` has ``template`` (included in the form with ``section``), ``is_valid(*,
  submit) -> bool`` and ``save(*, visit, submit) -> bool`` (False: its own errors were put on
  it). The report's views save the sections in the transaction of the draft save and of the
  submit, so a section that refuses rolls the submit back and nothing is half-recorded.
* :func:`register_report_links` — actions on a visit report's page offered by an app above
  (events/: "Send an insight"): ``fn(*, tenant, user, visit) -> iterable of (label, url, testid)``.
"""

from __future__ import annotations

from collections.abc import Callable

_EVENT_FOLLOWUPS: dict[str, Callable] = {}
_REPORT_SUBMITTED: dict[str, Callable] = {}
_REPORT_SECTIONS: dict[str, Callable] = {}
_REPORT_LINKS: dict[str, Callable] = {}


def register_event_followups(name: str, fn: Callable) -> None:
    """Add (or replace, by ``name``) a source of event attendees to follow up."""
    _EVENT_FOLLOWUPS[name] = fn


def event_followups(*, tenant, rep, week_start) -> list[tuple]:
    """``(doctor, due_date)`` pairs of every registered source, in registration order."""
    out = []
    for fn in _EVENT_FOLLOWUPS.values():
        out.extend(fn(tenant=tenant, rep=rep, week_start=week_start))
    return out


def register_report_submitted(name: str, fn: Callable) -> None:
    """Add (or replace, by ``name``) ``fn(*, tenant, visit)``, run for each submitted report."""
    _REPORT_SUBMITTED[name] = fn


def report_submitted(*, tenant, visit) -> None:
    """Run every registered ``fn(*, tenant, visit)`` for a submitted report, in registration order."""
    for fn in _REPORT_SUBMITTED.values():
        fn(tenant=tenant, visit=visit)


def register_report_section(name: str, fn: Callable) -> None:
    """Add (or replace, by ``name``) ``fn(*, tenant, user, plan, visit, data) -> section | None``."""
    _REPORT_SECTIONS[name] = fn


def report_sections(*, tenant, user, plan=None, visit=None, data=None) -> list:
    """The extra sections of this visit report form (none for most visits), in registration order."""
    out = []
    for fn in _REPORT_SECTIONS.values():
        section = fn(tenant=tenant, user=user, plan=plan, visit=visit, data=data)
        if section is not None:
            out.append(section)
    return out


def register_report_links(name: str, fn: Callable) -> None:
    """Add (or replace, by ``name``) ``fn(*, tenant, user, visit) -> [(label, url, testid), …]``."""
    _REPORT_LINKS[name] = fn


def report_links(*, tenant, user, visit) -> list[tuple]:
    """Actions other apps offer on this visit report's page, in registration order."""
    out = []
    for fn in _REPORT_LINKS.values():
        out.extend(fn(tenant=tenant, user=user, visit=visit))
    return out
