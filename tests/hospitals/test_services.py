"""Writes of master data: validation with clear messages, normalisation, tenant checks."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from crm.tenancy import tenant_context
from hospitals import services
from hospitals.models import DistributorCoverage, Doctor, DoctorRelation, ProductCompetitor, UsageShare
from tests.factories import territory_tree
from tests.hospitals import factories as f


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def scope(tenant):
    with tenant_context(tenant):
        yield


def _messages(exc_info):
    return exc_info.value.message_dict if hasattr(exc_info.value, "error_dict") else exc_info.value.messages


def test_relation_to_oneself_is_refused(tenant, tenant_admin, scope):
    doctor = f.DoctorFactory(hospital__tenant=tenant)
    with pytest.raises(ValidationError) as exc:
        services.doctor_relation_create(
            tenant=tenant, by=tenant_admin, from_doctor=doctor, to_doctor=doctor, kind="classmate"
        )
    assert _messages(exc) == {"to_doctor": ["A doctor cannot be related to themselves."]}


def test_symmetric_relation_is_stored_once_lower_id_first(tenant, tenant_admin, scope):
    a = f.DoctorFactory(hospital__tenant=tenant)
    b = f.DoctorFactory(hospital=a.hospital)
    relation = services.doctor_relation_create(
        tenant=tenant, by=tenant_admin, from_doctor=b, to_doctor=a, kind="classmate"
    )
    assert (relation.from_doctor_id, relation.to_doctor_id) == (a.pk, b.pk)
    with pytest.raises(ValidationError) as exc:
        services.doctor_relation_create(tenant=tenant, by=tenant_admin, from_doctor=a, to_doctor=b, kind="classmate")
    assert _messages(exc) == {"to_doctor": ["These two doctors already have this relation."]}
    # a mentor relation has a direction: both ways are two relations
    services.doctor_relation_create(tenant=tenant, by=tenant_admin, from_doctor=b, to_doctor=a, kind="mentor")
    services.doctor_relation_create(tenant=tenant, by=tenant_admin, from_doctor=a, to_doctor=b, kind="mentor")
    assert DoctorRelation.objects.count() == 3


def test_doctor_department_must_be_of_the_doctors_hospital(tenant, tenant_admin, scope):
    elsewhere = f.DepartmentFactory(hospital__tenant=tenant)
    hospital = f.HospitalFactory(tenant=tenant)
    with pytest.raises(ValidationError) as exc:
        services.doctor_create(tenant=tenant, by=tenant_admin, name="张三", hospital=hospital, department=elsewhere)
    assert _messages(exc) == {"department": ["This department belongs to another hospital."]}


def test_another_tenants_hospital_is_an_invalid_choice(tenant, other_tenant, tenant_admin):
    foreign = f.HospitalFactory(tenant=other_tenant)
    with tenant_context(tenant), pytest.raises(ValidationError) as exc:
        services.doctor_create(tenant=tenant, by=tenant_admin, name="张三", hospital_id=foreign.pk)
    assert _messages(exc) == {"hospital": ["Select a valid choice."]}


def test_another_tenants_hospital_object_is_refused(tenant, other_tenant, tenant_admin):
    foreign = f.HospitalFactory(tenant=other_tenant)
    with tenant_context(tenant), pytest.raises(ValidationError):
        services.doctor_create(tenant=tenant, by=tenant_admin, name="张三", hospital=foreign)
    with tenant_context(tenant):
        assert not Doctor.objects.exists()


def test_consent_records_its_date_and_withdrawal_clears_it(tenant, tenant_admin, scope):
    doctor = f.DoctorFactory(hospital__tenant=tenant)
    services.doctor_profile_update(tenant=tenant, by=tenant_admin, doctor=doctor, consent_to_contact=True)
    assert doctor.consent_date == timezone.localdate()
    services.doctor_profile_update(tenant=tenant, by=tenant_admin, doctor=doctor, consent_to_contact=False)
    assert doctor.consent_date is None


def test_profile_update_refuses_other_fields(tenant, tenant_admin, scope):
    doctor = f.DoctorFactory(hospital__tenant=tenant)
    with pytest.raises(TypeError):
        services.doctor_profile_update(tenant=tenant, by=tenant_admin, doctor=doctor, name="改名")


def test_doctors_are_aligned_to_leaf_territories_only(tenant, tenant_admin, scope):
    region, district, t1, _ = territory_tree(tenant, "S")
    doctor = f.DoctorFactory(hospital__tenant=tenant)
    with pytest.raises(ValidationError) as exc:
        services.doctor_align(tenant=tenant, by=tenant_admin, doctor=doctor, territory=district)
    assert _messages(exc) == {"territory": ["Doctors are aligned to territories, not to regions or districts."]}
    services.doctor_align(tenant=tenant, by=tenant_admin, doctor=doctor, territory=t1)
    with pytest.raises(ValidationError) as exc:
        services.doctor_align(tenant=tenant, by=tenant_admin, doctor=doctor, territory=t1)
    assert _messages(exc) == {"territory": ["This doctor is already aligned to this territory."]}


def test_distributor_staff_must_be_distributor_reps_of_the_tenant(tenant, other_tenant, make_user, tenant_admin, scope):
    distributor = f.DistributorFactory(tenant=tenant)
    with pytest.raises(ValidationError) as exc:
        services.distributor_staff_create(
            tenant=tenant, by=tenant_admin, user=make_user(tenant, "rep"), distributor=distributor
        )
    assert "distributor clinical rep" in _messages(exc)["user"][0]
    with pytest.raises(ValidationError) as exc:
        services.distributor_staff_create(
            tenant=tenant, by=tenant_admin, user=make_user(other_tenant, "distributor_rep"), distributor=distributor
        )
    assert _messages(exc) == {"user": ["Select a valid choice."]}
    drep = make_user(tenant, "distributor_rep")
    services.distributor_staff_create(tenant=tenant, by=tenant_admin, user=drep, distributor=distributor)
    with pytest.raises(ValidationError) as exc:
        services.distributor_staff_create(
            tenant=tenant, by=tenant_admin, user=drep, distributor=f.DistributorFactory(tenant=tenant)
        )
    assert _messages(exc) == {"user": ["This user already works for a distributor."]}


def test_competitors_must_be_other_companies_products(tenant, tenant_admin, scope):
    ours = f.ProductFactory(tenant=tenant, name="康立欣")
    theirs = f.CompetitorProductFactory(tenant=tenant, name="立普妥")
    with pytest.raises(ValidationError) as exc:
        services.product_create(tenant=tenant, by=tenant_admin, name="康立宁", competitors=[ours])
    assert _messages(exc) == {"competitors": ["康立欣 is one of our products, not a competitor's."]}
    product = services.product_create(tenant=tenant, by=tenant_admin, name="康立宁", competitors=[theirs])
    assert list(ProductCompetitor.objects.filter(product=product).values_list("competitor_id", flat=True)) == [
        theirs.pk
    ]
    services.product_update(tenant=tenant, by=tenant_admin, product=product, competitors=[])
    assert not ProductCompetitor.objects.filter(product=product).exists()


def test_key_messages_are_for_own_products(tenant, tenant_admin, scope):
    theirs = f.CompetitorProductFactory(tenant=tenant)
    with pytest.raises(ValidationError) as exc:
        services.key_message_create(tenant=tenant, by=tenant_admin, product=theirs, text="x")
    assert _messages(exc) == {"product": ["Key messages are for our own products."]}


def test_agreement_dates_and_products(tenant, tenant_admin, scope):
    distributor = f.DistributorFactory(tenant=tenant)
    ours, theirs = f.ProductFactory(tenant=tenant), f.CompetitorProductFactory(tenant=tenant)
    common = {"tenant": tenant, "by": tenant_admin, "distributor": distributor, "number": "AG-1"}
    with pytest.raises(ValidationError) as exc:
        services.distributor_agreement_create(
            **common, start=datetime.date(2025, 6, 1), end=datetime.date(2025, 1, 1), products=[ours]
        )
    assert _messages(exc) == {"end": ["The end date is before the start date."]}
    with pytest.raises(ValidationError):
        services.distributor_agreement_create(
            **common, start=datetime.date(2025, 1, 1), end=datetime.date(2025, 12, 31), products=[theirs]
        )
    agreement = services.distributor_agreement_create(
        **common, start=datetime.date(2025, 1, 1), end=datetime.date(2025, 12, 31), products=[ours]
    )
    assert list(agreement.products.all()) == [ours]


def test_usage_share_month_is_normalised_and_share_bounded(tenant, tenant_admin, scope):
    doctor, product = f.DoctorFactory(hospital__tenant=tenant), f.ProductFactory(tenant=tenant)
    usage = services.usage_share_create(
        tenant=tenant, by=tenant_admin, doctor=doctor, product=product, period=datetime.date(2025, 3, 17), share=10
    )
    assert usage.period == datetime.date(2025, 3, 1)
    with pytest.raises(ValidationError) as exc:
        services.usage_share_create(
            tenant=tenant, by=tenant_admin, doctor=doctor, product=product, period=datetime.date(2025, 3, 2), share=20
        )
    assert "period" in _messages(exc)
    with pytest.raises(ValidationError) as exc:
        services.usage_share_create(
            tenant=tenant, by=tenant_admin, doctor=doctor, product=product, period=datetime.date(2025, 4, 1), share=120
        )
    assert "share" in _messages(exc)
    assert UsageShare.objects.count() == 1


def test_shipment_validation(tenant, tenant_admin, scope):
    distributor = f.DistributorFactory(tenant=tenant)
    hospital, product = f.HospitalFactory(tenant=tenant), f.ProductFactory(tenant=tenant)
    with pytest.raises(ValidationError) as exc:
        services.shipment_create(
            tenant=tenant,
            by=tenant_admin,
            distributor=distributor,
            hospital=hospital,
            product=product,
            lot_number=" L1 ",
            quantity=10,
            shipped_on=datetime.date(2025, 5, 1),
            expiry_date=datetime.date(2025, 1, 1),
        )
    assert _messages(exc) == {"expiry_date": ["The lot expired before it was shipped."]}


def test_hospital_deactivation_retires_its_doctors_and_ends_coverage(tenant, tenant_admin, scope):
    hospital = f.HospitalFactory(tenant=tenant)
    doctors = [f.DoctorFactory(hospital=hospital) for _ in range(2)]
    coverage = f.DistributorCoverageFactory(distributor__tenant=tenant, hospital=hospital)
    services.hospital_deactivate(tenant=tenant, by=tenant_admin, hospital=hospital)
    assert not Doctor.objects.filter(pk__in=[d.pk for d in doctors], is_active=True).exists()
    assert DistributorCoverage.objects.get(pk=coverage.pk).until == timezone.localdate()


def test_deleting_a_referenced_record_is_refused(tenant, tenant_admin, scope):
    sale = f.SalesRecordFactory(distributor__tenant=tenant)
    with pytest.raises(ValidationError) as exc:
        services.record_delete(tenant=tenant, by=tenant_admin, obj=sale.distributor)
    assert _messages(exc) == ["This record is still in use and cannot be deleted."]
