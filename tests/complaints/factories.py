"""Factories and a small world for complaints tests."""

import datetime
import types

from crm.tenancy import tenant_context
from tests.factories import UserFactory
from tests.hospitals.factories import DistributorFactory, HospitalFactory, ShipmentFactory
from tests.visits.factories import field_team


def complaints_world(tenant, prefix="C"):
    """The visits field team plus QA, PV and a lot ``LOT-X`` shipped by one distributor to three
    hospitals (the first is the team's hospital)."""
    team = field_team(tenant, prefix)
    qa = UserFactory(tenant=tenant, role="quality", username=f"{prefix.lower()}-qa")
    pv = UserFactory(tenant=tenant, role="pharmacovigilance", username=f"{prefix.lower()}-pv")
    distributor = DistributorFactory(tenant=tenant, name=f"{prefix}国药控股")
    hospitals = [team.hospital, HospitalFactory(tenant=tenant), HospitalFactory(tenant=tenant)]
    with tenant_context(tenant):
        shipments = [
            ShipmentFactory(
                distributor=distributor,
                hospital=h,
                product=team.product,
                lot_number=f"{prefix}LOT-X",
                quantity=100 * (i + 1),
                shipped_on=datetime.date(2025, 6, 10 + i),
            )
            for i, h in enumerate(hospitals)
        ]
        other = ShipmentFactory(
            distributor=distributor, hospital=hospitals[1], product=team.product, lot_number=f"{prefix}LOT-Y"
        )
    return types.SimpleNamespace(
        **vars(team),
        qa=qa,
        pv=pv,
        distributor=distributor,
        hospitals=hospitals,
        shipments=shipments,
        lot=f"{prefix}LOT-X",
        other_shipment=other,
    )
