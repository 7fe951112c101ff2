"""Filters shared by the browser lists and the API (one FilterSet per list)."""

import django_filters

from accounts.models import Territory, TerritoryAssignment, TerritoryLevel


class TerritoryFilter(django_filters.FilterSet):
    """Territory tree: by level, parent and name."""

    level = django_filters.ChoiceFilter(choices=TerritoryLevel.choices)
    name = django_filters.CharFilter(lookup_expr="icontains")
    # Ids, not ModelChoiceFilters: their queryset would be built at import, with no tenant
    # (TenantNotSetError on every request that used them); an unknown id simply matches nothing.
    parent = django_filters.NumberFilter(field_name="parent_id")

    class Meta:
        model = Territory
        fields = ["level", "parent", "name", "code"]


class TerritoryAssignmentFilter(django_filters.FilterSet):
    """Assignments by user or territory (ids: see TerritoryFilter.parent)."""

    user = django_filters.NumberFilter(field_name="user_id")
    territory = django_filters.NumberFilter(field_name="territory_id")

    class Meta:
        model = TerritoryAssignment
        fields = ["user", "territory"]
