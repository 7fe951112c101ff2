"""A flag's reason in words: which rule, which numbers (the list, the doctor page, exports)."""

# Whole sentences to translate: kept on one line each.
# ruff: noqa: E501

from __future__ import annotations

from django.utils.translation import gettext as _

TEMPLATES = {
    "above_rate_card": lambda d: (
        _("Amount %(amount)s is above the rate card's %(card_amount)s (%(hourly_rate)s/h × %(hours)s h, capped).") % d
    ),
    "above_annual_cap": lambda d: (
        _(
            "Fees of %(year)s: paid %(paid)s + requested or approved %(committed)s = %(total)s, above the cap of %(cap)s."
        )
        % d
    ),
    "too_many_engagements": lambda d: (
        _(
            "%(engagements_in_90_days)s engagements from %(window_from)s to %(window_until)s; at most %(max)s in 90 days."
        )
        % d
    ),
    "too_many_hours": lambda d: (
        _("%(hours)s service hours in one day (%(engagements)s engagements); at most %(max)s.") % d
    ),
    "missing_contract": lambda d: _("No signed contract on file (service on %(service_date)s).") % d,
    "missing_hospital_approval": lambda d: _("No hospital approval of outside work (service on %(service_date)s).") % d,
    "missing_evidence": lambda d: (
        _("No evidence of the service (attendance, slides or recording); service on %(service_date)s.") % d
    ),
    "approved_after_service": lambda d: (
        _(
            "Service on %(service_date)s; approved on %(approved_on)s, hospital approval %(hospital_approval_on)s, contract %(contract_signed_on)s."
        )
        % d
    ),
    "paid_before_delivered": lambda d: (
        _("Paid on %(paid_on)s; delivered %(delivered_at)s; service on %(service_date)s.") % d
    ),
    "duplicate_payment": lambda d: _("%(count)s payments of %(amount)s to the same doctor for the same event.") % d,
    "no_attendees": lambda d: _("Held with %(signed_in)s signed-in attendees (%(invited)s invited).") % d,
    "few_attendees": lambda d: _("Only %(signed_in)s signed-in attendees; the threshold is %(min)s.") % d,
    "attendee_inflation": lambda d: (
        _(
            "%(signed_in)s signed in for %(invited)s invited (factor %(factor)s), venue capacity %(capacity)s, %(denied)s said they were not there."
        )
        % d
    ),
    "photo_reused": lambda d: (
        _(
            "The same photo appears at events %(other_events)s (exact copy: %(exact)s; hash distance %(distance)s, allowed %(max_distance)s)."
        )
        % d
    ),
    "low_academic_content": lambda d: (
        _("%(academic_minutes)s academic minutes of %(event_minutes)s; at least %(min_share_percent)s %% required.") % d
    ),
    "flagged_venue": lambda d: _("Held at a venue of a flagged kind: %(venue_kind)s.") % d,
    "speaker_repeat": lambda d: (
        _("Speaker at %(events)s events of the same product within %(days)s days (flag from %(min)s).") % d
    ),
    "sales_jump": lambda d: (
        _(
            "Fees of %(fees)s in the quarter %(quarter)s when the hospital's sell-out rose from %(previous_quarter)s to %(sell_out)s (threshold %(threshold_percent)s %%)."
        )
        % d
    ),
}


class _Missing(dict):
    def __missing__(self, key):
        return "—"


def explain(flag) -> str:
    template = TEMPLATES.get(flag.rule)
    if template is None:
        return ""
    data = _Missing({k: ("—" if v is None else v) for k, v in (flag.detail or {}).items()})
    try:
        return template(data)
    except (KeyError, TypeError, ValueError):
        return str(flag.detail)
