"""Who sees which doctors, hospitals, distributors and contact details (DESIGN.md §3)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import TerritoryAssignment
from crm.tenancy import tenant_context
from hospitals import selectors
from tests.factories import TerritoryAssignmentFactory, territory_tree
from tests.hospitals import factories as f


@pytest.fixture
def world(tenant, make_user):
    """Two territories of one district, doctors in each, one unaligned hospital, a distributor.

    rep → t1; manager → the district; distributor rep → a distributor covering ``covered``.
    """
    region, district, t1, t2 = territory_tree(tenant, "V")
    h1 = f.HospitalFactory(tenant=tenant, name="浦东医院")
    h2 = f.HospitalFactory(tenant=tenant, name="徐汇医院")
    covered = f.HospitalFactory(tenant=tenant, name="南京鼓楼医院", province="江苏省", city="南京市")
    old = f.HospitalFactory(tenant=tenant, name="南京旧合作医院", province="江苏省", city="南京市")
    d1 = f.DoctorFactory(hospital=h1, name="李建国")
    d1b = f.DoctorFactory(hospital=h1, name="李建华")
    d2 = f.DoctorFactory(hospital=h2, name="王芳")
    d_covered = f.DoctorFactory(hospital=covered, name="张伟")
    d_old = f.DoctorFactory(hospital=old, name="赵敏")
    f.DoctorTerritoryFactory(doctor=d1, territory=t1)
    f.DoctorTerritoryFactory(doctor=d1b, territory=t1)
    f.DoctorTerritoryFactory(doctor=d2, territory=t2)

    rep = make_user(tenant, "rep")
    TerritoryAssignmentFactory(user=rep, territory=t1)
    manager = make_user(tenant, "manager")
    with tenant_context(tenant):
        TerritoryAssignment.objects.create(tenant=tenant, user=manager, territory=district)

    distributor = f.DistributorFactory(tenant=tenant, name="南京医药")
    other_distributor = f.DistributorFactory(tenant=tenant, name="上海医药")
    staff = f.DistributorStaffFactory(distributor=distributor)
    f.DistributorCoverageFactory(distributor=distributor, hospital=covered)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    f.DistributorCoverageFactory(distributor=distributor, hospital=old, until=yesterday)
    f.DistributorCoverageFactory(distributor=other_distributor, hospital=h1)
    own_sale = f.SalesRecordFactory(distributor=distributor, hospital=covered)
    other_sale = f.SalesRecordFactory(distributor=other_distributor, hospital=h1)
    return {
        "t1": t1,
        "t2": t2,
        "district": district,
        "h1": h1,
        "h2": h2,
        "covered": covered,
        "old": old,
        "d1": d1,
        "d1b": d1b,
        "d2": d2,
        "d_covered": d_covered,
        "d_old": d_old,
        "rep": rep,
        "manager": manager,
        "drep": staff.user,
        "distributor": distributor,
        "other_distributor": other_distributor,
        "own_sale": own_sale,
        "other_sale": other_sale,
    }


def _doctor_ids(api_client, user, **params):
    api_client.force_login(user)
    response = api_client.get(reverse("doctor-list"), params)
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _names(api_client, user, basename):
    api_client.force_login(user)
    response = api_client.get(reverse(f"{basename}-list"))
    assert response.status_code == 200
    return {row.get("name") or row["id"] for row in response.json()["results"]}


def test_rep_sees_only_doctors_of_their_territories(api_client, world):
    assert _doctor_ids(api_client, world["rep"]) == {world["d1"].pk, world["d1b"].pk}


def test_rep_gets_404_for_a_doctor_outside_their_territories(api_client, world):
    api_client.force_login(world["rep"])
    url = reverse("doctor-detail", args=[world["d2"].pk])
    assert api_client.get(url).status_code == 404
    assert api_client.patch(url, {"background": "试图修改"}, format="json").status_code == 404
    assert api_client.get(reverse("doctor-detail", args=[world["d1"].pk])).status_code == 200
    with tenant_context(world["d2"].tenant_id):
        world["d2"].refresh_from_db()
    assert world["d2"].background == ""


def test_rep_without_territory_sees_nothing(api_client, tenant, make_user, world):
    assert _doctor_ids(api_client, make_user(tenant, "rep")) == set()


def test_manager_sees_the_doctors_of_their_district(api_client, world):
    assert _doctor_ids(api_client, world["manager"]) == {world["d1"].pk, world["d1b"].pk, world["d2"].pk}


def test_distributor_rep_sees_only_doctors_of_currently_covered_hospitals(api_client, world):
    assert _doctor_ids(api_client, world["drep"]) == {world["d_covered"].pk}
    api_client.force_login(world["drep"])
    assert api_client.get(reverse("doctor-detail", args=[world["d_old"].pk])).status_code == 404
    assert api_client.get(reverse("doctor-detail", args=[world["d1"].pk])).status_code == 404


def test_distributor_rep_without_distributor_sees_nothing(api_client, tenant, make_user, world):
    assert _doctor_ids(api_client, make_user(tenant, "distributor_rep")) == set()


@pytest.mark.parametrize("role", ["product_manager", "medical_affairs", "compliance", "tenant_admin"])
def test_head_office_sees_every_doctor(api_client, tenant, make_user, world, role):
    expected = {world[k].pk for k in ("d1", "d1b", "d2", "d_covered", "d_old")}
    assert _doctor_ids(api_client, make_user(tenant, role)) == expected


def test_visible_hospitals_and_distributors_follow_the_doctors(api_client, world):
    assert _names(api_client, world["rep"], "hospital") == {"浦东医院"}
    assert _names(api_client, world["drep"], "hospital") == {"南京鼓楼医院"}
    assert _names(api_client, world["drep"], "distributor") == {"南京医药"}
    # the rep sees the distributor serving their hospital, not the one serving Nanjing
    assert _names(api_client, world["rep"], "distributor") == {"上海医药"}


def test_distributor_rep_sees_only_their_distributors_sales(api_client, world):
    assert _names(api_client, world["drep"], "sales-record") == {world["own_sale"].pk}
    assert _names(api_client, world["rep"], "sales-record") == {world["other_sale"].pk}


def test_relations_are_shown_only_between_visible_doctors(api_client, tenant, make_user, world):
    inside = f.DoctorRelationFactory(from_doctor=world["d1"], to_doctor=world["d1b"], kind="classmate")
    across = f.DoctorRelationFactory(from_doctor=world["d1"], to_doctor=world["d2"], kind="mentor")
    assert _names(api_client, world["rep"], "doctor-relation") == {inside.pk}
    assert _names(api_client, make_user(tenant, "product_manager"), "doctor-relation") == {inside.pk, across.pk}


def test_usage_share_of_invisible_doctors_is_hidden(api_client, world):
    mine = f.UsageShareFactory(doctor=world["d1"])
    f.UsageShareFactory(doctor=world["d2"])
    assert _names(api_client, world["rep"], "usage-share") == {mine.pk}


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("rep", True),
        ("manager", True),
        ("distributor_rep", True),
        ("medical_affairs", True),
        ("tenant_admin", True),
        ("product_manager", False),
        ("compliance", False),
    ],
)
def test_contact_details_only_for_roles_that_need_them(api_client, tenant, make_user, world, role, sees):
    user = {"rep": world["rep"], "manager": world["manager"], "distributor_rep": world["drep"]}.get(role)
    user = user or make_user(tenant, role)
    doctor = world["d_covered"] if role == "distributor_rep" else world["d1"]
    api_client.force_login(user)
    detail = api_client.get(reverse("doctor-detail", args=[doctor.pk])).json()
    listed = next(r for r in api_client.get(reverse("doctor-list")).json()["results"] if r["id"] == doctor.pk)
    for row in (detail, listed):
        assert ("phone" in row) is sees
        assert ("wechat" in row) is sees
        assert ("email" in row) is sees
        if sees:
            assert row["phone"] == doctor.phone
    assert selectors.can_see_contacts(user) is sees


def test_a_small_book_is_a_constant_list_and_a_big_one_a_subquery(tenant, world, monkeypatch):
    # A rep's book (their aligned doctors) is read first and inlined, so that the plan cannot
    # depend on statistics (hospitals/selectors.py; tests/hospitals/test_plans.py) ...
    with tenant_context(tenant):
        qs = selectors.visible_doctors(tenant=tenant, user=world["rep"])
        where = str(qs.query).split("WHERE", 1)[1]
        assert "SELECT" not in where and "hospitals_doctorterritory" not in where
        small = set(qs.values_list("pk", flat=True))
        # ... while a book bigger than the limit (a region's manager) stays a subquery, same rows.
        monkeypatch.setattr(selectors, "BOOK_INLINE_MAX", len(small) - 1)
        qs = selectors.visible_doctors(tenant=tenant, user=world["rep"])
        assert "hospitals_doctorterritory" in str(qs.query).split("WHERE", 1)[1]
        assert set(qs.values_list("pk", flat=True)) == small
    assert small == {world["d1"].pk, world["d1b"].pk}
