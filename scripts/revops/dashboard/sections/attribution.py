"""Cost per attributed opportunity by attribution model (marts.mart_campaign_attribution).

Per fiscal half and business unit (the campaign's): the campaigns with the
largest cost in the half, their cost per attributed opportunity under every
model the mart has, side by side (the mart's values), first-touch against
W-shaped in the chart. The callout names two campaigns whose order by cost per opportunity
flips between first-touch and W-shaped credit, if any do.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from itertools import combinations

import plotly.graph_objects as go

from revops.dashboard import formatting
from revops.dashboard.common import (
    ALL_UNITS,
    MUTED,
    PRIMARY,
    Context,
    Section,
    Slice,
    campaign_labels,
    cell,
    empty_figure,
    figure_json,
    grid_axis,
    half_key,
)

MART = "marts.mart_campaign_attribution"
# The order of the table's columns: macro attribution_models' (tests/python/test_dashboard.py checks that
# they agree). A model the mart has and this list lacks is still shown, after these, under its code; one the
# mart lacks is not shown.
MODELS = ("first_touch", "last_touch", "linear", "u_shaped", "w_shaped", "time_decay")
COMPARED = ("first_touch", "w_shaped")
TOP_CAMPAIGNS = 8
NO_TOUCH = "no_touch"
CHART_LABEL = 26  # characters of a campaign's name on the chart's axis


def build_attribution(context: Context) -> Section | None:
    texts = context.texts
    section = Section(
        "attribution", texts("attribution.title"), texts("attribution.subtitle"), ("half", "unit")
    )
    rows = context.marts.rows(
        f"""
        select campaign_id, campaign_name, channel, business_unit, attribution_model, fiscal_year, fiscal_half,
               attributed_opportunities, cost, cost_per_attributed_opportunity
        from {MART}
        where campaign_id <> ?
        """,
        [NO_TOUCH],
    )
    # Campaigns that share a name are told apart by their id, in the table, the callout and the chart.
    pairs = {(row["campaign_id"], row["campaign_name"]) for row in rows}
    labels, chart_labels = campaign_labels(pairs), campaign_labels(pairs, limit=CHART_LABEL)
    grouped: dict[tuple[str, str], dict[str, dict]] = defaultdict(dict)
    for row in rows:
        half = half_key(row["fiscal_year"], row["fiscal_half"])
        units = (ALL_UNITS,) if row["business_unit"] is None else (ALL_UNITS, row["business_unit"])
        for unit in units:
            campaign = grouped[(half, unit)].setdefault(
                row["campaign_id"],
                {
                    "name": labels[row["campaign_id"]],
                    "short": chart_labels[row["campaign_id"]],
                    "cost": row["cost"],
                    "models": {},
                },
            )
            campaign["models"][row["attribution_model"]] = row
    models = shown_models({row["attribution_model"] for row in rows})
    for (half, unit), campaigns in sorted(grouped.items()):
        spent = {key: value for key, value in campaigns.items() if value["cost"] > 0}
        if spent:
            section.add(half, unit, _slice(context, spent, models))
    return section


def shown_models(built: set[str]) -> tuple[str, ...]:
    """The attribution models of the mart, in MODELS' order, then any the list lacks, by name."""
    return tuple(model for model in MODELS if model in built) + tuple(sorted(built - set(MODELS)))


def _slice(context: Context, campaigns: dict[str, dict], models: tuple[str, ...]) -> Slice:
    texts = context.texts
    lang = context.lang
    top = sorted(campaigns, key=lambda key: (-campaigns[key]["cost"], key))[:TOP_CAMPAIGNS]
    content = Slice(figure_height=110 + 46 * len(top))

    def cpo(campaign: str, model: str) -> float | None:
        row = campaigns[campaign]["models"].get(model)
        return None if row is None else row["cost_per_attributed_opportunity"]

    flip = _flip(top, cpo)
    if flip is not None:
        cheaper, dearer = flip
        content.callout(
            texts(
                "attribution.flip",
                cheaper=campaigns[cheaper]["name"],
                dearer=campaigns[dearer]["name"],
                first=texts.label("model", COMPARED[0]),
                second=texts.label("model", COMPARED[1]),
            ),
            tone="warn",
        )
    figure = empty_figure(
        barmode="group",
        legend={"orientation": "h", "y": -0.12, "x": 0},
        margin={"l": 10, "r": 40, "t": 10, "b": 10},
    )
    names = [campaigns[key]["short"] for key in top]
    # Attributed credit can be tiny, so one campaign's cost per opportunity can dwarf the rest: log scale.
    positive = [value for key in top for model in COMPARED if (value := cpo(key, model))]
    for model, colour in zip(COMPARED, (MUTED, PRIMARY), strict=True):
        values = [cpo(key, model) for key in top]
        shown = [formatting.money(value, lang) for value in values]
        figure.add_trace(
            go.Bar(
                y=names, x=[value or None for value in values], name=texts.label("model", model), orientation="h",
                marker={"color": colour}, text=shown, textposition="outside", cliponaxis=False,
                customdata=[f"{campaigns[key]['name']}: {text}" for key, text in zip(top, shown, strict=True)],
                hovertemplate="%{customdata}<extra>" + texts.label("model", model) + "</extra>",
            )
        )  # fmt: skip
    if positive:
        low, high = min(positive) / 2, max(positive) * 4
        ticks, tick_texts = formatting.money_log_ticks(low, high, lang)
        figure.update_xaxes(
            grid_axis(
                type="log", tickvals=ticks, ticktext=tick_texts, range=[math.log10(low), math.log10(high)]
            )
        )
    figure.update_yaxes(autorange="reversed", automargin=True)
    content.figure = figure_json(figure)
    rows = []
    for key in top:
        row = [
            cell(campaigns[key]["name"]),
            cell(formatting.money(campaigns[key]["cost"], lang), campaigns[key]["cost"], f"cost:{key}"),
        ]
        for model in models:
            value = cpo(key, model)
            row.append(cell(formatting.money(value, lang), value, f"cpo:{key}:{model}"))
        rows.append(row)
    content.set_table(
        [texts("campaigns.col_campaign"), texts("attribution.col_cost")]
        + [texts.label("model", model) for model in models],
        rows,
        title=texts("attribution.table_title", limit=TOP_CAMPAIGNS),
    )
    return content


def _flip(campaigns: list[str], cpo: Callable[[str, str], float | None]) -> tuple[str, str] | None:
    """Two campaigns (cheaper, dearer by first touch) whose order W-shaped credit reverses; the first
    such pair in order of cost."""
    for first, second in combinations(campaigns, 2):
        values = [(cpo(first, model), cpo(second, model)) for model in COMPARED]
        if any(a is None or b is None for a, b in values):
            continue
        (first_a, first_b), (second_a, second_b) = values
        if first_a < first_b and second_a > second_b:
            return first, second
        if first_a > first_b and second_a < second_b:
            return second, first
    return None
