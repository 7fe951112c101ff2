"""CRUD and role matrix of the segmentation API (run by tests/test_api_cases.py)."""

import datetime

from django.utils import timezone

from crm import permissions as p
from crm.tenancy import tenant_context
from segmentation import services
from segmentation.models import ScoringRun, TierAssignment
from tests.api_cases import APICase, api_case
from tests.hospitals.api_cases import field_world
from tests.segmentation.factories import make_version

NEXT_MONTH = timezone.localdate() + datetime.timedelta(days=30)


def _in_tenant(obj, check):
    with tenant_context(obj.tenant_id):
        return check(type(obj).objects.get(pk=obj.pk))


@api_case("scorecard")
def scorecard(tenant, make_user):
    with tenant_context(tenant):
        obj = services.scorecard_create(tenant=tenant, by=None, name="心血管分级")
    return APICase(
        obj=obj,
        create={"name": "肿瘤线分级"},
        update={"description": "季度分级"},
        delete=True,
        writers=p.SCORECARD_ROLES,
    )


@api_case("tier-setting")
def tier_setting(tenant, make_user):
    with tenant_context(tenant):
        obj = services.tier_setting_set(
            tenant=tenant, by=None, tier="A", visits_per_month=4, preferred_channel="in_person", online_allowed=False
        )
    return APICase(
        obj=obj,
        create={"tier": "B", "visits_per_month": 2, "preferred_channel": "phone"},
        update={"visits_per_month": 6},
        delete=True,
        writers=p.SCORECARD_ROLES,
    )


@api_case("scorecard-version")
def scorecard_version(tenant, make_user):
    active = make_version(tenant, name="心血管分级")  # a scorecard with its active version
    with tenant_context(tenant):
        draft = services.version_create(tenant=tenant, by=None, scorecard=active.scorecard, copy_from=active)
    return APICase(
        obj=draft,  # a draft no run has used: edited and deleted (a used version is frozen)
        create={"scorecard": active.scorecard.pk, "copy_from": active.pk},
        update={"notes": "加权调整：学术影响 50%"},
        delete=True,
        writers=p.SCORECARD_ROLES,
    )


@api_case("imported-dimension")
def imported_dimension(tenant, make_user):
    with tenant_context(tenant):
        obj = services.imported_dimension_create(tenant=tenant, by=None, code="hospital_sales", name="医院销量")
    return APICase(
        obj=obj,
        create={"code": "market_share", "name": "市场份额"},
        update={"description": "季度导入"},
        delete=True,
        writers=p.SCORECARD_ROLES,
    )


@api_case("scoring-run")
def scoring_run(tenant, make_user):
    version = make_version(tenant)
    with tenant_context(tenant):
        obj = services.run_start(tenant=tenant, by=None, period="2025Q4", version=version)
    assert isinstance(obj, ScoringRun)
    # POST starts a run (enqueued after commit); a run is never edited nor deleted.
    return APICase(obj=obj, create={"version": version.pk, "period": "2026Q1"}, writers=p.SCORECARD_ROLES)


@api_case("tier-assignment")
def tier_assignment(tenant, make_user):
    w = field_world(tenant, "TA")
    version = make_version(tenant)
    with tenant_context(tenant):
        obj = TierAssignment.objects.create(
            tenant=tenant, doctor=w.doctor, period="2026Q1", version=version, tier="A", score=88.5, previous_tier="B"
        )
    # Read-only (written by scoring runs): head office every doctor's, the field its doctors'.
    return APICase(obj=obj, prepare_user=w.prepare_user)


@api_case("tier-override")
def tier_override(tenant, make_user):
    w = field_world(tenant, "TO")
    with tenant_context(tenant):
        obj = services.tier_override_set(
            tenant=tenant, by=make_user(tenant, "product_manager"), doctor=w.doctor, tier="A",
            reason="国家级学会主委", expires_on=NEXT_MONTH,
        )  # fmt: skip
    return APICase(
        obj=obj,
        create={"doctor": w.peer.pk, "tier": "B", "reason": "新任科主任", "expires_on": NEXT_MONTH.isoformat()},
        delete=True,
        deleted=lambda o: _in_tenant(o, lambda fresh: fresh.revoked_at is not None),  # revoked, kept as history
        writers=p.SCORECARD_ROLES,  # never edited (no PATCH): set a new one
        prepare_user=w.prepare_user,
    )


@api_case("adoption")
def adoption(tenant, make_user):
    w = field_world(tenant, "AD")
    with tenant_context(tenant):
        obj = services.adoption_set(tenant=tenant, by=None, doctor=w.doctor, product=w.product, stage="trial")
    return APICase(
        obj=obj,
        create={"doctor": w.peer.pk, "product": w.product.pk, "stage": "aware"},
        update={"stage": "regular"},
        delete=True,
        writers=p.ADOPTION_ROLES,  # the field for the doctors it sees
        prepare_user=w.prepare_user,
    )
