"""Report lists (issue 15): "my reports" for a rep, the team's reports for a manager (by rep,
date, doctor, status, late, amended) with export, and the manager's drill-down to one rep."""

import datetime

from django.urls import reverse
from django.utils import timezone

from crm.tenancy import tenant_context
from tests.segmentation_pages.helpers import elements, one
from tests.visits.factories import VisitFactory


def _last_week_at(days_before_monday, hour=10):
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    day = monday - datetime.timedelta(days=days_before_monday)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _visit(team, *, rep, doctor, at, late=False, status="submitted"):
    with tenant_context(team.tenant):
        return VisitFactory(
            tenant=team.tenant,
            doctor=doctor,
            rep=rep,
            visited_at=at,
            status=status,
            is_late=late,
            submitted_at=at + datetime.timedelta(hours=30 if late else 2) if status == "submitted" else None,
        )


def _reports(team):
    late = _visit(team, rep=team.rep, doctor=team.doctors[0], at=_last_week_at(3), late=True)
    on_time = _visit(team, rep=team.rep, doctor=team.doctors[1], at=_last_week_at(4))
    this_week = _visit(team, rep=team.rep, doctor=team.doctors[2], at=timezone.now() - datetime.timedelta(minutes=30))
    other_late = _visit(team, rep=team.rep2, doctor=team.other_doctor, at=_last_week_at(3), late=True)
    return late, on_time, this_week, other_late


def _ids(html):
    return {int(r["data-visit-id"]) for r in elements(html, "report-row")}


def test_a_manager_lists_last_weeks_late_reports_of_one_rep_and_opens_them(team, as_user):
    late, on_time, this_week, other_late = _reports(team)
    client = as_user(team.manager)
    html = client.get(reverse("visit_report_list"), {"rep": team.rep.pk, "period": "last_week", "late": "1"}).content
    assert _ids(html.decode()) == {late.pk}
    # Positive control: without "late", both of last week's reports of that rep; without the rep, both reps.
    html = client.get(reverse("visit_report_list"), {"rep": team.rep.pk, "period": "last_week"}).content.decode()
    assert _ids(html) == {late.pk, on_time.pk}
    html = client.get(reverse("visit_report_list"), {"period": "last_week", "late": "1"}).content.decode()
    assert _ids(html) == {late.pk, other_late.pk}
    assert client.get(reverse("visit_detail", args=[late.pk])).status_code == 200


def test_a_rep_lists_only_their_own_reports_of_this_week(team, as_user):
    late, on_time, this_week, other_late = _reports(team)
    html = as_user(team.rep).get(reverse("visit_report_list")).content.decode()
    assert _ids(html) == {this_week.pk}
    html = as_user(team.rep).get(reverse("visit_report_list"), {"period": "last_week"}).content.decode()
    assert _ids(html) == {late.pk, on_time.pk}
    # A rep's "rep" filter cannot reach a colleague.
    html = as_user(team.rep).get(reverse("visit_report_list"), {"period": "last_week", "rep": team.rep2.pk}).content
    assert other_late.pk not in _ids(html.decode())


def test_the_team_reports_export_keeps_the_filters(team, as_user):
    late, on_time, _this_week, _other = _reports(team)
    response = as_user(team.manager).get(
        reverse("visit_report_export", args=["csv"]), {"rep": team.rep.pk, "period": "last_week", "late": "1"}
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert team.doctors[0].name in body and team.doctors[1].name not in body
    assert as_user(team.manager).get(reverse("visit_report_export", args=["pdf"])).status_code == 400


def test_the_team_table_drills_down_to_a_rep(team, as_user):
    late, *_ = _reports(team)
    client = as_user(team.manager)
    html = client.get(reverse("team")).content.decode()
    links = {e["href"] for e in elements(html, "drill-rep")}
    assert reverse("team_rep", args=[team.rep.pk]) in links
    html = client.get(reverse("team_rep", args=[team.rep.pk])).content.decode()
    assert one(html, "rep-summary")["data-rep-id"] == str(team.rep.pk)
    assert "late=1" in one(html, "rep-late-last-week")["href"]
    # A rep is not a manager; a manager does not drill into a rep outside the team.
    assert as_user(team.rep).get(reverse("team_rep", args=[team.rep2.pk])).status_code in (403, 404)
