from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SegmentationConfig(AppConfig):
    """Scorecards, tier assignments, overrides, what-if and the quarterly re-score."""

    name = "segmentation"
    verbose_name = _("Segmentation")
