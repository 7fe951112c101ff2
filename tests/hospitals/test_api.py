"""The master-data API: write rules by role, filters, keyset pagination, query counts, schema."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.tenancy import tenant_context
from hospitals.models import Doctor, Product
from tests.factories import TerritoryAssignmentFactory, territory_tree
from tests.hospitals import factories as f


@pytest.fixture
def aligned(tenant, make_user):
    """A rep on territory t1 with one aligned doctor, and one doctor elsewhere."""
    _, district, t1, t2 = territory_tree(tenant, "P")
    mine = f.DoctorFactory(hospital__tenant=tenant, name="李建国")
    other = f.DoctorFactory(hospital__tenant=tenant, name="王芳")
    f.DoctorTerritoryFactory(doctor=mine, territory=t1)
    f.DoctorTerritoryFactory(doctor=other, territory=t2)
    rep = make_user(tenant, "rep")
    TerritoryAssignmentFactory(user=rep, territory=t1)
    return {"rep": rep, "mine": mine, "other": other, "t1": t1, "t2": t2, "district": district}


def _fresh(obj):
    with tenant_context(obj.tenant_id):
        return type(obj).objects.get(pk=obj.pk)


# --- write rules ---------------------------------------------------------------------------


def test_rep_updates_the_field_profile_of_their_doctor_and_history_keeps_who(api_client, aligned):
    api_client.force_login(aligned["rep"])
    url = reverse("doctor-detail", args=[aligned["mine"].pk])
    response = api_client.patch(
        url,
        {"interests": "高血压指南", "pain_points": "门诊量大", "preferred_channels": ["wechat"], "name": "改名"},
        format="json",
    )
    assert response.status_code == 200, response.content
    doctor = _fresh(aligned["mine"])
    assert doctor.interests == "高血压指南"
    assert doctor.preferred_channels == ["wechat"]
    assert doctor.name == "李建国", "a rep cannot rename a doctor"
    with tenant_context(doctor.tenant_id):
        latest = doctor.history.first()
    assert latest.history_user_id == aligned["rep"].pk


def test_rep_cannot_create_or_deactivate_doctors(api_client, aligned):
    api_client.force_login(aligned["rep"])
    payload = {"name": "新医生", "hospital": aligned["mine"].hospital_id}
    assert api_client.post(reverse("doctor-list"), payload, format="json").status_code == 403
    assert api_client.delete(reverse("doctor-detail", args=[aligned["mine"].pk])).status_code == 403
    assert _fresh(aligned["mine"]).is_active


@pytest.mark.parametrize("role", ["compliance", "product_manager", "medical_affairs", "distributor_rep"])
def test_other_roles_cannot_edit_doctors(api_client, tenant, make_user, aligned, role):
    api_client.force_login(make_user(tenant, role))
    url = reverse("doctor-detail", args=[aligned["mine"].pk])
    # The role is refused before the doctor is looked up: 403 whether or not the role sees them.
    assert api_client.patch(url, {"background": "x"}, format="json").status_code == 403
    assert _fresh(aligned["mine"]).background == ""


def test_admin_creates_and_deactivates_a_doctor(api_client, tenant_admin, aligned):
    api_client.force_login(tenant_admin)
    hospital = aligned["mine"].hospital
    response = api_client.post(
        reverse("doctor-list"),
        {"name": "吕布", "hospital": hospital.pk, "clinical_title": "chief", "phone": "13900000000"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name_pinyin"] == "lvbu" and body["name_initials"] == "lb"
    assert body["hospital_name"] == hospital.name
    url = reverse("doctor-detail", args=[body["id"]])
    assert api_client.delete(url).status_code == 204
    assert api_client.get(url).json()["is_active"] is False


def test_admin_cannot_use_another_tenants_hospital(api_client, tenant_admin, other_tenant):
    foreign = f.HospitalFactory(tenant=other_tenant)
    api_client.force_login(tenant_admin)
    response = api_client.post(reverse("doctor-list"), {"name": "张三", "hospital": foreign.pk}, format="json")
    assert response.status_code == 400
    assert "hospital" in response.json()


def test_rep_adds_society_positions_and_relations_only_for_visible_doctors(api_client, tenant, aligned):
    colleague = f.DoctorFactory(hospital=aligned["mine"].hospital, name="李建华")
    f.DoctorTerritoryFactory(doctor=colleague, territory=aligned["t1"])
    api_client.force_login(aligned["rep"])
    ok = api_client.post(
        reverse("society-position-list"),
        {"doctor": aligned["mine"].pk, "society": "中华医学会心血管病学分会", "position": "member"},
        format="json",
    )
    assert ok.status_code == 201, ok.content
    hidden = api_client.post(
        reverse("society-position-list"),
        {"doctor": aligned["other"].pk, "society": "中华医学会心血管病学分会", "position": "member"},
        format="json",
    )
    assert hidden.status_code == 400 and "doctor" in hidden.json()
    relation = api_client.post(
        reverse("doctor-relation-list"),
        {"from_doctor": colleague.pk, "to_doctor": aligned["mine"].pk, "kind": "classmate"},
        format="json",
    )
    assert relation.status_code == 201, relation.content
    assert relation.json()["from_doctor"] == min(colleague.pk, aligned["mine"].pk)
    across = api_client.post(
        reverse("doctor-relation-list"),
        {"from_doctor": aligned["mine"].pk, "to_doctor": aligned["other"].pk, "kind": "referral"},
        format="json",
    )
    assert across.status_code == 400
    # adding is allowed, editing others' entries is not
    edit = api_client.patch(reverse("society-position-detail", args=[ok.json()["id"]]), {"position": "chair"})
    assert edit.status_code == 403


def test_duplicate_relation_is_refused_with_a_message(api_client, tenant_admin, aligned):
    api_client.force_login(tenant_admin)
    api_client.cookies["django_language"] = "en"
    payload = {"from_doctor": aligned["mine"].pk, "to_doctor": aligned["other"].pk, "kind": "coauthor"}
    assert api_client.post(reverse("doctor-relation-list"), payload, format="json").status_code == 201
    reverse_payload = {**payload, "from_doctor": aligned["other"].pk, "to_doctor": aligned["mine"].pk}
    response = api_client.post(reverse("doctor-relation-list"), reverse_payload, format="json")
    assert response.status_code == 400
    assert response.json() == {"to_doctor": ["These two doctors already have this relation."]}


def test_product_manager_edits_products_and_key_messages_but_not_hospitals(api_client, tenant, make_user):
    pm = make_user(tenant, "product_manager")
    competitor = f.CompetitorProductFactory(tenant=tenant)
    api_client.force_login(pm)
    response = api_client.post(
        reverse("product-list"),
        {"name": "康立欣", "therapeutic_area": "心血管", "competitors": [competitor.pk]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["competitors"] == [competitor.pk]
    product_id = response.json()["id"]
    message = api_client.post(reverse("key-message-list"), {"product": product_id, "text": "每日一次"}, format="json")
    assert message.status_code == 201
    hospital = api_client.post(reverse("hospital-list"), {"name": "X医院", "province": "上海市", "city": "上海市"})
    assert hospital.status_code == 403


def test_own_product_is_not_a_competitor(api_client, tenant, make_user):
    own = f.ProductFactory(tenant=tenant)
    api_client.force_login(make_user(tenant, "product_manager"))
    response = api_client.post(reverse("product-list"), {"name": "新药", "competitors": [own.pk]}, format="json")
    assert response.status_code == 400
    with tenant_context(tenant):
        assert not Product.objects.filter(name="新药").exists(), "nothing saved on error"


# --- filters and search --------------------------------------------------------------------


def test_doctor_search_by_name_pinyin_and_initials(api_client, tenant_admin, aligned):
    api_client.force_login(tenant_admin)
    for q in ("李建", "li", "lijian", "ljg", "LJG"):
        rows = api_client.get(reverse("doctor-list"), {"q": q}).json()["results"]
        assert [r["name"] for r in rows] == ["李建国"], q


def test_doctor_filters(api_client, tenant, tenant_admin, aligned):
    chair = aligned["other"]
    f.SocietyPositionFactory(doctor=chair, position="chair")
    nanjing = f.DoctorFactory(
        hospital__tenant=tenant, hospital__province="江苏省", hospital__city="南京市", hospital__grade="2A"
    )
    api_client.force_login(tenant_admin)

    def ids(**params):
        response = api_client.get(reverse("doctor-list"), params)
        assert response.status_code == 200, response.content
        return {r["id"] for r in response.json()["results"]}

    assert ids(territory=aligned["t1"].pk) == {aligned["mine"].pk}
    assert ids(territory=aligned["district"].pk) == {aligned["mine"].pk, aligned["other"].pk}
    assert ids(society_position="chair") == {chair.pk}
    assert ids(province="江苏省") == {nanjing.pk}
    assert ids(grade="2A") == {nanjing.pk}
    assert ids(hospital=aligned["mine"].hospital_id) == {aligned["mine"].pk}
    assert ids(department=aligned["mine"].department_id) == {aligned["mine"].pk}
    assert ids(department_code="cardiology") == {aligned["mine"].pk, aligned["other"].pk, nanjing.pk}
    assert ids(clinical_title="chief") == set()


def test_filter_by_another_tenants_hospital_is_a_bad_request(api_client, tenant_admin, other_tenant, aligned):
    foreign = f.HospitalFactory(tenant=other_tenant)
    api_client.force_login(tenant_admin)
    assert api_client.get(reverse("doctor-list"), {"hospital": foreign.pk}).status_code == 400


# --- pagination and query counts -----------------------------------------------------------


def _bulk_doctors(tenant, count, name="王伟"):
    hospital = f.HospitalFactory(tenant=tenant)
    department = f.DepartmentFactory(hospital=hospital)
    with tenant_context(tenant):
        return Doctor.objects.bulk_create(
            [
                Doctor(tenant=tenant, name=name, name_pinyin="wangwei", name_initials="ww", hospital=hospital,
                       department=department)
                for _ in range(count)
            ]
        )  # fmt: skip


def test_keyset_pages_walk_through_many_equal_names_without_gaps(api_client, tenant, tenant_admin):
    doctors = _bulk_doctors(tenant, 23)
    f.DoctorFactory(hospital__tenant=tenant, name="艾米")
    api_client.force_login(tenant_admin)
    url, seen, pages = reverse("doctor-list") + "?page_size=5", [], []
    while url:
        body = api_client.get(url).json()
        pages.append(body)
        seen.extend((r["name"], r["id"]) for r in body["results"])
        url = body["next"]
    assert len(seen) == 24 and len(set(seen)) == 24
    assert [i for n, i in seen if n == "王伟"] == sorted(d.pk for d in doctors)
    # back from the last page gives the page before it
    previous = api_client.get(pages[-1]["previous"]).json()
    assert [r["id"] for r in previous["results"]] == [r["id"] for r in pages[-2]["results"]]
    assert pages[0]["previous"] is None


def test_doctor_list_sorted_by_hospital(api_client, tenant, tenant_admin):
    a = f.DoctorFactory(hospital__tenant=tenant, hospital__name="A医院", name="周")
    b = f.DoctorFactory(hospital__tenant=tenant, hospital__name="B医院", name="安")
    api_client.force_login(tenant_admin)
    rows = api_client.get(reverse("doctor-list"), {"ordering": "hospital", "page_size": 1}).json()
    assert [r["id"] for r in rows["results"]] == [a.pk]
    second = api_client.get(rows["next"]).json()
    assert [r["id"] for r in second["results"]] == [b.pk]
    rows = api_client.get(reverse("doctor-list"), {"ordering": "-hospital"}).json()
    assert [r["id"] for r in rows["results"]] == [b.pk, a.pk]


def test_invalid_cursor_is_404(api_client, tenant_admin):
    api_client.force_login(tenant_admin)
    assert api_client.get(reverse("doctor-list"), {"cursor": "garbage"}).status_code == 404


@pytest.mark.parametrize("role", ["tenant_admin", "rep"])
def test_doctor_list_query_count_does_not_grow_with_page_size(
    api_client, tenant, make_user, django_assert_max_num_queries, role
):
    _, _, t1, _ = territory_tree(tenant, "Q")
    doctors = _bulk_doctors(tenant, 100)
    with tenant_context(tenant):
        from hospitals.models import DoctorTerritory

        DoctorTerritory.objects.bulk_create([DoctorTerritory(tenant=tenant, doctor=d, territory=t1) for d in doctors])
    user = make_user(tenant, role)
    TerritoryAssignmentFactory(user=user, territory=t1)
    api_client.force_login(user)
    counts = {}
    for size in (10, 100):
        with CaptureQueriesContext(connection) as ctx, django_assert_max_num_queries(5):
            response = api_client.get(reverse("doctor-list"), {"page_size": size})
        assert response.status_code == 200
        assert len(response.json()["results"]) == size
        counts[size] = len(ctx.captured_queries)
    assert counts[10] == counts[100]
    assert not any("COUNT(" in q["sql"].upper() for q in ctx.captured_queries)


def test_openapi_schema_generates(api_client, tenant_admin):
    api_client.force_login(tenant_admin)
    response = api_client.get(reverse("api-schema"))
    assert response.status_code == 200
    assert b"/api/v1/doctors/" in response.content
