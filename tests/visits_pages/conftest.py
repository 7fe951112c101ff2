"""The field team the visit page tests work with (tests.visits.factories.field_team), and helpers."""

import datetime

import pytest
from django.utils import timezone

from crm.tenancy import tenant_context
from tests.visits.factories import field_team
from visits import services


@pytest.fixture
def team(tenant):
    return field_team(tenant, "P")


@pytest.fixture
def as_user(client):
    """as_user(user) → the test client signed in as ``user``, pages in English."""

    def sign_in(user):
        client.force_login(user)
        client.cookies["django_language"] = "en"
        return client

    return sign_in


HTMX = {"HTTP_HX_REQUEST": "true"}


def make_report(team, *, hours_ago=1.0, submit=False, rep=None, doctor=None, **fields):
    """A report of the team's rep (a draft unless ``submit``)."""
    fields.setdefault("objective_achieved", "yes")
    fields.setdefault("feedback", "医生对新适应证感兴趣")
    fields.setdefault("channel", "in_person")
    with tenant_context(team.tenant):
        return services.visit_create(
            tenant=team.tenant,
            by=rep or team.rep,
            doctor=doctor or team.doctor,
            visited_at=timezone.now() - datetime.timedelta(hours=hours_ago),
            key_messages=fields.pop("key_messages", [{"key_message": team.km1.pk, "reaction": "accepted"}]),
            submit=submit,
            **fields,
        )


def make_plan(team, *, hours=2, rep=None, doctor=None, **fields):
    with tenant_context(team.tenant):
        return services.visit_plan_create(
            tenant=team.tenant,
            by=rep or team.rep,
            doctor=doctor or team.doctor,
            planned_at=timezone.now() + datetime.timedelta(hours=hours),
            product=fields.pop("product", team.product),
            **fields,
        )
