"""The doctor profile: everything known on one page, as each role may see it."""

import datetime
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from crm.tenancy import tenant_context
from hospitals import services
from segmentation import services as tiers
from tests.hospitals import factories as f
from tests.hospitals_pages.helpers import row_ids


def _page(client, user, doctor, status=200):
    client.force_login(user)
    response = client.get(reverse("doctor_detail", args=[doctor.pk]))
    assert response.status_code == status
    return response.content.decode()


def _section(html, testid):
    start = html.index(f'data-testid="{testid}"')
    return html[start : html.index("</section>", start)]


def test_rep_gets_404_for_a_doctor_outside_their_territories(client, world):
    _page(client, world.rep, world.li_outside, status=404)
    client.force_login(world.rep)
    assert client.get(reverse("doctor_edit", args=[world.li_outside.pk])).status_code == 404


@pytest.mark.parametrize("role", [Role.PRODUCT_MANAGER, Role.MEDICAL_AFFAIRS, Role.COMPLIANCE, Role.TENANT_ADMIN])
def test_head_office_sees_every_doctor(client, world, make_user, role):
    html = _page(client, make_user(world.tenant, role), world.li_outside)
    assert 'data-testid="doctor-name"' in html and "李建刚" in html


def test_manager_sees_the_doctors_of_their_district(client, world, make_user):
    from tests.factories import TerritoryAssignmentFactory

    manager = make_user(world.tenant, Role.MANAGER)
    TerritoryAssignmentFactory(territory=world.t1.parent, user=manager)
    _page(client, manager, world.li_outside)  # t2 is in the manager's district


def test_distributor_rep_sees_only_doctors_of_covered_hospitals(client, world):
    staff = f.DistributorStaffFactory(distributor=world.distributor)
    _page(client, staff.user, world.li)  # the provincial hospital is covered by their distributor
    _page(client, staff.user, world.classmate, status=404)  # the county hospital is not


def test_profile_shows_titles_positions_specialties_and_field_notes(client, world):
    html = _page(client, world.rep, world.li)
    profile = _section(html, "doctor-profile")
    assert "江苏省医学会心血管病学分会" in profile
    assert "高血压" in profile and "冠心病" in profile
    assert "省心血管病学会副主委" in profile
    assert world.t1.name in profile
    assert "江苏省人民医院" in html[: html.index('data-testid="doctor-profile"')]


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        (Role.REP, True),
        (Role.MANAGER, True),
        (Role.MEDICAL_AFFAIRS, True),
        (Role.TENANT_ADMIN, True),
        (Role.COMPLIANCE, False),
        (Role.PRODUCT_MANAGER, False),
    ],
)
def test_contact_details_only_for_roles_that_need_them(client, world, make_user, role, sees):
    user = world.rep if role == Role.REP else make_user(world.tenant, role)
    if role == Role.MANAGER:
        from tests.factories import TerritoryAssignmentFactory

        TerritoryAssignmentFactory(territory=world.t1, user=user)
    html = _page(client, user, world.li)
    assert ("13900001111" in html) is sees
    assert ('data-testid="doctor-contacts"' in html) is sees
    assert world.li.wechat and (world.li.wechat in html) is sees


def test_network_by_relation_with_hospital_and_grade(client, world, make_user):
    html = _page(client, make_user(world.tenant, Role.PRODUCT_MANAGER), world.li)
    network = _section(html, "doctor-network")
    ids = row_ids(network, "network-row")
    assert set(ids) == {world.classmate.pk, world.student.pk, world.li_outside.pk}
    # The strongest tie first within its kind; each connection with its hospital and grade.
    classmate = network[network.index(f'data-doctor-id="{world.classmate.pk}"') :].split("</li>")[0]
    assert 'data-kind="classmate"' in classmate
    assert "溧水区人民医院" in classmate
    assert "二级甲等" in classmate or "2A" in classmate
    assert 'data-strength="5"' in classmate
    # A provincial KOL's county-hospital connections are counted by grade.
    assert re.search(r'data-grade="2A">[^<]*: 2<', network)
    assert re.search(r'data-grade="3A">[^<]*: 1<', network)


def test_network_seen_from_the_other_end_reads_the_other_way(client, world, make_user):
    html = _page(client, make_user(world.tenant, Role.PRODUCT_MANAGER), world.student)
    network = _section(html, "doctor-network")
    assert row_ids(network, "network-row") == [world.li.pk]
    assert 'data-kind="mentor"' in network


def test_rep_network_leaves_out_doctors_outside_their_territories(client, world):
    network = _section(_page(client, world.rep, world.li), "doctor-network")
    assert set(row_ids(network, "network-row")) == {world.classmate.pk, world.student.pk}
    assert "李建刚" not in network


