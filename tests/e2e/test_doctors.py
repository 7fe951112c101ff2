"""Finding a doctor from a phone and reading their profile; the hospital page on a desktop.

Assertions use data and data-testids, never translated UI text.
"""

import pytest
from playwright.sync_api import expect

from hospitals.models import HospitalGrade, RelationKind
from hospitals.profile import last_months
from tests.factories import TerritoryAssignmentFactory, territory_tree
from tests.hospitals import factories as f


@pytest.fixture
def data(tenant, make_user):
    _, _, t1, t2 = territory_tree(tenant, "E")
    rep = make_user(tenant, "rep")
    TerritoryAssignmentFactory(territory=t1, user=rep)
    provincial = f.HospitalFactory(
        tenant=tenant, name="江苏省人民医院", grade=HospitalGrade.G3A, province="江苏省", city="南京市"
    )
    county = f.HospitalFactory(
        tenant=tenant, name="溧水区人民医院", grade=HospitalGrade.G2A, province="江苏省", city="南京市"
    )
    cardio = f.DepartmentFactory(hospital=provincial, name="心内科")
    li = f.DoctorFactory(hospital=provincial, department=cardio, name="李建国", clinical_title="chief")
    li_outside = f.DoctorFactory(hospital=provincial, department=cardio, name="李建刚")  # also "ljg", territory t2
    classmate = f.DoctorFactory(hospital=county, department=None, name="王芳")
    other = f.DoctorFactory(hospital=county, department=None, name="张伟")
    for doctor in (li, classmate, other):
        f.DoctorTerritoryFactory(doctor=doctor, territory=t1)
    f.DoctorTerritoryFactory(doctor=li_outside, territory=t2)
    f.DoctorRelationFactory(from_doctor=li, to_doctor=classmate, kind=RelationKind.CLASSMATE, strength=5)
    own = f.ProductFactory(tenant=tenant, name="康立欣")
    competitor = f.CompetitorProductFactory(tenant=tenant, name="立普妥")
    f.ProductCompetitorFactory(product=own, competitor=competitor)
    for i, month in enumerate(last_months(6)):
        f.UsageShareFactory(doctor=li, product=own, period=month, share=10 + 2 * i)
        f.UsageShareFactory(doctor=li, product=competitor, period=month, share=60 - 2 * i)
    distributor = f.DistributorFactory(tenant=tenant, name="国药控股江苏")
    f.DistributorCoverageFactory(distributor=distributor, hospital=provincial)
    for i, month in enumerate(last_months(12)):
        f.SalesRecordFactory(
            distributor=distributor,
            hospital=provincial,
            product=own,
            month=month,
            sell_in_units=100 + i,
            sell_out_units=90 + i,
        )
    return {"rep": rep, "li": li, "li_outside": li_outside, "classmate": classmate, "provincial": provincial}


def test_rep_on_a_phone_finds_li_jianguo_by_initials_and_reads_his_profile(phone_page, login, data):
    page = phone_page
    login(page, data["rep"])
    page.goto("/doctors/")
    rows = page.locator("[data-testid=doctor-row]")
    expect(rows).to_have_count(3)  # the rep's three doctors, not 李建刚 of another territory
    # On a phone the filters are folded away.
    assert page.locator("[data-testid=filter-panel]").evaluate("el => el.open") is False

    page.get_by_test_id("doctor-search").press_sequentially("ljg", delay=60)
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-doctor-id", str(data["li"].pk))
    expect(page.locator(f'[data-doctor-id="{data["li_outside"].pk}"]')).to_have_count(0)
    assert "q=ljg" in page.url  # the search is in the address: shareable, and Back works

    rows.first.get_by_test_id("doctor-link").click()
    expect(page.get_by_test_id("doctor-name")).to_contain_text("李建国")
    network = page.locator("[data-testid=doctor-network] [data-testid=network-row]")
    expect(network).to_have_count(1)
    expect(network.first).to_have_attribute("data-doctor-id", str(data["classmate"].pk))
    expect(network.first).to_contain_text("溧水区人民医院")
    chart = page.locator("canvas[data-testid=usage-chart]")
    expect(chart).to_have_count(1)
    expect(chart).to_have_attribute("data-rendered", "1")  # Chart.js drew it
    assert chart.bounding_box()["width"] <= 390


def test_live_search_keeps_up_with_the_typing(phone_page, login, data):
    page = phone_page
    login(page, data["rep"])
    page.goto("/doctors/")
    search = page.get_by_test_id("doctor-search")
    search.press_sequentially("wf", delay=60)
    rows = page.locator("[data-testid=doctor-row]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-doctor-id", str(data["classmate"].pk))
    search.fill("")
    search.press_sequentially("zzz", delay=60)
    expect(page.get_by_test_id("no-results")).to_be_visible()


def test_hospital_page_on_a_desktop(page, login, data, make_user, tenant):
    login(page, make_user(tenant, "product_manager"))
    page.goto("/hospitals/")
    hospitals = page.locator("[data-testid=hospital-row]")
    expect(hospitals).to_have_count(2)
    page.locator("select[name=grade]").select_option(HospitalGrade.G3A)
    expect(hospitals).to_have_count(1)
    assert "grade=3A" in page.url
    hospitals.first.locator("a").click()

    expect(page.get_by_test_id("hospital-name")).to_contain_text("江苏省人民医院")
    expect(page.locator("[data-testid=hospital-departments] [data-testid=department]")).to_have_count(1)
    doctors = page.locator("[data-testid=hospital-doctors] [data-testid=doctor-row]")
    expect(doctors).to_have_count(2)
    expect(page.locator("[data-testid=hospital-distributors] [data-testid=coverage-row]")).to_have_count(1)
    expect(page.locator("canvas[data-testid=sales-chart]")).to_have_attribute("data-rendered", "1")
    page.locator("[data-testid=hospital-sales] summary").click()
    expect(page.locator("[data-testid=sales-row]")).to_have_count(24)

    page.get_by_test_id("all-doctors").click()
    expect(page.locator("[data-testid=doctor-row]")).to_have_count(2)
    expect(page.locator("select[name=hospital]")).to_have_value(str(data["provincial"].pk))
