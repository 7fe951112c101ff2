"""Filters of events, shared by the browser lists and the API (one FilterSet per model).

Choice querysets are callables evaluated per request, inside the caller's tenant. Filters only
narrow what the selector already allows the user to see.
"""

import django_filters
from django.utils.translation import gettext_lazy as _

from events.models import (
    Event,
    EventFollowUp,
    EventStatus,
    EventType,
    FollowUpStatus,
    Insight,
    InsightKind,
    InsightStatus,
    OrganiserKind,
    Program,
)
from hospitals.models import Product


def _programs(request):
    return Program.objects.all()


def _products(request):
    return Product.objects.all()


class EventFilter(django_filters.FilterSet):
    """Events by status, type, organiser, program, product, owner and period (the calendar asks
    for the events overlapping ``[starts_before, ends_after)``)."""

    status = django_filters.MultipleChoiceFilter(choices=EventStatus.choices)
    type = django_filters.MultipleChoiceFilter(choices=EventType.choices)
    organiser_kind = django_filters.ChoiceFilter(choices=OrganiserKind.choices)
    program = django_filters.ModelChoiceFilter(queryset=_programs)
    product = django_filters.ModelChoiceFilter(queryset=_products, method="filter_product", label=_("product"))
    owner = django_filters.NumberFilter(field_name="owner_id")
    starts_after = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")
    ends_after = django_filters.IsoDateTimeFilter(field_name="ends_at", lookup_expr="gt")
    city = django_filters.CharFilter(field_name="venue_city")
    # Ids, not ModelChoiceFilters generated from Meta.fields: those build their queryset at import,
    # with no tenant (TenantNotSetError, a 500); an unknown id simply matches nothing.
    distributor = django_filters.NumberFilter(field_name="distributor_id")
    host_hospital = django_filters.NumberFilter(field_name="host_hospital_id")

    class Meta:
        model = Event
        fields = ["status", "type", "organiser_kind", "program", "owner", "distributor", "host_hospital"]

    def filter_product(self, queryset, name, value: int):
        from events.models import EventProduct

        if not value:
            return queryset
        return queryset.filter(pk__in=EventProduct.objects.filter(product=value).values("event_id"))


class InsightFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=InsightStatus.choices)
    kind = django_filters.ChoiceFilter(choices=InsightKind.choices)
    product = django_filters.ModelChoiceFilter(queryset=_products)
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("assigned to me"))
    event = django_filters.NumberFilter(field_name="event_id")  # ids: see EventFilter.distributor
    key_message = django_filters.NumberFilter(field_name="key_message_id")
    doctor = django_filters.NumberFilter(field_name="doctor_id")

    class Meta:
        model = Insight
        fields = ["status", "kind", "product", "event", "key_message", "doctor"]

    def filter_mine(self, queryset, name, value):
        if value:
            return queryset.filter(product_manager=self.request.user)
        return queryset


class FollowUpFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=FollowUpStatus.choices)
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("overdue"))
    event = django_filters.NumberFilter(field_name="event_id")  # ids: see EventFilter.distributor
    assignee = django_filters.NumberFilter(field_name="assignee_id")
    doctor = django_filters.NumberFilter(field_name="doctor_id")

    class Meta:
        model = EventFollowUp
        fields = ["status", "event", "assignee", "doctor"]

    def filter_overdue(self, queryset, name, value):
        from django.utils import timezone

        if value:
            return queryset.filter(status=FollowUpStatus.OPEN, due_date__lt=timezone.localdate())
        return queryset
