"""Factories of events and ``event_world``: a field team, a product manager, an agent distributor
with its clinical rep covering a second hospital, and a program."""

import datetime
import types

import factory
from django.utils import timezone

from crm.tenancy import tenant_context
from events.models import Attendee, Event, Program
from tests.factories import TenantOwnedFactory, UserFactory
from tests.hospitals.factories import (
    DistributorCoverageFactory,
    DistributorFactory,
    DistributorStaffFactory,
    DoctorFactory,
    HospitalFactory,
)
from tests.visits.factories import field_team


class ProgramFactory(TenantOwnedFactory):
    class Meta:
        model = Program

    owner = factory.SubFactory(UserFactory, role="product_manager")
    tenant = factory.SelfAttribute("owner.tenant")
    name = factory.Sequence(lambda n: f"甲状腺外科大师班{n}")
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=300))
    budget = 500000


class EventFactory(TenantOwnedFactory):
    class Meta:
        model = Event

    owner = factory.SubFactory(UserFactory, role="rep")
    tenant = factory.SelfAttribute("owner.tenant")
    title = factory.Sequence(lambda n: f"心内科科室会{n}")
    type = "department_meeting"
    venue_name = "示例医院会议室"
    starts_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=2))
    ends_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))


class AttendeeFactory(TenantOwnedFactory):
    class Meta:
        model = Attendee

    event = factory.SubFactory(EventFactory)
    tenant = factory.SelfAttribute("event.tenant")
    doctor = factory.SubFactory(DoctorFactory, tenant=factory.SelfAttribute("..tenant"))


def event_world(tenant, prefix="E"):
    """``field_team`` plus a product manager (of the team's product), an agent distributor covering
    a second hospital with its clinical rep, and two doctors there."""
    from events.models import ProductManagerAssignment

    team = field_team(tenant, prefix=prefix, doctors=3)
    pm = UserFactory(tenant=tenant, role="product_manager", username=f"{prefix.lower()}-pm")
    agency_hospital = HospitalFactory(tenant=tenant, name=f"{prefix}代理区人民医院")
    distributor = DistributorFactory(tenant=tenant, kind="agent")
    drep = UserFactory(tenant=tenant, role="distributor_rep", username=f"{prefix.lower()}-drep")
    DistributorStaffFactory(user=drep, distributor=distributor)
    DistributorCoverageFactory(distributor=distributor, hospital=agency_hospital)
    agency_doctors = [DoctorFactory(hospital=agency_hospital) for _ in range(2)]
    from tests.hospitals.factories import DoctorTerritoryFactory

    # The company rep covers the agency hospital's doctors too (watching the distributor's follow-up).
    for d in agency_doctors:
        DoctorTerritoryFactory(doctor=d, territory=team.t1)
    with tenant_context(tenant):
        ProductManagerAssignment.objects.create(tenant=tenant, product=team.product, user=pm)
    return types.SimpleNamespace(
        **vars(team),
        pm=pm,
        distributor=distributor,
        drep=drep,
        agency_hospital=agency_hospital,
        agency_doctors=agency_doctors,
    )
