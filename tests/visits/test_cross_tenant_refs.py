"""Another tenant's ids in the bodies of visit reports and visit plans are refused (400), never linked.

The outside probe of the isolation tests could not reach these fields (a plan, products,
content items and key messages are plain ids in the body), so each is tried here, on create
and on update, beside a positive control with the caller's own ids.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.tenancy import tenant_context
from tests.visits.factories import VisitFactory, VisitPlanFactory, field_team
from visits.models import Visit, VisitPlan

pytestmark = pytest.mark.django_db


@pytest.fixture
def teams(tenant, other_tenant):
    own, foreign = field_team(tenant, "V"), field_team(other_tenant, "W")
    own.plan = VisitPlanFactory(doctor=own.doctor, rep=own.rep)
    foreign.plan = VisitPlanFactory(doctor=foreign.doctor, rep=foreign.rep)
    return own, foreign


def _visit_body(team, **override):
    return {
        "doctor": team.doctor.pk,
        "plan": team.plan.pk,
        "visited_at": (timezone.now() - datetime.timedelta(hours=1)).isoformat(),
        "channel": "in_person",
        "products": [team.product.pk],
        "key_messages": [{"key_message": team.km1.pk, "reaction": "accepted"}],
        "content_items": [team.content.pk],
        "objective_achieved": "yes",
        **override,
    }


def _plan_body(team, **override):
    return {
        "doctor": team.doctor.pk,
        "planned_at": (timezone.now() + datetime.timedelta(days=1)).isoformat(),
        "product": team.product.pk,
        "key_messages": [team.km1.pk],
        "content_items": [team.content.pk],
        **override,
    }


def _counts(tenant):
    with tenant_context(tenant):
        return Visit.objects.count(), VisitPlan.objects.count()


FOREIGN_VISIT_FIELDS = {
    "plan": lambda f: f.plan.pk,
    "products": lambda f: [f.product.pk],
    "content_items": lambda f: [f.content.pk],
    "key_messages": lambda f: [{"key_message": f.km1.pk, "reaction": "accepted"}],
    "doctor": lambda f: f.doctor.pk,
}


def test_the_own_ids_make_a_visit_report_and_a_plan(api_client, teams):
    own, _ = teams
    api_client.force_login(own.rep)
    visit = api_client.post(reverse("visit-list"), _visit_body(own), format="json")
    assert visit.status_code == 201, visit.content
    assert visit.json()["plan"] == own.plan.pk and visit.json()["content_items"] == [own.content.pk]
    plan = api_client.post(reverse("visit-plan-list"), _plan_body(own), format="json")
    assert plan.status_code == 201, plan.content


@pytest.mark.parametrize("field", list(FOREIGN_VISIT_FIELDS))
def test_a_visit_report_naming_another_tenants_row_is_refused(api_client, teams, field):
    own, foreign = teams
    before = _counts(own.tenant), _counts(foreign.tenant)
    api_client.force_login(own.rep)
    response = api_client.post(
        reverse("visit-list"), _visit_body(own, **{field: FOREIGN_VISIT_FIELDS[field](foreign)}), format="json"
    )
    assert response.status_code == 400, response.content
    assert (_counts(own.tenant), _counts(foreign.tenant)) == before


@pytest.mark.parametrize("field", ["plan", "products", "content_items", "key_messages"])
def test_a_draft_report_cannot_be_updated_to_another_tenants_row(api_client, teams, field):
    own, foreign = teams
    with tenant_context(own.tenant):
        draft = VisitFactory(doctor=own.doctor, rep=own.rep)
    api_client.force_login(own.rep)
    response = api_client.patch(
        reverse("visit-detail", args=[draft.pk]), {field: FOREIGN_VISIT_FIELDS[field](foreign)}, format="json"
    )
    assert response.status_code == 400, response.content
    with tenant_context(own.tenant):
        draft.refresh_from_db()
        assert draft.plan_id != foreign.plan.pk
        assert not draft.products.filter(pk=foreign.product.pk).exists()
        assert not draft.content_items.filter(pk=foreign.content.pk).exists()
        assert not draft.key_messages.filter(key_message_id=foreign.km1.pk).exists()


FOREIGN_PLAN_FIELDS = {
    "doctor": lambda f: f.doctor.pk,
    "product": lambda f: f.product.pk,
    "key_messages": lambda f: [f.km1.pk],
    "content_items": lambda f: [f.content.pk],
}


@pytest.mark.parametrize("field", list(FOREIGN_PLAN_FIELDS))
def test_a_visit_plan_naming_another_tenants_row_is_refused(api_client, teams, field):
    own, foreign = teams
    before = _counts(own.tenant), _counts(foreign.tenant)
    api_client.force_login(own.rep)
    response = api_client.post(
        reverse("visit-plan-list"), _plan_body(own, **{field: FOREIGN_PLAN_FIELDS[field](foreign)}), format="json"
    )
    assert response.status_code == 400, response.content
    assert (_counts(own.tenant), _counts(foreign.tenant)) == before


@pytest.mark.parametrize("field", ["product", "key_messages", "content_items"])
def test_a_visit_plan_cannot_be_updated_to_another_tenants_row(api_client, teams, field):
    own, foreign = teams
    api_client.force_login(own.rep)
    response = api_client.patch(
        reverse("visit-plan-detail", args=[own.plan.pk]), {field: FOREIGN_PLAN_FIELDS[field](foreign)}, format="json"
    )
    assert response.status_code == 400, response.content
    with tenant_context(own.tenant):
        plan = VisitPlan.objects.get(pk=own.plan.pk)
        assert plan.product_id != foreign.product.pk
        assert not plan.key_messages.filter(pk=foreign.km1.pk).exists()
        assert not plan.content_items.filter(pk=foreign.content.pk).exists()


def test_the_own_ids_update_a_draft_report_and_a_plan(api_client, teams):
    own, _ = teams
    with tenant_context(own.tenant):
        draft = VisitFactory(doctor=own.doctor, rep=own.rep)
    api_client.force_login(own.rep)
    for field in ("plan", "products", "content_items", "key_messages"):
        response = api_client.patch(
            reverse("visit-detail", args=[draft.pk]), {field: FOREIGN_VISIT_FIELDS[field](own)}, format="json"
        )
        assert response.status_code == 200, (field, response.content)
    for field in ("product", "key_messages", "content_items"):
        response = api_client.patch(
            reverse("visit-plan-detail", args=[own.plan.pk]), {field: FOREIGN_PLAN_FIELDS[field](own)}, format="json"
        )
        assert response.status_code == 200, (field, response.content)
