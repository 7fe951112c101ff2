"""Deleting in segmentation: what was used to score doctors stays; drafts and unused rows go."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from accounts.models import Role
from crm.tenancy import tenant_context
from segmentation import services
from segmentation.models import (
    Adoption,
    ImportedDimension,
    ImportedValue,
    Scorecard,
    ScorecardDimension,
    ScorecardVersion,
    ScoringRun,
    TierSetting,
)
from segmentation.selectors import tier_settings
from tests.segmentation.factories import make_doctors, make_version

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):  # the refusals are matched by their English text
        yield


@pytest.fixture
def pm(tenant, make_user):
    return make_user(tenant, Role.PRODUCT_MANAGER)


def _score(tenant, version, period="2026Q1"):
    with tenant_context(tenant):
        run = ScoringRun.objects.create(tenant=tenant, version=version, period=period)
        return services.tier_rescore(tenant=tenant, period=period, run_id=run.pk)


def test_a_scorecard_never_used_is_deleted_with_its_versions(tenant, pm):
    unused = make_version(tenant, by=pm, activate=False, name="草稿分级")
    with tenant_context(tenant):
        services.scorecard_delete(tenant=tenant, by=pm, scorecard=unused.scorecard)
        assert not Scorecard.objects.filter(pk=unused.scorecard_id).exists()
        assert not ScorecardVersion.objects.filter(pk=unused.pk).exists()
        assert not ScorecardDimension.objects.filter(version_id=unused.pk).exists()


def test_a_scorecard_that_scored_doctors_is_kept(tenant, pm):
    make_doctors(tenant, 4)
    used = make_version(tenant, by=pm)
    _score(tenant, used)
    with tenant_context(tenant), pytest.raises(ValidationError, match="retire"):
        services.scorecard_delete(tenant=tenant, by=pm, scorecard=used.scorecard)
    with tenant_context(tenant):
        assert Scorecard.objects.filter(pk=used.scorecard_id).exists()


def test_only_a_draft_version_is_deleted(tenant, pm):
    make_doctors(tenant, 4)
    active = make_version(tenant, by=pm)
    with tenant_context(tenant):
        draft = services.version_create(tenant=tenant, by=pm, scorecard=active.scorecard, copy_from=active)
        # The active version is refused, the draft goes.
        with pytest.raises(ValidationError, match="Activate another version"):
            services.version_delete(tenant=tenant, by=pm, version=active)
        services.version_delete(tenant=tenant, by=pm, version=draft)
        assert not ScorecardVersion.objects.filter(pk=draft.pk).exists()
        assert ScorecardVersion.objects.filter(pk=active.pk).exists()
    # A version a run used is kept, even once another one is active.
    _score(tenant, active)
    with tenant_context(tenant):
        successor = services.version_create(tenant=tenant, by=pm, scorecard=active.scorecard, copy_from=active)
        services.version_activate(tenant=tenant, by=pm, version=successor)
        with pytest.raises(ValidationError, match="scoring run"):
            services.version_delete(tenant=tenant, by=pm, version=ScorecardVersion.objects.get(pk=active.pk))


def test_an_imported_dimension_in_use_is_kept_an_unused_one_goes_with_its_values(tenant, pm):
    doctors, _ = make_doctors(tenant, 2)
    with tenant_context(tenant):
        used = services.imported_dimension_create(tenant=tenant, by=pm, code="kol", name="KOL 评分")
        unused = services.imported_dimension_create(tenant=tenant, by=pm, code="old", name="旧指标")
        for dimension in (used, unused):
            ImportedValue.objects.create(
                tenant=tenant, dimension=dimension, period="2026Q1", doctor=doctors[0], value=1
            )
    make_version(
        tenant, by=pm, activate=False, dimensions=[{"kind": "imported", "imported_dimension": used, "weight": 100}]
    )
    with tenant_context(tenant):
        with pytest.raises(ValidationError, match="uses this dimension"):
            services.imported_dimension_delete(tenant=tenant, by=pm, dimension=used)
        services.imported_dimension_delete(tenant=tenant, by=pm, dimension=unused)
        assert list(ImportedDimension.objects.values_list("code", flat=True)) == ["kol"]
        assert list(ImportedValue.objects.values_list("dimension_id", flat=True)) == [used.pk]


def test_resetting_a_tier_setting_brings_back_the_default(tenant, pm, make_user):
    with tenant_context(tenant):
        setting = services.tier_setting_set(
            tenant=tenant, by=pm, tier="A", visits_per_month=8, preferred_channel="phone", online_allowed=True
        )
        assert tier_settings(tenant=tenant)["A"].visits_per_month == 8
        with pytest.raises(PermissionDenied):
            services.tier_setting_reset(tenant=tenant, by=make_user(tenant, Role.REP), setting=setting)
        services.tier_setting_reset(tenant=tenant, by=pm, setting=setting)
        assert not TierSetting.objects.exists()
        assert tier_settings(tenant=tenant)["A"].visits_per_month == 4  # the default again


def test_a_stage_is_removed_by_who_may_set_it(tenant, pm, make_user):
    doctors, product = make_doctors(tenant, 1)
    with tenant_context(tenant):
        adoption = services.adoption_set(tenant=tenant, by=pm, doctor=doctors[0], product=product, stage="trial")
        # A rep who does not see the doctor may not; the product manager may.
        with pytest.raises(PermissionDenied):
            services.adoption_delete(tenant=tenant, by=make_user(tenant, Role.REP), adoption=adoption)
        assert Adoption.objects.filter(pk=adoption.pk).exists()
        services.adoption_delete(tenant=tenant, by=pm, adoption=adoption)
        assert not Adoption.objects.filter(pk=adoption.pk).exists()
