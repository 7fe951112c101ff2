"""Browser forms of visits: plan a visit, write a report (draft, submit, amend), finish a task,
answer a medical inquiry, review a cycle plan.

The forms parse and check the shape of what the user typed; the rules (24 h, backdating,
locking, what a submit needs) are the services' (visits.services), whose refusals the views
put back on the form's fields. Choices are rendered as big tap targets
(``templates/visits/_tap_*.html``): a phone is the rep's only screen.
"""

from __future__ import annotations

import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hospitals.models import KeyMessage, Product
from visits.models import (
    ContentItem,
    ObjectiveAchieved,
    Reaction,
    SendBackChannel,
    Signal,
    VisitChannel,
)

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
DURATION_CHOICES = [(n, str(n)) for n in (5, 10, 15, 20, 30, 45, 60)]
# Signals whose details the rep writes down (what was asked, what happened).
NOTED_SIGNALS = (
    Signal.MEDICAL_QUESTION,
    Signal.LITERATURE_REQUEST,
    Signal.COMPLIANCE_QUESTION,
    Signal.ADVERSE_EVENT,
    Signal.QUALITY_COMPLAINT,
)
NOT_DELIVERED = Reaction.NOT_DELIVERED


def _datetime_input():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class LinesField(forms.CharField):
    """A list of short texts, one per line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        return [line.strip()[:300] for line in re.split(r"[\r\n]+", text or "") if line.strip()]


def own_products(tenant):
    """Products a rep talks about: the tenant's own, active, by name."""
    return Product.objects.for_tenant(tenant).filter(is_own=True, is_active=True).order_by("name", "id")


# --- visit plan ----------------------------------------------------------------------------


