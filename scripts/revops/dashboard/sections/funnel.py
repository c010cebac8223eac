"""The end-to-end funnel and the monthly cohort trends.

The funnel of a fiscal half is marts.mart_stage_conversion_half, the cohort
trends marts.mart_stage_conversion_unit_monthly: the cohort mart's counts added
up per half (per month), every channel together, for each unit and for every
unit together ('(all)'). Every count and rate shown is a row of those marts;
the page neither adds counts up nor divides them. Which months and halves are
still immature is the marts' is_mature too (the forward-KPI window rule), and
how long a half's renewals can still grow is the half mart's renewal window
(renewals_open_until, with the contract term and grace the build used).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import plotly.graph_objects as go

from revops.dashboard import formatting
from revops.dashboard.common import (
    ACCENT,
    ALL_ROWS,
    ALL_UNITS,
    ANY,
    PRIMARY,
    SERIES,
    Context,
    Section,
    Slice,
    card,
    cell,
    empty_figure,
    figure_json,
    grid_axis,
    half_key,
    month_axis,
    month_band,
    month_label,
)

HALF_MART = "marts.mart_stage_conversion_half"
MONTHLY_MART = "marts.mart_stage_conversion_unit_monthly"
# Transitions drawn in the cohort trends. Renewal is left out: it comes a year
# after the win, so every cohort younger than that would look like a collapse.
TREND_STAGES = ("lead", "mql", "sal", "opportunity")
STAGE_COLUMNS = (
    "business_unit_scope, stage, stage_order, next_stage, cohort_leads, reached_count, converted_count, "
    "conversion_rate, rate_from_lead, is_mature"
)


RENEWAL_WINDOW_COLUMNS = (
    "renewals_open_until",
    "is_renewal_window_open",
    "default_contract_months",
    "renewal_grace_days",
)


def _ratio(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class StageRow:
    """One stage of a funnel: a row of the rollup marts."""

    stage: str
    next_stage: str | None
    cohort_leads: int
    reached: int
    converted: int | None
    rate: float | None
    rate_from_lead: float | None

    @classmethod
    def of(cls, row: dict) -> StageRow:
        return cls(
            stage=row["stage"],
            next_stage=row["next_stage"],
            cohort_leads=int(row["cohort_leads"]),
            reached=int(row["reached_count"]),
            converted=None if row["converted_count"] is None else int(row["converted_count"]),
            rate=_ratio(row["conversion_rate"]),
            rate_from_lead=_ratio(row["rate_from_lead"]),
        )


Funnel = dict[str, StageRow]
"""A funnel's stages by name, in stage order."""


def _unit(row: dict) -> str:
    return ALL_UNITS if row["business_unit_scope"] == ALL_ROWS else row["business_unit_scope"]


@dataclass(frozen=True)
class RenewalWindow:
    """How long a half's leads can still reach renewed: the half mart's columns (the same on its rows)."""

    open_until: date
    is_open: bool
    contract_months: int
    grace_days: int

    @classmethod
    def of(cls, row: dict) -> RenewalWindow:
        return cls(
            open_until=row["renewals_open_until"],
            is_open=bool(row["is_renewal_window_open"]),
            contract_months=int(row["default_contract_months"]),
            grace_days=int(row["renewal_grace_days"]),
        )


@dataclass(frozen=True)
class Halves:
    """The half mart: {(half, unit): funnel}, the immature halves and each half's renewal window."""

    funnels: dict[tuple[str, str], Funnel]
    immature: set[str]
    renewal_windows: dict[str, RenewalWindow]


def _half_funnels(context: Context) -> Halves:
    """A publication from before the renewal-window columns has no windows (and no renewal warning)."""
    funnels: dict[tuple[str, str], Funnel] = defaultdict(dict)
    immature: set[str] = set()
    windows: dict[str, RenewalWindow] = {}
    has_windows = set(RENEWAL_WINDOW_COLUMNS) <= context.marts.columns(HALF_MART)
    window_columns = "".join(f", {column}" for column in RENEWAL_WINDOW_COLUMNS) if has_windows else ""
    for row in context.marts.rows(
        f"select fiscal_year, fiscal_half, {STAGE_COLUMNS}{window_columns} from {HALF_MART} "
        "order by fiscal_year, fiscal_half, business_unit_scope, stage_order"
    ):
        half = half_key(row["fiscal_year"], row["fiscal_half"])
        funnels[(half, _unit(row))][row["stage"]] = StageRow.of(row)
        if has_windows:
            windows[half] = RenewalWindow.of(row)
        if not row["is_mature"]:
            immature.add(half)
    return Halves(funnels, immature, windows)


