"""Forms of the complaints pages (they parse; the services decide)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hospitals.models import Product
from hospitals.selectors import visible_distributors, visible_doctors, visible_hospitals

from .models import (
    ComplaintType,
    Decision,
    QualityDefect,
    ReplyChannel,
    ReporterKind,
    RootCause,
    Severity,
    Status,
)

CHOICE_LIMIT = 500
BLANK = [("", "—")]


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _choices(qs, label=str):
    return BLANK + [(o.pk, label(o)) for o in qs[:CHOICE_LIMIT]]


class IntakeForm(forms.Form):
    """The phone-friendly intake form: what happened, about what, who reported it."""

    type = forms.ChoiceField(label=_("Type"), choices=ComplaintType.choices, widget=forms.RadioSelect)
    defect = forms.ChoiceField(label=_("Quality defect"), choices=BLANK + QualityDefect.choices, required=False)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.LOW)
    description = forms.CharField(label=_("What happened"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    product = forms.TypedChoiceField(label=_("Product"), coerce=int, required=False, empty_value=None)
    lot_number = forms.CharField(label=_("Lot number"), max_length=64, required=False)
    expiry_date = forms.DateField(label=_("Expiry date"), required=False, widget=_date_input())
    quantity = forms.IntegerField(label=_("Quantity affected"), min_value=1, required=False)
    reporter_kind = forms.ChoiceField(label=_("Reported by"), choices=ReporterKind.choices)
    doctor = forms.TypedChoiceField(label=_("Doctor"), coerce=int, required=False, empty_value=None)
    hospital = forms.TypedChoiceField(label=_("Hospital"), coerce=int, required=False, empty_value=None)
    distributor = forms.TypedChoiceField(label=_("Distributor"), coerce=int, required=False, empty_value=None)
    contact_name = forms.CharField(label=_("Contact name"), max_length=100, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)
    contact_email = forms.EmailField(label=_("Contact email"), required=False)
    aware_on = forms.DateField(
        label=_("First heard on"), widget=_date_input(), help_text=_("Day 0 of the clocks: when you first heard of it.")
    )
    attachment = forms.FileField(
        label=_("Photo or PDF"), required=False, widget=forms.ClearableFileInput(attrs={"accept": "image/*,.pdf"})
    )

    def __init__(self, *args, tenant, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["aware_on"].initial = timezone.localdate()
        self.fields["product"].choices = _choices(
            Product.objects.for_tenant(tenant).filter(is_own=True, is_active=True).order_by("name")
        )
        self.fields["doctor"].choices = _choices(
            visible_doctors(tenant=tenant, user=user).select_related("hospital").order_by("name", "pk"),
            lambda d: f"{d.name} · {d.hospital.name}",
        )
        self.fields["hospital"].choices = _choices(visible_hospitals(tenant=tenant, user=user).order_by("name"))
        self.fields["distributor"].choices = _choices(visible_distributors(tenant=tenant, user=user).order_by("name"))


class InboxFilterForm(forms.Form):
    """The inbox filters (GET)."""

    type = forms.ChoiceField(label=_("Type"), choices=BLANK + ComplaintType.choices, required=False)
    severity = forms.ChoiceField(label=_("Severity"), choices=BLANK + Severity.choices, required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("open", _("Open")), ("", _("Any"))] + Status.choices, required=False
    )
    product = forms.TypedChoiceField(label=_("Product"), coerce=int, required=False, empty_value=None)
    lot = forms.CharField(label=_("Lot number"), max_length=64, required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = _choices(
            Product.objects.for_tenant(tenant).filter(is_own=True).order_by("name")
        )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class TriageForm(NoteForm):
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)


class InvestigationForm(forms.Form):
    root_cause = forms.ChoiceField(label=_("Root cause"), choices=BLANK + RootCause.choices)
    findings = forms.CharField(label=_("Findings"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    capa_ref = forms.CharField(label=_("CAPA reference"), max_length=64, required=False)
    lot_affected = forms.NullBooleanField(
        label=_("Lot affected"),
        widget=forms.Select(choices=[("unknown", _("Unknown")), ("true", _("Yes")), ("false", _("No"))]),
    )
    decision = forms.ChoiceField(label=_("Decision"), choices=BLANK + Decision.choices)


class RegulatorForm(forms.Form):
    reported_on = forms.DateField(label=_("Reported on"), widget=_date_input())
    reference = forms.CharField(label=_("Regulator reference"), max_length=64, required=False)


class ReplyForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=ReplyChannel.choices)
    replied_on = forms.DateField(label=_("Replied on"), widget=_date_input())
    text = forms.CharField(label=_("Reply given"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["replied_on"].initial = timezone.localdate()


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Reason for reopening"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Photo or PDF"), widget=forms.ClearableFileInput(attrs={"accept": "image/*,.pdf"}))


class LotsReceivedForm(forms.Form):
    hospital = forms.TypedChoiceField(label=_("Hospital"), coerce=int, required=False, empty_value=None)
    distributor = forms.TypedChoiceField(label=_("Distributor"), coerce=int, required=False, empty_value=None)
    start = forms.DateField(label=_("From"), required=False, widget=_date_input())
    end = forms.DateField(label=_("To"), required=False, widget=_date_input())

    def __init__(self, *args, tenant, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hospital"].choices = _choices(visible_hospitals(tenant=tenant, user=user).order_by("name"))
        self.fields["distributor"].choices = _choices(visible_distributors(tenant=tenant, user=user).order_by("name"))
