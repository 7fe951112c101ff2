"""Isolation cases of the tier pages (run by tests/test_isolation.py): another tenant's
scorecards, versions, runs, overrides and doctors are absent from lists and 404 everywhere."""

import datetime

from django.urls import reverse
from django.utils import timezone

from crm.tenancy import tenant_context
from segmentation import services
from segmentation.models import RunStatus, ScoringRun
from tests.hospitals import factories as f
from tests.isolation import IsolationCase, isolation_case
from tests.segmentation.factories import make_version


def _versions(tenant, other_tenant):
    own = make_version(tenant, name="本司分级卡")
    foreign = make_version(other_tenant, name="他司分级卡")
    for version in (own, foreign):
        with tenant_context(version.tenant_id):
            version.scorecard  # noqa: B018 - loaded here, where its tenant is in context
    return own, foreign


def _page_case(user, own, foreign, url_name, list_url=None, text=str):
    return IsolationCase(
        kind="page",
        user=user,
        own=own,
        foreign=foreign,
        list_url=list_url,
        detail_url=lambda o: reverse(url_name, args=[o.pk]),
        text=text,
    )


@isolation_case("page:tier_scorecard")
def scorecard_pages(tenant, other_tenant, make_user):
    own, foreign = _versions(tenant, other_tenant)
    return _page_case(
        make_user(tenant, "product_manager"),
        [own.scorecard],
        [foreign.scorecard],
        "tier_scorecard",
        list_url=reverse("tier_scorecards"),
        text=lambda s: s.name,
    )


@isolation_case("page:tier_version")
def version_pages(tenant, other_tenant, make_user):
    own, foreign = _versions(tenant, other_tenant)
    return _page_case(make_user(tenant, "product_manager"), [own], [foreign], "tier_version")


@isolation_case("page:tier_version_preview")
def version_preview_pages(tenant, other_tenant, make_user):
    f.DoctorFactory(hospital__tenant=tenant)
    f.DoctorFactory(hospital__tenant=other_tenant)
    own, foreign = _versions(tenant, other_tenant)
    return _page_case(make_user(tenant, "product_manager"), [own], [foreign], "tier_version_preview")


@isolation_case("page:tier_version_activate")
def version_activate_pages(tenant, other_tenant, make_user):
    own = make_version(tenant, name="本司分级卡", activate=False)
    foreign = make_version(other_tenant, name="他司分级卡", activate=False)
    return _page_case(make_user(tenant, "tenant_admin"), [own], [foreign], "tier_version_activate")


def _run(tenant, version, period):
    with tenant_context(tenant):
        return ScoringRun.objects.create(
            tenant=tenant, version=version, period=period, status=RunStatus.DONE, finished_at=timezone.now()
        )


@isolation_case("page:tier_run")
def run_pages(tenant, other_tenant, make_user):
    own_version, foreign_version = _versions(tenant, other_tenant)
    own = _run(tenant, own_version, "2025Q3")
    foreign = _run(other_tenant, foreign_version, "2019Q2")
    return _page_case(
        make_user(tenant, "product_manager"),
        [own],
        [foreign],
        "tier_run",
        list_url=reverse("tier_runs"),
        text=lambda r: reverse("tier_run", args=[r.pk]),
    )


def _override(tenant, doctor, reason):
    with tenant_context(tenant):
        return services.tier_override_set(
            tenant=tenant,
            by=None,
            doctor=doctor,
            tier="A",
            reason=reason,
            expires_on=timezone.localdate() + datetime.timedelta(days=30),
        )


@isolation_case("page:tier_override_revoke")
def override_pages(tenant, other_tenant, make_user):
    own = _override(tenant, f.DoctorFactory(hospital__tenant=tenant), "本司学术带头人")
    foreign = _override(other_tenant, f.DoctorFactory(hospital__tenant=other_tenant), "他司学术带头人")
    return _page_case(
        make_user(tenant, "product_manager"),
        [own],
        [foreign],
        "tier_override_revoke",
        list_url=reverse("tier_overrides"),
        text=lambda o: o.reason,
    )


def _doctors(tenant, other_tenant):
    own = [f.DoctorFactory(hospital__tenant=tenant, name="本司医生甲")]
    foreign = [f.DoctorFactory(hospital__tenant=other_tenant, name="他司医生丙")]
    return own, foreign


@isolation_case("page:tier_override_new")
def override_new_pages(tenant, other_tenant, make_user):
    own, foreign = _doctors(tenant, other_tenant)
    return _page_case(make_user(tenant, "product_manager"), own, foreign, "tier_override_new")


@isolation_case("page:doctor_adoption")
def adoption_pages(tenant, other_tenant, make_user):
    own, foreign = _doctors(tenant, other_tenant)
    f.ProductFactory(tenant=other_tenant, name="他司产品")
    return _page_case(make_user(tenant, "tenant_admin"), own, foreign, "doctor_adoption")


@isolation_case("page:tier_run_publish")
def run_publish_pages(tenant, other_tenant, make_user):
    """Compare and publish (issue 15): another tenant's runs 404."""
    own_version, foreign_version = _versions(tenant, other_tenant)
    own = _run(tenant, own_version, "2025Q3")
    foreign = _run(other_tenant, foreign_version, "2019Q2")
    return _page_case(
        make_user(tenant, "product_manager"),
        [own],
        [foreign],
        "tier_run_publish",
        list_url=reverse("tier_runs"),
        text=lambda r: reverse("tier_run", args=[r.pk]),
    )
