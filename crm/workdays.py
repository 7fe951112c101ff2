"""China's working calendar (工作日), for every clock and SLA counted in working days.

The base calendar is the maintained ``chinesecalendar`` library (``chinese_calendar``): the
public holidays the State Council publishes each year and their make-up working days (调休 —
a Saturday or Sunday that is worked to bridge a holiday). A tenant adds its own days on top
with :class:`crm.models.WorkdayOverride` (a company holiday, a plant shutdown, or next year's
holidays before the library ships them): a tenant's override always wins over the library.

Functions:

* :func:`is_workday` — ``day`` is a working day (for ``tenant`` when given);
* :func:`next_workday` — ``day`` itself if it is a working day, else the first one after it;
* :func:`add_workdays` — the ``n``-th working day after ``start`` (before it when ``n < 0``);
  ``add_workdays(d, 0)`` is ``d`` itself, whatever kind of day it is;
* :func:`workdays_between` — working days in ``(start, end]``, negative when ``end < start``,
  so that ``workdays_between(d, add_workdays(d, n)) == n`` for every ``n``;
* :class:`WorkCalendar` — the same for many days at once, with one tenant's overrides loaded once
  for a range of dates (a job computing many due dates uses it rather than one query per call).

Outside the years the library covers (:data:`LIBRARY_YEARS`; 2004–2026 with chinesecalendar
1.11 — a release each November adds the next year once the State Council publishes it): the
calendar falls back to Monday–Friday as working days and Saturday–Sunday as rest days, with no
public holidays and no make-up days, and logs a warning once per year and process. A tenant's
overrides still apply there, so an administrator can enter next year's holidays and 调休 days by
hand until the library is upgraded (``pip install -U chinesecalendar`` within the pinned range).
:func:`library_covers` tells whether a date is inside the covered years.

Dates are calendar dates in China (``Asia/Shanghai``, the project's ``TIME_ZONE``); an aware
datetime given instead is converted with :func:`django.utils.timezone.localdate`.
"""

from __future__ import annotations

import datetime
import logging

import chinese_calendar
from chinese_calendar import constants as _library_constants

from crm.tenancy import tenant_context, tenant_id_of

log = logging.getLogger(__name__)

# The years the library holds data for (inclusive), read from its own tables.
LIBRARY_YEARS: tuple[int, int] = (
    min(d.year for d in _library_constants.holidays),
    max(d.year for d in _library_constants.holidays),
)

_warned_years: set[int] = set()

ONE_DAY = datetime.timedelta(days=1)


def _as_date(day) -> datetime.date:
    if isinstance(day, datetime.datetime):
        from django.utils import timezone

        return timezone.localdate(day) if timezone.is_aware(day) else day.date()
    if isinstance(day, datetime.date):
        return day
    raise TypeError(f"a date is needed, not {type(day).__name__}")


def library_covers(day) -> bool:
    """True when the chinesecalendar library knows the holidays of ``day``'s year."""
    return LIBRARY_YEARS[0] <= _as_date(day).year <= LIBRARY_YEARS[1]


def base_is_workday(day) -> bool:
    """Working day in the national calendar only (no tenant override); see the module docstring
    for years outside the library."""
    day = _as_date(day)
    if library_covers(day):
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:  # a library whose tables end inside a year it claims
            pass
    if day.year not in _warned_years:
        _warned_years.add(day.year)
        log.warning(
            "chinesecalendar has no holidays for %s (covers %s-%s): Monday-Friday are working days",
            day.year,
            *LIBRARY_YEARS,
        )
    return day.weekday() < 5


def _overrides(tenant_id, first: datetime.date, last: datetime.date) -> dict[datetime.date, bool]:
    if tenant_id is None:
        return {}
    from crm.models import WorkdayOverride

    with tenant_context(tenant_id):
        rows = WorkdayOverride.objects.filter(tenant_id=tenant_id, date__range=(first, last)).values_list(
            "date", "is_workday"
        )
        return dict(rows)


class WorkCalendar:
    """The working calendar of one tenant (or the national one when ``tenant`` is None).

    A tenant's overrides are read lazily, a window of dates at a time, and kept: one instance
    serves many due-date computations with a handful of queries. Keep an instance for one
    request or one job (it does not see overrides added after it read their window).
    """

    WINDOW_DAYS = 400

    def __init__(self, tenant=None):
        self.tenant_id = tenant_id_of(tenant)
        self._known: dict[datetime.date, bool] = {}
        self._loaded: list[tuple[datetime.date, datetime.date]] = []

    def _ensure(self, day: datetime.date) -> None:
        if self.tenant_id is None or any(a <= day <= b for a, b in self._loaded):
            return
        first, last = day - datetime.timedelta(days=30), day + datetime.timedelta(days=self.WINDOW_DAYS)
        self._known.update(_overrides(self.tenant_id, first, last))
        self._loaded.append((first, last))

    def is_workday(self, day) -> bool:
        """``day`` is a working day: the tenant's override if there is one, else the national calendar."""
        day = _as_date(day)
        self._ensure(day)
        override = self._known.get(day)
        return base_is_workday(day) if override is None else override

    def next_workday(self, day) -> datetime.date:
        """``day`` if it is a working day, else the first working day after it."""
        day = _as_date(day)
        while not self.is_workday(day):
            day += ONE_DAY
        return day

    def add_workdays(self, start, n: int) -> datetime.date:
        """The ``n``-th working day after ``start`` (before it for ``n < 0``; ``start`` for 0)."""
        day = _as_date(start)
        step = ONE_DAY if n >= 0 else -ONE_DAY
        remaining = abs(int(n))
        while remaining:
            day += step
            if self.is_workday(day):
                remaining -= 1
        return day

    def workdays_between(self, start, end) -> int:
        """Working days in ``(start, end]``; negative (``-`` those in ``(end, start]``) when ``end < start``."""
        start, end = _as_date(start), _as_date(end)
        if end < start:
            return -self.workdays_between(end, start)
        count, day = 0, start
        while day < end:
            day += ONE_DAY
            count += self.is_workday(day)
        return count


def is_workday(day, tenant=None) -> bool:
    """``day`` is a working day in China (and for ``tenant``, with its overrides, when given)."""
    return WorkCalendar(tenant).is_workday(day)


def next_workday(day, tenant=None) -> datetime.date:
    """``day`` if it is a working day, else the first working day after it."""
    return WorkCalendar(tenant).next_workday(day)


def add_workdays(start, n: int, tenant=None) -> datetime.date:
    """The ``n``-th working day after ``start`` (before it when ``n < 0``; ``start`` itself for 0)."""
    return WorkCalendar(tenant).add_workdays(start, n)


def workdays_between(start, end, tenant=None) -> int:
    """Working days in ``(start, end]`` (negative when ``end < start``)."""
    return WorkCalendar(tenant).workdays_between(start, end)
