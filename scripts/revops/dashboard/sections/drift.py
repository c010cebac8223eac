"""Definition drift: the CRM's own MQL flag against the agreed definition (marts.mart_definition_drift).

A month × unit slice's status is the mart's drift_status, the build's one
judgement that its drift tests read too (at least drift_min_mql_leads MQL
leads, a disagreement rate above drift_warn_rate warns, above drift_error_rate
is an error), and the limits shown are the ones that build judged by (the
mart's columns; the project file's vars only when the mart has no rows). The
page's status for a half and unit is its worst slice. The chart shows every month of the chosen unit(s), the
disagreement rate over the summed counts of the measured slices only (a
not_measured slice has no CRM flag: every lead is agreed_only, and the mart
gives it no rate, so it is not a disagreement), each bar coloured by its worst
slice; a month with no measured slice has no bar.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import plotly.graph_objects as go

from revops.dashboard import formatting
from revops.dashboard.common import (
    ACCENT,
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
STATUS_ORDER = ("not_judged", "ok", "warn", "error")
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


def _worst(statuses: list[str]) -> str:
    return max(statuses, key=STATUS_ORDER.index) if statuses else "not_judged"


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
    units = sorted({row["business_unit"] for row in rows})
    for unit in [ALL_UNITS, *units]:
        chosen = [row for row in rows if unit == ALL_UNITS or row["business_unit"] == unit]
        for half in sorted({row["half"] for row in chosen}):
            section.add(half, unit, _slice(context, limits, chosen, half))
    return section


def _slice(context: Context, limits: Limits, rows: list[dict], half: str) -> Slice:
    texts = context.texts
    in_half = [row for row in rows if row["half"] == half]
    measured = [row for row in in_half if _measured(row)]
    leads = sum(int(row["mql_leads"]) for row in measured)
    both = sum(int(row["both_count"]) for row in measured)
    agreement = both / leads if leads else None
    status = _worst([row["status"] for row in in_half])
    warned = sum(1 for row in in_half if row["status"] == "warn")
    errors = sum(1 for row in in_half if row["status"] == "error")
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
    content.figure = _figure(context, limits, rows, half)
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


def _measured(row: dict) -> bool:
    """A slice the CRM flag was measured in: the mart gives a not_measured slice (no CRM flag) no rate."""
    return row["disagreement_rate"] is not None


def _key(metric: str, row: dict) -> str:
    return f"{metric}:{row['mql_month'].isoformat()}:{row['business_unit']}"


def _figure(context: Context, limits: Limits, rows: list[dict], half: str) -> dict:
    texts = context.texts
    months: dict[date, dict] = defaultdict(lambda: {"leads": 0, "disagree": 0, "statuses": []})
    for row in rows:
        month = months[row["mql_month"]]  # every month keeps its place on the axis
        month["statuses"].append(row["status"])
        if _measured(row):  # a not_measured slice is not a disagreement: left out of the rate
            month["leads"] += int(row["mql_leads"])
            month["disagree"] += int(row["crm_only_count"]) + int(row["agreed_only_count"])
    ordered = sorted(months)
    rates = [
        months[month]["disagree"] / months[month]["leads"] if months[month]["leads"] else None
        for month in ordered
    ]
    colours = [STATUS_COLOUR[_worst(months[month]["statuses"])] for month in ordered]
    figure = empty_figure(
        legend={"orientation": "h", "y": -0.18, "x": 0, "traceorder": "normal"},
        xaxis=month_axis(texts, len(ordered), ticks=6),
        yaxis=grid_axis(
            tickformat=".0%", title={"text": texts("drift.axis_disagreement")}, rangemode="tozero"
        ),
        bargap=0.25,
    )
    selected = [month for month in ordered if half_key(*_fiscal(rows, month)) == half]
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
    shown = {_worst(months[month]["statuses"]) for month in ordered}
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


def _fiscal(rows: list[dict], month: date) -> tuple[int, str]:
    row = next(row for row in rows if row["mql_month"] == month)
    return row["fiscal_year"], row["fiscal_half"]
