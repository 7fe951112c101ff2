"""Bring records stored before the written-form rules (hospitals.normalize) into that form.

Rows saved since are normalised by the models; rows written earlier keep ``许 立``, ``上海`` or
``134-9925-5324``. :func:`master_data_normalise` rewrites them, a tenant at a time, in batches,
each doctor change kept in the doctor's history (reason "normalised"). A hospital whose
normalised name is another hospital's name is left as it is and counted (a steward decides).
"""

from __future__ import annotations

import dataclasses

from django.db import IntegrityError, transaction

from crm.tenancy import tenant_context
from hospitals import normalize
from hospitals.models import Department, Doctor, Hospital

BATCH = 2_000
DOCTOR_FIELDS = ("name", "email", "wechat", "campus", "phone", "phone_display", "office_phone", "office_phone_display")
HOSPITAL_FIELDS = ("name", "aliases", "province", "city", "district", "address")


@dataclasses.dataclass
class Normalised:
    doctors: int = 0
    hospitals: int = 0
    departments: int = 0
    left: int = 0  # rows whose normal form clashes with another row, or that cannot be read


def _changed(obj, fields) -> bool:
    before = {f: getattr(obj, f) for f in fields}
    errors = obj.normalise() if hasattr(obj, "normalise") else {}
    return not errors and any(getattr(obj, f) != before[f] for f in fields)


def master_data_normalise(*, tenant) -> Normalised:
    """Rewrite the tenant's doctors, hospitals and departments in their one written form."""
    result = Normalised()
    tenant_id = int(getattr(tenant, "pk", tenant))
    with tenant_context(tenant_id):
        last = 0
        while True:
            doctors = list(Doctor.objects.filter(pk__gt=last).order_by("pk")[:BATCH])
            if not doctors:
                break
            last = doctors[-1].pk
            with transaction.atomic():
                for doctor in doctors:
                    if _changed(doctor, DOCTOR_FIELDS):
                        doctor._change_reason = "normalised"
                        doctor.save()
                        result.doctors += 1
        for hospital in Hospital.objects.order_by("pk"):
            if _changed(hospital, HOSPITAL_FIELDS):
                try:
                    with transaction.atomic():
                        hospital.save()
                    result.hospitals += 1
                except IntegrityError:
                    result.left += 1
        for department in Department.objects.order_by("pk"):
            if normalize.name(department.name) != department.name:
                try:
                    with transaction.atomic():
                        department.save()  # Department.save normalises the name
                    result.departments += 1
                except IntegrityError:
                    result.left += 1
    return result
