"""Django admin of segmentation: tenant-scoped lists, system rows read-only, frozen versions."""

import pytest
from django.urls import reverse

from crm.tenancy import tenant_context
from segmentation import services
from segmentation.models import ScoringRun
from tests.segmentation.factories import make_doctors, make_version

pytestmark = pytest.mark.django_db

MODELS = [
    "scorecard", "scorecardversion", "importeddimension", "importedvalue", "scoringrun", "tierassignment",
    "tieroverride", "tiersetting", "adoption", "tierresult", "segmentationsettings",
]  # fmt: skip


def test_tenant_admin_opens_every_list_and_sees_only_their_scorecards(client, tenant, other_tenant, tenant_admin):
    mine = make_version(tenant, name="本租户分级")
    theirs = make_version(other_tenant, name="他租户分级")
    client.force_login(tenant_admin)
    for model in MODELS:
        assert client.get(reverse(f"admin:segmentation_{model}_changelist")).status_code == 200, model
    html = client.get(reverse("admin:segmentation_scorecard_changelist")).content.decode()
    assert "本租户分级" in html and "他租户分级" not in html
    assert client.get(reverse("admin:segmentation_scorecardversion_change", args=[mine.pk])).status_code == 200
    assert client.get(reverse("admin:segmentation_scorecardversion_change", args=[theirs.pk])).status_code == 404


def test_runs_and_assignments_are_read_only_and_a_used_version_is_frozen(client, tenant, tenant_admin):
    make_doctors(tenant, 3)
    version = make_version(tenant)
    with tenant_context(tenant):
        run = ScoringRun.objects.create(tenant=tenant, version=version, period="2026Q1")
        services.tier_rescore(tenant=tenant, period="2026Q1", run_id=run.pk)
    client.force_login(tenant_admin)
    assert client.get(reverse("admin:segmentation_scoringrun_add")).status_code == 403
    assert client.get(reverse("admin:segmentation_tierassignment_add")).status_code == 403
    page = client.get(reverse("admin:segmentation_scorecardversion_change", args=[version.pk])).content.decode()
    assert 'name="quota_a"' not in page  # shown, not editable
