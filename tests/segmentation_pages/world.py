"""A small world of tiers for the page tests (and the browser tests): a primary scorecard with an active version, ten
doctors in two provinces scored in two quarters (with known movers), a rep who covers some of
them, and a product manager."""

import dataclasses
import datetime

from django.utils import timezone

from crm.tenancy import tenant_context
from hospitals.models import HospitalGrade
from segmentation.models import RunStatus, ScoringRun, TierAssignment
from tests.factories import TerritoryAssignmentFactory, territory_tree
from tests.hospitals import factories as f
from tests.segmentation.factories import make_version

PREVIOUS, LATEST = "2026Q1", "2026Q2"

# (name, province, grade, tier in 2026Q1, tier in 2026Q2, score in 2026Q2)
DOCTORS = [
    ("李建国", "上海市", HospitalGrade.G3A, "B", "A", 91.5),  # up
    ("王芳", "上海市", HospitalGrade.G3A, "A", "A", 88.0),
    ("张伟", "上海市", HospitalGrade.G3A, "B", "B", 70.0),
    ("刘洋", "上海市", HospitalGrade.G2A, "A", "B", 66.0),  # down
    ("陈静", "北京市", HospitalGrade.G3A, "B", "B", 61.0),
    ("杨帆", "北京市", HospitalGrade.G2A, "D", "C", 45.0),  # up
    ("赵敏", "北京市", HospitalGrade.G2A, "C", "C", 40.0),
    ("黄磊", "北京市", HospitalGrade.G2A, "C", "C", 35.0),
    ("周杰", "北京市", HospitalGrade.G1, "C", "D", 12.0),  # down
    ("吴刚", "北京市", HospitalGrade.G1, None, "D", 5.0),  # new in 2026Q2
]
# 2026Q2: A 2, B 3, C 3, D 2 — 上海市: A 2, B 2; 北京市: B 1, C 3, D 2.


@dataclasses.dataclass
class TierWorld:
    tenant: object
    pm: object
    rep: object
    territory: object  # the rep's territory (the Shanghai doctors)
    version: object
    doctors: dict  # name -> Doctor
    runs: dict  # period -> ScoringRun
    product: object


def _breakdown(score):
    # Contributions of the default dimensions (weights 40/30/30): each at most its weight, adding up to the score.
    a = round(min(40.0, 0.45 * score), 2)
    b = round(0.3 * score, 2)
    return {"academic_influence": a, "prescribing_potential": b, "business_contribution": round(score - a - b, 2)}


def build_tier_world(tenant, make_user) -> "TierWorld":
    pm = make_user(tenant, "product_manager", name="产品经理小林")
    rep = make_user(tenant, "rep", name="代表小周")
    _, _, t1, _ = territory_tree(tenant, "S")
    TerritoryAssignmentFactory(territory=t1, user=rep)
    version = make_version(tenant, by=pm, name="心血管分级")
    hospitals = {}
    doctors = {}
    for name, province, grade, _q1, _q2, _score in DOCTORS:
        key = (province, grade)
        if key not in hospitals:
            hospitals[key] = f.HospitalFactory(tenant=tenant, province=province, city=province, grade=grade)
        hospital = hospitals[key]
        department = f.DepartmentFactory(hospital=hospital, name=f"心内科{len(doctors)}", standard_code="cardiology")
        doctors[name] = f.DoctorFactory(hospital=hospital, department=department, name=name)
    # The rep covers the Shanghai doctors only.
    for name, province, *_rest in DOCTORS:
        if province == "上海市":
            f.DoctorTerritoryFactory(doctor=doctors[name], territory=t1)
    now = timezone.now()
    runs = {}
    with tenant_context(tenant):
        for period in (PREVIOUS, LATEST):
            runs[period] = ScoringRun.objects.create(
                tenant=tenant,
                version=version,
                period=period,
                status=RunStatus.DONE,
                started_by=pm,
                doctors_total=10,
                tier_counts={"A": 2, "B": 3, "C": 3, "D": 2},
                moved_up=2,
                moved_down=2,
                finished_at=now,
                duration_s=1.5,
            )
        rows = []
        for name, _province, _grade, q1, q2, score in DOCTORS:
            doctor = doctors[name]
            if q1:
                rows.append(
                    TierAssignment(
                        tenant=tenant,
                        doctor=doctor,
                        period=PREVIOUS,
                        version=version,
                        tier=q1,
                        score=50.0,
                        breakdown=_breakdown(50.0),
                    )
                )
            rows.append(
                TierAssignment(
                    tenant=tenant,
                    doctor=doctor,
                    period=LATEST,
                    version=version,
                    tier=q2,
                    score=score,
                    breakdown=_breakdown(score),
                    previous_tier=q1 or "",
                )
            )
        TierAssignment.objects.bulk_create(rows)
    product = f.ProductFactory(tenant=tenant, name="康立欣")
    return TierWorld(
        tenant=tenant, pm=pm, rep=rep, territory=t1, version=version, doctors=doctors, runs=runs, product=product
    )


def tomorrow():
    return timezone.localdate() + datetime.timedelta(days=1)
