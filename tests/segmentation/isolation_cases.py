"""Isolation cases of the segmentation API (run by tests/test_isolation.py)."""

import datetime

from django.urls import reverse

from crm.tenancy import tenant_context
from segmentation import services
from segmentation.models import Adoption, ImportedDimension, ScoringRun, TierAssignment, TierSetting
from tests.hospitals.factories import DoctorFactory, ProductFactory
from tests.isolation import IsolationCase, isolation_case
from tests.segmentation.factories import make_version


def _versions(tenant, other_tenant):
    return make_version(tenant, name="本租户分级"), make_version(other_tenant, name="他租户分级")


@isolation_case("scorecard")
def scorecard_api(tenant, other_tenant, make_user):
    own, foreign = _versions(tenant, other_tenant)
    return IsolationCase(
        user=make_user(tenant, "product_manager"),
        own=[own.scorecard],
        foreign=[foreign.scorecard],
        list_url=reverse("scorecard-list"),
        detail_url=lambda s: reverse("scorecard-detail", args=[s.pk]),
        update_payload={"name": "被篡改"},
    )


@isolation_case("scorecard-version")
def version_api(tenant, other_tenant, make_user):
    own, foreign = _versions(tenant, other_tenant)
    return IsolationCase(
        user=make_user(tenant, "product_manager"),
        own=[own],
        foreign=[foreign],
        list_url=reverse("scorecard-version-list"),
        detail_url=lambda v: reverse("scorecard-version-detail", args=[v.pk]),
        update_payload={"quota_a": "50"},
    )


@isolation_case("imported-dimension")
def imported_dimension_api(tenant, other_tenant, make_user):
    def make(t, code):
        with tenant_context(t):
            return ImportedDimension.objects.create(tenant=t, code=code, name=code)

    return IsolationCase(
        user=make_user(tenant, "product_manager"),
        own=[make(tenant, "kol-a")],
        foreign=[make(other_tenant, "kol-b")],
        list_url=reverse("imported-dimension-list"),
        detail_url=lambda d: reverse("imported-dimension-detail", args=[d.pk]),
        update_payload={"code": "hack", "name": "被篡改"},
    )


def _run(tenant, version):
    DoctorFactory(hospital__tenant=tenant)
    with tenant_context(tenant):
        run = ScoringRun.objects.create(tenant=tenant, version=version, period="2026Q1")
        return services.tier_rescore(tenant=tenant, period="2026Q1", run_id=run.pk)


@isolation_case("scoring-run")
def run_api(tenant, other_tenant, make_user):
    own, foreign = _versions(tenant, other_tenant)
    return IsolationCase(
        user=make_user(tenant, "product_manager"),
        own=[_run(tenant, own)],
        foreign=[_run(other_tenant, foreign)],
        list_url=reverse("scoring-run-list"),
        detail_url=lambda r: reverse("scoring-run-detail", args=[r.pk]),
        writable=False,
    )


@isolation_case("tier-assignment")
def assignment_api(tenant, other_tenant, make_user):
    own, foreign = _versions(tenant, other_tenant)
    _run(tenant, own)
    _run(other_tenant, foreign)
    with tenant_context(tenant):
        own_rows = list(TierAssignment.objects.all())
    with tenant_context(other_tenant):
        foreign_rows = list(TierAssignment.objects.all())
    return IsolationCase(
        user=make_user(tenant, "product_manager"),
        own=own_rows,
        foreign=foreign_rows,
        list_url=reverse("tier-assignment-list"),
        detail_url=lambda a: reverse("tier-assignment-detail", args=[a.pk]),
        writable=False,
    )


@isolation_case("tier-override")
def override_api(tenant, other_tenant, make_user):
    def make(t):
        doctor = DoctorFactory(hospital__tenant=t)
        with tenant_context(t):
            return services.tier_override_set(
                tenant=t,
                by=None,
                doctor=doctor,
                tier="A",
                reason="KOL 新任主委",
                expires_on=datetime.date.today() + datetime.timedelta(days=90),
            )

    return IsolationCase(
        user=make_user(tenant, "product_manager"),
        own=[make(tenant)],
        foreign=[make(other_tenant)],
        list_url=reverse("tier-override-list"),
        detail_url=lambda o: reverse("tier-override-detail", args=[o.pk]),
        writable=False,
    )


@isolation_case("tier-setting")
def setting_api(tenant, other_tenant, make_user):
    def make(t):
        with tenant_context(t):
            return TierSetting.objects.create(
                tenant=t, tier="A", visits_per_month=6, preferred_channel="in_person", online_allowed=False
            )

    return IsolationCase(
        user=make_user(tenant, "product_manager"),
        own=[make(tenant)],
        foreign=[make(other_tenant)],
        list_url=reverse("tier-setting-list"),
        detail_url=lambda s: reverse("tier-setting-detail", args=[s.pk]),
        update_payload={"tier": "A", "visits_per_month": 1, "preferred_channel": "phone", "online_allowed": True},
    )


@isolation_case("adoption")
def adoption_api(tenant, other_tenant, make_user):
    def make(t):
        doctor = DoctorFactory(hospital__tenant=t)
        product = ProductFactory(tenant=t)
        with tenant_context(t):
            return Adoption.objects.create(tenant=t, doctor=doctor, product=product, stage="trial")

    own = make(tenant)
    return IsolationCase(
        user=make_user(tenant, "product_manager"),
        own=[own],
        foreign=[make(other_tenant)],
        list_url=reverse("adoption-list"),
        detail_url=lambda a: reverse("adoption-detail", args=[a.pk]),
        update_payload={"doctor": own.doctor_id, "product": own.product_id, "stage": "loyal"},
    )
