"""seed_demo's master data: realistic, aligned to the demo territories, idempotent (its speed is not a test).

Checked by tests/test_demo.py (one seeded demo for every app's checks)."""

from django.urls import reverse

from accounts.auth import load_user_by_username
from accounts.models import Tenant
from crm.tenancy import tenant_context
from hospitals import models as m

COUNTED = [
    m.Hospital, m.Department, m.Doctor, m.SocietyPosition, m.DoctorRelation, m.DoctorTerritory, m.Distributor,
    m.DistributorStaff, m.DistributorCoverage, m.DistributorAgreement, m.AgreementProduct, m.Product,
    m.ProductCompetitor, m.KeyMessage, m.UsageShare, m.SalesRecord, m.Shipment,
]  # fmt: skip


def counts():
    counts = {}
    for tenant in Tenant.objects.order_by("code"):
        with tenant_context(tenant):
            counts[tenant.code] = {model.__name__: model.objects.count() for model in COUNTED}
    return counts


def check(first, api_client):
    """Realistic sizes, usable by the demo logins; ``first``: :func:`counts` after the first seed."""
    for code, counts in first.items():
        assert 55 <= counts["Hospital"] <= 70, code
        assert 2500 <= counts["Doctor"] <= 3600, (code, counts["Doctor"])
        assert counts["DoctorRelation"] > 1000
        assert counts["SocietyPosition"] > 100
        assert 3 <= counts["Distributor"] <= 5
        assert counts["DistributorStaff"] == 1
        assert counts["UsageShare"] > 0 and counts["SalesRecord"] > 0 and counts["Shipment"] > 0

    huakang = Tenant.objects.get(code="huakang")
    with tenant_context(huakang):
        months = m.SalesRecord.objects.dates("month", "month")
        assert len(months) == 24
        assert len(m.UsageShare.objects.dates("period", "month")) == 12
        # county doctors have classmates at provincial hospitals
        assert (
            m.DoctorRelation.objects.filter(kind="classmate", from_doctor__hospital__district="溧水区").exists()
            or m.DoctorRelation.objects.filter(kind="classmate", to_doctor__hospital__district="溧水区").exists()
        )
        # every doctor's pinyin keys are filled, as Doctor.save would
        doctor = m.Doctor.objects.order_by("id").first()
        assert doctor.name_pinyin and doctor.name_initials

    # The demo logins see what DESIGN.md promises.
    drep = load_user_by_username("hk_drep")  # users are walled: read in their own tenant
    api_client.force_login(drep)
    rows = api_client.get(reverse("doctor-list"), {"page_size": 200}).json()["results"]
    with tenant_context(huakang):
        jiangsu = set(m.Hospital.objects.filter(province="江苏省").values_list("name", flat=True))
    assert rows and {r["hospital_name"] for r in rows} <= jiangsu
    rep = load_user_by_username("hk_rep")  # SH-PD and SH-XH
    api_client.force_login(rep)
    body = api_client.get(reverse("doctor-list"), {"page_size": 200}).json()
    with tenant_context(huakang):
        shanghai = set(m.Hospital.objects.filter(province="上海市").values_list("pk", flat=True))
    assert body["results"] and {r["hospital"] for r in body["results"]} <= shanghai
