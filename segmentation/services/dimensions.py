"""Imported dimensions and the upload of their values per period (all rows checked first)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from crm import stats
from crm.permissions import SCORECARD_ROLES
from crm.tenancy import tenant_id_of
from hospitals.models import Doctor
from segmentation.models import (
    ImportedDimension,
    ImportedValue,
    ScorecardDimension,
    validate_period,
)
from segmentation.services._shared import _require, _same_tenant

# --- imported dimensions ----------------------------------------------------------------------


@transaction.atomic
def imported_dimension_create(*, tenant, by, code, name, description="") -> ImportedDimension:
    """A new imported dimension (values come from files, per period)."""
    _require(by, SCORECARD_ROLES)
    dim = ImportedDimension(tenant_id=tenant_id_of(tenant), code=code, name=name, description=description)
    dim.full_clean()
    dim.save()
    return dim


@dataclass
class ValuesImport:
    """Outcome of an upload of imported values: counts, or the per-row errors (nothing written)."""

    rows: int = 0
    written: int = 0
    removed: int = 0
    errors: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


DOCTOR_HEADERS = {"doctor_id", "doctor", "医生id", "医生编号", "id"}
EXTERNAL_HEADERS = {"external_id", "外部编号", "外部id", "external id"}
VALUE_HEADERS = {"value", "score", "值", "分值", "得分"}


def imported_values_import(*, tenant, by, dimension, period, data: bytes, filename: str, replace=True) -> ValuesImport:
    """Load the values of ``dimension`` for ``period`` from a CSV/XLSX file, all or nothing.

    Columns: ``doctor_id`` (our id) or ``external_id`` (the doctor's external id), and ``value``
    (a number). Every row is checked first (unknown doctor, a doctor twice, a value that is not a
    finite number); with any error nothing is written and every error is reported with its row.
    With ``replace`` the period's values not in the file are removed (the file is the full set).
    """
    from django.utils.translation import gettext_noop

    from hospitals.imports.errors import Invalid, RowError
    from hospitals.imports.reading import read_rows

    _require(by, SCORECARD_ROLES)
    _same_tenant(tenant, dimension)
    validate_period(period)
    outcome = ValuesImport()
    try:
        rows = read_rows(data, filename)
    except Invalid as exc:
        outcome.errors.append(RowError.from_invalid(0, "", exc).as_json())
        return outcome
    if not rows:
        outcome.errors.append(RowError(0, "", gettext_noop("the file is empty")).as_json())
        return outcome
    header_row, *body = rows
    headers = [h.strip().lower() for h in header_row[1]]
    by_doctor = next((i for i, h in enumerate(headers) if h in DOCTOR_HEADERS), None)
    by_external = next((i for i, h in enumerate(headers) if h in EXTERNAL_HEADERS), None)
    value_col = next((i for i, h in enumerate(headers) if h in VALUE_HEADERS), None)
    if value_col is None or (by_doctor is None and by_external is None):
        outcome.errors.append(
            RowError(
                0, "", gettext_noop("the file needs a column “value” and a column “doctor_id” or “external_id”")
            ).as_json()
        )
        return outcome
    key_col = by_doctor if by_doctor is not None else by_external
    key_header = header_row[1][key_col]
    value_header = header_row[1][value_col]
    parsed = []
    for number, cells in body:
        key = cells[key_col].strip() if key_col < len(cells) else ""
        text = cells[value_col].strip() if value_col < len(cells) else ""
        if not key:
            outcome.errors.append(RowError(number, key_header, gettext_noop("a doctor is required")).as_json())
            continue
        if by_doctor is not None and not key.isdigit():
            outcome.errors.append(
                RowError(number, key_header, gettext_noop("“%(value)s” is not a doctor id"), {"value": key}).as_json()
            )
            continue
        try:
            value = float(text.replace(",", ""))
            if not math.isfinite(value):
                raise ValueError
        except ValueError:
            outcome.errors.append(
                RowError(number, value_header, gettext_noop("“%(value)s” is not a number"), {"value": text}).as_json()
            )
            continue
        parsed.append((number, key, value))
    outcome.rows = len(body)
    # Resolve doctors set-based, in chunks.
    keys = list({key for _n, key, _v in parsed})
    resolved = {}
    doctors = Doctor.objects.for_tenant(tenant)
    for start in range(0, len(keys), 10_000):
        chunk = keys[start : start + 10_000]
        if by_doctor is not None:
            found = doctors.filter(pk__in=[int(k) for k in chunk]).values_list("pk", "pk")
        else:
            found = doctors.filter(external_id__in=chunk).values_list("external_id", "pk")
        resolved.update({str(k): pk for k, pk in found})
    seen = {}
    values = {}
    for number, key, value in parsed:
        doctor_id = resolved.get(key)
        if doctor_id is None:
            outcome.errors.append(
                RowError(number, key_header, gettext_noop("no doctor “%(value)s”"), {"value": key}).as_json()
            )
            continue
        if doctor_id in seen:
            outcome.errors.append(
                RowError(
                    number,
                    key_header,
                    gettext_noop("doctor “%(value)s” is also on row %(row)s"),
                    {"value": key, "row": seen[doctor_id]},
                ).as_json()
            )
            continue
        seen[doctor_id] = number
        values[doctor_id] = value
    if outcome.errors:
        outcome.errors.sort(key=lambda e: e["row"])
        return outcome
    with transaction.atomic():
        existing = ImportedValue.objects.for_tenant(tenant).filter(dimension=dimension, period=period)
        if replace:
            # The file is the period's full set: what it does not list goes.
            outcome.removed = existing.exclude(doctor_id__in=list(values)).count() if values else existing.count()
            existing.delete()
        objs = [
            ImportedValue(tenant_id=tenant_id_of(tenant), dimension=dimension, period=period, doctor_id=d, value=v)
            for d, v in values.items()
        ]
        ImportedValue.objects.bulk_create(
            objs,
            batch_size=5000,
            update_conflicts=not replace,
            unique_fields=["tenant", "dimension", "period", "doctor"] if not replace else None,
            update_fields=["value"] if not replace else None,
        )
        outcome.written = len(objs)
        stats.analyze_on_commit()  # a bulk load of values (crm/stats.py)
    return outcome


@transaction.atomic
def imported_dimension_update(*, tenant, by, dimension, **fields) -> ImportedDimension:
    """Rename or re-describe an imported dimension."""
    _require(by, SCORECARD_ROLES)
    _same_tenant(tenant, dimension)
    for name in ("code", "name", "description"):
        if name in fields:
            setattr(dimension, name, fields[name])
    dimension.full_clean()
    dimension.save()
    return dimension


@transaction.atomic
def imported_dimension_delete(*, tenant, by, dimension) -> None:
    """Delete an imported dimension that no scorecard version uses, with its values."""
    _require(by, SCORECARD_ROLES)
    _same_tenant(tenant, dimension)
    if ScorecardDimension.objects.for_tenant(tenant).filter(imported_dimension=dimension).exists():
        raise ValidationError(_("A scorecard version uses this dimension."))
    ImportedValue.objects.for_tenant(tenant).filter(dimension=dimension).delete()
    dimension.delete()
