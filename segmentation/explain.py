"""The facts behind a tier (issue 15): for one doctor and period, each dimension's input as a
person reads it — "中华医学会内分泌学分会 主任委员 (国家级)", "主任医师", "本季度用量 120 / 份额 18%" —
or "no data" with the scorecard's missing-data policy, never a bare 0.

Read for one doctor on their profile (a handful of indexed queries); the scoring itself is
set-based (segmentation.dimensions). The facts are today's data for the period: an input
corrected after the run shows its new value beside the points the run gave.
"""

from __future__ import annotations

from django.db.models import Avg, Count, Sum
from django.utils.translation import gettext as _

from hospitals.models import Doctor, SocietyPosition, UsageShare
from segmentation import hooks
from segmentation.models import DimensionKind, ImportedValue, MissingData, period_bounds


def _academic(tenant, doctor) -> dict:
    parts = [
        f"{p.society} {p.get_position_display()} ({p.get_level_display()})"
        for p in SocietyPosition.objects.for_tenant(tenant).filter(doctor=doctor).order_by("level", "id")[:6]
    ]
    for name in ("clinical_title", "academic_title", "admin_post"):
        if getattr(doctor, name):
            parts.append(getattr(doctor, f"get_{name}_display")())
    if not parts:
        return {"text": _("No society post, no title recorded"), "missing": False}
    return {"text": "; ".join(parts), "missing": False}


def _potential(tenant, doctor) -> dict:
    hospital = doctor.hospital
    parts = [f"{hospital.name} {hospital.get_grade_display()}"]
    if hospital.beds:
        parts.append(_("%(n)s beds") % {"n": hospital.beds})
    if doctor.department_id:
        n = Doctor.objects.for_tenant(tenant).filter(department_id=doctor.department_id, is_active=True).count()
        parts.append(_("%(n)s doctors in the department") % {"n": n})
    return {"text": " · ".join(parts), "missing": False}


def _business(tenant, doctor, period, product_id) -> dict:
    start, end = period_bounds(period)
    usage = UsageShare.objects.for_tenant(tenant).filter(doctor=doctor, period__gte=start, period__lt=end)
    usage = usage.filter(product_id=product_id) if product_id else usage.filter(product__is_own=True)
    agg = usage.aggregate(n=Count("id"), volume=Sum("volume"), share=Avg("share"))
    if not agg["n"]:
        return {"text": "", "missing": True}
    return {
        "text": _("Usage this quarter %(volume)s / share %(share)s%%")
        % {"volume": f"{agg['volume']:.0f}", "share": f"{agg['share']:.0f}"},
        "missing": False,
    }


def _visits(tenant, doctor, period, kind) -> dict:
    reader = hooks.visit_facts()
    facts = reader(tenant_id=getattr(tenant, "pk", tenant), period=period, doctor_id=doctor.pk) if reader else None
    if not facts or not facts["visits"]:
        return {"text": "", "missing": True}
    if kind == DimensionKind.DIGITAL_ACCEPTANCE:
        text = _("%(remote)s of %(n)s visits remote") % {"remote": facts["remote"], "n": facts["visits"]}
    else:
        text = _("Objective achieved in %(yes)s of %(n)s visits (partly: %(partly)s)") % {
            "yes": facts["achieved"],
            "n": facts["visits"],
            "partly": facts["partly"],
        }
    return {"text": text, "missing": False}


def _imported(tenant, doctor, period, dimension_id) -> dict:
    value = (
        ImportedValue.objects.for_tenant(tenant)
        .filter(doctor=doctor, period=period, dimension_id=dimension_id)
        .values_list("value", flat=True)
        .first()
    )
    if value is None:
        return {"text": "", "missing": True}
    return {"text": f"{value:g}", "missing": False}


def dimension_facts(*, tenant, doctor, period, version) -> dict[str, dict]:
    """Dimension key → ``{"text": the input as read, "missing": no data for the period}``."""
    product_id = version.scorecard.product_id
    out = {}
    for dim in version.dimensions.all():
        if dim.kind == DimensionKind.ACADEMIC_INFLUENCE:
            out[dim.key] = _academic(tenant, doctor)
        elif dim.kind == DimensionKind.PRESCRIBING_POTENTIAL:
            out[dim.key] = _potential(tenant, doctor)
        elif dim.kind == DimensionKind.BUSINESS_CONTRIBUTION:
            out[dim.key] = _business(tenant, doctor, period, product_id)
        elif dim.kind in (DimensionKind.DIGITAL_ACCEPTANCE, DimensionKind.WILLINGNESS):
            out[dim.key] = _visits(tenant, doctor, period, dim.kind)
        elif dim.kind == DimensionKind.IMPORTED:
            out[dim.key] = _imported(tenant, doctor, period, dim.imported_dimension_id)
    return out


def missing_policy_text(version) -> str:
    """The scorecard version's missing-data policy, as the explanation states it."""
    return str(MissingData(version.missing_data).label)
