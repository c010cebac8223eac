"""MQL hand-off SLA breaches (marts.mart_handoff_sla_half, marts.mart_handoff_sla_monthly).

Per fiscal half and business unit (or every unit): the cards and the owner
table are rows of mart_handoff_sla_half, whose counts and breach rate are of
the half's MQLs (its `(all)` owner row for the cards, one row per owner for the
table): the page divides nothing. The chart shows every month of the chosen
unit(s) with the half shaded, the monthly mart's counts added up over units
(amounts only). MQLs nobody answered are under the owner `(no response)`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

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
)
from revops.dashboard.i18n import Texts
from revops.settings import dbt_vars

MART = "marts.mart_handoff_sla_monthly"
HALF_MART = "marts.mart_handoff_sla_half"
PER_MQL_MART = "marts.mart_handoff_sla"
NO_RESPONSE = "(no response)"
NOT_A_PERSON = frozenset({NO_RESPONSE, "(unknown)"})
COUNTS = ("handed_over", "responded_in_sla", "responded_late", "open_in_sla", "breached", "open_breached")
TOP_OWNERS = 10


def _month_totals(rows: list[dict]) -> dict[str, int]:
    return {name: sum(int(row[name]) for row in rows) for name in COUNTS}


def build_handoff(context: Context) -> Section | None:
    texts = context.texts
    # The SLA the build judged by (mart_handoff_sla's column), not the project file's default: a build run
    # with --vars sal_sla_business_days=3 is labelled 3. The file's value only when that mart has no rows.
    built = context.marts.rows(f"select distinct sla_business_days from {PER_MQL_MART} order by 1")
    days = int(built[0]["sla_business_days"]) if built else int(dbt_vars().get("sal_sla_business_days", 2))
    section = Section(
        "handoff", texts("handoff.title"), texts("handoff.subtitle", days=days), ("half", "unit")
    )
    rows = context.marts.rows(
        f"""
        select fiscal_month, fiscal_year, fiscal_half, business_unit, {", ".join(COUNTS)}
        from {MART}
        order by fiscal_month, business_unit, owner_id
        """
    )
    for row in rows:
        row["half"] = half_key(row["fiscal_year"], row["fiscal_half"])
    halves = context.marts.rows(
        f"""
        select fiscal_year, fiscal_half, business_unit_scope, owner_scope, owner_name, {", ".join(COUNTS)},
               breach_rate
        from {HALF_MART}
        order by fiscal_year, fiscal_half, business_unit_scope, owner_scope
        """
    )
    by_slice: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in halves:
        unit = ALL_UNITS if row["business_unit_scope"] == ALL_ROWS else row["business_unit_scope"]
        by_slice[(half_key(row["fiscal_year"], row["fiscal_half"]), unit)].append(row)
    for (half, unit), owners in sorted(
        by_slice.items(), key=lambda item: (item[0][1] != ALL_UNITS, item[0][1], item[0][0])
    ):
        chosen = [row for row in rows if unit == ALL_UNITS or row["business_unit"] == unit]
        section.add(half, unit, _slice(context, owners, chosen, half))
    return section


def owner_label(texts: Texts, owner_id: str, name: str | None) -> str:
    if owner_id in NOT_A_PERSON:
        return texts.label("owner", owner_id)
    return name or owner_id


def _slice(context: Context, half_rows: list[dict], month_rows: list[dict], half: str) -> Slice:
    """half_rows: mart_handoff_sla_half's rows of the half and unit scope (the `(all)` owner and each owner)."""
    texts = context.texts
    totals = next(row for row in half_rows if row["owner_scope"] == ALL_ROWS)
    rate = totals["breach_rate"]
    content = Slice(figure_height=340)
    content.cards = [
        card(
            texts("handoff.card_handed"),
            formatting.count(totals["handed_over"]),
            totals["handed_over"],
            "handed_over",
        ),
        card(
            texts("handoff.card_breached"),
            formatting.count(totals["breached"]),
            totals["breached"],
            "breached",
            "bad" if totals["breached"] else None,
        ),
        card(texts("handoff.card_rate"), formatting.rate(rate), rate, "breach_rate"),
        card(
            texts("handoff.card_open"),
            formatting.count(totals["open_in_sla"]),
            totals["open_in_sla"],
            "open_in_sla",
        ),
    ]
    if totals["open_breached"]:
        content.callout(texts("handoff.unanswered", count=formatting.count(totals["open_breached"])))
    ranked = sorted(
        (row for row in half_rows if row["owner_scope"] != ALL_ROWS),
        key=lambda row: (-row["breached"], -(row["breach_rate"] or 0), row["owner_scope"]),
    )
    people = [row for row in ranked if row["owner_scope"] not in NOT_A_PERSON and row["breached"]]
    if people:
        worst = people[0]
        content.callout(
            texts(
                "handoff.worst_owner",
                owner=owner_label(texts, worst["owner_scope"], worst["owner_name"]),
                count=formatting.count(worst["breached"]),
                rate=formatting.rate(worst["breach_rate"]),
            ),
            tone="warn",
        )
    content.figure = _figure(context, month_rows, half)
    content.set_table(
        [
            texts("handoff.col_owner"),
            texts("handoff.col_handed"),
            texts("handoff.col_in_sla"),
            texts("handoff.col_late"),
            texts("handoff.col_breached"),
            texts("handoff.col_rate"),
        ],
        [_owner_row(texts, row) for row in ranked[:TOP_OWNERS]],
        title=texts("handoff.table_title", limit=TOP_OWNERS),
    )
    return content


