"""A small world of master data for the page tests: two territories, a rep covering one of
them, a provincial KOL and their network, products with usage share, distributors and sales."""

import dataclasses

import pytest

from hospitals.models import ClinicalTitle, HospitalGrade, RelationKind, SocietyRole
from hospitals.profile import last_months
from tests.factories import TerritoryAssignmentFactory, territory_tree
from tests.hospitals import factories as f


@dataclasses.dataclass
class World:
    tenant: object
    t1: object
    t2: object
    rep: object
    provincial: object  # a grade-3A hospital in 南京
    county: object  # a grade-2A hospital in 溧水
    li: object  # 李建国: the KOL, aligned to t1 (the rep's territory)
    li_outside: object  # 李建刚: same initials, aligned to t2 (outside the rep's territories)
    classmate: object  # 王芳: county hospital, t1, classmate of 李建国
    student: object  # 张伟: county hospital, t1, student of 李建国
    own_product: object
    competitor: object
    distributor: object
    other_distributor: object


@pytest.fixture
def world(tenant, make_user):
    _, _, t1, t2 = territory_tree(tenant, "W")
    rep = make_user(tenant, "rep", name="代表小周")
    TerritoryAssignmentFactory(territory=t1, user=rep)
    provincial = f.HospitalFactory(
        tenant=tenant, name="江苏省人民医院", grade=HospitalGrade.G3A, province="江苏省", city="南京市"
    )
    county = f.HospitalFactory(
        tenant=tenant,
        name="溧水区人民医院",
        grade=HospitalGrade.G2A,
        province="江苏省",
        city="南京市",
        district="溧水区",
    )
    cardio = f.DepartmentFactory(hospital=provincial, name="心内科", standard_code="cardiology")
    county_cardio = f.DepartmentFactory(hospital=county, name="心血管内科", standard_code="cardiology")
    li = f.DoctorFactory(
        hospital=provincial,
        department=cardio,
        name="李建国",
        clinical_title=ClinicalTitle.CHIEF,
        phone="13900001111",
        background="省心血管病学会副主委",
        specialties=["高血压", "冠心病"],
    )
    li_outside = f.DoctorFactory(hospital=provincial, department=cardio, name="李建刚", phone="13900002222")
    classmate = f.DoctorFactory(hospital=county, department=county_cardio, name="王芳")
    student = f.DoctorFactory(hospital=county, department=county_cardio, name="张伟", clinical_title="resident")
    for doctor in (li, classmate, student):
        f.DoctorTerritoryFactory(doctor=doctor, territory=t1)
    f.DoctorTerritoryFactory(doctor=li_outside, territory=t2)
    f.SocietyPositionFactory(doctor=li, society="江苏省医学会心血管病学分会", position=SocietyRole.VICE_CHAIR)
    f.DoctorRelationFactory(from_doctor=li, to_doctor=classmate, kind=RelationKind.CLASSMATE, strength=5)
    f.DoctorRelationFactory(from_doctor=li, to_doctor=student, kind=RelationKind.MENTOR, strength=4)
    f.DoctorRelationFactory(from_doctor=li, to_doctor=li_outside, kind=RelationKind.COLLEAGUE, strength=3)

    own = f.ProductFactory(tenant=tenant, name="康立欣")
    competitor = f.CompetitorProductFactory(tenant=tenant, name="立普妥")
    f.ProductCompetitorFactory(product=own, competitor=competitor)
    months = last_months(3)
    for month, ours, theirs in zip(months, (10, 15, 20), (60, 55, 50), strict=True):
        f.UsageShareFactory(doctor=li, product=own, period=month, share=ours)
        f.UsageShareFactory(doctor=li, product=competitor, period=month, share=theirs)

    distributor = f.DistributorFactory(tenant=tenant, name="国药控股江苏")
    other_distributor = f.DistributorFactory(tenant=tenant, name="华润医药上海")
    f.DistributorCoverageFactory(distributor=distributor, hospital=provincial, product=own)
    f.DistributorCoverageFactory(distributor=other_distributor, hospital=county)
    return World(
        tenant=tenant,
        t1=t1,
        t2=t2,
        rep=rep,
        provincial=provincial,
        county=county,
        li=li,
        li_outside=li_outside,
        classmate=classmate,
        student=student,
        own_product=own,
        competitor=competitor,
        distributor=distributor,
        other_distributor=other_distributor,
    )


@pytest.fixture
def months_ago():
    """months_ago(n) → the first day of the month n months before the current one."""

    def at(n):
        return last_months(n + 1)[0]

    return at
