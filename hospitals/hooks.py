"""Extension points of the doctor pages, filled by the apps above hospitals in their
``AppConfig.ready()`` (DESIGN.md §2: a lower app offers a hook, it never imports upward).

* :func:`register_doctor_tier` — segmentation gives the doctor list its tier column and filter
  choices, the profile its tier badge and block, the network its high-tier mark;
* :func:`register_doctor_filters` — filters added to ``hospitals.filters.DoctorFilter`` (so the
  browser list, the API and exports all accept them), e.g. ``tier`` and ``adoption``;
* :func:`register_doctor_section` — a section of the doctor profile (e.g. visits' timeline).

Until an app registers, the pages simply show no tier and no extra section.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable


@dataclasses.dataclass(frozen=True)
class DoctorTier:
    """Where the doctor pages get a doctor's current tier from."""

    annotate: Callable  # (queryset, *, tenant, name) -> queryset with each doctor's tier as ``name``
    current: Callable  # (*, tenant, doctor_ids) -> {doctor id: tier}
    list_options: Callable  # (*, tenant) -> dict: choices of the list's tier filters
    list_filters_template: str  # the tier filters' fields in the list's filter panel
    profile: Callable  # (*, tenant, user, doctor) -> the profile block; its ``tier`` is the badge
    profile_template: str  # the block on the profile, reading ``tiers``
    high_tiers: frozenset = frozenset({"A", "B"})  # marked in a doctor's network


@dataclasses.dataclass(frozen=True)
class DoctorSection:
    """A section of the doctor profile: ``template`` reads ``context(user=, doctor=)`` under ``key``."""

    key: str
    template: str
    context: Callable
    order: int = 100


_tier: DoctorTier | None = None
_sections: dict[str, DoctorSection] = {}


def register_doctor_tier(**kwargs) -> None:
    """Name the source of doctors' tiers (the fields of :class:`DoctorTier`)."""
    global _tier
    _tier = DoctorTier(**kwargs)


def doctor_tier() -> DoctorTier | None:
    """The registered tier source, or None."""
    return _tier


def register_doctor_filters(**filters) -> None:
    """Add django-filter ``filters`` (by parameter name) to the doctor FilterSet."""
    from hospitals.filters import DoctorFilter

    DoctorFilter.base_filters.update(filters)


def register_doctor_section(*, key: str, template: str, context: Callable, order: int = 100) -> None:
    """Add (or replace, by ``key``) a section of the doctor profile."""
    _sections[key] = DoctorSection(key=key, template=template, context=context, order=order)


# --- what the pages call --------------------------------------------------------------------


def annotate_tier(queryset, *, tenant, name: str = "tier"):
    """``queryset`` with each doctor's current tier as ``name`` (unchanged without a tier source)."""
    return _tier.annotate(queryset, tenant=tenant, name=name) if _tier else queryset


def current_tiers(*, tenant, doctor_ids) -> dict[int, str]:
    """Doctor id → current tier (empty without a tier source)."""
    return _tier.current(tenant=tenant, doctor_ids=doctor_ids) if _tier else {}


def tier_list_options(*, tenant) -> dict:
    """Choices of the doctor list's tier filters (empty without a tier source)."""
    return _tier.list_options(tenant=tenant) if _tier else {}


def doctor_sections(*, user, doctor) -> tuple[list[str], dict]:
    """(templates of the profile's extra sections in order, the context they read)."""
    templates, context = [], {}
    for section in sorted(_sections.values(), key=lambda s: (s.order, s.key)):
        templates.append(section.template)
        context[section.key] = section.context(user=user, doctor=doctor)
    return templates, context
