from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SegmentationConfig(AppConfig):
    """Scorecards, tier assignments, overrides, what-if and the quarterly re-score."""

    name = "segmentation"
    verbose_name = _("Segmentation")

    def ready(self):
        # A doctor merge (hospitals.steward) moves tiers, their inputs, overrides and adoption;
        # a row the kept doctor has for the same period (product, dimension) stays behind.
        from hospitals.steward.hooks import register_doctor_reference
        from segmentation.models import Adoption, ImportedValue, TierAssignment, TierOverride

        register_doctor_reference(TierAssignment, unique_with=("period",))
        register_doctor_reference(ImportedValue, unique_with=("dimension_id", "period"))
        register_doctor_reference(TierOverride)
        register_doctor_reference(Adoption, unique_with=("product_id",))
