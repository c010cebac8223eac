"""Companies two or more business units chase at once (marts.mart_account_conflicts).

A snapshot at the as-of date (the mart's window), so only the business-unit
filter applies: a company shows under every unit involved. Companies where
another unit has already won come first; they are the costly ones.

Under a unit filter the flags are the unit's own: "won by another unit" means a
unit other than the chosen one has won the company (won_business_units less the
unit itself), and the open opportunities are the unit's (open_opportunities_by_unit).
All units: the mart's company-level has_won_deal_in_other_unit and open_opportunities.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import plotly.graph_objects as go

from revops.dashboard import formatting
from revops.dashboard.common import (
    ACCENT,
    ALL_UNITS,
    ANY,
    PRIMARY,
    Context,
    Section,
    Slice,
    card,
    cell,
    empty_figure,
    figure_json,
    grid_axis,
)
from revops.dashboard.i18n import Texts

MART = "marts.mart_account_conflicts"
TOP_COMPANIES = 12
SEPARATOR = ", "  # the mart's list separator (business_units, won_business_units)


def build_conflicts(context: Context) -> Section | None:
    texts = context.texts
    section = Section("conflicts", texts("conflicts.title"), texts("conflicts.subtitle"), ("unit",))
    rows = context.marts.rows(
        f"""
        select company_key, company_name, business_unit_count, business_units, leads_by_unit,
               open_opportunities_by_unit, owners_by_unit, active_leads, open_opportunities,
               last_activity_at, won_business_units, has_won_deal_in_other_unit
        from {MART}
        order by has_won_deal_in_other_unit desc, business_unit_count desc,
                 active_leads + open_opportunities desc, company_key
        """
    )
    by_unit: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_unit[ALL_UNITS].append(row)
        for unit in row["business_units"].split(SEPARATOR):
            by_unit[unit].append(row)
    for unit, companies in by_unit.items():
        section.add(ANY, unit, _slice(context, companies, unit))
    section.fallback = _slice(context, [], ALL_UNITS).to_json()  # a unit in no conflict
    return section


def won_elsewhere(row: dict, unit: str) -> bool:
    """Whether another unit has won the company: the mart's flag for all units; from a unit's view, a
    unit other than that one is among won_business_units."""
    if unit == ALL_UNITS:
        return bool(row["has_won_deal_in_other_unit"])
    return bool(set((row["won_business_units"] or "").split(SEPARATOR)) - {"", unit})


def open_opportunities(row: dict, unit: str) -> int:
    """The company's open opportunities: all units', or the unit's from open_opportunities_by_unit
    (`consulting: 1, saas: 0`)."""
    if unit == ALL_UNITS:
        return int(row["open_opportunities"])
    for item in (row["open_opportunities_by_unit"] or "").split(SEPARATOR):
        name, _colon, count = item.rpartition(": ")
        if name == unit:
            return int(count)
    return 0


def _units(texts: Texts, units: str | None) -> str:
    if not units:
        return formatting.MISSING
    return " × ".join(texts.label("unit", unit) for unit in units.split(SEPARATOR))


def _slice(context: Context, companies: list[dict], unit: str) -> Slice:
    texts = context.texts
    won = {row["company_key"]: won_elsewhere(row, unit) for row in companies}
    companies = sorted(companies, key=lambda row: not won[row["company_key"]])  # stable: the mart's order
    won_count = sum(won.values())
    opportunities = sum(open_opportunities(row, unit) for row in companies)
    content = Slice()
    content.cards = [
        card(
            texts("conflicts.card_companies"), formatting.count(len(companies)), len(companies), "companies"
        ),
        card(
            texts("conflicts.card_won_elsewhere"),
            formatting.count(won_count),
            won_count,
            "won_elsewhere",
            tone="bad" if won_count else None,
        ),
        card(
            texts("conflicts.card_open_opportunities"),
            formatting.count(opportunities),
            opportunities,
            "open_opportunities",
        ),
    ]
    if not companies:
        content.callout(texts("conflicts.none"), tone="good")
        return content
    if won_count:
        content.callout(texts("conflicts.won_elsewhere", count=formatting.count(won_count)))
    pairs = Counter(row["business_units"] for row in companies)
    won_pairs = Counter(row["business_units"] for row in companies if won[row["company_key"]])
    order = sorted(pairs, key=lambda units: (-pairs[units], units))
    labels = [_units(texts, units) for units in order]
    figure = empty_figure(
        barmode="stack", legend={"orientation": "h", "y": 1.02, "x": 0, "yanchor": "bottom"}
    )
    for name, counts, colour in (
        (texts("conflicts.series_won_elsewhere"), won_pairs, ACCENT),
        (texts("conflicts.series_other"), pairs - won_pairs, PRIMARY),
    ):
        values = [counts.get(units, 0) for units in order]
        figure.add_trace(
            go.Bar(
                y=labels, x=values, name=name, orientation="h", marker={"color": colour},
                hovertemplate="%{y}: %{x}<extra>" + name + "</extra>",
            )
        )  # fmt: skip
    most = max(pairs.values())
    figure.update_xaxes(
        grid_axis(
            tickformat=",d",
            tick0=0,
            dtick=max(1, -(-most // 5)),
            title={"text": texts("conflicts.axis_companies")},
        )
    )
    figure.update_yaxes(autorange="reversed", automargin=True)
    content.figure = figure_json(figure)
    content.figure_height = 120 + 36 * len(order)
    rows = []
    for row in companies[:TOP_COMPANIES]:
        key = row["company_key"]
        flag = won[key]
        rows.append(
            {
                "cells": [
                    cell(row["company_name"] or key),
                    cell(_units(texts, row["business_units"])),
                    cell(row["leads_by_unit"]),
                    cell(row["open_opportunities_by_unit"]),
                    cell(row["owners_by_unit"] or formatting.MISSING),
                    cell(
                        row["last_activity_at"].strftime("%Y-%m-%d")
                        if row["last_activity_at"]
                        else formatting.MISSING
                    ),
                    cell(
                        _units(texts, row["won_business_units"]),
                        flag,
                        f"won_elsewhere:{key}",
                        tone="bad" if flag else None,
                    ),
                ],
                "tone": "bad" if flag else None,
            }
        )
    content.set_table(
        [
            texts("conflicts.col_company"),
            texts("conflicts.col_units"),
            texts("conflicts.col_leads"),
            texts("conflicts.col_open_opportunities"),
            texts("conflicts.col_owners"),
            texts("conflicts.col_last_activity"),
            texts("conflicts.col_won_units"),
        ],
        rows,
        title=texts("conflicts.table_title", limit=TOP_COMPANIES),
    )
    return content