@dataclass(frozen=True)
class Cohorts:
    """The monthly cohorts: {unit: {cohort month: funnel}}, each month's half, and the immature months."""

    by_unit: dict[str, dict[date, Funnel]]
    halves: dict[date, str]
    immature: set[date]


def _month_funnels(context: Context) -> Cohorts:
    by_unit: dict[str, dict[date, Funnel]] = defaultdict(lambda: defaultdict(dict))
    halves: dict[date, str] = {}
    immature: set[date] = set()
    for row in context.marts.rows(
        f"select cohort_month, fiscal_year, fiscal_half, {STAGE_COLUMNS} from {MONTHLY_MART} "
        "order by cohort_month, business_unit_scope, stage_order"
    ):
        halves[row["cohort_month"]] = half_key(row["fiscal_year"], row["fiscal_half"])
        by_unit[_unit(row)][row["cohort_month"]][row["stage"]] = StageRow.of(row)
        if not row["is_mature"]:
            immature.add(row["cohort_month"])
    return Cohorts(by_unit, halves, immature)


def build_funnel(context: Context) -> Section | None:
    texts = context.texts
    section = Section("funnel", texts("funnel.title"), texts("funnel.subtitle"), filters=("half", "unit"))
    cohorts = _month_funnels(context)
    halves = _half_funnels(context)
    section.immature_halves = halves.immature
    for (half, unit), funnel in sorted(halves.funnels.items()):
        months = sorted(month for month in cohorts.by_unit[unit] if cohorts.halves[month] == half)
        content = _funnel_slice(context, funnel, [month for month in months if month in cohorts.immature])
        window = halves.renewal_windows.get(half)
        if window is not None and window.is_open and "renewed" in funnel:
            until = window.open_until
            content.callout(
                texts(
                    "funnel.renewals_not_final",
                    months=window.contract_months,
                    grace=window.grace_days,
                    until=texts("date_label", year=until.year, month=until.month, day=until.day),
                ),
                tone="warn",
            )
        section.add(half, unit, content)
    return section


def _funnel_slice(context: Context, funnel: Funnel, immature: list[date]) -> Slice:
    """immature: the half's cohort months (with leads of the unit) that are not mature yet."""
    texts = context.texts
    content = Slice(figure_height=380)
    for stage in ("lead", "opportunity", "won"):
        value = funnel[stage].reached if stage in funnel else 0
        content.cards.append(
            card(texts.label("stage", stage), formatting.count(value), value, f"reached:{stage}")
        )
    won_rate = funnel["won"].rate_from_lead if "won" in funnel else None
    content.cards.append(
        card(texts("funnel.card_lead_to_won"), formatting.rate(won_rate, 2), won_rate, "lead_to_won")
    )
    if immature:
        content.callout(
            texts(
                "funnel.immature",
                months=texts.join(month_label(texts, month) for month in immature),
                days=context.maturity_days,
            ),
            tone="warn",
        )
    labels, values, bar_texts, rows = [], [], [], []
    previous_rate: float | None = None
    for stage in funnel.values():
        labels.append(texts.label("stage", stage.stage))
        values.append(stage.reached)
        bar_texts.append(
            formatting.count(stage.reached)
            if previous_rate is None
            else texts(
                "funnel.bar_text", count=formatting.count(stage.reached), rate=formatting.rate(previous_rate)
            )
        )
        rows.append(
            [
                cell(texts.label("stage", stage.stage)),
                cell(formatting.count(stage.reached), stage.reached, f"reached:{stage.stage}"),
                cell(formatting.count(stage.converted), stage.converted, f"converted:{stage.stage}"),
                cell(
                    formatting.rate(stage.rate) if stage.next_stage else formatting.MISSING,
                    stage.rate,
                    f"rate:{stage.stage}",
                ),
            ]
        )
        previous_rate = stage.rate
    content.set_table(
        [
            texts("funnel.col_stage"),
            texts("funnel.col_reached"),
            texts("funnel.col_converted"),
            texts("funnel.col_rate"),
        ],
        rows,
    )
    figure = empty_figure(showlegend=False, margin={"l": 10, "r": 10, "t": 10, "b": 10})
    figure.add_trace(
        go.Funnel(
            y=labels,
            x=values,
            text=bar_texts,
            textinfo="text",
            textposition="outside",
            hoverinfo="y+text",
            marker={"color": list(SERIES) * 2},
            connector={"fillcolor": "#eef1f4"},
            cliponaxis=False,
        )
    )
    widest = max(values or [0]) or 1
    # Bars are centred on 0; leave room on the right for the labels outside them.
    figure.update_xaxes(range=[-widest * 0.5, widest * 1.05], visible=False)
    figure.update_yaxes(automargin=True)
    content.figure = figure_json(figure)
    return content


