"""The compliance academic level: derived by the tenant's rule, overridden with a reason, history kept."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from crm.tenancy import tenant_context
from hospitals import selectors, services
from hospitals.models import (
    AcademicLevel,
    AcademicLevelChange,
    AcademicLevelRule,
    ClinicalTitle,
    ExpertProfile,
    SocietyLevel,
    SocietyRole,
)
from tests.hospitals import factories as f


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def scope(tenant):
    with tenant_context(tenant):
        yield


def test_default_rule_derives_from_posts_and_titles(tenant, tenant_admin, scope):
    national = f.DoctorFactory(hospital__tenant=tenant)
    services.society_position_create(
        tenant=tenant, by=tenant_admin, doctor=national, society="中华医学会外科学分会",
        level=SocietyLevel.NATIONAL, position=SocietyRole.VICE_CHAIR,
    )
    chief = f.DoctorFactory(hospital__tenant=tenant, clinical_title=ClinicalTitle.CHIEF)
    plain = f.DoctorFactory(hospital__tenant=tenant, clinical_title=ClinicalTitle.ATTENDING)

    assert selectors.academic_level(national) == AcademicLevel.NATIONAL
    assert selectors.academic_level(chief) == AcademicLevel.CITY
    assert selectors.academic_level(plain) == AcademicLevel.LOCAL  # negative control
    assert selectors.academic_levels(tenant=tenant, doctor_ids=[national.pk, plain.pk]) == {
        national.pk: "national", plain.pk: "local",
    }
    # the post's service stored the level and its first history line
    assert ExpertProfile.objects.get(doctor=national).level == "national"
    assert list(AcademicLevelChange.objects.filter(doctor=national).values_list("new_level", "source")) == [
        ("national", "rule")
    ]


def test_title_change_and_post_removal_re_derive(tenant, tenant_admin, scope):
    doctor = f.DoctorFactory(hospital__tenant=tenant, clinical_title=ClinicalTitle.ATTENDING)
    services.academic_levels_refresh(tenant=tenant)
    assert selectors.academic_level(doctor) == "local"
    services.doctor_update(tenant=tenant, by=tenant_admin, doctor=doctor, clinical_title=ClinicalTitle.CHIEF)
    assert selectors.academic_level(doctor) == "city"
    post = services.society_position_create(
        tenant=tenant, by=tenant_admin, doctor=doctor, society="省医学会", level=SocietyLevel.PROVINCIAL,
        position=SocietyRole.CHAIR,
    )
    assert selectors.academic_level(doctor) == "provincial"
    services.record_delete(tenant=tenant, by=tenant_admin, obj=post)
    assert selectors.academic_level(doctor) == "city"
    history = [(c.old_level, c.new_level) for c in selectors.academic_level_history(tenant=tenant, doctor=doctor)]
    assert history[::-1] == [("", "local"), ("local", "city"), ("city", "provincial"), ("provincial", "city")]
    # re-running changes nothing
    assert services.academic_levels_refresh(tenant=tenant) == 0


def test_tenant_rule_replaces_the_default(tenant, other_tenant, scope):
    chief = f.DoctorFactory(hospital__tenant=tenant, clinical_title=ClinicalTitle.CHIEF)
    assert selectors.academic_level(chief) == "city"
    AcademicLevelRule.objects.create(tenant=tenant, level=AcademicLevel.PROVINCIAL, clinical_titles=["chief"])
    services.academic_levels_refresh(tenant=tenant)
    assert selectors.academic_level(chief) == "provincial"
    with pytest.raises(ValidationError):
        AcademicLevelRule(tenant=tenant, level=AcademicLevel.CITY).full_clean()
    with tenant_context(other_tenant):  # another tenant keeps the default rule
        other = f.DoctorFactory(hospital__tenant=other_tenant, clinical_title=ClinicalTitle.CHIEF)
        assert selectors.academic_level(other) == "city"


def test_override_needs_a_reason_and_is_kept_against_the_rule(tenant, make_user, scope):
    compliance = make_user(tenant, "compliance")
    doctor = f.DoctorFactory(hospital__tenant=tenant, clinical_title=ClinicalTitle.CHIEF)
    with pytest.raises(ValidationError) as exc:
        services.academic_level_override(tenant=tenant, by=compliance, doctor=doctor, level="national", reason=" ")
    assert "reason" in exc.value.message_dict
    assert selectors.academic_level(doctor) == "city"

    services.academic_level_override(
        tenant=tenant, by=compliance, doctor=doctor, level="national", reason="Guideline lead author 2025"
    )
    assert selectors.academic_level(doctor) == "national"
    # a rule change under an override moves the derived level only
    services.doctor_update(tenant=tenant, by=compliance, doctor=doctor, clinical_title=ClinicalTitle.ATTENDING)
    profile = ExpertProfile.objects.get(doctor=doctor)
    assert (profile.derived_level, profile.level) == ("local", "national")
    services.academic_level_override(tenant=tenant, by=compliance, doctor=doctor, level="", reason="")
    assert selectors.academic_level(doctor) == "local"
    last = selectors.academic_level_history(tenant=tenant, doctor=doctor)
    assert [(c.source, c.new_level, c.changed_by_id) for c in last[:2]] == [
        ("override_removed", "local", compliance.pk),
        ("override", "national", compliance.pk),
    ]
    assert last[1].reason == "Guideline lead author 2025"
