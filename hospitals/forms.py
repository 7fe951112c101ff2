"""Browser forms of master data: editing a doctor.

Which fields a role may edit is decided here (the browser's half of the rule) and enforced
again by the services: ``doctor_update`` takes any field (administrators),
``doctor_profile_update`` only what field staff learn (reps and managers).
"""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.permissions import FIELD_PROFILE_EDITORS, MASTER_DATA_EDITORS
from hospitals import services
from hospitals.models import Channel, Department, Doctor, Hospital

# Field staff: what they learn in the field (the same set as services.DOCTOR_PROFILE_FIELDS).
FIELD_EDITABLE = ("background", "interests", "pain_points", "preferred_channels", "consent_to_contact", "consent_date")
# Administrators: every field of the doctor (the same set as services.DOCTOR_FIELDS).
ADMIN_EDITABLE = (
    "name",
    "gender",
    "hospital",
    "department",
    "clinical_title",
    "academic_title",
    "admin_post",
    "specialties",
    "university",
    "graduation_year",
    *FIELD_EDITABLE,
    "phone",
    "office_phone",
    "wechat",
    "email",
    "campus",
    "external_id",
    "is_active",
)


def doctor_edit_rule(user):
    """(fields, service) with which ``user`` edits a doctor, or None when they may not edit."""
    role = getattr(user, "role", None)
    if role in MASTER_DATA_EDITORS:
        return ADMIN_EDITABLE, services.doctor_update
    if role in FIELD_PROFILE_EDITORS:
        return FIELD_EDITABLE, services.doctor_profile_update
    return None


class ListField(forms.CharField):
    """A list of short texts typed on one line, separated by commas (half- or full-width) or 、."""

    SEPARATORS = re.compile(r"[,，、;；\n]+")

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "、".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        return [part.strip() for part in self.SEPARATORS.split(text or "") if part.strip()]

    def has_changed(self, initial, data):
        return list(initial or []) != self.to_python(data)


class DoctorForm(forms.ModelForm):
    """A doctor's data; subclasses made by :func:`doctor_form_class` keep only the allowed fields."""

    specialties = ListField(
        label=_("specialties"), required=False, help_text=_("Separate several with commas."), max_length=1000
    )
    preferred_channels = forms.MultipleChoiceField(
        label=_("preferred channels"), choices=Channel.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Doctor
        fields = ADMIN_EDITABLE
        widgets = {
            "background": forms.Textarea(attrs={"rows": 3}),
            "interests": forms.Textarea(attrs={"rows": 3}),
            "pain_points": forms.Textarea(attrs={"rows": 3}),
            "consent_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        # Declared fields would be kept even when the subclass leaves them out: drop them.
        for name in list(self.fields):
            if name not in self._meta.fields:
                del self.fields[name]
        if "hospital" in self.fields:
            # Hospitals of the doctor's province (a select of every hospital of a big tenant would
            # be megabytes); a move across provinces is done in Administration.
            province = self.instance.hospital.province if self.instance.hospital_id else None
            hospitals = Hospital.objects.for_tenant(tenant).order_by("name")
            self.fields["hospital"].queryset = hospitals.filter(province=province) if province else hospitals
            self.fields["hospital"].help_text = _(
                "Hospitals of the same province; to move a doctor to another province use Administration."
            )
        if "department" in self.fields:
            hospital_id = self.data.get(self.add_prefix("hospital")) if self.is_bound else None
            try:
                hospital_id = int(hospital_id) if hospital_id else self.instance.hospital_id
            except (TypeError, ValueError):
                hospital_id = self.instance.hospital_id
            self.fields["department"].queryset = Department.objects.for_tenant(tenant).filter(hospital_id=hospital_id)
        if "preferred_channels" in self.fields and not self.is_bound:
            self.initial["preferred_channels"] = list(self.instance.preferred_channels or [])
        # Phones are edited as they were written (stored in E.164: hospitals.normalize).
        for field in ("phone", "office_phone"):
            if field in self.fields and not self.is_bound:
                self.initial[field] = getattr(self.instance, f"{field}_shown")

    def changes(self) -> dict:
        """The cleaned values of the fields the user changed (what the service receives)."""
        return {name: self.cleaned_data[name] for name in self.changed_data}


def doctor_form_class(fields):
    """The doctor form with only ``fields``."""
    return forms.modelform_factory(Doctor, form=DoctorForm, fields=fields)
