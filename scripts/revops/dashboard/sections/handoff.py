"""MQL hand-off SLA breaches (marts.mart_handoff_sla_monthly).

Per fiscal half and business unit: the mart's monthly counts summed over the
half's months (and units, for all units): MQLs handed over, answered in time,
answered late, never answered and past due (breached − answered late), still
open in time; the breach rate is breached ÷ handed over on those sums (the
mart's rule). The chart shows every month of the chosen unit(s) with the half
shaded; the table ranks owners by breaches. MQLs nobody answered are under
the mart's owner `(no response)`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

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
)
from revops.dashboard.i18n import Texts
from revops.settings import dbt_vars

MART = "marts.mart_handoff_sla_monthly"
PER_MQL_MART = "marts.mart_handoff_sla"
NO_RESPONSE = "(no response)"
NOT_A_PERSON = frozenset({NO_RESPONSE, "(unknown)"})
COUNTS = ("handed_over", "responded_in_sla", "responded_late", "open_in_sla", "breached")
TOP_OWNERS = 10


def _totals(rows: list[dict]) -> dict[str, int]:
    totals = {name: sum(int(row[name]) for row in rows) for name in COUNTS}
    totals["open_breached"] = totals["breached"] - totals["responded_late"]
    return totals


def _rate(totals: dict[str, int]) -> float | None:
    return totals["breached"] / totals["handed_over"] if totals["handed_over"] else None


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
        select fiscal_month, fiscal_year, fiscal_half, business_unit, owner_id, owner_name, {", ".join(COUNTS)}
        from {MART}
        order by fiscal_month, business_unit, owner_id
        """
    )
    for row in rows:
        row["half"] = half_key(row["fiscal_year"], row["fiscal_half"])
    units = sorted({row["business_unit"] for row in rows})
    for unit in [ALL_UNITS, *units]:
        chosen = [row for row in rows if unit == ALL_UNITS or row["business_unit"] == unit]
        for half in sorted({row["half"] for row in chosen}):
            section.add(half, unit, _slice(context, chosen, half))
    return section


def owner_label(texts: Texts, owner_id: str, name: str | None) -> str:
    if owner_id in NOT_A_PERSON:
        return texts.label("owner", owner_id)
    return name or owner_id


def _slice(context: Context, rows: list[dict], half: str) -> Slice:
    texts = context.texts
    in_half = [row for row in rows if row["half"] == half]
    totals = _totals(in_half)
    rate = _rate(totals)
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
    owners: dict[str, list[dict]] = defaultdict(list)
    for row in in_half:
        owners[row["owner_id"]].append(row)
    ranked = sorted(
        owners,
        key=lambda owner: (-_totals(owners[owner])["breached"], -(_rate(_totals(owners[owner])) or 0), owner),
    )
    people = [owner for owner in ranked if owner not in NOT_A_PERSON and _totals(owners[owner])["breached"]]
    if people:
        worst = _totals(owners[people[0]])
        content.callout(
            texts(
                "handoff.worst_owner",
                owner=owner_label(texts, people[0], owners[people[0]][0]["owner_name"]),
                count=formatting.count(worst["breached"]),
                rate=formatting.rate(_rate(worst)),
            ),
            tone="warn",
        )
    content.figure = _figure(context, rows, half)
    content.set_table(
        [
            texts("handoff.col_owner"),
            texts("handoff.col_handed"),
            texts("handoff.col_in_sla"),
            texts("handoff.col_late"),
            texts("handoff.col_breached"),
            texts("handoff.col_rate"),
        ],
        [_owner_row(texts, owner, owners[owner]) for owner in ranked[:TOP_OWNERS]],
        title=texts("handoff.table_title", limit=TOP_OWNERS),
    )
    return content


def _owner_row(texts: Texts, owner: str, rows: list[dict]) -> list[dict[str, Any]]:
    totals = _totals(rows)
    rate = _rate(totals)
    return [
        cell(owner_label(texts, owner, rows[0]["owner_name"])),
        cell(formatting.count(totals["handed_over"]), totals["handed_over"], f"handed_over:{owner}"),
        cell(formatting.count(totals["responded_in_sla"]), totals["responded_in_sla"], f"in_sla:{owner}"),
        cell(formatting.count(totals["responded_late"]), totals["responded_late"], f"late:{owner}"),
        cell(
            formatting.count(totals["breached"]),
            totals["breached"],
            f"breached:{owner}",
            "bad" if totals["breached"] else None,
        ),
        cell(formatting.rate(rate), rate, f"rate:{owner}"),
    ]


def _figure(context: Context, rows: list[dict], half: str) -> dict:
    texts = context.texts
    months: dict[date, list[dict]] = defaultdict(list)
    for row in rows:
        months[row["fiscal_month"]].append(row)
    ordered = sorted(months)
    totals = [_totals(months[month]) for month in ordered]
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
