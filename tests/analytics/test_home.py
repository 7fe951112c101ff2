"""The home page of each role: analytics' cards with the figures behind them."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from crm import home
from crm.tenancy import tenant_context
from tests.analytics.helpers import at, scored_team
from tests.hospitals.factories import DepartmentFactory, DoctorFactory
from tests.visits.factories import VisitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(tenant):
    cache.clear()
    with time_machine.travel(datetime.datetime(2026, 5, 20, 12, 0), tick=True):
        yield scored_team(tenant, month=datetime.date(2026, 5, 1))


def _home(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_cards_are_registered_through_the_kernel():
    keys = {c.key for c in home.registered_cards()}
    assert {"my_month", "team_kpi", "pm_home", "compliance_home", "inquiry_sla", "data_quality"} <= keys


def test_rep_sees_their_month(client, team):
    html = _home(client, team.rep)
    assert 'data-testid="home-my-month"' in html
    assert 'data-tier="A"' in html and 'data-tier="C"' in html
    assert 'data-testid="home-team-kpi"' not in html  # a manager's card
    # The other rep's month differs: only the B tier.
    html2 = _home(client, team.rep2)
    assert 'data-tier="B"' in html2 and 'data-tier="A"' not in html2


def test_manager_sees_who_is_behind_and_why(client, team):
    from tests.visits.factories import FollowUpTaskFactory

    with tenant_context(team.tenant):
        FollowUpTaskFactory(
            doctor=team.other_doctor, assignee=team.rep2, due_at=timezone.now() - datetime.timedelta(days=2)
        )
        FollowUpTaskFactory(doctor=team.doctor, assignee=team.rep)  # due tomorrow: not overdue
    html = _home(client, team.manager)
    assert 'data-testid="home-team-kpi"' in html
    assert f'data-rep-id="{team.rep.pk}"' in html and f'data-rep-id="{team.rep2.pk}"' in html
    row2 = html.split(f'data-rep-id="{team.rep2.pk}"')[1].split("</tr>")[0]
    row1 = html.split(f'data-rep-id="{team.rep.pk}"')[1].split("</tr>")[0]
    assert 'data-kpi="ab_coverage"' in row2  # rep2 missed their B doctor
    assert 'data-kpi="ab_coverage"' not in row1 and 'data-kpi="calls"' in row1
    assert reverse("kpi_rep", args=[team.rep2.pk]) in html  # drill-down
    assert 'data-overdue="1"' in row2 and '<span class="badge overdue">1</span>' in row2
    assert 'data-overdue="0"' in row1


def test_product_manager_sees_the_adoption_ladder(client, team, make_user):
    from segmentation import services as seg

    with tenant_context(team.tenant):
        seg.adoption_set(tenant=team.tenant, by=None, doctor=team.doctor, product=team.product, stage="regular")
        seg.adoption_set(tenant=team.tenant, by=None, doctor=team.doctors[1], product=team.product, stage="trial")
    html = _home(client, make_user(team.tenant, "product_manager"))
    row = html.split(f'data-product="{team.product.name}"')[1].split("</tr>")[0]
    assert row.count("<td>1</td>") == 2 and "<strong>1</strong>" in row  # one trial, one regular; one user
    assert reverse("tier_dashboard") in html
    csv = b"".join(client.get(reverse("adoption_export", args=["csv"])).streaming_content).decode("utf-8-sig")
    assert team.product.name in csv


def test_compliance_sees_amendments_and_late_reports(client, team):
    from visits.models import VisitAmendment

    with tenant_context(team.tenant):
        visit = VisitFactory(
            doctor=team.doctor,
            rep=team.rep,
            visited_at=at(datetime.date(2026, 5, 18)),
            status="submitted",
            is_late=True,
            submitted_at=timezone.now(),
        )
        VisitAmendment.objects.create(tenant=team.tenant, visit=visit, by=team.rep, reason="补充", changes={})
    html = _home(client, team.compliance)
    assert 'data-testid="compliance-amendments">1<' in html
    # The team's two late reports of the month (scored_team) and this one.
    assert 'data-testid="compliance-late">3<' in html
    assert reverse("visit_detail", args=[visit.pk]) in html


def test_medical_affairs_sees_inquiries_by_sla(client, team):
    from visits.models import MedicalInquiry

    today = timezone.localdate()
    with tenant_context(team.tenant):
        for days in (-2, 0, 5):
            MedicalInquiry.objects.create(
                tenant=team.tenant,
                doctor=team.doctor,
                question="剂量?",
                due_date=today + datetime.timedelta(days=days),
                asked_by=team.rep,
            )
    html = _home(client, team.medical)
    assert (
        'data-testid="sla-breached">1<' in html
        and 'data-testid="sla-due">1<' in html
        and 'data-testid="sla-ok">1<' in html
    )


def test_admin_sees_data_quality(client, team, make_user):
    with tenant_context(team.tenant):
        DoctorFactory(hospital=team.hospital, department=None)
        DoctorFactory(hospital=team.hospital, department=DepartmentFactory(hospital=team.hospital))
    lonely = make_user(team.tenant, "rep", username="no-territory-rep")
    html = _home(client, team.admin)
    assert 'data-testid="home-data-quality"' in html
    assert "no-territory-rep" in html or (lonely.name and lonely.name in html)
    assert html.split('data-testid="dq-no-department">')[1].split("</li>")[0].endswith("<strong>1</strong>")
