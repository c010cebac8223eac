"""Campaign efficiency: cost per lead against cost per opportunity (marts.mart_campaign_efficiency
per campaign, marts.mart_channel_efficiency per channel).

A channel's figures and each slice's totals are read from mart_channel_efficiency (its rows
for the unit, or for every unit together, and its '(all)' channel row): the cost-per rule's SQL
home is the marts' macro cost_efficiency_columns, and the page divides no cost by a count. The
"trade-show trap" is the channel that climbs most from its rank by cost per lead (1 =
cheapest) to its rank by cost per opportunity: cheap leads that make expensive opportunities.
A channel must climb at least one place; ties go to the larger cost-per-opportunity multiple
of its cost per lead. No channel climbs → no callout. A channel that spent money and got leads
but not one opportunity has no cost per opportunity to rank: it is the dearest of all, and is
called out on its own (`dead_ends`).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from revops.dashboard import formatting
from revops.dashboard.common import (
    ACCENT,
    ALL_ROWS,
    ALL_UNITS,
    ANY,
    MUTED,
    PRIMARY,
    Context,
    Section,
    Slice,
    campaign_labels,
    card,
    cell,
    figure_json,
    grid_axis,
    style_layout,
)

MART = "marts.mart_campaign_efficiency"
CHANNEL_MART = "marts.mart_channel_efficiency"
TOP_CAMPAIGNS = 10


def _channel_totals(row: dict[str, Any]) -> dict[str, Any]:
    """A mart_channel_efficiency row under the names trap() and dead_ends() read."""
    return {
        "cost": row["total_cost"],
        "leads": int(row["leads"]),
        "opportunities": int(row["opportunities"]),
        "cpl": row["cost_per_lead"],
        "cpo": row["cost_per_opportunity"],
        "rate": row["lead_to_opportunity_rate"],
    }


def build_campaigns(context: Context) -> Section | None:
    texts = context.texts
    section = Section("campaigns", texts("campaigns.title"), texts("campaigns.subtitle"), filters=("unit",))
    campaigns = context.marts.rows(
        f"""
        select campaign_id, campaign_name, channel, business_unit, total_cost, leads, opportunities,
               cost_per_lead, cost_per_opportunity, roi
        from {MART}
        order by total_cost desc, campaign_id
        """
    )
    channel_rows = context.marts.rows(
        f"""
        select business_unit_scope, channel_scope, total_cost, leads, opportunities, cost_per_lead,
               cost_per_opportunity, lead_to_opportunity_rate
        from {CHANNEL_MART}
        order by business_unit_scope, channel_scope
        """
    )
    labels = campaign_labels((row["campaign_id"], row["campaign_name"]) for row in campaigns)
    by_unit: dict[str, list[dict]] = defaultdict(list)
    for campaign in campaigns:
        campaign["label"] = labels[campaign["campaign_id"]]
        by_unit[ALL_UNITS].append(campaign)
        if campaign["business_unit"] is not None:
            by_unit[campaign["business_unit"]].append(campaign)
    channels_by_unit: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in channel_rows:
        unit = ALL_UNITS if row["business_unit_scope"] == ALL_ROWS else row["business_unit_scope"]
        channels_by_unit[unit][row["channel_scope"]] = _channel_totals(row)
    for unit, rows in by_unit.items():
        if ALL_ROWS not in channels_by_unit[unit]:
            # the two marts of different builds (a failed test skipped the channel mart's rebuild)
            raise ValueError(
                f"{CHANNEL_MART} has no '{ALL_ROWS}' row for {unit} that {MART} has: rebuild both"
            )
        section.add(ANY, unit, _slice(context, rows, channels_by_unit[unit]))
    return section


def _slice(context: Context, campaigns: list[dict], channel_rows: dict[str, dict[str, Any]]) -> Slice:
    """One unit's (or every unit's) campaigns, with its channels and its total from mart_channel_efficiency
    (`channel_rows`: channel → _channel_totals, the '(all)' channel included)."""
    texts = context.texts
    lang = context.lang
    content = Slice()
    channels = {name: totals for name, totals in channel_rows.items() if name != ALL_ROWS}
    total = channel_rows[ALL_ROWS]
    content.cards = [
        card(texts("campaigns.card_cost"), formatting.money(total["cost"], lang), total["cost"], "cost"),
        card(texts("campaigns.cpl"), formatting.money(total["cpl"], lang), total["cpl"], "cpl"),
        card(texts("campaigns.cpo"), formatting.money(total["cpo"], lang), total["cpo"], "cpo"),
    ]
    trapped = trap(channels)
    if trapped is not None:
        totals = channels[trapped]
        content.callout(
            texts(
                "campaigns.trap",
                channel=texts.label("channel", trapped),
                cpl=formatting.money(totals["cpl"], lang),
                cpo=formatting.money(totals["cpo"], lang),
                multiple=formatting.number(totals["cpo"] / totals["cpl"], 0),
                rate=formatting.rate(totals["rate"]),
            )
        )
    for channel in dead_ends(channels):
        totals = channels[channel]
        content.callout(
            texts(
                "campaigns.no_opportunity",
                channel=texts.label("channel", channel),
                cost=formatting.money(totals["cost"], lang),
                leads=formatting.count(totals["leads"]),
            )
        )
    content.figure, content.figure_height = _figure(context, channels, trapped)
    content.set_table(
        [
            texts("campaigns.col_campaign"),
            texts("campaigns.col_channel"),
            texts("campaigns.col_cost"),
            texts("campaigns.col_leads"),
            texts("campaigns.col_opportunities"),
            texts("campaigns.cpl"),
            texts("campaigns.cpo"),
            texts("campaigns.col_roi"),
        ],
        [
            [
                cell(row["label"]),
                cell(
                    texts.label("channel", row["channel"]), tone="bad" if row["channel"] == trapped else None
                ),
                cell(
                    formatting.money(row["total_cost"], lang), row["total_cost"], f"cost:{row['campaign_id']}"
                ),
                cell(formatting.count(row["leads"]), row["leads"], f"leads:{row['campaign_id']}"),
                cell(
                    formatting.count(row["opportunities"]),
                    row["opportunities"],
                    f"opportunities:{row['campaign_id']}",
                ),
                cell(
                    formatting.money(row["cost_per_lead"], lang),
                    row["cost_per_lead"],
                    f"cpl:{row['campaign_id']}",
                ),
                cell(
                    formatting.money(row["cost_per_opportunity"], lang),
                    row["cost_per_opportunity"],
                    f"cpo:{row['campaign_id']}",
                ),
                cell(formatting.rate(row["roi"], 0), row["roi"], f"roi:{row['campaign_id']}"),
            ]
            for row in campaigns[:TOP_CAMPAIGNS]
        ],
        title=texts("campaigns.table_title", limit=TOP_CAMPAIGNS),
    )
    return content


def trap(channels: dict[str, dict[str, Any]]) -> str | None:
    """The channel whose cheap leads make the dearest opportunities, relatively (see the module doc)."""
    priced = {name: totals for name, totals in channels.items() if totals["cpl"] and totals["cpo"]}

    def rank(metric: str, name: str) -> int:
        return sum(1 for other in priced.values() if other[metric] < priced[name][metric]) + 1

    climbs = {name: rank("cpo", name) - rank("cpl", name) for name in priced}
    candidates = sorted(name for name, climb in climbs.items() if climb > 0)
    if not candidates:
        return None
    return max(candidates, key=lambda name: (climbs[name], priced[name]["cpo"] / priced[name]["cpl"]))


def dead_ends(channels: dict[str, dict[str, Any]]) -> list[str]:
    """Channels that spent money and got leads but no opportunity, dearest first (then by name)."""
    found = [
        name
        for name, totals in channels.items()
        if totals["cost"] > 0 and totals["leads"] > 0 and totals["opportunities"] == 0
    ]
    return sorted(found, key=lambda name: (-channels[name]["cost"], name))


def _figure(context: Context, channels: dict[str, dict[str, Any]], trapped: str | None) -> tuple[dict, int]:
    texts = context.texts
    order = sorted(
        channels, key=lambda name: (channels[name]["cpl"] is None, channels[name]["cpl"] or 0, name)
    )
    labels = [texts.label("channel", name) for name in order]
    figure = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        horizontal_spacing=0.06,
        subplot_titles=(texts("campaigns.cpl"), texts("campaigns.cpo")),
    )
    figure.update_layout(
        style_layout(template=go.layout.Template(), margin={"l": 10, "r": 30, "t": 30, "b": 10}),
        showlegend=False,
        bargap=0.3,
    )
    for column, metric in ((1, "cpl"), (2, "cpo")):
        values = [channels[name][metric] for name in order]
        texts_shown = [formatting.money(value, context.lang) for value in values]
        colours = [ACCENT if name == trapped else (PRIMARY if column == 1 else MUTED) for name in order]
        figure.add_trace(
            go.Bar(
                y=labels, x=[value or 0 for value in values], orientation="h", marker={"color": colours},
                text=texts_shown, textposition="outside", cliponaxis=False, customdata=texts_shown,
                hovertemplate="%{y}: %{customdata}<extra></extra>",
            ),
            row=1, col=column,
        )  # fmt: skip
        ticks, tick_texts = formatting.money_ticks(
            max((value or 0) for value in values) * 1.25, context.lang, 3
        )
        figure.update_xaxes(grid_axis(tickvals=ticks, ticktext=tick_texts), row=1, col=column)
    figure.update_yaxes(autorange="reversed", automargin=True)
    return figure_json(figure), 90 + 34 * max(len(order), 1)
