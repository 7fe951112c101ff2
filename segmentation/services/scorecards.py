"""Scorecards and their versions: create, change, activate, retire, delete."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.permissions import SCORECARD_ROLES
from crm.tenancy import tenant_id_of
from segmentation.models import (
    ImportedDimension,
    Scorecard,
    ScorecardDimension,
    ScorecardVersion,
    ScoringRun,
    VersionFrozenError,
    VersionStatus,
)
from segmentation.services._shared import _require, _same_tenant

# --- scorecards and versions ------------------------------------------------------------------

SCORECARD_FIELDS = frozenset({"name", "product", "description"})
VERSION_FIELDS = frozenset(
    {"tier_rule", "cutoff_a", "cutoff_b", "cutoff_c", "quota_a", "quota_b", "quota_c", "missing_data", "notes"}
)


@transaction.atomic
def scorecard_create(*, tenant, by, is_primary=None, **fields) -> Scorecard:
    """A new scorecard; the tenant's first one is primary."""
    _require(by, SCORECARD_ROLES)
    unknown = set(fields) - SCORECARD_FIELDS
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    scorecard = Scorecard(tenant_id=tenant_id_of(tenant), created_by=by, **fields)
    if is_primary is None:
        is_primary = not Scorecard.objects.for_tenant(tenant).exists()
    if is_primary:
        Scorecard.objects.for_tenant(tenant).filter(is_primary=True).update(is_primary=False)
    scorecard.is_primary = bool(is_primary)
    scorecard.full_clean()
    scorecard.save()
    return scorecard


@transaction.atomic
def scorecard_update(*, tenant, by, scorecard, is_primary=None, **fields) -> Scorecard:
    """Rename or re-describe a scorecard; ``is_primary=True`` makes it the tier of record."""
    _require(by, SCORECARD_ROLES)
    _same_tenant(tenant, scorecard)
    for name, value in fields.items():
        if name not in SCORECARD_FIELDS:
            raise ValidationError(_("Unknown fields: %(f)s") % {"f": name})
        setattr(scorecard, name, value)
    if is_primary:
        Scorecard.objects.for_tenant(tenant).filter(is_primary=True).exclude(pk=scorecard.pk).update(is_primary=False)
        scorecard.is_primary = True
    scorecard.full_clean()
    scorecard.save()
    return scorecard


def _set_dimensions(tenant, version, dimensions):
    """Replace the version's dimensions with ``dimensions`` (dicts: kind, weight, normalisation,
    imported_dimension)."""
    ScorecardDimension.objects.for_tenant(tenant).filter(version=version).delete()
    for order, spec in enumerate(dimensions):
        spec = dict(spec)
        imported = spec.pop("imported_dimension", None)
        if imported is not None and not isinstance(imported, ImportedDimension):
            imported = ImportedDimension.objects.for_tenant(tenant).filter(pk=imported).first()
            if imported is None:
                raise ValidationError({"dimensions": _("Unknown imported dimension.")})
        dim = ScorecardDimension(
            tenant_id=tenant_id_of(tenant),
            version=version,
            kind=spec.get("kind"),
            weight=Decimal(str(spec.get("weight", 0))),
            normalisation=spec.get("normalisation") or "percentile",
            imported_dimension=imported,
            order=spec.get("order", order),
        )
        dim.full_clean()
        dim.save()


def version_check(version) -> None:
    """Refuse a version that cannot score: no dimension, weights not adding up to 100 %."""
    dims = list(version.dimensions.all())
    if not dims:
        raise ValidationError({"dimensions": _("Add at least one dimension.")})
    total = sum((d.weight for d in dims), Decimal(0))
    if total != Decimal(100):
        raise ValidationError(
            {"dimensions": _("Weights must add up to 100%% (they add up to %(total)s%%).") % {"total": total}}
        )
    keys = [d.key for d in dims]
    if len(set(keys)) != len(keys):
        raise ValidationError({"dimensions": _("Each dimension may appear once.")})


