"""Isolation cases of the master-data API (run by tests/test_isolation.py)."""

from django.urls import reverse

from tests.factories import territory_tree
from tests.hospitals import factories as f
from tests.isolation import IsolationCase, isolation_case


def _api_case(basename, tenant, other_tenant, make_user, own, foreign, payload, role="tenant_admin"):
    return IsolationCase(
        user=make_user(tenant, role),
        own=own,
        foreign=foreign,
        list_url=reverse(f"{basename}-list"),
        detail_url=lambda o: reverse(f"{basename}-detail", args=[o.pk]),
        update_payload=payload,
    )


@isolation_case("hospital")
def hospital_api(tenant, other_tenant, make_user):
    own = [f.HospitalFactory(tenant=tenant), f.HospitalFactory(tenant=tenant)]
    foreign = [f.HospitalFactory(tenant=other_tenant)]
    payload = {"name": "被篡改医院", "province": "上海市", "city": "上海市"}
    return _api_case("hospital", tenant, other_tenant, make_user, own, foreign, payload)


@isolation_case("department")
def department_api(tenant, other_tenant, make_user):
    own = f.DepartmentFactory(hospital__tenant=tenant)
    foreign = f.DepartmentFactory(hospital__tenant=other_tenant)
    payload = {"hospital": own.hospital_id, "name": "被篡改科"}
    return _api_case("department", tenant, other_tenant, make_user, [own], [foreign], payload)


@isolation_case("doctor")
def doctor_api(tenant, other_tenant, make_user):
    own = f.DoctorFactory(hospital__tenant=tenant)
    foreign = f.DoctorFactory(hospital__tenant=other_tenant)
    payload = {"name": "被篡改", "hospital": own.hospital_id, "background": "x"}
    return _api_case("doctor", tenant, other_tenant, make_user, [own], [foreign], payload)


@isolation_case("society-position")
def society_position_api(tenant, other_tenant, make_user):
    own = f.SocietyPositionFactory(doctor__hospital__tenant=tenant)
    foreign = f.SocietyPositionFactory(doctor__hospital__tenant=other_tenant)
    payload = {"doctor": own.doctor_id, "society": "被篡改学会", "position": "chair"}
    return _api_case("society-position", tenant, other_tenant, make_user, [own], [foreign], payload)


@isolation_case("doctor-relation")
def doctor_relation_api(tenant, other_tenant, make_user):
    own = f.DoctorRelationFactory(from_doctor__hospital__tenant=tenant)
    foreign = f.DoctorRelationFactory(from_doctor__hospital__tenant=other_tenant)
    payload = {"from_doctor": own.from_doctor_id, "to_doctor": own.to_doctor_id, "kind": "referral"}
    return _api_case("doctor-relation", tenant, other_tenant, make_user, [own], [foreign], payload)


@isolation_case("doctor-territory")
def doctor_territory_api(tenant, other_tenant, make_user):
    _, _, own_t, _ = territory_tree(tenant, "A")
    _, _, foreign_t, _ = territory_tree(other_tenant, "B")
    own = f.DoctorTerritoryFactory(doctor__hospital__tenant=tenant, territory=own_t)
    foreign = f.DoctorTerritoryFactory(doctor__hospital__tenant=other_tenant, territory=foreign_t)
    payload = {"doctor": own.doctor_id, "territory": own_t.pk}
    return _api_case("doctor-territory", tenant, other_tenant, make_user, [own], [foreign], payload)


@isolation_case("distributor")
def distributor_api(tenant, other_tenant, make_user):
    own = f.DistributorFactory(tenant=tenant)
    foreign = f.DistributorFactory(tenant=other_tenant)
    return _api_case("distributor", tenant, other_tenant, make_user, [own], [foreign], {"name": "被篡改"})


@isolation_case("distributor-staff")
def distributor_staff_api(tenant, other_tenant, make_user):
    own = f.DistributorStaffFactory(distributor__tenant=tenant)
    foreign = f.DistributorStaffFactory(distributor__tenant=other_tenant)
    payload = {"user": own.user_id, "distributor": own.distributor_id}
    return _api_case("distributor-staff", tenant, other_tenant, make_user, [own], [foreign], payload)


@isolation_case("distributor-coverage")
def distributor_coverage_api(tenant, other_tenant, make_user):
    own = f.DistributorCoverageFactory(distributor__tenant=tenant)
    foreign = f.DistributorCoverageFactory(distributor__tenant=other_tenant)
    payload = {"distributor": own.distributor_id, "hospital": own.hospital_id, "until": "2030-01-01"}
    return _api_case("distributor-coverage", tenant, other_tenant, make_user, [own], [foreign], payload)


@isolation_case("distributor-agreement")
def distributor_agreement_api(tenant, other_tenant, make_user):
    own = f.AgreementProductFactory(agreement__distributor__tenant=tenant).agreement
    foreign = f.AgreementProductFactory(agreement__distributor__tenant=other_tenant).agreement
    payload = {"distributor": own.distributor_id, "number": "HACK-1", "start": "2025-01-01", "end": "2025-12-31"}
    return _api_case("distributor-agreement", tenant, other_tenant, make_user, [own], [foreign], payload)


@isolation_case("product")
def product_api(tenant, other_tenant, make_user):
    own = f.ProductCompetitorFactory(product__tenant=tenant)
    foreign = f.ProductCompetitorFactory(product__tenant=other_tenant)
    return _api_case(
        "product",
        tenant,
        other_tenant,
        make_user,
        [own.product, own.competitor],
        [foreign.product, foreign.competitor],
        {"name": "被篡改"},
        role="product_manager",
    )


@isolation_case("key-message")
def key_message_api(tenant, other_tenant, make_user):
    own = f.KeyMessageFactory(product__tenant=tenant)
    foreign = f.KeyMessageFactory(product__tenant=other_tenant)
    payload = {"product": own.product_id, "text": "被篡改"}
    return _api_case("key-message", tenant, other_tenant, make_user, [own], [foreign], payload, role="product_manager")


@isolation_case("usage-share")
def usage_share_api(tenant, other_tenant, make_user):
    own = f.UsageShareFactory(doctor__hospital__tenant=tenant)
    foreign = f.UsageShareFactory(doctor__hospital__tenant=other_tenant)
    payload = {"doctor": own.doctor_id, "product": own.product_id, "period": "2024-01-01", "share": 99}
    return _api_case("usage-share", tenant, other_tenant, make_user, [own], [foreign], payload)


@isolation_case("sales-record")
def sales_api(tenant, other_tenant, make_user):
    own = f.SalesRecordFactory(distributor__tenant=tenant)
    foreign = f.SalesRecordFactory(distributor__tenant=other_tenant)
    payload = {
        "distributor": own.distributor_id,
        "hospital": own.hospital_id,
        "product": own.product_id,
        "month": "2024-01-01",
    }
    return _api_case("sales-record", tenant, other_tenant, make_user, [own], [foreign], payload)


@isolation_case("shipment")
def shipment_api(tenant, other_tenant, make_user):
    own = f.ShipmentFactory(distributor__tenant=tenant)
    foreign = f.ShipmentFactory(distributor__tenant=other_tenant)
    payload = {
        "distributor": own.distributor_id,
        "hospital": own.hospital_id,
        "product": own.product_id,
        "lot_number": "HACK",
        "quantity": 1,
        "shipped_on": "2025-01-01",
    }
    return _api_case("shipment", tenant, other_tenant, make_user, [own], [foreign], payload)