def build_cohorts(context: Context) -> Section | None:
    texts = context.texts
    section = Section(
        "cohorts",
        texts("cohorts.title"),
        texts("cohorts.subtitle", days=context.maturity_days),
        filters=("half", "unit"),
    )
    cohorts = _month_funnels(context)
    for unit, funnels in sorted(cohorts.by_unit.items()):
        for half in sorted(set(cohorts.halves.values())):
            section.add(half, unit, _cohort_slice(context, funnels, cohorts, half))
        section.add(ANY, unit, _cohort_slice(context, funnels, cohorts, None))  # a half with no cohort
    return section


def _rate(funnel: Funnel, stage: str) -> float | None:
    return funnel[stage].rate if stage in funnel else None


def _cohort_slice(context: Context, funnels: dict[date, Funnel], cohorts: Cohorts, half: str | None) -> Slice:
    """funnels: the unit's cohort months."""
    texts = context.texts
    content = Slice(figure_height=380)
    months = sorted(funnels)
    stages = {row.stage: row.next_stage for funnel in funnels.values() for row in funnel.values()}
    labels = [month_label(texts, month) for month in months]
    xs = [month.isoformat() for month in months]
    immature = [month in cohorts.immature for month in months]
    figure = empty_figure(
        legend={"orientation": "h", "y": -0.15, "x": 0},
        yaxis=grid_axis(tickformat=".0%", title={"text": texts("cohorts.axis_rate")}, rangemode="tozero"),
        xaxis=month_axis(texts, len(months)),
        hovermode="x unified",
    )
    selected = [month for month in months if cohorts.halves[month] == half]
    if selected:
        month_band(figure, selected[0], selected[-1], PRIMARY, texts("cohorts.selected_half"),
                   annotation_position="top left")  # fmt: skip
    if any(immature):
        month_band(
            figure, months[immature.index(True)], months[-1], ACCENT,
            texts("cohorts.immature_band", days=context.maturity_days),
            annotation_position="top right", annotation_font_color=ACCENT,
        )  # fmt: skip
    for index, stage in enumerate(TREND_STAGES):
        name = texts(
            "transition", source=texts.label("stage", stage), target=texts.label("stage", stages.get(stage))
        )
        rates = [_rate(funnels[month], stage) for month in months]
        colour = SERIES[index % len(SERIES)]
        mature_y = [rate if not flag else None for rate, flag in zip(rates, immature, strict=True)]
        # The immature part starts at the last mature point so the line continues, dotted.
        boundary = immature.index(True) - 1 if any(immature) else None
        immature_y = [
            rate if flag or position == boundary else None
            for position, (rate, flag) in enumerate(zip(rates, immature, strict=True))
        ]
        hover = [formatting.rate(rate) for rate in rates]
        figure.add_trace(
            go.Scatter(
                x=xs, y=mature_y, name=name, mode="lines+markers", line={"color": colour, "width": 2.5},
                marker={"size": 7}, legendgroup=stage, customdata=hover, hovertemplate="%{customdata}",
            )
        )  # fmt: skip
        if any(immature):
            figure.add_trace(
                go.Scatter(
                    x=xs, y=immature_y, name=name, mode="lines+markers", showlegend=False,
                    line={"color": colour, "width": 2, "dash": "dot"}, legendgroup=stage,
                    marker={"size": 8, "symbol": "circle-open", "line": {"width": 2}},
                    # The joining point is the last mature cohort: its hover says nothing extra.
                    customdata=[
                        text if position == boundary else f"{text} ({texts('cohorts.immature')})"
                        for position, text in enumerate(hover)
                    ],
                    hovertemplate="%{customdata}",
                )
            )  # fmt: skip
    content.figure = figure_json(figure)
    columns = [texts("cohorts.col_month"), texts("cohorts.col_leads")]
    columns += [
        texts(
            "transition", source=texts.label("stage", stage), target=texts.label("stage", stages.get(stage))
        )
        for stage in TREND_STAGES
    ]
    columns.append(texts("cohorts.col_status"))
    rows = []
    for month, label, flag in zip(months, labels, immature, strict=True):
        month_id = month.isoformat()
        leads = next(iter(funnels[month].values())).cohort_leads
        row = [cell(label), cell(formatting.count(leads), leads, f"leads:{month_id}")]
        for stage in TREND_STAGES:
            rate = _rate(funnels[month], stage)
            row.append(cell(formatting.rate(rate), rate, f"rate:{month_id}:{stage}"))
        row.append(
            cell(
                texts("cohorts.immature") if flag else texts("cohorts.mature"),
                flag,
                f"immature:{month_id}",
                tone="warn" if flag else None,
            )
        )
        rows.append(row)
    content.set_table(columns, rows)
    return content
