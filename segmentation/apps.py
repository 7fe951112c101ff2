from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SegmentationConfig(AppConfig):
    """Scorecards, tier assignments, overrides, what-if and the quarterly re-score."""

    name = "segmentation"
    verbose_name = _("Segmentation")

    def ready(self):
        """Give the doctor pages of hospitals their tiers (hospitals.hooks): the list's column and
        filters, the profile's badge and block, the network's high-tier mark."""
        from hospitals import hooks
        from segmentation import filters, pages, selectors

        hooks.register_doctor_filters(**filters.doctor_filters())
        hooks.register_doctor_tier(
            annotate=selectors.annotate_current_tier,
            current=selectors.current_tiers,
            list_options=pages.doctor_list_options,
            list_filters_template="segmentation/_doctor_list_filters.html",
            profile=pages.doctor_tier_block,
            profile_template="segmentation/_doctor_tier.html",
        )

        from segmentation.kol.views import doctor_kol_context

        hooks.register_doctor_section(
            key="kol", template="segmentation/kol/_doctor_kol.html", context=doctor_kol_context, order=15
        )

        # A doctor merge (hospitals.steward) moves tiers, their inputs, overrides and adoption;
        # a row the kept doctor has for the same period (product, dimension) stays behind.
        from hospitals.steward.hooks import register_doctor_reference
        from segmentation.models import Adoption, ImportedValue, TierAssignment, TierOverride

        register_doctor_reference(TierAssignment, unique_with=("period",))
        register_doctor_reference(ImportedValue, unique_with=("dimension_id", "period"))
        register_doctor_reference(TierOverride)
        from segmentation.models import TierResult

        register_doctor_reference(TierResult, unique_with=("run_id",))
        register_doctor_reference(Adoption, unique_with=("product_id",))
        from segmentation.models import AccountPlan, InvitationList, InvitationListEntry

        register_doctor_reference(AccountPlan)
        register_doctor_reference(InvitationList, "center")
        register_doctor_reference(InvitationListEntry, unique_with=("invitation_list_id",))
