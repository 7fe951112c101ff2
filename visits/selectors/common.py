"""What the reads of visits share: day and month bounds, the tenant's visit settings, tiers and
call frequencies from segmentation, a rep's aligned doctors, a manager's team."""

from __future__ import annotations

import dataclasses
import datetime

from django.db.models import QuerySet
from django.utils import timezone

from accounts.selectors import team_members, user_territories
from crm.tenancy import tenant_id_of
from hospitals.models import Doctor, DoctorTerritory
from segmentation.selectors import current_tiers, tier_settings
from visits.models import (
    VisitSettings,
    month_start,
)

# Call frequency per tier when segmentation has no setting for a tier.
DEFAULT_TIER_FREQUENCY = {"A": 4, "B": 2, "C": 1, "D": 0}
DEFAULT_TIER = "C"


def _same_tenant(tenant, user) -> bool:
    return getattr(user, "tenant_id", None) == tenant_id_of(tenant)


def local_day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of the local calendar day ``day`` as aware datetimes."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of the local calendar month containing ``month``."""
    first = month_start(month)
    nxt = (first + datetime.timedelta(days=32)).replace(day=1)
    return (
        timezone.make_aware(datetime.datetime.combine(first, datetime.time.min)),
        timezone.make_aware(datetime.datetime.combine(nxt, datetime.time.min)),
    )


def add_months(month: datetime.date, n: int) -> datetime.date:
    """The first day of the month ``n`` months after ``month`` (negative: before)."""
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


# --- settings and tiers --------------------------------------------------------------------


def visit_settings(*, tenant) -> VisitSettings:
    """The tenant's visit settings, or an unsaved instance holding the defaults."""
    found = VisitSettings.objects.for_tenant(tenant).first()
    return found or VisitSettings(tenant_id=tenant_id_of(tenant))


def tier_frequencies(*, tenant) -> dict[str, int]:
    """Target visits per month per tier ("A".."D"), from segmentation's tier settings."""
    frequencies = dict(DEFAULT_TIER_FREQUENCY)
    for tier, setting in tier_settings(tenant=tenant).items():
        frequencies[str(tier)] = int(getattr(setting, "visits_per_month", frequencies.get(str(tier), 0)))
    return frequencies


def doctor_tiers(*, tenant, doctor_ids=None) -> dict[int, str]:
    """Doctor id → current tier, from segmentation (unscored doctors absent)."""
    return {int(k): str(v) for k, v in current_tiers(tenant=tenant, doctor_ids=doctor_ids).items()}


def objective_template(*, tenant, tier: str | None, settings_obj: VisitSettings | None = None) -> str:
    """The objective to pre-fill for a doctor of ``tier`` (tenant template, else the default)."""
    return (settings_obj or visit_settings(tenant=tenant)).objective_for(tier or DEFAULT_TIER)


# --- visibility ----------------------------------------------------------------------------


def rep_doctors(*, tenant, rep) -> QuerySet[Doctor]:
    """Doctors aligned to the territories ``rep`` covers (the cycle plan's population)."""
    territories = user_territories(tenant=tenant, user=rep).values("pk")
    aligned = DoctorTerritory.objects.for_tenant(tenant).filter(territory_id__in=territories).values("doctor_id")
    return Doctor.objects.for_tenant(tenant).active().filter(pk__in=aligned)


def team_user_ids(*, tenant, manager) -> QuerySet:
    """Ids (a values queryset) of ``manager``'s team members."""
    return team_members(tenant=tenant, manager=manager).order_by().values("pk")


# --- working days and capacity (issue 15) --------------------------------------------------


def is_working_day(*, tenant, day: datetime.date) -> bool:
    """Whether ``day`` is a working day of the tenant: China's calendar (public holidays, make-up
    working days) with the tenant's own days (crm.workdays)."""
    from crm import workdays

    return workdays.is_workday(day, tenant=tenant)


def working_days(*, tenant, start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """Working days in [start, end) (one calendar: the tenant's days read once)."""
    from crm.workdays import WorkCalendar

    calendar = WorkCalendar(tenant)
    out = []
    day = start
    while day < end:
        if calendar.is_workday(day):
            out.append(day)
        day += datetime.timedelta(days=1)
    return out


@dataclasses.dataclass
class Capacity:
    """How many visits a rep can make in a span: working days (their leave out) × visits per day."""

    working_days: int
    leave_days: int
    visits_per_day: int

    @property
    def visits(self) -> int:
        return self.working_days * self.visits_per_day


def rep_capacity(*, tenant, rep, start: datetime.date, end: datetime.date) -> Capacity:
    """The rep's capacity in [start, end): the tenant's visits per day (or the rep's own), on the
    working days that are not the rep's leave."""
    from visits.models import RepCapacity, RepLeave

    days = working_days(tenant=tenant, start=start, end=end)
    leave = set()
    for first, last in (
        RepLeave.objects.for_tenant(tenant)
        .filter(rep_id=getattr(rep, "pk", rep), start__lt=end, end__gte=start)
        .values_list("start", "end")
    ):
        d = max(first, start)
        while d <= last and d < end:
            leave.add(d)
            d += datetime.timedelta(days=1)
    own = (
        RepCapacity.objects.for_tenant(tenant)
        .filter(rep_id=getattr(rep, "pk", rep))
        .values_list("visits_per_day", flat=True)
        .first()
    )
    per_day = own if own is not None else visit_settings(tenant=tenant).visits_per_day
    working = [d for d in days if d not in leave]
    return Capacity(working_days=len(working), leave_days=len(days) - len(working), visits_per_day=per_day)
