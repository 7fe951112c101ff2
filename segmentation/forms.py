"""Browser forms of segmentation: scorecards, a version's weights and tier rule, runs, overrides, adoption.

Forms parse and check what a person typed; the services (segmentation.services) decide and
check again. The version editor lists the whole dimension catalogue (the five built-in
dimensions and the tenant's imported ones) with a weight each: a weight of 0 or empty leaves
the dimension out, and the weights used must add up to 100 %.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hospitals.models import Channel, Product
from segmentation.models import (
    AdoptionStage,
    DimensionKind,
    ImportedDimension,
    MissingData,
    Normalisation,
    ScorecardVersion,
    Tier,
    TierRule,
    period_of,
    previous_period,
)

OVERRIDE_DEFAULT_DAYS = 90
RUN_PERIODS_OFFERED = 8


def recent_periods(n: int = RUN_PERIODS_OFFERED, *, today: dt.date | None = None) -> list[str]:
    """The current quarter and the ``n - 1`` before it, newest first."""
    periods = [period_of(today or timezone.localdate())]
    while len(periods) < n:
        periods.append(previous_period(periods[-1]))
    return periods


class ScorecardForm(forms.Form):
    """A new scorecard: a name, one of our products (or all), a description."""

    name = forms.CharField(label=_("Name"), max_length=100)
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.none(), required=False, empty_label=_("All our products")
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.for_tenant(tenant).filter(is_own=True).order_by("name")


class VersionRuleForm(forms.ModelForm):
    """How scores become tiers: cut-offs or quotas, and notes."""

    class Meta:
        model = ScorecardVersion
        fields = [
            "tier_rule",
            "cutoff_a",
            "cutoff_b",
            "cutoff_c",
            "quota_a",
            "quota_b",
            "quota_c",
            "missing_data",
            "notes",
        ]
        widgets = {
            "tier_rule": forms.RadioSelect,
            "missing_data": forms.RadioSelect,
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Optional in a post: a form (or a client) that does not send it keeps the version's policy.
        self.fields["missing_data"].required = False

    def clean_missing_data(self):
        return self.cleaned_data.get("missing_data") or self.instance.missing_data or MissingData.LOWEST

    def clean(self):
        data = super().clean()
        if data.get("tier_rule") == TierRule.CUTOFFS:
            a, b, c = data.get("cutoff_a"), data.get("cutoff_b"), data.get("cutoff_c")
            if None not in (a, b, c) and not (a >= b >= c):
                self.add_error("cutoff_b", _("Cut-offs must go down from A to C (A ≥ B ≥ C)."))
        if data.get("tier_rule") == TierRule.QUOTAS:
            quotas = [data.get(f"quota_{t}") or Decimal(0) for t in "abc"]
            if sum(quotas) > 100:
                self.add_error("quota_c", _("Quotas of A, B and C add up to more than 100%."))
        return data


class DimensionWeightsForm(forms.Form):
    """A weight (and normalisation) for every dimension of the catalogue.

    ``dimensions()`` gives the chosen ones in the shape ``services.version_update`` takes.
    """

    def __init__(self, *args, tenant, version=None, **kwargs):
        super().__init__(*args, **kwargs)
        current = {}
        if version is not None:
            current = {d.key: d for d in version.dimensions.all()}
        self.catalogue = []  # (key, label, kind, imported dimension or None)
        for kind in DimensionKind:
            if kind != DimensionKind.IMPORTED:
                self.catalogue.append((kind.value, kind.label, kind.value, None))
        for dim in ImportedDimension.objects.for_tenant(tenant).order_by("name"):
            self.catalogue.append((f"imported:{dim.pk}", dim.name, DimensionKind.IMPORTED, dim))
        for key, label, _kind, _imported in self.catalogue:
            existing = current.get(key)
            self.fields[f"weight:{key}"] = forms.DecimalField(
                label=label,
                required=False,
                min_value=0,
                max_value=100,
                max_digits=5,
                decimal_places=2,
                initial=existing.weight if existing else None,
                widget=forms.NumberInput(attrs={"step": "any", "data-weight": "1", "inputmode": "decimal"}),
            )
            self.fields[f"norm:{key}"] = forms.ChoiceField(
                label=_("Normalisation"),
                choices=Normalisation.choices,
                required=False,
                initial=existing.normalisation if existing else Normalisation.PERCENTILE,
            )

    def rows(self):
        """(label, weight field, normalisation field) per dimension, for the template."""
        return [(label, self[f"weight:{key}"], self[f"norm:{key}"]) for key, label, _k, _i in self.catalogue]

    def clean(self):
        data = super().clean()
        weights = [data.get(f"weight:{key}") or Decimal(0) for key, *_rest in self.catalogue]
        total = sum(weights, Decimal(0))
        if not any(weights):
            raise forms.ValidationError(_("Give at least one dimension a weight."), code="no_dimension")
        if total != Decimal(100):
            raise forms.ValidationError(
                _("Weights must add up to 100%% — they add up to %(total)s%%.") % {"total": f"{total.normalize():f}"},
                code="weights_total",
            )
        return data

    def dimensions(self) -> list[dict]:
        result = []
        for key, _label, kind, imported in self.catalogue:
            weight = self.cleaned_data.get(f"weight:{key}")
            if weight:
                result.append(
                    {
                        "kind": kind,
                        "weight": weight,
                        "normalisation": self.cleaned_data.get(f"norm:{key}") or Normalisation.PERCENTILE,
                        "imported_dimension": imported,
                    }
                )
        return result


class RunForm(forms.Form):
    """Start a scoring run: which quarter, with which active version."""

    period = forms.ChoiceField(label=_("Quarter"))
    version = forms.ModelChoiceField(label=_("Scorecard version"), queryset=ScorecardVersion.objects.none())

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        periods = recent_periods()
        self.fields["period"].choices = [(p, p) for p in periods]
        self.fields["period"].initial = periods[0]
        versions = (
            ScorecardVersion.objects.for_tenant(tenant)
            .filter(status="active")
            .select_related("scorecard")
            .order_by("-scorecard__is_primary", "scorecard__name")
        )
        self.fields["version"].queryset = versions
        self.fields["version"].label_from_instance = lambda v: f"{v.scorecard.name} · v{v.number}"
        first = versions.first()
        if first is not None:
            self.fields["version"].initial = first.pk


class WhatIfForm(forms.Form):
    """Which quarter's inputs a what-if scores."""

    period = forms.ChoiceField(label=_("Quarter of the inputs"), required=False)

    def __init__(self, *args, periods, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [(p, p) for p in periods]


class OverrideForm(forms.Form):
    """Set a doctor's tier by hand: the tier, why, and until when."""

    tier = forms.ChoiceField(label=_("Tier"), choices=Tier.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    # An <input type="date"> takes only ISO dates: a locale format (2027/02/28) is dropped by the browser.
    expires_on = forms.DateField(
        label=_("Expires on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expires_on"].initial = timezone.localdate() + dt.timedelta(days=OVERRIDE_DEFAULT_DAYS)

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say why the tier is set by hand."))
        return reason

    def clean_expires_on(self):
        value = self.cleaned_data["expires_on"]
        if value < timezone.localdate():
            raise forms.ValidationError(_("The expiry date must be today or later."))
        return value


class PublishForm(forms.Form):
    """Why a draft result replaces the published tiers of its period."""

    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class ScheduleForm(forms.Form):
    """The tenant's quarterly re-score: on or off, and its day."""

    rescore_enabled = forms.BooleanField(label=_("Re-score every quarter"), required=False)
    rescore_day = forms.IntegerField(
        label=_("Day of Jan, Apr, Jul and Oct"),
        min_value=1,
        max_value=28,
        help_text=_("The re-score of the quarter that just ended runs on this day, after 00:30 (Beijing time)."),
    )


class TierSettingForm(forms.Form):
    """One tier's target visits per month and preferred channel (a row of the settings page)."""

    visits_per_month = forms.IntegerField(label=_("Visits per month"), min_value=0, max_value=31)
    preferred_channel = forms.ChoiceField(label=_("Preferred channel"), choices=Channel.choices)
    online_allowed = forms.BooleanField(label=_("Online visits allowed"), required=False)


class AdoptionForm(forms.Form):
    """A doctor's stage on the adoption ladder of one of our products."""

    product = forms.ModelChoiceField(queryset=Product.objects.none(), widget=forms.HiddenInput)
    stage = forms.ChoiceField(label=_("Stage"), choices=AdoptionStage.choices)

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.for_tenant(tenant).filter(is_own=True)
