"""Browser forms of events: they parse and check the shape of what the user typed; the rules are
the services' (events.services), whose refusals the views put back on the fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from events.models import (
    BudgetCategory,
    EventType,
    InsightKind,
    OrganiserKind,
    PhotoKind,
    Reaction,
    Recall,
    TrialResult,
    VenueKind,
)
from hospitals.models import STANDARD_DEPARTMENTS, Distributor, Hospital, KeyMessage, Product
from segmentation.models import AdoptionStage

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _dt():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)


def _date():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProgramForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    objective = forms.CharField(label=_("objective"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    products = forms.ModelMultipleChoiceField(label=_("products"), queryset=Product.objects.none(), required=False)
    target_tiers = forms.MultipleChoiceField(
        label=_("target tiers"), choices=[(t, t) for t in "ABCD"], required=False, widget=forms.CheckboxSelectMultiple
    )
    starts_on = forms.DateField(label=_("from"), widget=_date())
    ends_on = forms.DateField(label=_("until"), widget=_date())
    budget = forms.DecimalField(label=_("budget"), min_value=0, max_digits=12, decimal_places=2)

    def __init__(self, *args, tenant=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["products"].queryset = Product.objects.for_tenant(tenant).filter(is_own=True)


class EventForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    type = forms.ChoiceField(label=_("type"), choices=EventType.choices)
    program = forms.ModelChoiceField(label=_("program"), queryset=Product.objects.none(), required=False)
    products = forms.ModelMultipleChoiceField(label=_("products"), queryset=Product.objects.none(), required=False)
    key_messages = forms.ModelMultipleChoiceField(
        label=_("key messages"), queryset=KeyMessage.objects.none(), required=False
    )
    organiser_kind = forms.ChoiceField(label=_("organised by"), choices=OrganiserKind.choices)
    distributor = forms.ModelChoiceField(label=_("distributor"), queryset=Distributor.objects.none(), required=False)
    third_party = forms.CharField(label=_("third-party organiser"), max_length=200, required=False)
    host_hospital = forms.ModelChoiceField(label=_("host hospital"), queryset=Hospital.objects.none(), required=False)
    venue_name = forms.CharField(label=_("venue"), max_length=200, required=False)
    venue_city = forms.CharField(label=_("city"), max_length=60, required=False)
    venue_kind = forms.ChoiceField(label=_("venue kind"), choices=VenueKind.choices)
    starts_at = forms.DateTimeField(label=_("starts"), widget=_dt(), input_formats=[DATETIME_LOCAL])
    ends_at = forms.DateTimeField(label=_("ends"), widget=_dt(), input_formats=[DATETIME_LOCAL])
    expected_attendees = forms.IntegerField(label=_("expected attendees"), min_value=0, initial=0)

    def __init__(self, *args, tenant=None, user=None, **kwargs):
        from events.models import Program
        from hospitals.selectors import visible_distributors, visible_hospitals

        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = Program.objects.for_tenant(tenant).order_by("-starts_on")
        self.fields["products"].queryset = Product.objects.for_tenant(tenant).filter(is_own=True)
        self.fields["key_messages"].queryset = KeyMessage.objects.for_tenant(tenant).filter(is_active=True)
        self.fields["distributor"].queryset = visible_distributors(tenant=tenant, user=user)
        self.fields["host_hospital"].queryset = visible_hospitals(tenant=tenant, user=user).order_by("name")


class InviteForm(forms.Form):
    tiers = forms.MultipleChoiceField(
        label=_("tiers"), choices=[(t, t) for t in "ABCD"], required=False, widget=forms.CheckboxSelectMultiple
    )
    departments = forms.MultipleChoiceField(
        label=_("departments"), choices=list(STANDARD_DEPARTMENTS.items()), required=False
    )
    hospitals = forms.ModelMultipleChoiceField(label=_("hospitals"), queryset=Hospital.objects.none(), required=False)
    adoption_stages = forms.MultipleChoiceField(
        label=_("adoption stages"), choices=AdoptionStage.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    doctor_ids = forms.CharField(
        label=_("doctors (ids, comma-separated)"), required=False, help_text=_("A hand-picked list.")
    )
    relations_of = forms.CharField(
        label=_("relation network of (doctor ids)"),
        required=False,
        help_text=_("Invite these doctors' classmates, mentees, co-authors…"),
    )

    def __init__(self, *args, tenant=None, user=None, **kwargs):
        from hospitals.selectors import visible_hospitals

        super().__init__(*args, **kwargs)
        self.fields["hospitals"].queryset = visible_hospitals(tenant=tenant, user=user).order_by("name")

    @staticmethod
    def _ids(text):
        return [int(x) for x in (text or "").replace("，", ",").split(",") if x.strip().isdigit()]

    def clean_doctor_ids(self):
        return self._ids(self.cleaned_data.get("doctor_ids"))

    def clean_relations_of(self):
        return self._ids(self.cleaned_data.get("relations_of"))


class AgendaForm(forms.Form):
    topic = forms.CharField(label=_("topic"), max_length=300)
    minutes = forms.IntegerField(label=_("minutes"), min_value=1)
    is_academic = forms.BooleanField(label=_("academic content"), required=False, initial=True)


class BudgetForm(forms.Form):
    category = forms.ChoiceField(label=_("category"), choices=BudgetCategory.choices)
    amount = forms.DecimalField(label=_("budget"), min_value=0, max_digits=12, decimal_places=2)


class ExpenseForm(forms.Form):
    category = forms.ChoiceField(label=_("category"), choices=BudgetCategory.choices)
    amount = forms.DecimalField(label=_("amount"), min_value=0, max_digits=12, decimal_places=2)
    spent_on = forms.DateField(label=_("date"), widget=_date())
    description = forms.CharField(label=_("description"), max_length=300, required=False)
    receipt = forms.FileField(label=_("receipt (image or PDF)"), required=False)


class PhotoForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=PhotoKind.choices)
    file = forms.FileField(label=_("file (image or PDF)"))


class QuestionForm(forms.Form):
    attendee = forms.TypedChoiceField(label=_("asked by"), coerce=int, required=False, empty_value=None)
    text = forms.CharField(label=_("question"), widget=forms.Textarea(attrs={"rows": 2}))
    answered_on_spot = forms.BooleanField(label=_("answered on the spot"), required=False)
    answer = forms.CharField(label=_("answer given"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, attendees=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendee"].choices = [("", "—")] + [(a.pk, a.doctor.name) for a in attendees]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))


class SelfSignInForm(forms.Form):
    """The QR page: three fields, no account."""

    name = forms.CharField(label=_("Your name"), max_length=100)
    hospital_text = forms.CharField(label=_("Your hospital"), max_length=200)
    phone_last4 = forms.CharField(
        label=_("Last 4 digits of your mobile phone"),
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]{4}", "autocomplete": "off"}),
    )


class FollowUpForm(forms.Form):
    """The follow-up: a recall and a reaction per key message (added by the view), trial, answers."""

    trial = forms.ChoiceField(label=_("trial prescribing since the meeting"), choices=TrialResult.choices)
    trial_indication = forms.CharField(label=_("indication"), max_length=200, required=False)
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, key_messages=(), questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.key_messages = list(key_messages)
        self.questions = list(questions)
        for km in self.key_messages:
            self.fields[f"recall_{km.pk}"] = forms.ChoiceField(
                label=km.text, choices=Recall.choices, widget=forms.RadioSelect
            )
            self.fields[f"reaction_{km.pk}"] = forms.ChoiceField(
                label=_("reaction"), choices=Reaction.choices, initial=Reaction.NEUTRAL, widget=forms.RadioSelect
            )
        for i, q in enumerate(self.questions):
            self.fields[f"q_{i}"] = forms.CharField(label=q, required=False, max_length=500)

    def recall_fields(self):
        return [(km, self[f"recall_{km.pk}"], self[f"reaction_{km.pk}"]) for km in self.key_messages]

    def question_fields(self):
        return [self[f"q_{i}"] for i in range(len(self.questions))]

    def recalls(self):
        return [
            {
                "key_message": km.pk,
                "recall": self.cleaned_data[f"recall_{km.pk}"],
                "reaction": self.cleaned_data[f"reaction_{km.pk}"],
            }
            for km in self.key_messages
        ]

    def answers(self):
        return {q: self.cleaned_data.get(f"q_{i}", "") for i, q in enumerate(self.questions)}


class InsightForm(forms.Form):
    """An insight to the product manager: kind, product, optionally the key message it is about."""

    kind = forms.ChoiceField(label=_("kind"), choices=InsightKind.choices)
    product = forms.ModelChoiceField(label=_("product"), queryset=Product.objects.none())
    key_message = forms.ModelChoiceField(label=_("key message"), queryset=KeyMessage.objects.none(), required=False)
    text = forms.CharField(label=_("insight"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, tenant=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.for_tenant(tenant).filter(is_own=True)
        self.fields["key_message"].queryset = (
            KeyMessage.objects.for_tenant(tenant).filter(product__is_own=True).select_related("product")
        )
        self.fields["key_message"].label_from_instance = lambda km: f"{km.product.name} · {km.text}"

    def clean(self):
        data = super().clean()
        km, product = data.get("key_message"), data.get("product")
        if km is not None and product is not None and km.product_id != product.pk:
            self.add_error("key_message", _("This key message is of another product."))
        return data


class InsightAnswerForm(forms.Form):
    answer = forms.CharField(label=_("answer"), widget=forms.Textarea(attrs={"rows": 4}))
    addressed_version = forms.CharField(label=_("addressed in deck version"), max_length=40, required=False)
