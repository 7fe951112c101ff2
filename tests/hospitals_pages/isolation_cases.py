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


# --- the duplicate-doctor steward ------------------------------------------------------------


def _duplicate_pair(tenant, name):
    from crm.tenancy import tenant_context
    from hospitals.models import DuplicateCandidate

    hospital = f.HospitalFactory(tenant=tenant)
    a = f.DoctorFactory(hospital=hospital, name=name)
    b = f.DoctorFactory(hospital=hospital, name=name)
    with tenant_context(tenant):
        return DuplicateCandidate.objects.create(
            tenant=tenant, doctor_a=a, doctor_b=b, reasons=["name_hospital"], score=70
        )


@isolation_case("page:duplicate_detail")
def duplicate_pages(tenant, other_tenant, make_user):
    own, foreign = _duplicate_pair(tenant, "本司重复甲"), _duplicate_pair(other_tenant, "他司重复乙")
    return IsolationCase(
        kind="page",
        user=make_user(tenant, "tenant_admin"),
        own=[own],
        foreign=[foreign],
        list_url=reverse("duplicate_list"),
        detail_url=lambda c: reverse("duplicate_detail", args=[c.pk]),
        text=lambda c: "本司重复甲" if c.tenant_id == tenant.pk else "他司重复乙",
    )


@isolation_case("page:doctor_merge_detail")
def merge_pages(tenant, other_tenant, make_user):
    from hospitals.steward.merge import doctor_merge

    def merged(t, name):
        pair = _duplicate_pair(t, name)
        return doctor_merge(tenant=t, by=None, survivor=pair.doctor_a, merged=pair.doctor_b)

    own, foreign = merged(tenant, "本司合并甲"), merged(other_tenant, "他司合并乙")
    return IsolationCase(
        kind="page",
        user=make_user(tenant, "product_manager"),
        own=[own],
        foreign=[foreign],
        list_url=reverse("duplicate_list"),
        detail_url=lambda m: reverse("doctor_merge_detail", args=[m.pk]),
        text=lambda m: "本司合并甲" if m.tenant_id == tenant.pk else "他司合并乙",
    )
