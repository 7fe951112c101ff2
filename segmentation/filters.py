"""The tier and adoption filters segmentation adds to the doctor FilterSet of hospitals
(``hospitals.hooks.register_doctor_filters`` in SegmentationConfig.ready): subqueries, never
lists of ids. The browser list, the API and exports of doctors all accept them."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from crm.tenancy import current_tenant_id
from hospitals.models import Product
from segmentation.models import AdoptionStage, Tier
from segmentation.selectors import filter_doctors_by_adoption, filter_doctors_by_tier


def _products(request):
    return Product.objects.all()


class TierFilter(django_filters.MultipleChoiceFilter):
    """Doctors whose current tier (override applied) is one of the values."""

    def filter(self, qs, value):
        return filter_doctors_by_tier(qs, tenant=current_tenant_id(), tiers=value) if value else qs


class AdoptionFilter(django_filters.MultipleChoiceFilter):
    """Doctors at one of the stages of the adoption ladder (of ``adoption_product``, or any)."""

    def filter(self, qs, value):
        if not value:
            return qs
        product = self.parent.form.cleaned_data.get("adoption_product")
        return filter_doctors_by_adoption(qs, tenant=current_tenant_id(), stages=value, product=product)


@extend_schema_field(OpenApiTypes.INT)
class AdoptionProductFilter(django_filters.ModelChoiceFilter):
    """The product whose adoption ladder ``adoption`` filters on (read by :class:`AdoptionFilter`)."""

    def filter(self, qs, value):
        return qs


def doctor_filters() -> dict:
    """The filters, by query parameter (fresh instances: the FilterSet copies them per request)."""
    return {
        "tier": TierFilter(choices=Tier.choices, label=_("Tier")),
        "adoption": AdoptionFilter(choices=AdoptionStage.choices, label=_("Adoption stage")),
        "adoption_product": AdoptionProductFilter(queryset=_products, label=_("Adoption stage of product")),
    }
