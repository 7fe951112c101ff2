"""China's working calendar (crm.workdays): national holidays, make-up days (调休), tenant overrides,
and the fallback outside the years the chinesecalendar library covers."""

import datetime

import pytest
from django.urls import reverse

from crm import workdays
from crm.models import WorkdayOverride
from crm.tenancy import tenant_context

D = datetime.date

# National Day 2025: 1-8 October off; Sunday 28 September and Saturday 11 October worked (调休).
NATIONAL_DAY_2025 = [D(2025, 10, d) for d in range(1, 9)]


def test_holidays_are_rest_days_and_an_ordinary_week_is_monday_to_friday():
    assert workdays.is_workday(D(2025, 9, 30))  # Tuesday before the holiday: positive control
    for day in NATIONAL_DAY_2025:
        assert not workdays.is_workday(day), day
    assert workdays.is_workday(D(2025, 9, 24))  # a Wednesday
    assert not workdays.is_workday(D(2025, 9, 20))  # a Saturday


def test_make_up_working_days_on_a_weekend_count():
    assert D(2025, 9, 28).weekday() == 6 and workdays.is_workday(D(2025, 9, 28))
    assert D(2025, 10, 11).weekday() == 5 and workdays.is_workday(D(2025, 10, 11))
    assert not workdays.is_workday(D(2025, 10, 12))  # the Sunday after stays a rest day


def test_add_workdays_skips_the_holiday_and_counts_the_make_up_day():
    # Tuesday 30 September + 1 working day: the holiday runs to 8 October, so Thursday 9 October.
    assert workdays.add_workdays(D(2025, 9, 30), 1) == D(2025, 10, 9)
    # +3: 9 Oct (Thu), 10 Oct (Fri), 11 Oct (Saturday, worked).
    assert workdays.add_workdays(D(2025, 9, 30), 3) == D(2025, 10, 11)
    assert workdays.add_workdays(D(2025, 9, 30), 0) == D(2025, 9, 30)
    assert workdays.add_workdays(D(2025, 10, 9), -1) == D(2025, 9, 30)
    # An ordinary week for comparison: Friday + 1 = Monday.
    assert workdays.add_workdays(D(2025, 9, 19), 1) == D(2025, 9, 22)


def test_workdays_between_inverts_add_workdays():
    start = D(2025, 9, 26)
    for n in (-12, -1, 0, 1, 5, 15, 30):
        assert workdays.workdays_between(start, workdays.add_workdays(start, n)) == n
    assert workdays.workdays_between(D(2025, 9, 30), D(2025, 10, 8)) == 0
    assert workdays.workdays_between(D(2025, 9, 30), D(2025, 10, 9)) == 1


def test_next_workday():
    assert workdays.next_workday(D(2025, 10, 3)) == D(2025, 10, 9)
    assert workdays.next_workday(D(2025, 10, 9)) == D(2025, 10, 9)


@pytest.mark.django_db
def test_tenant_overrides_win_over_the_national_calendar_for_that_tenant_only(tenant, other_tenant):
    friday, saturday = D(2025, 9, 19), D(2025, 9, 20)
    with tenant_context(tenant):
        WorkdayOverride.objects.create(date=friday, is_workday=False, note="公司年会")
        WorkdayOverride.objects.create(date=saturday, is_workday=True, note="盘点")
    assert not workdays.is_workday(friday, tenant)
    assert workdays.is_workday(saturday, tenant.pk)
    # The other tenant and the national calendar are unchanged.
    assert workdays.is_workday(friday, other_tenant) and workdays.is_workday(friday)
    assert not workdays.is_workday(saturday, other_tenant)
    # Thursday + 1: the tenant skips its Friday and works Saturday.
    assert workdays.add_workdays(D(2025, 9, 18), 1, tenant) == saturday
    assert workdays.add_workdays(D(2025, 9, 18), 1, other_tenant) == friday
    assert workdays.workdays_between(D(2025, 9, 18), D(2025, 9, 22), tenant) == 2
    assert workdays.workdays_between(D(2025, 9, 18), D(2025, 9, 22)) == 2  # Fri + Mon


@pytest.mark.django_db
def test_one_calendar_reads_the_overrides_of_a_window_once(tenant, django_assert_max_num_queries):
    with tenant_context(tenant):
        WorkdayOverride.objects.create(date=D(2025, 3, 3), is_workday=False)
    calendar = workdays.WorkCalendar(tenant)
    with django_assert_max_num_queries(2):
        dues = [calendar.add_workdays(D(2025, 3, 1) + datetime.timedelta(days=i), 15) for i in range(60)]
    # Saturday 1 March + 15: 3 March is the tenant's rest day, so the 15th is 24 March, not 21.
    assert dues[0] == D(2025, 3, 24)
    assert workdays.add_workdays(D(2025, 3, 1), 15) == D(2025, 3, 21)


def test_outside_the_library_years_monday_to_friday_and_a_warning(caplog):
    first, last = workdays.LIBRARY_YEARS
    assert first <= 2025 <= last
    later = last + 2
    assert not workdays.library_covers(D(later, 1, 1))
    assert workdays.library_covers(D(last, 6, 1))
    with caplog.at_level("WARNING", logger="crm.workdays"):
        jan = [D(later, 1, d) for d in range(1, 15)]
        assert [workdays.is_workday(d) for d in jan] == [d.weekday() < 5 for d in jan]
    assert any(str(later) in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_overrides_fill_a_year_the_library_does_not_cover(tenant):
    later = workdays.LIBRARY_YEARS[1] + 1
    new_year = D(later, 1, 1)
    if new_year.weekday() >= 5:
        new_year = workdays.next_workday(new_year)
    assert workdays.is_workday(new_year, tenant)  # fallback: a weekday works
    with tenant_context(tenant):
        WorkdayOverride.objects.create(date=new_year, is_workday=False, note="元旦")
    assert not workdays.is_workday(new_year, tenant)


def test_a_datetime_is_read_as_its_date_in_china():
    from zoneinfo import ZoneInfo

    # 23:30 UTC on Tuesday 30 September is already Wednesday 1 October (a holiday) in Shanghai.
    late = datetime.datetime(2025, 9, 30, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert not workdays.is_workday(late)
    assert workdays.is_workday(late.replace(hour=1))
    with pytest.raises(TypeError):
        workdays.is_workday("2025-10-01")


@pytest.mark.django_db
def test_tenant_admin_manages_overrides_in_admin(client, tenant, tenant_admin, other_tenant):
    with tenant_context(other_tenant):
        WorkdayOverride.objects.create(date=D(2025, 5, 6), is_workday=False, note="other tenant day")
    client.force_login(tenant_admin)
    url = reverse("admin:crm_workdayoverride_add")
    response = client.post(url, {"date": "2025-05-07", "is_workday": "", "note": "司庆"})
    assert response.status_code == 302, response.content[:2000]
    with tenant_context(tenant):
        assert WorkdayOverride.objects.get(note="司庆").date == D(2025, 5, 7)
    listing = client.get(reverse("admin:crm_workdayoverride_changelist")).content.decode()
    assert "司庆" in listing and "other tenant day" not in listing
