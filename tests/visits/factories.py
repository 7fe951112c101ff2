"""factory-boy factories of visits, and ``field_team``: a small field organisation to test with."""

import datetime
import types

import factory
from django.utils import timezone

from tests.factories import TenantOwnedFactory, TerritoryAssignmentFactory, UserFactory, territory_tree
from tests.hospitals.factories import (
    DoctorFactory,
    DoctorTerritoryFactory,
    HospitalFactory,
    KeyMessageFactory,
    ProductFactory,
)
from visits.models import ContentItem, ContentKind, FollowUpTask, Visit, VisitPlan


class ContentItemFactory(TenantOwnedFactory):
    class Meta:
        model = ContentItem

    tenant = factory.SubFactory("tests.factories.TenantFactory")
    kind = ContentKind.CLINICAL_SUMMARY
    title = factory.Sequence(lambda n: f"临床研究摘要{n}")
    url = factory.Sequence(lambda n: f"https://example.cn/content/{n}.pdf")
    approved_at = factory.LazyFunction(timezone.now)


class VisitPlanFactory(TenantOwnedFactory):
    class Meta:
        model = VisitPlan

    doctor = factory.SubFactory(DoctorFactory)
    tenant = factory.SelfAttribute("doctor.tenant")
    rep = factory.SubFactory(UserFactory, tenant=factory.SelfAttribute("..tenant"))
    planned_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(hours=2))
    objective = "建立认知"


class VisitFactory(TenantOwnedFactory):
    """A draft visit report made an hour ago (``status="submitted"`` for a submitted one)."""

    class Meta:
        model = Visit

    doctor = factory.SubFactory(DoctorFactory)
    tenant = factory.SelfAttribute("doctor.tenant")
    rep = factory.SubFactory(UserFactory, tenant=factory.SelfAttribute("..tenant"))
    visited_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))
    objective_achieved = "yes"
    feedback = "医生对新适应证感兴趣"
    submitted_at = factory.LazyAttribute(lambda o: timezone.now() if o.status == "submitted" else None)
    status = "draft"


class FollowUpTaskFactory(TenantOwnedFactory):
    class Meta:
        model = FollowUpTask

    doctor = factory.SubFactory(DoctorFactory)
    tenant = factory.SelfAttribute("doctor.tenant")
    kind = "next_step"
    title = factory.Sequence(lambda n: f"回访任务{n}")
    assignee_role = "visit_rep"
    due_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=1))


def field_team(tenant, prefix="V", doctors=3):
    """A district with two territories; a rep on t1 (with ``doctors`` aligned doctors), a second
    rep on t2 (one doctor), their manager on the district, medical affairs, compliance, a product
    with two approved key messages and an approved content item."""
    region, district, t1, t2 = territory_tree(tenant, prefix)
    rep = UserFactory(tenant=tenant, role="rep", username=f"{prefix.lower()}-rep")
    rep2 = UserFactory(tenant=tenant, role="rep", username=f"{prefix.lower()}-rep2")
    manager = UserFactory(tenant=tenant, role="manager", username=f"{prefix.lower()}-mgr")
    TerritoryAssignmentFactory(user=rep, territory=t1)
    TerritoryAssignmentFactory(user=rep2, territory=t2)
    TerritoryAssignmentFactory(user=manager, territory=district)
    hospital = HospitalFactory(tenant=tenant)
    docs = [DoctorFactory(hospital=hospital) for _ in range(doctors)]
    for d in docs:
        DoctorTerritoryFactory(doctor=d, territory=t1)
    other_doctor = DoctorFactory(hospital=hospital)
    DoctorTerritoryFactory(doctor=other_doctor, territory=t2)
    product = ProductFactory(tenant=tenant)
    km1 = KeyMessageFactory(product=product, text="降脂达标率提高30%")
    km2 = KeyMessageFactory(product=product, text="每日一次，依从性好")
    content = ContentItemFactory(tenant=tenant, product=product)
    return types.SimpleNamespace(
        tenant=tenant,
        region=region,
        district=district,
        t1=t1,
        t2=t2,
        rep=rep,
        rep2=rep2,
        manager=manager,
        medical=UserFactory(tenant=tenant, role="medical_affairs", username=f"{prefix.lower()}-med"),
        compliance=UserFactory(tenant=tenant, role="compliance", username=f"{prefix.lower()}-comp"),
        admin=UserFactory(tenant=tenant, role="tenant_admin", username=f"{prefix.lower()}-admin"),
        hospital=hospital,
        doctors=docs,
        doctor=docs[0],
        other_doctor=other_doctor,
        product=product,
        km1=km1,
        km2=km2,
        content=content,
    )
