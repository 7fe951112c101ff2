"""CRUD and role matrix of the complaints API (run by tests/test_api_cases.py)."""

from complaints import services
from complaints.models import ComplaintSLA
from crm import permissions as p
from crm.tenancy import tenant_context
from tests.api_cases import APICase, api_case
from tests.hospitals.factories import HospitalFactory


@api_case("complaint")
def complaint(tenant, make_user):
    hospital = HospitalFactory(tenant=tenant)
    admin = make_user(tenant, "tenant_admin")
    with tenant_context(tenant):
        obj = services.complaint_create(
            tenant=tenant, by=admin, type="service", reporter_kind="hospital", hospital=hospital,
            description="学术资料未按约送达",
        )  # fmt: skip
    return APICase(
        obj=obj,
        create={"type": "delivery", "reporter_kind": "hospital", "hospital": hospital.pk, "description": "配送延迟"},
        update={"description": "配送延迟三天"},
        visible_to=p.COMPLAINT_ALL_READERS,
        creators=p.COMPLAINT_INTAKE_ROLES,
        updaters=p.COMPLAINT_HANDLERS,
    )


@api_case("complaint-sla")
def complaint_sla(tenant, make_user):
    with tenant_context(tenant):
        obj = ComplaintSLA.objects.create(tenant=tenant, type="quality", severity="low", clock="closure", days=40)
    return APICase(
        obj=obj,
        create={"type": "service", "severity": "high", "clock": "closure", "days": 4},
        update={"days": 35},
        delete=True,
        readers=p.COMPLAINT_SETTINGS_EDITORS | p.COMPLAINT_HANDLERS,
        writers=p.COMPLAINT_SETTINGS_EDITORS,
    )
