"""Helpers that build scorecards for tests (through the services, as a product manager would)."""

import datetime

from crm.tenancy import tenant_context
from hospitals.models import ClinicalTitle, HospitalGrade, SocietyLevel, SocietyRole
from segmentation import services
from tests.hospitals.factories import (
    DepartmentFactory,
    DoctorFactory,
    HospitalFactory,
    ProductFactory,
    SocietyPositionFactory,
    UsageShareFactory,
)

DEFAULT_DIMENSIONS = [
    {"kind": "academic_influence", "weight": 40},
    {"kind": "prescribing_potential", "weight": 30},
    {"kind": "business_contribution", "weight": 30},
]


def make_version(tenant, *, by=None, dimensions=None, activate=True, scorecard=None, **fields):
    """A scorecard (primary) with one version of ``dimensions`` (active unless ``activate=False``)."""
    with tenant_context(tenant):
        if scorecard is None:
            scorecard = services.scorecard_create(tenant=tenant, by=by, name=fields.pop("name", "全产品分级"))
        version = services.version_create(
            tenant=tenant, by=by, scorecard=scorecard, dimensions=dimensions or DEFAULT_DIMENSIONS, **fields
        )
        if activate:
            version = services.version_activate(tenant=tenant, by=by, version=version)
        version.scorecard = scorecard  # cached: usable outside the tenant context
    return version


def make_doctors(tenant, n=10, *, product=None, period_month=datetime.date(2026, 1, 1)):
    """``n`` doctors of rising value: doctor i has more titles, a bigger hospital and more usage.

    Returns (doctors ordered from least to most valuable, product).
    """
    product = product or ProductFactory(tenant=tenant, name="Cardiozen")
    titles = [ClinicalTitle.RESIDENT, ClinicalTitle.ATTENDING, ClinicalTitle.ASSOCIATE_CHIEF, ClinicalTitle.CHIEF]
    grades = [HospitalGrade.G1, HospitalGrade.G2, HospitalGrade.G3B, HospitalGrade.G3A]
    doctors = []
    for i in range(n):
        hospital = HospitalFactory(
            tenant=tenant,
            grade=grades[min(i * len(grades) // n, 3)],
            beds=100 + 200 * i,
            province=["上海市", "北京市"][i % 2],
            city=["上海市", "北京市"][i % 2],
        )
        department = DepartmentFactory(hospital=hospital)
        doctor = DoctorFactory(
            hospital=hospital, department=department, clinical_title=titles[min(i * len(titles) // n, 3)]
        )
        if i >= n // 2:
            SocietyPositionFactory(
                doctor=doctor,
                society=f"中华医学会心血管病学分会{i}",
                level=SocietyLevel.NATIONAL if i >= n - 2 else SocietyLevel.PROVINCIAL,
                position=SocietyRole.CHAIR if i == n - 1 else SocietyRole.MEMBER,
            )
        UsageShareFactory(
            doctor=doctor,
            product=product,
            period=period_month,
            volume=10 * (i + 1),
            share=round(90 * i / max(n - 1, 1), 2),
        )
        doctors.append(doctor)
    return doctors, product
