"""Forms of the compliance pages (validation only; the services decide)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from events.fees.vocabulary import (
    FlagRule,
    FlagStatus,
    PaymentChannel,
    SampleKind,
    SampleOutcome,
    ServiceType,
    Severity,
)

DATE = forms.DateInput(attrs={"type": "date"})


class EngagementRequestForm(forms.Form):
    doctor = forms.ModelChoiceField(queryset=None, label=_("Doctor"))
    service_type = forms.ChoiceField(choices=ServiceType.choices, label=_("Service type"))
    event = forms.ModelChoiceField(queryset=None, required=False, label=_("Event"))
    service_date = forms.DateField(label=_("Service date"), widget=DATE)
    planned_hours = forms.DecimalField(label=_("Planned hours"), min_value=0.25, max_digits=5, decimal_places=2)
    description = forms.CharField(label=_("Description"), required=False, max_length=300)
    amount = forms.DecimalField(
        label=_("Amount (leave empty: what the rate card allows)"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )
    exception_reason = forms.CharField(
        label=_("Reason for an amount above the card"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    contract_file = forms.FileField(label=_("Contract"), required=False)
    contract_signed_on = forms.DateField(label=_("Contract signed on"), required=False, widget=DATE)
    hospital_approval_file = forms.FileField(label=_("Hospital approval for outside work"), required=False)
    hospital_approval_on = forms.DateField(label=_("Hospital approval dated"), required=False, widget=DATE)

    def __init__(self, *args, doctors, events, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["doctor"].queryset = doctors
        self.fields["event"].queryset = events


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class DeliverForm(forms.Form):
    actual_hours = forms.DecimalField(
        label=_("Actual hours"), required=False, min_value=0, max_digits=5, decimal_places=2
    )
    evidence_attendance = forms.BooleanField(label=_("Attendance confirmed"), required=False)
    evidence_slides = forms.FileField(label=_("Slides"), required=False)
    evidence_recording_url = forms.URLField(label=_("Recording link"), required=False, assume_scheme="https")


class DocumentsForm(forms.Form):
    contract_file = forms.FileField(label=_("Contract"), required=False)
    contract_signed_on = forms.DateField(label=_("Contract signed on"), required=False, widget=DATE)
    hospital_approval_file = forms.FileField(label=_("Hospital approval for outside work"), required=False)
    hospital_approval_on = forms.DateField(label=_("Hospital approval dated"), required=False, widget=DATE)


class PayForm(forms.Form):
    payer_entity = forms.CharField(label=_("Payer legal entity"), max_length=200)
    channel = forms.ChoiceField(choices=PaymentChannel.choices, label=_("Channel"))
    paid_on = forms.DateField(label=_("Paid on"), required=False, widget=DATE)


class FlagFilterForm(forms.Form):
    rule = forms.ChoiceField(choices=[("", _("All rules"))] + list(FlagRule.choices), required=False, label=_("Rule"))
    severity = forms.ChoiceField(
        choices=[("", _("All severities"))] + list(Severity.choices), required=False, label=_("Severity")
    )
    status = forms.ChoiceField(
        choices=[("", _("Any status"))] + list(FlagStatus.choices), required=False, label=_("Status")
    )
    product = forms.IntegerField(required=False, label=_("Product"))
    region = forms.CharField(required=False, label=_("Region (province)"))
    date_from = forms.DateField(required=False, label=_("From"), widget=DATE)
    date_until = forms.DateField(required=False, label=_("Until"), widget=DATE)


class SampleDrawForm(forms.Form):
    kind = forms.ChoiceField(choices=SampleKind.choices, label=_("Draw"))
    size = forms.IntegerField(min_value=1, max_value=1000, initial=10, label=_("Size"))
    seed = forms.IntegerField(label=_("Seed"), help_text=_("The same seed over the same period draws the same items."))
    period_from = forms.DateField(label=_("From"), widget=DATE)
    period_until = forms.DateField(label=_("Until"), widget=DATE)


class SampleReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[(SampleOutcome.OK, SampleOutcome.OK.label), (SampleOutcome.ISSUE, SampleOutcome.ISSUE.label)],
        label=_("Outcome"),
    )
    note = forms.CharField(required=False, label=_("Note"))