@transaction.atomic
def version_create(*, tenant, by, scorecard, dimensions=None, copy_from=None, **fields) -> ScorecardVersion:
    """A new draft version of ``scorecard`` (next number), optionally copied from another version."""
    _require(by, SCORECARD_ROLES)
    _same_tenant(tenant, scorecard)
    Scorecard.objects.for_tenant(tenant).select_for_update().filter(pk=scorecard.pk).first()
    number = (
        ScorecardVersion.objects.for_tenant(tenant).filter(scorecard=scorecard).aggregate(n=Max("number"))["n"] or 0
    ) + 1
    base = {}
    if copy_from is not None:
        _same_tenant(tenant, copy_from)
        base = {name: getattr(copy_from, name) for name in VERSION_FIELDS}
        if dimensions is None:
            dimensions = [
                {
                    "kind": d.kind,
                    "weight": d.weight,
                    "normalisation": d.normalisation,
                    "imported_dimension": d.imported_dimension,
                }
                for d in copy_from.dimensions.all()
            ]
    unknown = set(fields) - VERSION_FIELDS
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    version = ScorecardVersion(
        tenant_id=tenant_id_of(tenant), scorecard=scorecard, number=number, created_by=by, **{**base, **fields}
    )
    version.full_clean()
    version.save()
    if dimensions:
        _set_dimensions(tenant, version, dimensions)
    return version


@transaction.atomic
def version_update(*, tenant, by, version, dimensions=None, **fields) -> ScorecardVersion:
    """Change a version that no run has used yet (its tier rule, cut-offs, quotas, dimensions)."""
    _require(by, SCORECARD_ROLES)
    _same_tenant(tenant, version)
    version = ScorecardVersion.objects.for_tenant(tenant).select_for_update().get(pk=version.pk)
    if version.is_frozen:
        raise VersionFrozenError(
            _("Version %(number)s was used by a scoring run and cannot change; create a new version.")
            % {"number": version.number}
        )
    for name, value in fields.items():
        if name not in VERSION_FIELDS:
            raise ValidationError(_("Unknown fields: %(f)s") % {"f": name})
        setattr(version, name, value)
    version.full_clean()
    version.save()
    if dimensions is not None:
        _set_dimensions(tenant, version, dimensions)
    return version


@transaction.atomic
def version_activate(*, tenant, by, version) -> ScorecardVersion:
    """Make ``version`` the active one of its scorecard (the previously active one retires)."""
    _require(by, SCORECARD_ROLES)
    _same_tenant(tenant, version)
    version = ScorecardVersion.objects.for_tenant(tenant).select_for_update().get(pk=version.pk)
    if version.status == VersionStatus.ACTIVE:
        return version
    version_check(version)
    ScorecardVersion.objects.for_tenant(tenant).filter(
        scorecard_id=version.scorecard_id, status=VersionStatus.ACTIVE
    ).update(status=VersionStatus.RETIRED)
    version.status = VersionStatus.ACTIVE
    version.activated_at = timezone.now()
    version.save(update_fields=["status", "activated_at"])
    return version


@transaction.atomic
def version_retire(*, tenant, by, version) -> ScorecardVersion:
    """Retire a version (it stays in the history of the runs that used it)."""
    _require(by, SCORECARD_ROLES)
    _same_tenant(tenant, version)
    version.status = VersionStatus.RETIRED
    version.save(update_fields=["status"])
    return version


@transaction.atomic
def scorecard_delete(*, tenant, by, scorecard) -> None:
    """Delete a scorecard none of whose versions was ever used by a run."""
    _require(by, SCORECARD_ROLES)
    _same_tenant(tenant, scorecard)
    if ScorecardVersion.objects.for_tenant(tenant).filter(scorecard=scorecard, used_at__isnull=False).exists():
        raise ValidationError(_("This scorecard has scored doctors; retire its versions instead."))
    ScorecardDimension.objects.for_tenant(tenant).filter(version__scorecard=scorecard).delete()
    ScorecardVersion.objects.for_tenant(tenant).filter(scorecard=scorecard).delete()
    scorecard.delete()


@transaction.atomic
def version_delete(*, tenant, by, version) -> None:
    """Delete a version that no run has used (a discarded draft)."""
    _require(by, SCORECARD_ROLES)
    _same_tenant(tenant, version)
    if version.is_frozen or ScoringRun.objects.for_tenant(tenant).filter(version=version).exists():
        raise ValidationError(_("This version was used by a scoring run; retire it instead."))
    if version.status == VersionStatus.ACTIVE:
        raise ValidationError(_("Activate another version before deleting the active one."))
    ScorecardDimension.objects.for_tenant(tenant).filter(version=version).delete()
    version.delete()
