"""What events adds to the visit report (through ``visits.hooks``, DESIGN.md §2: visits never
imports events).

* The **follow-up section**: when the report's plan is an open event follow-up of the rep, the
  report form shows the event's questionnaire (the questions of the follow-up's purposes A–E),
  a recall (remembered / partly / not) and a reaction per key message of the meeting, and trial
  prescribing. Saving the draft keeps what was asked so far on the follow-up
  (:func:`events.services.followup_save_draft`); submitting the report records the follow-up
  (:func:`events.services.followup_complete`, linked to the visit) in the submit's transaction.
* The **"Send an insight"** link on a submitted report, to the insight form prefilled with the
  visit, the doctor, and the product, key message and event the visit was about.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.permissions import EVENT_FOLLOWUP_ROLES, INSIGHT_RAISERS
from crm.web import add_service_errors
from events import forms, selectors, services
from events.models import EventFollowUp, FollowUpRecall, FollowUpStatus


class FollowUpSection:
    """The event follow-up's questions inside the visit report form (fields prefixed ``evfu``)."""

    template = "events/_visit_followup_section.html"

    def __init__(self, *, tenant, user, followup, data=None):
        from hospitals.models import KeyMessage

        self.tenant, self.user, self.followup = tenant, user, followup
        kms = KeyMessage.objects.for_tenant(tenant).filter(
            pk__in=selectors.event_key_message_ids(tenant=tenant, event=followup.event_id)
        )
        questions = [str(q) for p in followup.purposes for q in (followup.event.questionnaire or {}).get(p, [])]
        self.form = forms.FollowUpForm(
            data, key_messages=kms, questions=questions, prefix="evfu", initial=self._initial(questions)
        )
        self.form.fields["trial"].choices = [("", "—"), *self.form.fields["trial"].choices]

    def _initial(self, questions) -> dict:
        """What a saved draft already holds."""
        f = self.followup
        initial = {"trial": f.trial, "trial_indication": f.trial_indication, "note": f.note}
        for r in FollowUpRecall.objects.for_tenant(self.tenant).filter(followup=f):
            initial[f"recall_{r.key_message_id}"] = r.recall
            initial[f"reaction_{r.key_message_id}"] = r.reaction
        for i, q in enumerate(questions):
            initial[f"q_{i}"] = (f.answers or {}).get(q, "")
        return initial

    def is_valid(self, *, submit: bool) -> bool:
        if not submit:  # a draft keeps whatever was asked so far
            for field in self.form.fields.values():
                field.required = False
        return self.form.is_valid()

    def save(self, *, visit, submit: bool) -> bool:
        data = self.form.cleaned_data
        recalls = [r for r in self._recalls() if submit or r["recall"]]
        fn = services.followup_complete if submit else services.followup_save_draft
        try:
            fn(
                tenant=self.tenant,
                by=self.user,
                followup=self.followup,
                recalls=recalls,
                trial=data.get("trial") or "",
                trial_indication=data.get("trial_indication") or "",
                answers=self.form.answers(),
                note=data.get("note") or "",
                visit=visit,
            )
        except ValidationError as exc:
            add_service_errors(self.form, exc)
            return False
        return True

    def _recalls(self) -> list[dict]:
        data = self.form.cleaned_data
        return [
            {
                "key_message": km.pk,
                "recall": data.get(f"recall_{km.pk}") or "",
                "reaction": data.get(f"reaction_{km.pk}") or "neutral",
            }
            for km in self.form.key_messages
        ]

    # What the template shows.
    @property
    def event(self):
        return self.followup.event

    @property
    def open_questions(self):
        return self.followup.open_questions


def followup_section(*, tenant, user, plan, visit, data):
    """The follow-up section when ``plan`` is an open event follow-up of ``user`` (else None)."""
    if plan is None or user.role not in EVENT_FOLLOWUP_ROLES:
        return None
    f = (
        EventFollowUp.objects.for_tenant(tenant)
        .filter(visit_plan_id=plan.pk, assignee=user, status=FollowUpStatus.OPEN)
        .select_related("event")
        .first()
    )
    if f is None:
        return None
    return FollowUpSection(tenant=tenant, user=user, followup=f, data=data)


def insight_url(*, visit=None, doctor=None, product=None, key_message=None, event=None) -> str:
    """The insight form, prefilled."""
    params = {
        k: v.pk if hasattr(v, "pk") else v
        for k, v in (
            ("visit", visit),
            ("doctor", doctor),
            ("product", product),
            ("key_message", key_message),
            ("event", event),
        )
        if v
    }
    return f"{reverse('insight_new')}?{urlencode(params)}"


def report_links(*, tenant, user, visit):
    """ "Send an insight" on a submitted report, prefilled with what the visit was about: the event
    it followed up, its first product and the first key message the doctor doubted (else the
    first discussed)."""
    if user.role not in INSIGHT_RAISERS or visit.rep_id != user.pk:
        return []
    from visits.models import VisitKeyMessage, VisitProduct

    f = EventFollowUp.objects.for_tenant(tenant).filter(visit_id=visit.pk).only("event_id").first()
    if f is None and visit.plan_id:
        f = EventFollowUp.objects.for_tenant(tenant).filter(visit_plan_id=visit.plan_id).only("event_id").first()
    product = (
        VisitProduct.objects.for_tenant(tenant)
        .filter(visit=visit)
        .order_by("id")
        .values_list("product_id", flat=True)
        .first()
    )
    kms = list(
        VisitKeyMessage.objects.for_tenant(tenant)
        .filter(visit=visit)
        .order_by("id")
        .values_list("key_message_id", "reaction")
    )
    doubted = [k for k, r in kms if r == "objection"]
    km = (doubted or [k for k, _r in kms] or [None])[0]
    url = insight_url(visit=visit, doctor=visit.doctor_id, product=product, key_message=km, event=f and f.event_id)
    return [(_("Send an insight to the product manager"), url, "send-insight")]
