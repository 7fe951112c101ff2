"""Isolation cases of the master-data pages (run by tests/test_isolation.py)."""

from django.urls import reverse

from tests.hospitals import factories as f
from tests.isolation import IsolationCase, isolation_case


def _doctors(tenant, other_tenant):
    own = [
        f.DoctorFactory(hospital__tenant=tenant, name="本司医生甲"),
        f.DoctorFactory(hospital__tenant=tenant, name="本司医生乙"),
    ]
    foreign = [f.DoctorFactory(hospital__tenant=other_tenant, name="他司医生丙")]
    return own, foreign


@isolation_case("page:doctor_detail")
def doctor_pages(tenant, other_tenant, make_user):
    own, foreign = _doctors(tenant, other_tenant)
    return IsolationCase(
        kind="page",
        user=make_user(tenant, "product_manager"),
        own=own,
        foreign=foreign,
        list_url=reverse("doctor_list"),
        detail_url=lambda d: reverse("doctor_detail", args=[d.pk]),
        text=lambda d: d.name,
    )


@isolation_case("page:doctor_edit")
def doctor_edit_pages(tenant, other_tenant, make_user):
    own, foreign = _doctors(tenant, other_tenant)
    return IsolationCase(
        kind="page",
        user=make_user(tenant, "tenant_admin"),
        own=own,
        foreign=foreign,
        list_url=reverse("doctor_list"),
        detail_url=lambda d: reverse("doctor_edit", args=[d.pk]),
        text=lambda d: d.name,
    )


@isolation_case("page:hospital_detail")
def hospital_pages(tenant, other_tenant, make_user):
    own = [f.HospitalFactory(tenant=tenant, name="本司医院"), f.HospitalFactory(tenant=tenant, name="本司二院")]
    foreign = [f.HospitalFactory(tenant=other_tenant, name="他司医院")]
    return IsolationCase(
        kind="page",
        user=make_user(tenant, "product_manager"),
        own=own,
        foreign=foreign,
        list_url=reverse("hospital_list"),
        detail_url=lambda h: reverse("hospital_detail", args=[h.pk]),
        text=lambda h: h.name,
    )


@isolation_case("page:distributor_detail")
def distributor_pages(tenant, other_tenant, make_user):
    own = [f.DistributorFactory(tenant=tenant, name="本司配送商")]
    foreign = [f.DistributorFactory(tenant=other_tenant, name="他司配送商")]
    return IsolationCase(
        kind="page",
        user=make_user(tenant, "compliance"),
        own=own,
        foreign=foreign,
        list_url=reverse("distributor_list"),
        detail_url=lambda d: reverse("distributor_detail", args=[d.pk]),
        text=lambda d: d.name,
    )
