"""Definition drift: the CRM's own MQL flag against the agreed definition (marts.mart_definition_drift
and its rollups mart_definition_drift_half and mart_definition_drift_all_units).

A month × unit slice's status is the mart's drift_status, the build's one
judgement that its drift tests read too (at least drift_min_mql_leads MQL
leads, a disagreement rate above drift_warn_rate warns, above drift_error_rate
is an error), and the limits shown are the ones that build judged by (the
mart's columns; the project file's vars only when the mart has no rows). A half
and unit (or every unit) is mart_definition_drift_half's row: its agreement rate
over its measured slices, its worst slice's status, its slices that warn and
fail. The chart shows every month of the chosen unit (mart_definition_drift's
rows) or of every unit together (mart_definition_drift_all_units), its
disagreement rate coloured by its (worst) status; a month with no measured slice
has no bar. The page adds up and divides nothing: the rates are the marts'
(macro drift_rates), so they are the ones the drift tests judged.
"""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go

from revops.dashboard import formatting
from revops.dashboard.common import (
    ACCENT,
    ALL_ROWS,
    ALL_UNITS,
    GOOD,
    MUTED,
    PRIMARY,
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
    month_axis,
    month_band,
    month_label,
)
from revops.settings import dbt_vars

MART = "marts.mart_definition_drift"
HALF_MART = "marts.mart_definition_drift_half"
ALL_UNITS_MART = "marts.mart_definition_drift_all_units"
STATUS_ORDER = ("not_judged", "ok", "warn", "error")
"""The statuses in the order of the chart's legend (the marts' order of severity, macro worst_drift_status)."""
STATUS_TONE = {"not_judged": "muted", "ok": "good", "warn": "warn", "error": "bad"}
STATUS_COLOUR = {"not_judged": MUTED, "ok": GOOD, "warn": WARN, "error": ACCENT}


@dataclass(frozen=True)
class Limits:
    warn: float
    error: float
    min_leads: int

    @classmethod
    def of_build(cls, rows: list[dict]) -> Limits:
        """The limits the build judged by: the mart's columns (the same in every row), else dbt_project.yml's vars."""
        if rows:
            row = rows[0]
            return cls(
                warn=float(row["drift_warn_rate"]),
                error=float(row["drift_error_rate"]),
                min_leads=int(row["drift_min_mql_leads"]),
            )
        values = dbt_vars()
        return cls(
            warn=float(values.get("drift_warn_rate", 0.05)),
            error=float(values.get("drift_error_rate", 0.20)),
            min_leads=int(values.get("drift_min_mql_leads", 0)),
        )


def build_drift(context: Context) -> Section | None:
    texts = context.texts
    rows = context.marts.rows(
        f"""
        select mql_month, fiscal_year, fiscal_half, business_unit, mql_leads, both_count, crm_only_count,
               agreed_only_count, agreement_rate, disagreement_rate, median_hours_crm_minus_agreed,
               drift_status, drift_warn_rate, drift_error_rate, drift_min_mql_leads
        from {MART}
        order by mql_month, business_unit
        """
    )
    limits = Limits.of_build(rows)
    section = Section(
        "drift",
        texts("drift.title"),
        texts(
            "drift.subtitle",
            warn=formatting.rate(limits.warn, 0),
            error=formatting.rate(limits.error, 0),
            min_leads=limits.min_leads,
        ),
        ("half", "unit"),
    )
    for row in rows:
        row["status"] = row["drift_status"]
        row["half"] = half_key(row["fiscal_year"], row["fiscal_half"])
    halves = {
        (half_key(row["fiscal_year"], row["fiscal_half"]), _unit(row["business_unit_scope"])): row
        for row in context.marts.rows(
            f"select fiscal_year, fiscal_half, business_unit_scope, agreement_rate, worst_drift_status,"
            f" warn_slices, error_slices from {HALF_MART}"
        )
    }
    every_unit = context.marts.rows(
        f"select mql_month, fiscal_year, fiscal_half, disagreement_rate, worst_drift_status as status"
        f" from {ALL_UNITS_MART} order by mql_month"
    )
    units = sorted({row["business_unit"] for row in rows})
    for unit in [ALL_UNITS, *units]:
        chosen = [row for row in rows if unit == ALL_UNITS or row["business_unit"] == unit]
        months = every_unit if unit == ALL_UNITS else chosen
        for half in sorted({row["half"] for row in chosen}):
            section.add(half, unit, _slice(context, limits, chosen, months, halves[(half, unit)]))
    return section


def _unit(scope: str) -> str:
    return ALL_UNITS if scope == ALL_ROWS else scope


