"""The operations schemathesis found answering 500 (issue 8), each pinned: a clear 4xx or a 200."""

import pytest
from django.urls import reverse

from tests.factories import territory_tree
from tests.hospitals.factories import DoctorFactory, HospitalFactory, SocietyPositionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(api_client, tenant_admin):
    api_client.force_login(tenant_admin)
    return api_client


def test_filters_by_parent_and_territory_ids_answer_without_a_tenant_error(admin_client, tenant):
    region, district, t1, _ = territory_tree(tenant, "IF")
    children = admin_client.get("/api/v1/territories/", {"parent": region.pk}).json()["results"]
    assert [c["id"] for c in children] == [district.pk]
    assert admin_client.get("/api/v1/territories/", {"parent": 0}).json()["results"] == []
    assert admin_client.get("/api/v1/territory-assignments/", {"territory": t1.pk, "user": 0}).status_code == 200


def test_the_schema_as_a_rep(api_client, rep):
    api_client.force_login(rep)
    assert api_client.get(reverse("api-schema")).status_code == 200


def test_society_positions_can_be_edited(admin_client, tenant):
    doctor = DoctorFactory(hospital=HospitalFactory(tenant=tenant))
    position = SocietyPositionFactory(doctor=doctor)
    url = f"/api/v1/society-positions/{position.pk}/"
    body = admin_client.get(url).json()
    patched = admin_client.patch(url, {"position": body["position"]}, format="json")
    assert patched.status_code == 200, patched.content
    body.pop("id", None)
    assert admin_client.put(url, body, format="json").status_code == 200


def test_tier_settings_without_online_allowed(admin_client):
    created = admin_client.post(
        "/api/v1/tier-settings/", {"tier": "A", "visits_per_month": 4, "preferred_channel": "in_person"}, format="json"
    )
    assert created.status_code == 201, created.content


def test_duplicates_are_400_naming_the_field_and_a_used_row_is_409(admin_client, tenant):
    region, _, t1, _ = territory_tree(tenant, "DU")
    _, district, _, _ = territory_tree(tenant, "DV")
    body = {"name": "x", "code": t1.code, "level": "territory", "parent": district.pk}
    duplicate = admin_client.post("/api/v1/territories/", body, format="json")
    assert duplicate.status_code == 400 and "code" in duplicate.json(), duplicate.content
    assert admin_client.post("/api/v1/territories/", {**body, "code": "DV-NEW"}, format="json").status_code == 201
    in_use = admin_client.delete(f"/api/v1/territories/{region.pk}/")
    assert in_use.status_code == 409 and in_use.json()["detail"], in_use.content.decode()


def test_movement_and_the_tier_page_for_a_rep_who_sees_no_doctor(api_client, client, rep):
    api_client.force_login(rep)
    assert api_client.get("/api/v1/tier-assignments/movement/").status_code == 200
    client.force_login(rep)
    assert client.get("/tiers/").status_code in (200, 403)


@pytest.mark.django_db(transaction=True)
def test_a_rule_the_database_refuses_as_a_duplicate_is_a_400_naming_its_fields(api_client, tenant_admin):
    # No serializer check here: PostgreSQL's unique constraint answers, the API names the fields.
    api_client.force_login(tenant_admin)
    rules = api_client.get("/api/v1/followup-rules/").json()["results"]  # the defaults exist
    existing = {k: rules[0][k] for k in ("trigger", "assignee", "due_hours", "priority")}
    again = api_client.post("/api/v1/followup-rules/", existing, format="json")
    assert again.status_code == 400, again.content
    assert set(again.json()) <= {"trigger", "assignee", "non_field_errors"} and again.json()


@pytest.mark.parametrize(
    ("component", "fields"),
    [("Visit", {"key_messages", "products", "content_items"}), ("VisitPlan", {"key_messages", "content_items"})],
)
def test_what_visits_and_plans_answer_is_declared_in_the_schema(admin_client, component, fields):
    """The lists a visit and a plan are read back with are response properties, not write-only extras."""
    schema = admin_client.get(reverse("api-schema"), {"format": "json"}).json()
    response = schema["components"]["schemas"][component]["properties"]
    assert fields <= set(response), sorted(fields - set(response))
    assert [f for f in sorted(fields) if response[f].get("writeOnly")] == []
    # Positive control: a field that always was a response property.
    assert "doctor" in response
