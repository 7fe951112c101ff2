"""Admin of visits: tenant-scoped lists, submitted reports read-only and undeletable."""

import pytest
from django.urls import reverse

from tests.visits.factories import FollowUpTaskFactory, VisitFactory, field_team

MODELS = [
    "visitsettings",
    "contentitem",
    "cycleplan",
    "cycleplanline",
    "visitplan",
    "visit",
    "visitamendment",
    "followuprule",
    "followuptask",
    "medicalinquiry",
    "pendingfollowup",
    "repcapacity",
    "repleave",
]


@pytest.fixture
def team(tenant):
    return field_team(tenant)


@pytest.mark.parametrize("model", MODELS)
def test_every_changelist_opens_for_the_tenant_admin(client, team, model):
    client.force_login(team.admin)
    assert client.get(reverse(f"admin:visits_{model}_changelist")).status_code == 200


def test_a_submitted_report_is_read_only_in_admin(client, team, other_tenant):
    visit = VisitFactory(doctor=team.doctor, rep=team.rep, status="submitted", feedback="原始反馈")
    foreign = VisitFactory(doctor=field_team(other_tenant, "Z").doctor, status="submitted")
    FollowUpTaskFactory(doctor=team.doctor, visit=visit)
    client.force_login(team.admin)
    listing = client.get(reverse("admin:visits_visit_changelist")).content.decode()
    assert f"/{visit.pk}/change/" in listing and f"/{foreign.pk}/change/" not in listing
    page = client.get(reverse("admin:visits_visit_change", args=[visit.pk])).content.decode()
    assert 'name="feedback"' not in page and "原始反馈" in page
    assert client.get(reverse("admin:visits_visit_delete", args=[visit.pk])).status_code == 403
    assert client.get(reverse("admin:visits_visit_change", args=[foreign.pk])).status_code == 404
