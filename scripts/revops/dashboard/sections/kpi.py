"""Forward-KPI scorecards per team (marts.mart_forward_kpi).

One business unit: each team's blended attainment (the mart's `blended` row)
as a card, every scored metric's attainment in the chart, every metric
(scored or only targeted) in the table; numbers whose forward window is still
open are marked not final. All units: the mart scores each unit separately,
so the page shows each team's blended attainment per unit side by side and,
on the cards, the unit where each team is furthest behind. Nothing is
re-weighted here.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import plotly.graph_objects as go

from revops.dashboard import formatting
from revops.dashboard.common import (
    ACCENT,
    ALL_UNITS,
    GOOD,
    MUTED,
    SERIES,
    WARN,
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
from revops.dashboard.formatting import Lang
from revops.dashboard.i18n import Texts

MART = "marts.mart_forward_kpi"
BLENDED = "blended"
TEAM_ORDER = ("marketing", "inside_sales", "field_sales", "customer_success")
# Metrics that are amounts in the reporting currency (the mart's doc for `actual`); the rest are counts.
AMOUNT_METRICS = frozenset({"won_amount", "pipeline_from_mqls"})


def tone(attainment: float | None) -> str:
    """At or above target: good; within 80%: warn; below: bad."""
    if attainment is None:
        return "muted"
    return "good" if attainment >= 1 else ("warn" if attainment >= 0.8 else "bad")


TONE_COLOUR = {"good": GOOD, "warn": WARN, "bad": ACCENT, "muted": MUTED}


def _team_key(team: str) -> tuple[int, str]:
    return (TEAM_ORDER.index(team) if team in TEAM_ORDER else len(TEAM_ORDER), team)


def _value(metric: str, value: Any, lang: Lang) -> str:
    if value is None:
        return formatting.MISSING
    return formatting.money(value, lang) if metric in AMOUNT_METRICS else formatting.count(value)


def build_kpi(context: Context) -> Section | None:
    texts = context.texts
    section = Section("kpi", texts("kpi.title"), texts("kpi.subtitle"), ("half", "unit"))
    rows = context.marts.rows(
        f"""
        select fiscal_year, fiscal_half, business_unit, team, metric, metric_order, actual, target,
               attainment, weight, is_mature, window_complete_share
        from {MART}
        order by fiscal_year, fiscal_half, business_unit, team, metric_order, metric
        """
    )
    by_slice: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in rows:
        half = half_key(row["fiscal_year"], row["fiscal_half"])
        by_slice[(half, row["business_unit"])].append(row)
        by_slice[(half, ALL_UNITS)].append(row)
    section.immature_halves = {
        half_key(row["fiscal_year"], row["fiscal_half"]) for row in rows if not row["is_mature"]
    }
    for (half, unit), chosen in by_slice.items():
        build = _all_units_slice if unit == ALL_UNITS else _unit_slice
        section.add(half, unit, build(context, chosen))
    return section


def _maturity(texts: Texts, row: dict) -> str:
    if row["is_mature"]:
        return texts("kpi.mature")
    if row["window_complete_share"] is None:
        return texts("kpi.immature_blended")
    return texts("kpi.immature", share=formatting.rate(row["window_complete_share"], 0))


def _unit_slice(context: Context, rows: list[dict]) -> Slice:
    texts = context.texts
    content = Slice()
    teams = sorted({row["team"] for row in rows}, key=_team_key)
    blended = {row["team"]: row for row in rows if row["metric"] == BLENDED}
    if all(row["target"] is None for row in rows if row["metric"] != BLENDED):
        content.callout(texts("kpi.no_target"), tone="warn")
    for team in teams:
        row = blended.get(team)
        attainment = row["attainment"] if row else None
        content.cards.append(
            card(
                texts.label("team", team),
                formatting.rate(attainment),
                attainment,
                f"blended:{team}",
                tone(attainment),
                note=None if row is None or row["is_mature"] else texts("kpi.card_note_immature"),
            )
        )
    below = [
        team for team in teams if blended.get(team) and tone(blended[team]["attainment"]) in ("bad", "warn")
    ]
    if below:
        content.callout(
            texts(
                "kpi.below",
                teams=texts.join(
                    f"{texts.label('team', team)} ({formatting.rate(blended[team]['attainment'])})"
                    for team in below
                ),
            ),
            tone="bad",
        )
    scored = [row for row in rows if row["weight"] is not None]
    scored.sort(key=lambda row: (_team_key(row["team"]), row["metric"] == BLENDED, row["metric_order"]))
    labels = [
        f"{texts.label('team', row['team'])}: {texts.label('metric', row['metric'])}"
        + ("" if row["metric"] == BLENDED else f" ({formatting.rate(row['weight'], 0)})")
        for row in scored
    ]
    values = [row["attainment"] for row in scored]
    figure = empty_figure(showlegend=False, margin={"l": 10, "r": 60, "t": 30, "b": 10})
    figure.add_trace(
        go.Bar(
            y=labels, x=[value or 0 for value in values], orientation="h",
            marker={
                "color": [TONE_COLOUR[tone(value)] for value in values],
                "opacity": [1.0 if row["metric"] == BLENDED else 0.75 for row in scored],
                "pattern": {
                    "shape": ["" if row["is_mature"] else "/" for row in scored],
                    "fillmode": "overlay", "fgcolor": "white", "fgopacity": 0.7, "size": 8,
                },
            },
            text=[formatting.rate(value) for value in values], textposition="outside", cliponaxis=False,
            customdata=[_maturity(texts, row) for row in scored],
            hovertemplate="%{y}: %{text} (%{customdata})<extra></extra>",
        )
    )  # fmt: skip
    _target_line(figure, texts)
    figure.update_xaxes(grid_axis(tickformat=".0%", title={"text": texts("kpi.axis")}, rangemode="tozero"))
    figure.update_yaxes(autorange="reversed", automargin=True)
    content.figure = figure_json(figure)
    content.figure_height = 80 + 28 * max(len(scored), 1)
    table_rows = sorted(
        rows, key=lambda row: (_team_key(row["team"]), row["metric"] == BLENDED, row["metric_order"])
    )
    content.set_table(
        [
            texts("kpi.col_team"),
            texts("kpi.col_metric"),
            texts("kpi.col_actual"),
            texts("kpi.col_target"),
            texts("kpi.col_attainment"),
            texts("kpi.col_weight"),
            texts("kpi.col_maturity"),
        ],
        [
            {
                "cells": [
                    cell(texts.label("team", row["team"])),
                    cell(texts.label("metric", row["metric"])),
                    cell(
                        _value(row["metric"], row["actual"], context.lang), row["actual"], _key("actual", row)
                    ),
                    cell(
                        _value(row["metric"], row["target"], context.lang), row["target"], _key("target", row)
                    ),
                    cell(
                        formatting.rate(row["attainment"]),
                        row["attainment"],
                        _key("attainment", row),
                        tone(row["attainment"]) if row["attainment"] is not None else None,
                    ),
                    cell(formatting.rate(row["weight"], 0), row["weight"], _key("weight", row)),
                    cell(_maturity(texts, row), bool(row["is_mature"]), _key("mature", row)),
                ],
                "tone": None,
            }
            for row in table_rows
        ],
    )
    return content


def _key(kind: str, row: dict) -> str:
    return f"{kind}:{row['team']}:{row['metric']}"


def _target_line(figure: go.Figure, texts: Texts) -> None:
    figure.add_vline(
        x=1, line_dash="dash", line_color="#1b2631", line_width=1.2,
        annotation_text=texts("kpi.target_line"), annotation_position="top",
    )  # fmt: skip


def _all_units_slice(context: Context, rows: list[dict]) -> Slice:
    texts = context.texts
    content = Slice()
    blended = [row for row in rows if row["metric"] == BLENDED]
    teams = sorted({row["team"] for row in blended}, key=_team_key)
    units = sorted({row["business_unit"] for row in blended})
    by_team_unit = {(row["team"], row["business_unit"]): row for row in blended}
    if not any(row["attainment"] is not None for row in blended):
        content.callout(texts("kpi.no_target"), tone="warn")
    for team in teams:
        scored = [
            (by_team_unit[(team, unit)]["attainment"], unit)
            for unit in units
            if (team, unit) in by_team_unit and by_team_unit[(team, unit)]["attainment"] is not None
        ]
        lowest = min(scored) if scored else (None, None)
        content.cards.append(
            card(
                texts("kpi.card_lowest", team=texts.label("team", team), unit=texts.label("unit", lowest[1]))
                if lowest[1]
                else texts.label("team", team),
                formatting.rate(lowest[0]),
                lowest[0],
                f"lowest:{team}",
                tone(lowest[0]),
            )
        )
    figure = empty_figure(barmode="group", legend={"orientation": "h", "y": -0.15, "x": 0})
    for index, unit in enumerate(units):
        values = [
            by_team_unit[(team, unit)]["attainment"] if (team, unit) in by_team_unit else None
            for team in teams
        ]
        figure.add_trace(
            go.Bar(
                y=[texts.label("team", team) for team in teams], x=[value or 0 for value in values],
                name=texts.label("unit", unit), orientation="h", marker={"color": SERIES[index % len(SERIES)]},
                text=[formatting.rate(value) for value in values], textposition="outside", cliponaxis=False,
                hovertemplate="%{y}: %{text}<extra>" + texts.label("unit", unit) + "</extra>",
            )
        )  # fmt: skip
    _target_line(figure, texts)
    figure.update_xaxes(grid_axis(tickformat=".0%", title={"text": texts("kpi.axis")}, rangemode="tozero"))
    figure.update_yaxes(autorange="reversed", automargin=True)
    content.figure = figure_json(figure)
    content.figure_height = 120 + 24 * max(len(teams) * len(units), 1)
    content.set_table(
        [
            texts("kpi.col_team"),
            texts("kpi.col_unit"),
            texts("kpi.col_attainment"),
            texts("kpi.col_maturity"),
        ],
        [
            [
                cell(texts.label("team", row["team"])),
                cell(texts.label("unit", row["business_unit"])),
                cell(
                    formatting.rate(row["attainment"]),
                    row["attainment"],
                    f"blended:{row['team']}:{row['business_unit']}",
                    tone(row["attainment"]) if row["attainment"] is not None else None,
                ),
                cell(
                    _maturity(texts, row),
                    bool(row["is_mature"]),
                    f"mature:{row['team']}:{row['business_unit']}",
                ),
            ]
            for row in sorted(blended, key=lambda row: (_team_key(row["team"]), row["business_unit"]))
        ],
    )
    return content
