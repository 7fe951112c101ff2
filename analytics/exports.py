"""Rows and columns of the analytics exports (``crm.exports.export_response``) and the small
tables the channel page shows from the sales extract."""

from __future__ import annotations

import pandas as pd
from django.utils.translation import gettext_lazy as _

from analytics.kpis import Kpi


def scorecard_rows(card) -> list[dict]:
    """One dict per rep of a scorecard: rank, rep, team, score, each KPI's value and points."""
    rows = []
    for r in card.reps:
        row = {"rank": r.rank, "rep": r.rep.name or r.rep.username, "username": r.rep.username, "team": r.team}
        row["score"] = r.score
        for line in r.lines:
            row[f"{line.kpi}_value"] = line.value
            row[f"{line.kpi}_points"] = line.points
        rows.append(row)
    return rows


def scorecard_columns(card) -> list:
    cols = [
        (_("Rank"), "rank"),
        (_("Rep"), "rep"),
        (_("Username"), "username"),
        (_("Team"), "team"),
        (_("Score"), "score"),
    ]
    for kpi, d in card.kpis.items():
        label = Kpi(kpi).label
        cols.append((f"{label} ({_('target')} {d.target:g})", f"{kpi}_value"))
        cols.append((f"{label} ({_('points of')} {d.weight:g})", f"{kpi}_points"))
    return cols


COVERAGE_COLUMNS = [
    (_("Province"), "province"),
    (_("City"), "city"),
    (_("Hospitals"), "hospitals"),
    (_("Covered"), "covered"),
    (_("No distributor"), "gaps"),
    (_("Overlaps"), "overlaps"),
    (_("Coverage (%)"), "coverage_pct"),
]

SALES_COLUMNS = [
    (_("Distributor"), "distributor"),
    (_("Product"), "product"),
    (_("Month"), lambda r: f"{r['month']:%Y-%m}"),
    (_("Sell-in units"), "sell_in_units"),
    (_("Sell-in value (CNY)"), "sell_in_value"),
    (_("Sell-out units"), "sell_out_units"),
    (_("Sell-out value (CNY)"), "sell_out_value"),
    (_("Sell-through (%)"), lambda r: None if pd.isna(r["sell_through"]) else r["sell_through"]),
    (_("Estimated channel inventory (units)"), "inventory_units"),
]


def sell_through_summary(sales: pd.DataFrame) -> list[dict]:
    """Per distributor and product over the extract: sell-in, sell-out, sell-through and the
    channel inventory at the last month."""
    if sales.empty:
        return []
    grouped = sales.groupby(["distributor", "product"], sort=True)
    agg = grouped[["sell_in_units", "sell_out_units", "sell_in_value", "sell_out_value"]].sum()
    agg["inventory_units"] = grouped["inventory_units"].last()
    agg["sell_through"] = (agg["sell_out_units"] / agg["sell_in_units"].where(agg["sell_in_units"] > 0) * 100).round(1)
    out = agg.reset_index().to_dict("records")
    for row in out:
        if pd.isna(row["sell_through"]):
            row["sell_through"] = None
    return out


def adoption_rows(ladder: list[dict]) -> tuple[list[dict], list]:
    rows = []
    for p in ladder:
        row = {"product": p["product"], "users": p["users"]}
        for code, _label, n in p["rows"]:
            row[code] = n
        rows.append(row)
    columns = [(_("Product"), "product")]
    if ladder:
        columns += [(label, code) for code, label, _n in ladder[0]["rows"]]
    columns.append((_("Users (regular and above)"), "users"))
    return rows, columns
