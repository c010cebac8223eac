"""The end-to-end funnel and the monthly cohort trends (marts.mart_stage_conversion).

Both read the cohort mart: leads created in a month, by unit and channel,
and how many reached each stage. A fiscal half's funnel is the sum of its
cohort months; "all units" is the sum of the units. A stage's conversion is
the leads that moved on over the leads that reached it (summed counts, the
mart's own rule applied to the sum).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import plotly.graph_objects as go

from revops.dashboard import formatting
from revops.dashboard.common import (
    ACCENT,
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
    is_immature,
    month_axis,
    month_band,
    month_label,
    renewals_may_still_come,
)
from revops.settings import dbt_vars

MART = "marts.mart_stage_conversion"
# Transitions drawn in the cohort trends. Renewal is left out: it comes a year
# after the win, so every cohort younger than that would look like a collapse.
TREND_STAGES = ("lead", "mql", "sal", "opportunity")


@dataclass
class Counts:
    reached: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    converted: dict[str, int | None] = field(default_factory=dict)

    def add(self, stage: str, reached: int, converted: int | None) -> None:
        self.reached[stage] += int(reached)
        if converted is None:
            self.converted.setdefault(stage, None)
        else:
            self.converted[stage] = (self.converted.get(stage) or 0) + int(converted)

    def rate(self, stage: str) -> float | None:
        converted = self.converted.get(stage)
        reached = self.reached.get(stage, 0)
        return None if converted is None or reached == 0 else converted / reached


def _stages(context: Context) -> list[tuple[str, str | None]]:
    rows = context.marts.rows(
        f"select distinct stage, stage_order, next_stage from {MART} order by stage_order"
    )
    return [(row["stage"], row["next_stage"]) for row in rows]


def _cohort_rows(context: Context) -> list[dict]:
    return context.marts.rows(
        f"""
        select cohort_month, fiscal_year, fiscal_half, business_unit, stage,
               sum(reached_count) as reached, sum(converted_count) as converted
        from {MART}
        group by cohort_month, fiscal_year, fiscal_half, business_unit, stage
        """
    )


def build_funnel(context: Context) -> Section | None:
    texts = context.texts
    section = Section("funnel", texts("funnel.title"), texts("funnel.subtitle"), filters=("half", "unit"))
    stages = _stages(context)
    counts: dict[tuple[str, str], Counts] = defaultdict(Counts)
    months: dict[tuple[str, str], set[date]] = defaultdict(set)
    for row in _cohort_rows(context):
        half = half_key(row["fiscal_year"], row["fiscal_half"])
        for unit in (row["business_unit"], ALL_UNITS):
            counts[(half, unit)].add(row["stage"], row["reached"], row["converted"])
            months[(half, unit)].add(row["cohort_month"])
    settings = dbt_vars()
    for (half, unit), funnel in sorted(counts.items()):
        content = _funnel_slice(context, stages, funnel, sorted(months[(half, unit)]))
        renewals_until = renewals_may_still_come(
            half,
            context.as_of,
            context.maturity_days,
            int(settings["default_contract_months"]),
            int(settings["renewal_grace_days"]),
        )
        if renewals_until is not None and any(stage == "renewed" for stage, _next in stages):
            content.callout(
                texts(
                    "funnel.renewals_not_final",
                    months=settings["default_contract_months"],
                    grace=settings["renewal_grace_days"],
                    until=texts(
                        "date_label",
                        year=renewals_until.year,
                        month=renewals_until.month,
                        day=renewals_until.day,
                    ),
                ),
                tone="warn",
            )
        section.add(half, unit, content)
    return section


def _funnel_slice(
    context: Context, stages: list[tuple[str, str | None]], funnel: Counts, months: list[date]
) -> Slice:
    texts = context.texts
    content = Slice(figure_height=380)
    leads = funnel.reached.get("lead", 0)
    for stage in ("lead", "opportunity", "won"):
        value = funnel.reached.get(stage, 0)
        content.cards.append(
            card(texts.label("stage", stage), formatting.count(value), value, f"reached:{stage}")
        )
    won_rate = funnel.reached.get("won", 0) / leads if leads else None
    content.cards.append(
        card(texts("funnel.card_lead_to_won"), formatting.rate(won_rate, 2), won_rate, "lead_to_won")
    )
    immature = [month for month in months if is_immature(month, context.as_of, context.maturity_days)]
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
    for stage, next_stage in stages:
        reached = funnel.reached.get(stage, 0)
        labels.append(texts.label("stage", stage))
        values.append(reached)
        bar_texts.append(
            formatting.count(reached)
            if previous_rate is None
            else texts(
                "funnel.bar_text", count=formatting.count(reached), rate=formatting.rate(previous_rate)
            )
        )
        rate = funnel.rate(stage)
        rows.append(
            [
                cell(texts.label("stage", stage)),
                cell(formatting.count(reached), reached, f"reached:{stage}"),
                cell(
                    formatting.count(funnel.converted.get(stage)),
                    funnel.converted.get(stage),
                    f"converted:{stage}",
                ),
                cell(
                    formatting.rate(rate) if next_stage else formatting.MISSING,
                    rate,
                    f"rate:{stage}",
                ),
            ]
        )
        previous_rate = rate
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
    stages = dict(_stages(context))
    by_unit: dict[str, dict[date, Counts]] = defaultdict(lambda: defaultdict(Counts))
    halves: dict[date, str] = {}
    for row in _cohort_rows(context):
        halves[row["cohort_month"]] = half_key(row["fiscal_year"], row["fiscal_half"])
        for unit in (row["business_unit"], ALL_UNITS):
            by_unit[unit][row["cohort_month"]].add(row["stage"], row["reached"], row["converted"])
    for unit, cohorts in by_unit.items():
        for half in sorted(set(halves.values())):
            section.add(half, unit, _cohort_slice(context, stages, cohorts, halves, half))
        section.add(ANY, unit, _cohort_slice(context, stages, cohorts, halves, None))  # a half with no cohort
    return section


def _cohort_slice(
    context: Context,
    stages: dict[str, str | None],
    cohorts: dict[date, Counts],
    halves: dict[date, str],
    half: str,
) -> Slice:
    texts = context.texts
    content = Slice(figure_height=380)
    months = sorted(cohorts)
    labels = [month_label(texts, month) for month in months]
    xs = [month.isoformat() for month in months]
    immature = [is_immature(month, context.as_of, context.maturity_days) for month in months]
    figure = empty_figure(
        legend={"orientation": "h", "y": -0.15, "x": 0},
        yaxis=grid_axis(tickformat=".0%", title={"text": texts("cohorts.axis_rate")}, rangemode="tozero"),
        xaxis=month_axis(texts, len(months)),
        hovermode="x unified",
    )
    selected = [month for month in months if halves[month] == half]
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
        rates = [cohorts[month].rate(stage) for month in months]
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
        leads = cohorts[month].reached.get("lead", 0)
        row = [cell(label), cell(formatting.count(leads), leads, f"leads:{month_id}")]
        for stage in TREND_STAGES:
            rate = cohorts[month].rate(stage)
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
