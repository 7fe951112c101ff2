"""The content library: approval decides what the field sees; uses are counted and kept."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from crm.tenancy import tenant_context
from tests.visits.factories import field_team
from visits import selectors, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(tenant):
    return field_team(tenant)


def _seen_by(team, user, item):
    return selectors.content_item_list(tenant=team.tenant, user=user).filter(pk=item.pk).exists()


def test_approval_decides_what_reps_see_and_a_substantive_change_needs_a_new_one(team):
    med = team.medical
    with tenant_context(team.tenant):
        with pytest.raises(ValidationError):  # neither a file nor a link
            services.content_item_create(tenant=team.tenant, by=med, kind="brochure", title="患者手册")
        item = services.content_item_create(
            tenant=team.tenant, by=med, kind="brochure", title="患者手册", url="https://example.cn/a.pdf"
        )
        # Not approved yet: medical affairs sees it, the rep not.
        assert _seen_by(team, med, item) and not _seen_by(team, team.rep, item)
        with pytest.raises(ValidationError):  # only medical affairs (or an administrator) approves
            services.content_item_approve(tenant=team.tenant, by=team.rep, item=item)
        services.content_item_approve(tenant=team.tenant, by=med, item=item)
        assert _seen_by(team, team.rep, item)
        # A description is not what reps show: still approved. A new title is: approval again.
        services.content_item_update(tenant=team.tenant, by=med, item=item, description="2026 版")
        assert _seen_by(team, team.rep, item)
        services.content_item_update(tenant=team.tenant, by=med, item=item, title="患者手册（新版）")
        assert not _seen_by(team, team.rep, item)


def test_a_withdrawn_item_leaves_the_field_and_keeps_its_uses(team):
    with tenant_context(team.tenant):
        item = team.content  # approved, valid
        services.visit_create(
            tenant=team.tenant,
            by=team.rep,
            doctor=team.doctor,
            visited_at=timezone.now() - datetime.timedelta(hours=1),
            objective_achieved="yes",
            content_items=[item.pk],
            submit=True,
        )
        assert selectors.content_usage(tenant=team.tenant, item_ids=[item.pk]) == {item.pk: 1}
        services.content_item_withdraw(tenant=team.tenant, by=team.medical, item=item)
        assert not _seen_by(team, team.rep, item)
        assert _seen_by(team, team.medical, item)
        assert selectors.content_usage(tenant=team.tenant, item_ids=[item.pk]) == {item.pk: 1}
        # A withdrawn item cannot be used in a new report.
        with pytest.raises(ValidationError):
            services.visit_create(
                tenant=team.tenant,
                by=team.rep,
                doctor=team.doctors[1],
                visited_at=timezone.now() - datetime.timedelta(hours=1),
                content_items=[item.pk],
            )