def _owner_row(texts: Texts, row: dict) -> list[dict[str, Any]]:
    owner = row["owner_scope"]
    return [
        cell(owner_label(texts, owner, row["owner_name"])),
        cell(formatting.count(row["handed_over"]), row["handed_over"], f"handed_over:{owner}"),
        cell(formatting.count(row["responded_in_sla"]), row["responded_in_sla"], f"in_sla:{owner}"),
        cell(formatting.count(row["responded_late"]), row["responded_late"], f"late:{owner}"),
        cell(
            formatting.count(row["breached"]),
            row["breached"],
            f"breached:{owner}",
            "bad" if row["breached"] else None,
        ),
        cell(formatting.rate(row["breach_rate"]), row["breach_rate"], f"rate:{owner}"),
    ]


def _figure(context: Context, rows: list[dict], half: str) -> dict:
    texts = context.texts
    months: dict[date, list[dict]] = defaultdict(list)
    for row in rows:
        months[row["fiscal_month"]].append(row)
    ordered = sorted(months)
    totals = [_month_totals(months[month]) for month in ordered]
    figure = empty_figure(
        barmode="stack",
        legend={"orientation": "h", "y": -0.18, "x": 0, "traceorder": "normal"},
        xaxis=month_axis(texts, len(ordered), ticks=6),
        yaxis=grid_axis(tickformat=",d", title={"text": texts("handoff.axis")}),
        bargap=0.2,
    )
    selected = [month for month in ordered if months[month][0]["half"] == half]
    if selected:
        month_band(figure, selected[0], selected[-1], PRIMARY, texts("cohorts.selected_half"),
                   annotation_position="top left")  # fmt: skip
    for name, key, colour in (
        ("handoff.series_in_sla", "responded_in_sla", GOOD),
        ("handoff.series_late", "responded_late", WARN),
        ("handoff.series_open_breached", "open_breached", ACCENT),
        ("handoff.series_open", "open_in_sla", MUTED),
    ):
        figure.add_trace(
            go.Bar(
                x=[month.isoformat() for month in ordered], y=[month_totals[key] for month_totals in totals],
                name=texts(name), marker={"color": colour},
                hovertemplate="%{x}: %{y:,d}<extra>" + texts(name) + "</extra>",
            )
        )  # fmt: skip
    return figure_json(figure)
