"""The doctor list: search by name, pinyin and initials, filters, sorts, keyset pages, export."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hospitals.models import ClinicalTitle, HospitalGrade, SocietyRole
from tests.factories import WITH_PLATFORM
from tests.hospitals import factories as f
from tests.hospitals_pages.helpers import next_link, row_ids

URL = "/doctors/"


def _ids(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return row_ids(response.content.decode())


@pytest.mark.parametrize("query", ["li", "ljg", "LJG", "李建", "lijian", "l j g"])
def test_rep_finds_li_jianguo_by_pinyin_initials_or_characters_but_not_a_doctor_outside_territory(client, world, query):
    client.force_login(world.rep)
    ids = _ids(client, q=query)
    assert world.li.pk in ids
    # 李建刚 matches every one of these queries too, but is aligned to a territory the rep does not cover.
    assert world.li_outside.pk not in ids


def test_product_manager_sees_every_match(client, world, make_user):
    client.force_login(make_user(world.tenant, "product_manager"))
    assert set(_ids(client, q="ljg")) == {world.li.pk, world.li_outside.pk}


def test_a_rep_without_territories_sees_no_doctor(client, world, make_user):
    client.force_login(make_user(world.tenant, "rep"))
    html = client.get(URL).content.decode()
    assert row_ids(html) == []
    assert 'data-testid="no-results"' in html


def test_rows_show_title_hospital_and_department(client, world):
    client.force_login(world.rep)
    html = client.get(URL, {"q": "ljg"}).content.decode()
    row = html[html.index(f'data-doctor-id="{world.li.pk}"') :].split("</tr>")[0]
    assert "江苏省人民医院" in row and "心内科" in row and "主任医师" in row


def test_live_search_answers_the_results_block_only(client, world):
    client.force_login(world.rep)
    response = client.get(URL, {"q": "ljg"}, headers={"HX-Request": "true", "HX-Target": "doctor-results"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="doctor-results"')
    assert 'data-testid="doctor-filters"' not in html and "<html" not in html
    assert row_ids(html) == [world.li.pk]
    assert "HX-Request" in response["Vary"]


def test_filter_changes_answer_the_whole_page_with_updated_choices(client, world):
    client.force_login(world.rep)
    response = client.get(
        URL, {"province": "江苏省", "city": "南京市"}, headers={"HX-Request": "true", "HX-Target": "doctor-page"}
    )
    html = response.content.decode()
    assert 'data-testid="doctor-filters"' in html
    # The hospital choice lists the rep's hospitals in the chosen city.
    assert f'<option value="{world.county.pk}"' in html


def test_filter_choices_are_cached_per_user_and_follow_new_hospitals_and_alignments(client, world):
    # Given the rep's doctor list, opened once (its filter choices computed and cached)
    client.force_login(world.rep)
    params = {"province": "江苏省", "city": "南京市"}
    first = client.get(URL, params).content.decode()
    assert f'<option value="{world.county.pk}"' in first
    # When it is opened again, the choices cost no query (control: the first opening read them)
    with CaptureQueriesContext(connection) as again:
        client.get(URL, params)
    with CaptureQueriesContext(connection) as fresh:
        client.get(URL, {"province": "江苏省", "city": "苏州市"})  # another place: computed
    assert len(again) < len(fresh)
    # When a doctor of a new hospital is aligned to the rep's territory, the next opening offers it
    new = f.HospitalFactory(tenant=world.tenant, name="南京市第一医院", province="江苏省", city="南京市")
    doctor = f.DoctorFactory(hospital=new, name="赵新")
    f.DoctorTerritoryFactory(doctor=doctor, territory=world.t1)
    assert f'<option value="{new.pk}"' not in first
    assert f'<option value="{new.pk}"' in client.get(URL, params).content.decode()


def test_the_search_box_is_live_with_htmx(client, world):
    client.force_login(world.rep)
    html = client.get(URL).content.decode()
    box = html[html.index('data-testid="doctor-search"') :].split(">")[0]
    assert 'hx-get="/doctors/"' in box
    # "input", not "keyup": paste and voice input search too (issue 15).
    assert 'hx-trigger="input changed delay:300ms' in box
    assert 'hx-push-url="true"' in box


@pytest.fixture
def pm(client, world, make_user):
    client.force_login(make_user(world.tenant, "product_manager"))
    return client


def test_filters_narrow_the_list(pm, world):
    f.SocietyPositionFactory(doctor=world.classmate, position=SocietyRole.MEMBER)
    everyone = {world.li.pk, world.li_outside.pk, world.classmate.pk, world.student.pk}
    assert set(_ids(pm)) == everyone
    assert set(_ids(pm, grade=HospitalGrade.G2A)) == {world.classmate.pk, world.student.pk}
    assert set(_ids(pm, hospital=world.provincial.pk)) == {world.li.pk, world.li_outside.pk}
    assert set(_ids(pm, province="江苏省", city="南京市")) == everyone
    assert _ids(pm, province="浙江省") == []
    assert set(_ids(pm, clinical_title=ClinicalTitle.CHIEF)) == {world.li.pk}
    assert set(_ids(pm, territory=world.t2.pk)) == {world.li_outside.pk}
    assert set(_ids(pm, society_position=SocietyRole.VICE_CHAIR)) == {world.li.pk}
    assert set(_ids(pm, society_position=SocietyRole.MEMBER)) == {world.classmate.pk}
    assert set(_ids(pm, department_code="cardiology")) == everyone
    assert set(_ids(pm, department=world.li.department_id, hospital=world.provincial.pk)) == {
        world.li.pk,
        world.li_outside.pk,
    }


def test_a_filter_value_of_another_tenant_is_ignored_not_obeyed(pm, world, other_tenant):
    foreign = f.HospitalFactory(tenant=other_tenant)
    assert len(_ids(pm, hospital=foreign.pk)) == 4


def test_sorts(pm, world):
    by_name = _ids(pm)
    assert _ids(pm, ordering="-name") == list(reversed(by_name))
    by_title = _ids(pm, ordering="clinical_title")
    assert by_title[0] == world.li.pk  # the chief physician first
    assert by_title[-1] == world.student.pk  # the resident last
    by_hospital = _ids(pm, ordering="hospital")
    provincial, county = {world.li.pk, world.li_outside.pk}, {world.classmate.pk, world.student.pk}
    # The doctors of one hospital come together, each hospital's by name.
    assert {frozenset(by_hospital[:2]), frozenset(by_hospital[2:])} == {frozenset(provincial), frozenset(county)}
    for pair in (by_hospital[:2], by_hospital[2:]):
        assert pair == sorted(pair, key=by_name.index)


# --- keyset pages ----------------------------------------------------------------------------


@pytest.fixture
def many_doctors(tenant):
    hospital = f.HospitalFactory(tenant=tenant, name="大医院")
    department = f.DepartmentFactory(hospital=hospital)
    names = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵敏", "黄磊", "周杰", "吴刚", "徐丽", "孙强"]
    # Many equal names: the keyset must break ties by id, or rows repeat or vanish between pages.
    return [
        f.DoctorFactory(
            hospital=hospital,
            department=department,
            name=names[i % len(names)],
            clinical_title=ClinicalTitle.values[i % 4],
        )
        for i in range(123)
    ]


@pytest.mark.parametrize("ordering", ["name", "-name", "hospital", "clinical_title"])
def test_more_results_walks_every_doctor_exactly_once_50_a_page(client, tenant, make_user, many_doctors, ordering):
    client.force_login(make_user(tenant, "product_manager"))
    url, pages, seen = f"{URL}?ordering={ordering}", [], []
    while url:
        html = client.get(url).content.decode()
        ids = row_ids(html)
        pages.append(len(ids))
        seen.extend(ids)
        url = next_link(html)
        if url and url.startswith("?"):
            url = URL + url
    assert pages == [50, 50, 23]
    assert sorted(seen) == sorted(d.pk for d in many_doctors)


def test_pages_use_neither_offset_nor_a_count(client, tenant, make_user, many_doctors):
    client.force_login(make_user(tenant, "product_manager"))
    second = URL + next_link(client.get(URL).content.decode())
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(second).content.decode()
    assert len(row_ids(html)) == 50
    sql = " ".join(q["sql"].upper() for q in ctx.captured_queries)
    assert " OFFSET " not in sql
    assert "COUNT(" not in sql
    assert 'data-testid="first-page"' in html


def test_a_garbled_cursor_shows_the_first_page(client, tenant, make_user, many_doctors):
    client.force_login(make_user(tenant, "product_manager"))
    first = row_ids(client.get(URL).content.decode())
    assert row_ids(client.get(URL, {"cursor": "not-a-cursor!"}).content.decode()) == first


def _queries(client, url, **headers):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, headers=headers).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_rows(client, tenant, make_user, django_assert_max_num_queries):
    user = make_user(tenant, "product_manager")
    client.force_login(user)
    hospital = f.HospitalFactory(tenant=tenant)
    for _ in range(3):
        f.DoctorFactory(hospital=hospital)
    few = _queries(client, URL)
    for _ in range(60):
        f.DepartmentFactory(hospital=f.HospitalFactory(tenant=tenant))  # rows on other hospitals and departments
        f.DoctorFactory(hospital__tenant=tenant)
    many = _queries(client, URL)
    assert few == many
    with django_assert_max_num_queries(12):
        html = client.get(URL).content.decode()
    assert len(row_ids(html)) == 50
    with django_assert_max_num_queries(12):
        client.get(URL, {"hospital": hospital.pk, "ordering": "clinical_title"})
    with django_assert_max_num_queries(8):
        client.get(URL, {"q": "l"}, headers={"HX-Request": "true", "HX-Target": "doctor-results"})


# --- export ------------------------------------------------------------------------------------


def _csv_rows(response):
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_export_csv_is_the_list_as_filtered_with_contacts_for_the_rep(client, world):
    client.force_login(world.rep)
    rows = _csv_rows(client.get(reverse("doctor_export", args=["csv"]), {"q": "ljg"}))
    body = [r for r in rows[1:] if r]
    assert len(body) == 1 and "李建国" in body[0]
    assert "13900001111" in body[0]


def test_export_leaves_contacts_out_for_compliance(client, world, make_user):
    client.force_login(make_user(world.tenant, "compliance"))
    rows = _csv_rows(client.get(reverse("doctor_export", args=["csv"]), {"hospital": world.provincial.pk}))
    body = [r for r in rows[1:] if r]
    assert sorted(r[1] for r in body) == sorted(["李建国", "李建刚"])
    assert not any("13900001111" in cell for r in rows for cell in r)


def test_export_xlsx_and_unknown_format(client, world):
    client.force_login(world.rep)
    response = client.get(reverse("doctor_export", args=["xlsx"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert b"".join(response.streaming_content)[:2] == b"PK"
    assert client.get(reverse("doctor_export", args=["pdf"])).status_code == 400


def test_the_list_page_links_exports_of_the_current_filter(client, world):
    client.force_login(world.rep)
    html = client.get(URL, {"q": "ljg", "cursor": "abc"}).content.decode()
    assert 'href="/doctors/export/csv/?q=ljg"' in html
    assert 'href="/doctors/export/xlsx/?q=ljg"' in html


@WITH_PLATFORM
def test_menu_offers_the_master_data_pages_to_tenant_users_only(client, world, platform_staff):
    client.force_login(world.rep)
    html = client.get("/").content.decode()
    for url in ("/doctors/", "/hospitals/", "/distributors/"):
        assert f'href="{url}"' in html
    client.force_login(platform_staff)
    html = client.get("/").content.decode()
    assert 'href="/doctors/"' not in html
    assert client.get(URL).status_code == 403


def test_the_empty_fields_htmx_submits_change_nothing(client, world):
    """htmx sends every field of the filter form, the empty ones too."""
    client.force_login(world.rep)
    empty = dict.fromkeys(
        ("province", "city", "hospital", "grade", "department_code", "clinical_title", "territory", "society_position"),
        "",
    )
    headers = {"HX-Request": "true", "HX-Target": "doctor-results"}
    response = client.get(URL, {"q": "ljg", **empty, "ordering": "name"}, headers=headers)
    assert row_ids(response.content.decode()) == [world.li.pk]
    assert len(row_ids(client.get(URL, {**empty, "ordering": ""}).content.decode())) == 3