def test_network_marks_high_tier_connections_through_the_segmentation_hook(client, world, make_user):
    # Given the real tiers of segmentation (registered through hospitals.hooks): the classmate is
    # tier A, the student tier C (overrides in force, the tier lookup the profile really uses)
    pm = make_user(world.tenant, Role.PRODUCT_MANAGER)
    until = timezone.localdate() + datetime.timedelta(days=30)
    with tenant_context(world.tenant):
        for doctor, tier in ((world.classmate, "A"), (world.student, "C")):
            tiers.tier_override_set(
                tenant=world.tenant, by=pm, doctor=doctor, tier=tier, reason="测试", expires_on=until
            )
    network = _section(_page(client, pm, world.li), "doctor-network")
    # then only the tier-A connection is marked.
    assert network.count('data-testid="high-tier"') == 1
    marked = network[network.index(f'data-doctor-id="{world.classmate.pk}"') :].split("</li>")[0]
    assert 'data-testid="high-tier"' in marked


def test_usage_share_chart_per_product_own_versus_competitor_with_a_table(client, world):
    usage = _section(_page(client, world.rep, world.li), "doctor-usage")
    assert usage.count('data-testid="usage-chart"') == 1
    raw = re.search(r'data-testid="usage-chart" data-chart="([^"]+)"', usage).group(1)
    chart = json.loads(raw.replace("&quot;", '"').replace("&amp;", "&"))
    series = {d["label"]: (d["own"], d["data"]) for d in chart["datasets"]}
    assert series == {"康立欣": (True, [10.0, 15.0, 20.0]), "立普妥": (False, [60.0, 55.0, 50.0])}
    assert len(chart["labels"]) == 3
    table = usage[usage.index('data-testid="usage-table"') :]
    assert "60%" in table and "20%" in table


def test_doctor_without_usage_or_network_says_so(client, world, make_user):
    lonely = f.DoctorFactory(hospital=world.county, department=None, name="孤独医生")
    html = _page(client, make_user(world.tenant, Role.PRODUCT_MANAGER), lonely)
    assert 'data-testid="usage-chart"' not in html
    assert row_ids(_section(html, "doctor-network"), "network-row") == []


def test_distributors_covering_the_hospital(client, world):
    section = _section(_page(client, world.rep, world.li), "doctor-distributors")
    assert "国药控股江苏" in section and "康立欣" in section
    assert "华润医药上海" not in section  # covers the county hospital only
    assert f'href="{reverse("distributor_detail", args=[world.distributor.pk])}"' in section


def test_history_says_who_changed_which_field(client, world, make_user):
    admin = make_user(world.tenant, Role.TENANT_ADMIN, name="管理员老王")
    with tenant_context(world.tenant):
        services.doctor_update(
            tenant=world.tenant, by=admin, doctor=world.li, pain_points="担心医保控费", phone="13811112222"
        )
    history = _section(_page(client, world.rep, world.li), "doctor-history")
    latest = history.split('data-testid="history-entry"')[1]
    assert "管理员老王" in latest
    assert "担心医保控费" in latest
    assert "13811112222" in latest and "13900001111" in latest  # the rep may see contacts


def test_history_masks_contact_details_for_roles_without_them(client, world, make_user):
    admin = make_user(world.tenant, Role.TENANT_ADMIN)
    with tenant_context(world.tenant):
        services.doctor_update(tenant=world.tenant, by=admin, doctor=world.li, phone="13811112222")
    history = _section(_page(client, make_user(world.tenant, Role.COMPLIANCE), world.li), "doctor-history")
    latest = history.split('data-testid="history-entry"')[1]
    assert 'data-testid="history-change"' in latest
    assert "13811112222" not in history and "13900001111" not in history


def test_profile_query_count_does_not_grow_with_the_network(client, world, make_user, django_assert_max_num_queries):
    pm = make_user(world.tenant, Role.PRODUCT_MANAGER)
    client.force_login(pm)
    url = reverse("doctor_detail", args=[world.li.pk])
    # 25 for the profile itself; the expert section (hospitals) and the KOL section (segmentation)
    # add at most 8 more, a constant whatever the network.
    with django_assert_max_num_queries(33) as before:
        client.get(url)
    for _ in range(15):
        f.DoctorRelationFactory(
            from_doctor=world.li, to_doctor=f.DoctorFactory(hospital__tenant=world.tenant), kind="coauthor"
        )
    with django_assert_max_num_queries(len(before.captured_queries)):
        html = client.get(url).content.decode()
    assert len(row_ids(_section(html, "doctor-network"), "network-row")) == 18
