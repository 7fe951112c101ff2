"""Filters shared by the browser lists and the API (one FilterSet per list)."""

import django_filters

from accounts.models import Territory, TerritoryAssignment, TerritoryLevel


class TerritoryFilter(django_filters.FilterSet):
    """Territory tree: by level, parent and name."""

    level = django_filters.ChoiceFilter(choices=TerritoryLevel.choices)
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Territory
        fields = ["level", "parent", "name", "code"]


class TerritoryAssignmentFilter(django_filters.FilterSet):
    """Assignments by user or territory."""

    class Meta:
        model = TerritoryAssignment
        fields = ["user", "territory"]
