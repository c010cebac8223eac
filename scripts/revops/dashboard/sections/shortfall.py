"""The shortfall waterfall: plan → each factor's won deals gained or lost → actual (marts.mart_funnel_shortfall,
and mart_funnel_shortfall_all_units for every unit together).

Everything shown is a mart's: plan, actual, gap, each factor's effect (measure won_deals; won_amount in the
table), its owning team, the bottleneck flag and maturity; for one business unit mart_funnel_shortfall's rows,
for all units mart_funnel_shortfall_all_units's (the units with a plan added up in SQL, the bottleneck by the
units' rule on the sums). The page adds nothing up and picks no bottleneck itself; it only lists the units
without a plan (mart_funnel_shortfall's rows without a gap).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go

from revops.dashboard import formatting
from revops.dashboard.common import (
    ACCENT,
    ALL_UNITS,
    GOOD,
    MUTED,
    PRIMARY,
    Context,
    Section,
    Slice,
    card,
    cell,
    empty_figure,
    figure_json,
    grid_axis,
    half_key,
)

MART = "marts.mart_funnel_shortfall"
ALL_UNITS_MART = "marts.mart_funnel_shortfall_all_units"
COLUMNS = (
    "fiscal_year, fiscal_half, measure, factor, factor_order, owning_team, plan_outcome, actual_outcome, gap,"
    " effect, is_bottleneck, is_mature"
)
MEASURES = ("won_deals", "won_amount")  # the chart shows the first
UNATTRIBUTED = "unattributed"


@dataclass
class Factor:
    order: int
    team: str | None
    effects: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    bottleneck: bool = False

    def effect(self, measure: str) -> float | None:
        """The (summed) effect; None when no unit could attribute one."""
        values = self.effects.get(measure)
        return math.fsum(values) if values else None


@dataclass
class Gap:
    plan: list[Decimal] = field(default_factory=list)
    actual: list[Decimal] = field(default_factory=list)
    gap: list[Decimal] = field(default_factory=list)  # the mart's actual − plan of won_deals
    gaps: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # per measure
    factors: dict[str, Factor] = field(default_factory=dict)
    mature: bool = True
    without_plan: list[str] = field(default_factory=list)

    @property
    def has_plan(self) -> bool:
        return bool(self.plan)


def build_shortfall(context: Context) -> Section | None:
    texts = context.texts
    section = Section("shortfall", texts("shortfall.title"), texts("shortfall.subtitle"), ("half", "unit"))
    gaps: dict[tuple[str, str], Gap] = defaultdict(Gap)
    for row in context.marts.rows(
        f"select business_unit, {COLUMNS} from {MART} order by fiscal_year, fiscal_half, business_unit, factor_order"
    ):
        half = half_key(row["fiscal_year"], row["fiscal_half"])
        _add(gaps[(half, row["business_unit"])], row)
        every_unit = gaps[(half, ALL_UNITS)]  # every half with a unit has an all-units slice
        every_unit.mature = every_unit.mature and bool(row["is_mature"])
        if row["gap"] is None and row["business_unit"] not in every_unit.without_plan:
            every_unit.without_plan.append(row["business_unit"])
    for row in context.marts.rows(
        f"select {COLUMNS} from {ALL_UNITS_MART} order by fiscal_year, fiscal_half, factor_order"
    ):
        _add(gaps[(half_key(row["fiscal_year"], row["fiscal_half"]), ALL_UNITS)], row)
    section.immature_halves = {half for (half, unit), gap in gaps.items() if not gap.mature}
    for (half, unit), gap in gaps.items():
        section.add(half, unit, _slice(context, gap))
    return section


def _add(gap: Gap, row: dict) -> None:
    """One row of a shortfall mart into its half and unit (or all units)."""
    gap.mature = gap.mature and bool(row["is_mature"])
    if row["gap"] is None:  # no plan for this unit: it cannot be decomposed
        return
    if row["factor_order"] == 1:  # plan, actual and gap once per measure
        gap.gaps[row["measure"]].append(float(row["gap"]))
        if row["measure"] == MEASURES[0]:
            gap.plan.append(row["plan_outcome"])
            gap.actual.append(row["actual_outcome"])
            gap.gap.append(row["gap"])
    factor = gap.factors.setdefault(row["factor"], Factor(row["factor_order"], row["owning_team"]))
    if row["effect"] is not None:  # null: the method cannot attribute (unattributed carries it)
        factor.effects[row["measure"]].append(float(row["effect"]))
    if row["measure"] == MEASURES[0]:
        factor.bottleneck = bool(row["is_bottleneck"])


def _slice(context: Context, gap: Gap) -> Slice:
    texts = context.texts
    content = Slice()
    if gap.without_plan:
        units = texts.join(texts.label("unit", unit) for unit in sorted(gap.without_plan))
        content.callout(texts("shortfall.without_plan", units=units), tone="warn")
    if not gap.has_plan:
        content.callout(texts("shortfall.no_plan"), tone="warn")
        return content
    plan = sum(gap.plan, Decimal(0))
    actual = sum(gap.actual, Decimal(0))
    difference = sum(gap.gap, Decimal(0))
    content.cards = [
        card(texts("shortfall.card_plan"), formatting.count(plan), plan, "plan"),
        card(texts("shortfall.card_actual"), formatting.count(actual), actual, "actual"),
        card(
            texts("shortfall.card_gap"),
            formatting.signed(difference),
            difference,
            "gap",
            tone="bad" if difference < 0 else "good",
        ),
    ]
    if not gap.mature:
        _immature(context, content, gap)
        return content
    factors = sorted(gap.factors.items(), key=lambda item: item[1].order)
    bottleneck = next(((name, factor) for name, factor in factors if factor.bottleneck), None)
    if bottleneck is None:
        content.callout(texts("shortfall.no_loss"), tone="good")
    else:
        name, factor = bottleneck
        content.callout(
            texts(
                "shortfall.bottleneck",
                factor=texts.label("factor", name),
                team=texts.label("team", factor.team),
                effect=formatting.signed(factor.effect(MEASURES[0])),
            )
        )
    content.figure, content.figure_height = _figure(context, float(plan), float(actual), factors)
    content.set_table(
        [
            texts("shortfall.col_factor"),
            texts("shortfall.col_team"),
            texts("shortfall.col_deals"),
            texts("shortfall.col_amount"),
        ],
        [
            {
                "cells": [
                    cell(texts.label("factor", name)),
                    cell(texts.label("team", factor.team) if factor.team else formatting.MISSING),
                    cell(
                        formatting.signed(factor.effect("won_deals")),
                        factor.effect("won_deals"),
                        f"effect:{name}",
                    ),
                    cell(
                        _signed_money(factor.effect("won_amount"), context),
                        factor.effect("won_amount"),
                        f"amount:{name}",
                    ),
                ],
                "tone": "bad" if factor.bottleneck else None,
            }
            for name, factor in factors
        ],
    )
    content.table_open = True
    return content


def _immature(context: Context, content: Slice, gap: Gap) -> None:
    """An immature half (the mart's is_mature false): plan, actual and gap, but no factor attribution.

    Its stage counts are not final, so splitting the gap into stages would blame a team for leads that
    have not had the time to convert. The whole gap is shown as unattributed, with the reason.
    Decided on `is_mature` alone, so it holds whatever the mart puts in the factor rows.
    """
    texts = context.texts
    content.callout(
        texts("shortfall.immature", as_of=context.as_of.strftime("%Y-%m-%d")),
        tone="warn",
    )
    deals, amount = (math.fsum(gap.gaps[measure]) for measure in MEASURES)
    content.set_table(
        [
            texts("shortfall.col_factor"),
            texts("shortfall.col_team"),
            texts("shortfall.col_deals"),
            texts("shortfall.col_amount"),
        ],
        [
            [
                cell(texts("shortfall.immature_row")),
                cell(formatting.MISSING),
                cell(formatting.signed(deals), deals, f"effect:{UNATTRIBUTED}"),
                cell(_signed_money(amount, context), amount, f"amount:{UNATTRIBUTED}"),
            ]
        ],
    )
    content.table_open = True


def _signed_money(value: float | None, context: Context) -> str:
    if value is None:
        return formatting.MISSING
    return ("+" if value > 0 else "") + formatting.money(value, context.lang)


def _figure(
    context: Context, plan: float, actual: float, factors: list[tuple[str, Factor]]
) -> tuple[dict[str, Any], int]:
    """A horizontal waterfall relative to plan: 0 is the plan, each factor's bar runs from the
    difference so far, the last bar is actual − plan. Factor effects of a few deals stay visible next to
    a plan of hundreds (an axis from 0 would make them slivers); the hover gives plan, actual and
    each running total, and the table below every exact value."""
    texts = context.texts
    labels, bases, widths, colours, shown, hover = [], [], [], [], [], []
    running = 0.0
    for name, factor in factors:
        effect = factor.effect(MEASURES[0])
        if effect is None or (name == UNATTRIBUTED and effect == 0):
            continue
        team = f" ({texts.label('team', factor.team)})" if factor.team else ""
        labels.append(f"{texts.label('factor', name)}{team}")
        bases.append(running)
        widths.append(effect)
        colours.append(ACCENT if factor.bottleneck else (GOOD if effect >= 0 else MUTED))
        shown.append(formatting.signed(effect))
        running += effect
        hover.append(
            texts("shortfall.hover_factor", effect=formatting.signed(effect), running=formatting.signed(running),
                  level=formatting.number(plan + running, 1))
        )  # fmt: skip
    difference = actual - plan
    labels.append(texts("shortfall.bar_gap"))
    bases.append(0.0)
    widths.append(difference)
    colours.append(PRIMARY)
    shown.append(formatting.signed(difference))
    hover.append(
        texts("shortfall.hover_gap", plan=formatting.count(plan), actual=formatting.count(actual),
              gap=formatting.signed(difference))
    )  # fmt: skip
    ends = [0.0] + [base + width for base, width in zip(bases, widths, strict=True)] + bases
    low, high = min(ends), max(ends)
    pad = max(high - low, 1.0) * 0.18
    figure = empty_figure(
        showlegend=False,
        xaxis=grid_axis(
            title={"text": texts("shortfall.axis", plan=formatting.count(plan))},
            range=[low - pad, high + pad],
            zeroline=True, zerolinecolor="#1b2631", zerolinewidth=2,
        ),
        yaxis=grid_axis(type="category", autorange="reversed"),
        margin={"l": 10, "r": 40, "t": 28, "b": 10},
        bargap=0.25,
    )  # fmt: skip
    figure.add_annotation(
        x=0, y=1, yref="paper", yanchor="bottom", showarrow=False,
        text=texts("shortfall.plan_line", plan=formatting.count(plan)), font={"size": 12},
    )  # fmt: skip
    figure.add_trace(
        go.Bar(
            y=labels, x=widths, base=bases, orientation="h", marker={"color": colours}, text=shown,
            textposition="outside", cliponaxis=False, customdata=hover,
            hovertemplate="%{y}<br>%{customdata}<extra></extra>",
        )
    )  # fmt: skip
    return figure_json(figure), 90 + 38 * len(labels)
