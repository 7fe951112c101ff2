"""A small KOL world for the tests: 李主任 (the target), doctors loyal to the product, classmates
in between, covering reps (on top of tests.visits.factories.field_team).

Paths to the target, best first: B (advocate, classmate of the target: 1 hop), A (loyal) through
the classmate X (2 hops, 0.9·0.9), D (loyal) through C (mentor 3/5 then colleague: 0.6·0.7).
"""

import types

from hospitals.models import ClinicalTitle, DoctorRelation, SocietyLevel, SocietyPosition, SocietyRole
from segmentation.models import Adoption
from tests.hospitals.factories import DoctorFactory
from tests.visits.factories import field_team


def kol_world(tenant, prefix="K"):
    team = field_team(tenant, prefix, doctors=5)
    target, a, x, c, d = team.doctors
    target.name, target.clinical_title = "李建华", ClinicalTitle.CHIEF
    target.save()
    SocietyPosition.objects.create(
        tenant=tenant, doctor=target, society="中华医学会外科学分会甲状腺学组", level=SocietyLevel.NATIONAL,
        position=SocietyRole.VICE_CHAIR,
    )  # fmt: skip
    b = team.other_doctor
    stranger = DoctorFactory(hospital=team.hospital)  # loyal, but not connected
    for doctor, stage in ((a, "loyal"), (d, "loyal"), (b, "advocate"), (c, "regular"), (stranger, "loyal")):
        Adoption.objects.create(tenant=tenant, doctor=doctor, product=team.product, stage=stage)
    Adoption.objects.create(tenant=tenant, doctor=target, product=team.product, stage="trial")

    def rel(u, v, kind, strength):
        if kind in ("classmate", "colleague", "coauthor") and u.pk > v.pk:
            u, v = v, u
        DoctorRelation.objects.create(tenant=tenant, from_doctor=u, to_doctor=v, kind=kind, strength=strength)

    rel(a, x, "classmate", 5)
    rel(x, target, "classmate", 5)
    rel(b, target, "classmate", 5)
    rel(d, c, "mentor", 3)
    rel(c, target, "colleague", 5)
    return types.SimpleNamespace(**vars(team), target=target, a=a, x=x, b=b, c=c, d=d, stranger=stranger)