class VisitPlanForm(forms.Form):
    """Plan a visit: when, how, why, what to say, what to bring, what to ask.

    ``doctors`` is the queryset of doctors the rep may plan (visible ones); ``key_messages`` and
    ``content_items`` the choices for the chosen product.
    """

    doctor = forms.ModelChoiceField(queryset=None, label=_("Doctor"), widget=forms.HiddenInput)
    planned_at = forms.DateTimeField(label=_("Date and time"), widget=_datetime_input())
    channel = forms.ChoiceField(label=_("Channel"), choices=VisitChannel.choices, widget=forms.RadioSelect)
    product = forms.ModelChoiceField(
        queryset=None, label=_("Product"), required=False, widget=forms.RadioSelect, empty_label=None
    )
    objective = forms.CharField(label=_("Objective"), max_length=300, required=False)
    key_messages = forms.ModelMultipleChoiceField(
        queryset=None, label=_("Key messages to deliver"), required=False, widget=forms.CheckboxSelectMultiple
    )
    content_items = forms.ModelMultipleChoiceField(
        queryset=None, label=_("Content to bring"), required=False, widget=forms.CheckboxSelectMultiple
    )
    questions = LinesField(
        label=_("Questions to ask"), required=False, help_text=_("One question per line."), max_length=3000
    )

    def __init__(self, *args, tenant, doctors, key_messages, content_items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["doctor"].queryset = doctors
        self.fields["product"].queryset = own_products(tenant)
        self.fields["key_messages"].queryset = key_messages
        self.fields["content_items"].queryset = content_items

    def service_kwargs(self) -> dict:
        """What ``visit_plan_create`` / ``visit_plan_update`` take."""
        d = self.cleaned_data
        return {
            "doctor": d["doctor"],
            "planned_at": d["planned_at"],
            "channel": d["channel"],
            "product": d["product"],
            "objective": d["objective"],
            "key_messages": [k.pk for k in d["key_messages"]],
            "content_items": [c.pk for c in d["content_items"]],
            "questions": d["questions"],
        }


# --- visit report --------------------------------------------------------------------------


class VisitReportForm(forms.Form):
    """A visit report as a rep taps it in on a phone.

    Key messages are dynamic: one reaction choice (``km_<id>``: accepted, neutral, objection or
    not delivered) and one note (``km_<id>_note``) per candidate message — the plan's, the
    report's and those of the products discussed (``key_message_choices``).
    """

    channel = forms.ChoiceField(label=_("Channel"), choices=VisitChannel.choices, widget=forms.RadioSelect)
    visited_at = forms.DateTimeField(label=_("Visited at"), widget=_datetime_input())
    duration_minutes = forms.TypedChoiceField(
        label=_("Duration (minutes)"),
        choices=DURATION_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    products = forms.ModelMultipleChoiceField(
        queryset=None, label=_("Products discussed"), required=False, widget=forms.CheckboxSelectMultiple
    )
    content_items = forms.ModelMultipleChoiceField(
        queryset=None, label=_("Content used"), required=False, widget=forms.CheckboxSelectMultiple
    )
    objective = forms.CharField(label=_("Objective"), max_length=300, required=False)
    objective_achieved = forms.ChoiceField(
        label=_("Objective achieved?"), choices=ObjectiveAchieved.choices, required=False, widget=forms.RadioSelect
    )
    feedback = forms.CharField(
        label=_("Feedback summary"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    questions_raised = forms.CharField(
        label=_("Questions raised"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    signals = forms.MultipleChoiceField(
        label=_("Signals"), choices=Signal.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    next_step = forms.CharField(label=_("Next step"), max_length=300, required=False)
    next_step_due = forms.DateField(label=_("Next step due"), required=False, widget=_date_input())

    #: Fields a report's amendment may not change (the visit itself would be another one).
    FIXED_ON_AMEND = ("visited_at",)

    def __init__(self, *args, tenant, key_message_choices, content_choices, planned_km_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.planned_km_ids = set(planned_km_ids)
        self.fields["products"].queryset = own_products(tenant)
        self.fields["content_items"].queryset = content_choices
        duration = self.initial.get("duration_minutes")
        if duration and duration not in dict(DURATION_CHOICES):
            self.fields["duration_minutes"].choices = sorted([*DURATION_CHOICES, (duration, str(duration))])
        for signal in NOTED_SIGNALS:
            self.fields[f"note_{signal}"] = forms.CharField(
                label=_("Details"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
            )
        self.key_message_list = list(key_message_choices)
        reaction_choices = Reaction.choices  # … ending with "not delivered": one tap, nothing preselected
        for km in self.key_message_list:
            km.planned = km.pk in self.planned_km_ids
            self.fields[f"km_{km.pk}"] = forms.ChoiceField(
                label=km.text, choices=reaction_choices, required=False, widget=forms.RadioSelect
            )
            self.fields[f"km_{km.pk}_note"] = forms.CharField(label=_("Note"), required=False, max_length=500)

    # The template walks key messages as (message, reaction field, note field).
    def key_message_rows(self):
        return [(km, self[f"km_{km.pk}"], self[f"km_{km.pk}_note"]) for km in self.key_message_list]

    def signal_notes(self):
        return [(signal, self[f"note_{signal}"]) for signal in NOTED_SIGNALS]

    def clean(self):
        data = super().clean()
        for km in self.key_message_list:
            if data.get(f"km_{km.pk}") == Reaction.OBJECTION and not (data.get(f"km_{km.pk}_note") or "").strip():
                self.add_error(f"km_{km.pk}_note", _("Note the doctor's objection."))
        if data.get("next_step_due") and not (data.get("next_step") or "").strip():
            self.add_error("next_step", _("Describe the next step, or clear its due date."))
        return data

    @staticmethod
    def initial_for(visit=None, *, plan=None, key_messages=(), product_ids=(), content_ids=(), now=None) -> dict:
        """Initial values from a saved report, else from the plan (or a blank report now)."""
        if visit is not None:
            initial = {
                name: getattr(visit, name)
                for name in (
                    "channel",
                    "duration_minutes",
                    "objective",
                    "objective_achieved",
                    "feedback",
                    "questions_raised",
                    "next_step",
                    "next_step_due",
                )
            }
            initial["visited_at"] = timezone.localtime(visit.visited_at)
            initial["signals"] = list(visit.signals)
            for signal, note in (visit.signal_notes or {}).items():
                initial[f"note_{signal}"] = note
        else:
            now = timezone.localtime(now or timezone.now()).replace(second=0, microsecond=0)
            initial = {"visited_at": now}
            if plan is not None:
                planned = timezone.localtime(plan.planned_at)
                # A plan of today already past is the best guess of when the visit happened.
                if planned.date() == now.date() and planned <= now:
                    initial["visited_at"] = planned
                initial["channel"] = plan.channel
                initial["objective"] = plan.objective
        initial["products"] = list(product_ids)
        initial["content_items"] = list(content_ids)
        for km_id, reaction, note in key_messages:
            initial[f"km_{km_id}"] = reaction
            initial[f"km_{km_id}_note"] = note
        return initial

    def service_kwargs(self) -> dict:
        """What ``visit_create`` / ``visit_update`` / ``visit_amend`` take."""
        d = self.cleaned_data
        key_messages = []
        for km in self.key_message_list:
            reaction = d.get(f"km_{km.pk}")
            if reaction:
                key_messages.append(
                    {"key_message": km.pk, "reaction": reaction, "note": d.get(f"km_{km.pk}_note") or ""}
                )
        signals = list(d["signals"])
        notes = {s: d.get(f"note_{s}", "").strip() for s in NOTED_SIGNALS if s in signals}
        return {
            "channel": d["channel"],
            "visited_at": d.get("visited_at"),
            "duration_minutes": d["duration_minutes"],
            "objective": d["objective"],
            "objective_achieved": d["objective_achieved"],
            "feedback": d["feedback"],
            "questions_raised": d["questions_raised"],
            "signals": signals,
            "signal_notes": {k: v for k, v in notes.items() if v},
            "next_step": d["next_step"].strip(),
            "next_step_due": d["next_step_due"],
            "products": [p.pk for p in d["products"]],
            "key_messages": key_messages,
            "content_items": [c.pk for c in d["content_items"]],
        }

    def selected_product_ids(self) -> list[int]:
        """The products ticked (bound: as sent, ignoring junk; unbound: the initial ones)."""
        if self.is_bound:
            values = self.data.getlist(self.add_prefix("products")) if hasattr(self.data, "getlist") else []
        else:
            values = self.initial.get("products") or []
        out = []
        for v in values:
            try:
                out.append(int(getattr(v, "pk", v)))
            except (TypeError, ValueError):
                continue
        return out


class VisitAmendForm(VisitReportForm):
    """Correct a submitted report: the same fields (not the visit's time), and a reason."""

    reason = forms.CharField(
        label=_("Reason for the correction"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.FIXED_ON_AMEND:
            del self.fields[name]

    def service_kwargs(self) -> dict:
        changes = {k: v for k, v in super().service_kwargs().items() if k not in self.FIXED_ON_AMEND}
        return {"reason": self.cleaned_data["reason"], **changes}


def key_message_queryset(tenant, ids):
    """Key messages with these ids, their product joined, in product and message order."""
    return (
        KeyMessage.objects.for_tenant(tenant)
        .filter(pk__in=list(ids))
        .select_related("product")
        .order_by("product__name", "order", "id")
    )


# --- tasks, inquiries, cycle plans ---------------------------------------------------------


class TaskCompleteForm(forms.Form):
    """Finish a task, saying what was done or answered."""

    answer = forms.CharField(
        label=_("Answer or action taken"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class InquiryAnswerForm(forms.Form):
    """Medical affairs answers a doctor's medical question."""

    answer = forms.CharField(label=_("Answer"), max_length=10000, widget=forms.Textarea(attrs={"rows": 5}))


class InquirySendBackForm(forms.Form):
    """How and when the answer reached the doctor."""

    channel = forms.ChoiceField(label=_("Sent back by"), choices=SendBackChannel.choices, widget=forms.RadioSelect)
    sent_at = forms.DateTimeField(label=_("Sent at"), required=False, widget=_datetime_input())

    def clean_sent_at(self):
        value = self.cleaned_data.get("sent_at")
        if value and value > timezone.now() + timezone.timedelta(minutes=5):
            raise forms.ValidationError(_("This cannot be in the future."))
        return value


class CyclePlanReviewForm(forms.Form):
    """A manager approves a rep's cycle plan or sends it back with a note."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("return", _("Return to the rep"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why the plan goes back."))
        return data


class PlannedCountForm(forms.Form):
    """The number of visits a rep plans for one doctor of their cycle plan."""

    line = forms.IntegerField(min_value=1)
    planned = forms.IntegerField(label=_("Planned visits"), min_value=0, max_value=31)


def content_choice_queryset(tenant, user, product_ids, keep_ids=()):
    """Library items a rep may pick for a visit: usable, of these products or of none, plus the
    ones already chosen (so a saved choice never silently disappears)."""
    from django.db.models import Q

    from visits.selectors import content_item_list

    usable = content_item_list(tenant=tenant, user=user).filter(
        Q(product_id__in=list(product_ids)) | Q(product__isnull=True)
    )
    ids = list(usable.order_by("product_id", "title", "id").values_list("pk", flat=True)[:40])
    return (
        ContentItem.objects.for_tenant(tenant)
        .filter(pk__in=[*ids, *keep_ids])
        .select_related("product")
        .order_by("title", "id")
    )
