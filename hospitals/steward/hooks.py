"""Where a doctor is referred to, and how a merge moves those rows: the hook of the doctor merge.

Hospitals must not import the apps above it (segmentation, visits, events …), yet a merge must
move their rows too. So each app *registers* its references to a doctor in its
``AppConfig.ready()``::

    from hospitals.steward.hooks import register_doctor_reference
    register_doctor_reference(TierAssignment, unique_with=("period",))

:func:`register_doctor_reference` covers the common case: rows whose ``field`` points at the
merged doctor move to the survivor, except those that would collide with a row the survivor
has (same ``unique_with`` values) — those stay with the merged doctor (counted as "kept"). An
app with special rules (a locked visit report moves only with an amendment) passes its own
``move`` and ``revert``. Every move records the ids it moved, so :func:`revert` puts back
exactly those rows. ``tests/hospitals/test_steward.py`` fails when a foreign key to Doctor has
no registered reference.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from django.db import models


@dataclasses.dataclass(frozen=True)
class DoctorReference:
    """One kind of row that refers to a doctor, and how a merge moves and un-moves it."""

    label: str  # "<app>.<Model>.<field>", the key in DoctorMerge.moved / .kept
    move: Callable  # (tenant, by, survivor_id, merged_id) -> (moved: JSON, kept: int)
    revert: Callable  # (tenant, by, moved: JSON, survivor_id, merged_id) -> None
    model: type[models.Model] | None = None
    field: str = ""


REFERENCES: dict[str, DoctorReference] = {}


def register(reference: DoctorReference) -> None:
    """Register a reference (its label is unique: registering again replaces it)."""
    REFERENCES[reference.label] = reference


def register_doctor_reference(
    model, field: str = "doctor", unique_with: tuple[str, ...] = (), *, move=None, revert=None
) -> DoctorReference:
    """Register ``model.field`` (a foreign key to Doctor): see the module docstring."""
    label = f"{model._meta.label}.{field}"
    reference = DoctorReference(
        label=label,
        move=move or (lambda tenant, by, s, m: move_rows(model, field, unique_with, tenant, s, m)),
        revert=revert or (lambda tenant, by, moved, s, m: revert_rows(model, field, tenant, moved, m)),
        model=model,
        field=field,
    )
    register(reference)
    return reference


def move_rows(model, field, unique_with, tenant, survivor_id, merged_id) -> tuple[list[int], int]:
    """Move ``model`` rows from the merged doctor to the survivor; ``(moved ids, rows kept)``."""
    rows = model.objects.for_tenant(tenant).filter(**{f"{field}_id": merged_id})
    if unique_with:
        taken = set(
            model.objects.for_tenant(tenant).filter(**{f"{field}_id": survivor_id}).values_list(*unique_with)
        )
        found = list(rows.values_list("pk", *unique_with))
        movable = [r[0] for r in found if tuple(r[1:]) not in taken]
        kept = len(found) - len(movable)
    else:
        movable, kept = list(rows.values_list("pk", flat=True)), 0
    if movable:
        model.objects.for_tenant(tenant).filter(pk__in=movable).update(**{f"{field}_id": survivor_id})
    return movable, kept


def revert_rows(model, field, tenant, moved, merged_id) -> None:
    """Put the rows a merge moved back on the merged doctor."""
    if moved:
        model.objects.for_tenant(tenant).filter(pk__in=moved).update(**{f"{field}_id": merged_id})


def registered_fields() -> set[tuple[type, str]]:
    """(model, field) of every registered reference (for the completeness test)."""
    return {(r.model, r.field) for r in REFERENCES.values() if r.model is not None}
