"""Analytics pages: the KPI scorecard (ranking, teams, a rep's breakdown and history), the
channel (coverage, sell-through, forecast) and their exports. Thin: parse, check, call, render."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from analytics import channel, exports, kpis, pages, roi, roi_pages
from crm import exports as crm_exports
from crm.permissions import CHANNEL_ROLES, KPI_ROLES, ROI_ROLES, SCORECARD_ROLES
from crm.web import get_or_404, is_htmx, tenant_user
from visits.selectors import add_months


def _period(request):
    return kpis.parse_period(request.GET.get("period"))


def _period_choices(current: kpis.Period) -> list[str]:
    """The current quarter and the four before it, this month and the five before it."""
    today = timezone.localdate()
    quarter = kpis.parse_period(None, today=today)
    out = [quarter.code]
    for _i in range(4):
        quarter = quarter.previous()
        out.append(quarter.code)
    month = kpis.Period(today.replace(day=1), 1)
    for _i in range(6):
        out.append(month.code)
        month = month.previous()
    if current.code not in out:
        out.insert(0, current.code)
    return out


@login_required
@require_GET
def kpi_scorecard(request):
    """The KPI ranking of the reps the user may see, team averages, and the KPI settings used."""
    user = tenant_user(request, KPI_ROLES)
    period = _period(request)
    card = kpis.scorecard(tenant=user.tenant_id, user=user, period=period, history=10)
    chart = {
        "labels": card.history_labels,
        "datasets": [
            {"label": r.rep.name or r.rep.username, "data": [s for _m, s in r.history]} for r in card.reps[:10]
        ],
    }
    return render(
        request,
        "analytics/kpi_scorecard.html",
        {
            "card": card,
            "period": period,
            "periods": _period_choices(period),
            "kpi_defs": [(k, kpis.Kpi(k).label, d) for k, d in card.kpis.items()],
            "chart": json.dumps(chart, ensure_ascii=False),
        },
    )


@login_required
@require_GET
def kpi_rep(request, pk):
    """One rep's scorecard: each KPI's value, target, attainment, weight and points, and the
    score month by month (the drill-down of the team table)."""
    user = tenant_user(request, KPI_ROLES)
    rep = get_or_404(kpis.scored_reps(tenant=user.tenant_id, user=user), pk)
    period = _period(request)
    card = kpis.scorecard(tenant=user.tenant_id, user=user, period=period, rep_ids=[rep.pk])
    score = card.reps[0]
    chart = {
        "labels": card.history_labels,
        "datasets": [{"label": str(_("Score")), "data": [s for _m, s in score.history], "own": True}],
    }
    return render(
        request,
        "analytics/kpi_rep.html",
        {"score": score, "period": period, "periods": _period_choices(period), "chart": json.dumps(chart)},
    )


@login_required
@require_GET
def kpi_export(request, fmt):
    """The ranking of the period as CSV or Excel: one row per rep, every KPI's value and points."""
    user = tenant_user(request, KPI_ROLES)
    if fmt not in crm_exports.FORMATS:
        return HttpResponseBadRequest(gettext("Unknown export format."))
    period = _period(request)
    card = kpis.scorecard(tenant=user.tenant_id, user=user, period=period, history=False)
    return crm_exports.export_response(
        exports.scorecard_rows(card), exports.scorecard_columns(card), fmt, f"kpi-ranking-{period.code}"
    )


@login_required
@require_GET
def channel_page(request):
    """Distributor coverage by province and city, agreements behind target, sell-through and
    channel inventory, and the sell-out forecast."""
    user = tenant_user(request, CHANNEL_ROLES)
    tenant = user.tenant_id
    provinces, cities = channel.coverage(tenant=tenant)
    last = add_months(timezone.localdate().replace(day=1), -1)
    first = add_months(last, -11)
    sales = channel.sales_frame(tenant=tenant, first=first, last=last)
    agreements = channel.agreement_progress(tenant=tenant, first=first, last=last, sales=sales)
    # Link only the distributors the user may open (a manager reads the tenant's channel figures
    # but opens the distributors of his territories only).
    from hospitals.selectors import visible_distributors

    linkable = set(visible_distributors(tenant=tenant, user=user).values_list("pk", flat=True))
    summary = exports.sell_through_summary(sales)
    forecasts = channel.forecast_sell_out(tenant=tenant, last=last, limit=6)
    coverage_chart = {
        "labels": [p.province for p in provinces[:20]],
        "datasets": [
            {"label": str(_("Covered")), "data": [p.covered for p in provinces[:20]], "color": "#2e7d32"},
            {"label": str(_("No distributor")), "data": [p.gaps for p in provinces[:20]], "color": "#c62828"},
        ],
    }
    forecast_charts = [
        {
            "f": f,
            "chart": json.dumps(
                {
                    "labels": [f"{m:%Y-%m}" for m, _v in f.history[-18:]] + [f"{m:%Y-%m}" for m, *_r in f.forecast],
                    "datasets": [
                        {
                            "label": str(_("Sell-out")),
                            "data": [v for _m, v in f.history[-18:]] + [None] * len(f.forecast),
                            "own": True,
                        },
                        {
                            "label": str(_("Forecast")),
                            "data": [None] * (len(f.history[-18:]) - 1)
                            + [f.history[-1][1]]
                            + [m for _d, m, _lo, _hi in f.forecast],
                        },
                        {
                            "label": str(_("Low (80%)")),
                            "data": [None] * len(f.history[-18:]) + [lo for _d, _m, lo, _hi in f.forecast],
                        },
                        {
                            "label": str(_("High (80%)")),
                            "data": [None] * len(f.history[-18:]) + [hi for _d, _m, _lo, hi in f.forecast],
                        },
                    ],
                },
                ensure_ascii=False,
            ),
        }
        for f in forecasts
    ]
    return render(
        request,
        "analytics/channel.html",
        {
            "provinces": provinces,
            "cities": cities[:50],
            "coverage_chart": json.dumps(coverage_chart, ensure_ascii=False),
            "agreements": agreements,
            "linkable": linkable,
            "summary": summary,
            "first": first,
            "last": last,
            "forecasts": forecast_charts,
        },
    )


