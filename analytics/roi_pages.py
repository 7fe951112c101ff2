"""What the ROI pages show, from analytics.roi's result (plain dicts): labels, charts, the
comparison of programs and the export rows. Reads only."""

from __future__ import annotations

import json

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import roi
from events.models import Event, Program
from hospitals.vocabulary import STANDARD_DEPARTMENTS
from segmentation.models import AdoptionStage

OUTCOMES = {"stage": gettext_lazy("Adoption stage (levels)"), "share": gettext_lazy("Usage share (points)")}


def program_list(*, tenant):
    """The programs whose ROI head office may open (every program of the tenant)."""
    return Program.objects.for_tenant(tenant)


def event_list(*, tenant):
    """The events whose ROI head office may open."""
    return Event.objects.for_tenant(tenant).select_related("program")


def roi_context(result: dict) -> dict:
    """The page's values: the result, its effects by outcome, and the chart of attendees vs
    matched controls around the event month."""
    chart = result["effect"].get("chart") or {"labels": [], "attendees": [], "controls": []}
    spec = {
        "labels": [(f"+{m}" if m > 0 else str(m)) for m in chart["labels"]],
        "datasets": [
            {"label": _("Attendees"), "data": chart["attendees"], "own": True, "color": "#0172ad"},
            {"label": _("Matched non-attendees"), "data": chart["controls"], "color": "#8a6d00"},
        ],
    }
    effects = [dict(e, outcome_label=OUTCOMES[e["outcome"]]) for e in result["effect"]["effects"]]
    return {
        "r": result,
        # The department key is the standard code where the department has one: its Chinese name.
        "departments": [(STANDARD_DEPARTMENTS.get(d, d), n) for d, n in result.get("reach_department", [])],
        "effects": effects,
        "chart": json.dumps(spec, ensure_ascii=False),
        "stage_labels": [str(s.label) for s in AdoptionStage],
        "min_pairs": roi.MIN_PAIRS,
    }


def compare(*, tenant, program_ids) -> list[dict]:
    """Programs side by side: cost, reach, pairs and the 3-month effects (computed or from the
    cache; a big program still computing says so)."""
    out = []
    for program in Program.objects.for_tenant(tenant).filter(pk__in=program_ids).order_by("name"):
        state = roi.roi_request(tenant=tenant, program_id=program.pk)
        row = {"program": program, "status": state["status"]}
        if state["status"] == "done":
            r = state["result"]
            eff = {(e["outcome"], e["horizon"]): e for e in r["effect"]["effects"]}
            row |= {
                "r": r,
                "stage3": eff.get(("stage", 3)),
                "share3": eff.get(("share", 3)),
            }
        out.append(row)
    return out


def export_rows(result: dict) -> tuple[list[dict], list]:
    """One row per event, then one per effect (outcome × horizon)."""
    rows = []
    for e in result["events"]:
        rows.append(
            {
                "kind": _("Event"),
                "name": e["title"],
                "date": f"{e['starts_at']:%Y-%m-%d}",
                "budget": e["budget"],
                "actual": e["actual"],
                "attendees": e["attendees"],
                "ab": e["ab_attendees"],
                "cpa": e["cost_per_attendee"],
                "followup": e["followup_pct"],
                "questions": e["open_questions"],
            }
        )
    for e in result["effect"]["effects"]:
        rows.append(
            {
                "kind": _("Effect"),
                "name": f"{OUTCOMES[e['outcome']]} +{e['horizon']}",
                "pairs": e["pairs"],
                "did": e["did"],
                "low": e["low"],
                "high": e["high"],
                "warning": e["warning"],
            }
        )
    columns = [
        (gettext_lazy("Row"), "kind"),
        (gettext_lazy("Event or effect"), "name"),
        (gettext_lazy("Date"), "date"),
        (gettext_lazy("Budget (CNY)"), "budget"),
        (gettext_lazy("Actual (CNY)"), "actual"),
        (gettext_lazy("Attendees"), "attendees"),
        (gettext_lazy("A/B-tier attendees"), "ab"),
        (gettext_lazy("Cost per attendee"), "cpa"),
        (gettext_lazy("Follow-up within 3 days (%)"), "followup"),
        (gettext_lazy("Open questions"), "questions"),
        (gettext_lazy("Matched pairs"), "pairs"),
        (gettext_lazy("Difference in differences"), "did"),
        (gettext_lazy("Interval low (95%)"), "low"),
        (gettext_lazy("Interval high (95%)"), "high"),
        (gettext_lazy("Warning"), "warning"),
    ]
    return [{c[1] if isinstance(c[1], str) else "": row.get(c[1], "") for c in columns} for row in rows], columns