def _slice(context: Context, limits: Limits, rows: list[dict], months: list[dict], rolled_up: dict) -> Slice:
    """rows: the unit's (or every unit's) slices; months: the chart's months; rolled_up: the half's row
    of mart_definition_drift_half for the unit (or '(all)')."""
    texts = context.texts
    half = half_key(rolled_up["fiscal_year"], rolled_up["fiscal_half"])
    in_half = [row for row in rows if row["half"] == half]
    agreement = rolled_up["agreement_rate"]
    status = rolled_up["worst_drift_status"]
    warned, errors = int(rolled_up["warn_slices"]), int(rolled_up["error_slices"])
    content = Slice(figure_height=320)
    content.cards = [
        card(
            texts("drift.card_status"), texts(f"drift.status.{status}"), status, "status", STATUS_TONE[status]
        ),
        card(texts("drift.card_agreement"), formatting.rate(agreement), agreement, "agreement"),
        card(
            texts("drift.card_warn"),
            formatting.count(warned),
            warned,
            "warn_slices",
            "warn" if warned else None,
        ),
        card(
            texts("drift.card_error"),
            formatting.count(errors),
            errors,
            "error_slices",
            "bad" if errors else None,
        ),
    ]
    if status in ("warn", "error"):
        worst = [row for row in in_half if row["status"] == status]
        content.callout(
            texts(
                f"drift.callout.{status}",
                slices=texts.join(
                    f"{month_label(texts, row['mql_month'])} {texts.label('unit', row['business_unit'])}"
                    for row in worst
                ),
            ),
            tone="bad" if status == "error" else "warn",
        )
    content.figure = _figure(context, limits, months, half)
    content.set_table(
        [
            texts("drift.col_month"),
            texts("drift.col_unit"),
            texts("drift.col_leads"),
            texts("drift.col_both"),
            texts("drift.col_crm_only"),
            texts("drift.col_agreed_only"),
            texts("drift.col_agreement"),
            texts("drift.col_status"),
        ],
        [
            [
                cell(month_label(texts, row["mql_month"])),
                cell(texts.label("unit", row["business_unit"])),
                cell(formatting.count(row["mql_leads"]), row["mql_leads"], _key("leads", row)),
                cell(formatting.count(row["both_count"]), row["both_count"], _key("both", row)),
                cell(formatting.count(row["crm_only_count"]), row["crm_only_count"], _key("crm_only", row)),
                cell(
                    formatting.count(row["agreed_only_count"]),
                    row["agreed_only_count"],
                    _key("agreed_only", row),
                ),
                cell(formatting.rate(row["agreement_rate"]), row["agreement_rate"], _key("agreement", row)),
                cell(
                    texts(f"drift.status.{row['status']}"),
                    row["status"],
                    _key("status", row),
                    STATUS_TONE[row["status"]],
                ),
            ]
            for row in in_half
        ],
    )
    return content


def _key(metric: str, row: dict) -> str:
    return f"{metric}:{row['mql_month'].isoformat()}:{row['business_unit']}"


def _figure(context: Context, limits: Limits, months: list[dict], half: str) -> dict:
    """One bar per month (mql_month, fiscal_year, fiscal_half, disagreement_rate, status): the mart's rate
    (None, no bar, for a month with no measured slice) in its status's colour."""
    texts = context.texts
    ordered = [row["mql_month"] for row in months]
    rates = [row["disagreement_rate"] for row in months]
    colours = [STATUS_COLOUR[row["status"]] for row in months]
    figure = empty_figure(
        legend={"orientation": "h", "y": -0.18, "x": 0, "traceorder": "normal"},
        xaxis=month_axis(texts, len(ordered), ticks=6),
        yaxis=grid_axis(
            tickformat=".0%", title={"text": texts("drift.axis_disagreement")}, rangemode="tozero"
        ),
        bargap=0.25,
    )
    selected = [
        row["mql_month"] for row in months if half_key(row["fiscal_year"], row["fiscal_half"]) == half
    ]
    if selected:
        month_band(figure, selected[0], selected[-1], PRIMARY, texts("cohorts.selected_half"),
                   annotation_position="top left")  # fmt: skip
    figure.add_trace(
        go.Bar(
            x=[month.isoformat() for month in ordered], y=rates, marker={"color": colours},  # None: no bar
            customdata=[formatting.rate(rate) for rate in rates], hovertemplate="%{x}: %{customdata}<extra></extra>",
            showlegend=False,
        )
    )  # fmt: skip
    shown = {row["status"] for row in months}
    for status in (status for status in STATUS_ORDER if status in shown):  # a legend for the colours
        figure.add_trace(
            go.Bar(x=[None], y=[None], name=texts(f"drift.status.{status}"),
                   marker={"color": STATUS_COLOUR[status]}, hoverinfo="skip")
        )  # fmt: skip
    for limit, colour, key in (
        (limits.warn, WARN, "drift.line_warn"),
        (limits.error, ACCENT, "drift.line_error"),
    ):
        figure.add_hline(
            y=limit, line_dash="dash", line_color=colour, line_width=1.5,
            annotation_text=texts(key, rate=formatting.rate(limit, 0)), annotation_position="top left",
            annotation_font_color=colour,
        )  # fmt: skip
    return figure_json(figure)