@login_required
@require_GET
def channel_gaps(request):
    """The hospitals of a province (and city) that no active distributor covers."""
    user = tenant_user(request, CHANNEL_ROLES)
    province, city = request.GET.get("province", ""), request.GET.get("city", "")
    hospitals = list(channel.gap_hospitals(tenant=user.tenant_id, province=province, city=city))
    return render(request, "analytics/channel_gaps.html", {"province": province, "city": city, "hospitals": hospitals})


@login_required
@require_GET
def channel_export(request, kind, fmt):
    """Coverage by province or city, or sell-through by distributor, product and month."""
    user = tenant_user(request, CHANNEL_ROLES)
    if fmt not in crm_exports.FORMATS or kind not in ("provinces", "cities", "sales"):
        return HttpResponseBadRequest(gettext("Unknown export format."))
    tenant = user.tenant_id
    if kind == "sales":
        last = add_months(timezone.localdate().replace(day=1), -1)
        sales = channel.sales_frame(tenant=tenant, first=add_months(last, -11), last=last)
        return crm_exports.export_response(sales.to_dict("records"), exports.SALES_COLUMNS, fmt, "sell-through")
    provinces, cities = channel.coverage(tenant=tenant)
    rows = provinces if kind == "provinces" else cities
    return crm_exports.export_response(rows, exports.COVERAGE_COLUMNS, fmt, f"coverage-{kind}")


@login_required
@require_GET
def adoption_export(request, fmt):
    """The adoption ladder per own product (the product manager's home card) as a file."""
    user = tenant_user(request, SCORECARD_ROLES)
    if fmt not in crm_exports.FORMATS:
        return HttpResponseBadRequest(gettext("Unknown export format."))
    ladder = pages.adoption_ladder(tenant=user.tenant_id)
    rows, columns = exports.adoption_rows(ladder)
    return crm_exports.export_response(rows, columns, fmt, "adoption-ladder")


# --- event and program ROI ------------------------------------------------------------------


def _product_param(request):
    from crm.web import int_or_none

    return int_or_none(request.GET.get("product"))


def _roi_page(request, *, program=None, event=None):
    user = tenant_user(request, ROI_ROLES)
    state = roi.roi_request(
        tenant=user.tenant_id,
        program_id=program.pk if program else None,
        event_id=event.pk if event else None,
        product_id=_product_param(request),
    )
    context = {"program": program, "event": event, "state": state}
    if state["status"] == "done":
        context |= roi_pages.roi_context(state["result"])
    template = "analytics/_roi_body.html" if is_htmx(request, "roi-body") else "analytics/roi.html"
    return render(request, template, context)


@login_required
@require_GET
def roi_program(request, pk):
    """A program's ROI: cost, reach, follow-up, and the matched effect of its events."""
    user = tenant_user(request, ROI_ROLES)
    program = get_or_404(roi_pages.program_list(tenant=user.tenant_id), pk)
    return _roi_page(request, program=program)


@login_required
@require_GET
def roi_event(request, pk):
    """One event's ROI (held or closed events only have attendees to measure)."""
    user = tenant_user(request, ROI_ROLES)
    event = get_or_404(roi_pages.event_list(tenant=user.tenant_id), pk)
    return _roi_page(request, event=event)


@login_required
@require_GET
def roi_programs(request):
    """The programs, and the ones ticked side by side (cost, reach, pairs, effect at 3 months)."""
    user = tenant_user(request, ROI_ROLES)
    from crm.web import ints

    programs = list(roi_pages.program_list(tenant=user.tenant_id).order_by("-starts_on", "-id")[:200])
    compare_ids = ints(request.GET.getlist("compare"))[:6]
    compared = roi_pages.compare(tenant=user.tenant_id, program_ids=compare_ids)
    return render(
        request, "analytics/roi_programs.html", {"programs": programs, "compared": compared, "compare_ids": compare_ids}
    )


@login_required
@require_GET
def roi_export(request, pk, fmt):
    """A program's ROI as a file: one row per event (cost, reach, follow-up) and the effects."""
    user = tenant_user(request, ROI_ROLES)
    if fmt not in crm_exports.FORMATS:
        return HttpResponseBadRequest(gettext("Unknown export format."))
    program = get_or_404(roi_pages.program_list(tenant=user.tenant_id), pk)
    state = roi.roi_request(tenant=user.tenant_id, program_id=program.pk, product_id=_product_param(request))
    if state["status"] != "done":
        return HttpResponseBadRequest(gettext("The ROI is still being computed; try again in a moment."))
    rows, columns = roi_pages.export_rows(state["result"])
    return crm_exports.export_response(rows, columns, fmt, f"roi-program-{program.pk}")
