"""The revenue picture (marts.mart_arr_bridge, mart_revenue_retention and mart_unit_economics with
their _all_units siblings, fct_contract).

Per fiscal half and business unit (all units: the units' sums of amounts; every rate is a mart's):
- the ARR bridge of the half as a waterfall: starting, new, expansion, contraction, churn, ending;
- NRR and GRR of the half, and of the same half a year earlier, per unit in the table; for all
  units mart_revenue_retention_all_units's, the ratios of the units' sums (docs/retention.md);
- renewals due in the next 90 days: contracts not renewed whose contract_end is at most 90 days
  after the as-of date (those already ended are within their grace period), a snapshot at as-of;
- CAC payback in months (all units: mart_unit_economics_all_units), shown as — when not defined,
  with the reason the mart gives: its
  inputs_missing names team_costs (the optional seed is missing), or else nothing was won in the
  half (no new customers, no new-customer gross margin), so there is nothing to pay back.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go

from revops.dashboard import formatting
from revops.dashboard.common import (
    ACCENT,
    ALL_UNITS,
    GOOD,
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
from revops.dashboard.i18n import MESSAGES

BRIDGE = "marts.mart_arr_bridge"
RETENTION = "marts.mart_revenue_retention"
RETENTION_ALL_UNITS = "marts.mart_revenue_retention_all_units"
UNIT_ECONOMICS = "marts.mart_unit_economics"
UNIT_ECONOMICS_ALL_UNITS = "marts.mart_unit_economics_all_units"
CONTRACTS = "marts.fct_contract"
DUE_DAYS = 90
STEPS = ("starting_arr", "new_arr", "expansion_arr", "contraction_arr", "churned_arr", "ending_arr")
NET_NEW = "net_new_arr"
"""The bridge's net new ARR, summed over the units like the steps, never ending − starting again here."""

# This section's words (ja, en), kept with the section and added to the dashboard's dictionary.
MESSAGES.update(
    {
        "revenue.title": {
            "ja": "売上の全体像: ARR・継続率・更新",
            "en": "The revenue picture: ARR, retention, renewals",
        },
        "revenue.subtitle": {
            "ja": "ARRの増減(新規・拡大・縮小・解約)、前年同期比のNRR/GRR、90日以内の更新予定、CAC回収期間。",
            "en": "What moved ARR (new, expansion, contraction, churn), NRR/GRR against a year earlier, "
            "renewals due within 90 days, CAC payback.",
        },
        "revenue.card_arr": {"ja": "期末ARR", "en": "Ending ARR"},
        "revenue.card_net_new": {"ja": "純増ARR", "en": "Net new ARR"},
        "revenue.card_nrr": {"ja": "NRR (売上継続率)", "en": "NRR"},
        "revenue.card_grr": {"ja": "GRR (総売上継続率)", "en": "GRR"},
        "revenue.card_due": {"ja": "90日以内の更新予定", "en": "Renewals due in 90 days"},
        "revenue.card_due_arr": {"ja": "更新予定のARR", "en": "ARR up for renewal"},
        "revenue.card_payback": {"ja": "CAC回収期間 (月)", "en": "CAC payback (months)"},
        "revenue.previous": {"ja": "前年同期 {value}", "en": "A year earlier: {value}"},
        "revenue.payback_missing": {
            "ja": "チームコスト(seed team_costs)未登録のため算出できません",
            "en": "Needs the team_costs seed (sales cost)",
        },
        "revenue.payback_no_margin": {
            "ja": "この半期は新規顧客の粗利がないため回収期間は定義されません (新規顧客 {count}社)",
            "en": "Not defined: no new-customer gross margin this half (new customers: {count})",
        },
        "revenue.due_callout": {
            "ja": "{count}件・{arr}の契約が{days}日以内に更新を迎えます(うち{overdue}件は契約終了済み・猶予期間中)。",
            "en": "{count} contracts worth {arr} come up for renewal within {days} days "
            "({overdue} already ended and within their grace period).",
        },
        "revenue.churn_callout": {
            "ja": "この半期の解約と縮小で {amount} のARRを失いました。",
            "en": "Churn and contraction took {amount} of ARR this half.",
        },
        "revenue.step_starting_arr": {"ja": "期首ARR", "en": "Starting"},
        "revenue.step_new_arr": {"ja": "新規", "en": "New"},
        "revenue.step_expansion_arr": {"ja": "拡大", "en": "Expansion"},
        "revenue.step_contraction_arr": {"ja": "縮小", "en": "Contraction"},
        "revenue.step_churned_arr": {"ja": "解約", "en": "Churn"},
        "revenue.step_ending_arr": {"ja": "期末ARR", "en": "Ending"},
        "revenue.table_title": {
            "ja": "事業部別 NRR / GRR (前年同期比)",
            "en": "NRR / GRR by unit against a year earlier",
        },
        "revenue.col_unit": {"ja": "事業部", "en": "Unit"},
        "revenue.col_nrr": {"ja": "NRR", "en": "NRR"},
        "revenue.col_nrr_previous": {"ja": "NRR 前年同期", "en": "NRR a year earlier"},
        "revenue.col_grr": {"ja": "GRR", "en": "GRR"},
        "revenue.col_grr_previous": {"ja": "GRR 前年同期", "en": "GRR a year earlier"},
    }
)


def _number(value: Any) -> Decimal:
    """A mart amount as an exact decimal (sums and ratios then match the marts' own arithmetic)."""
    if value is None:
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def retention_ratios(row: dict | None) -> tuple[float | None, float | None]:
    """(NRR, GRR) of a retention mart's row; None when there is no row (no contract in force)."""
    return (row["nrr"], row["grr"]) if row else (None, None)


def payback_note_key(row: dict | None) -> str | None:
    """Why a unit-economics mart row's CAC payback is not defined (a message key), None when it is: the
    mart's inputs_missing names team_costs, or else nothing was won in the half."""
    if row is not None and row["cac_payback_months"] is not None:
        return None
    if row is None or "team_costs" in (row["inputs_missing"] or "").split(", "):
        return "revenue.payback_missing"
    return "revenue.payback_no_margin"


def renewals_due(rows: list[dict], as_of_date: Any) -> list[dict]:
    """Contracts not renewed whose contract_end is within DUE_DAYS after the as-of date."""
    last = as_of_date + timedelta(days=DUE_DAYS)
    return [row for row in rows if row["outcome"] in ("active", "due") and row["contract_end"] <= last]


def build_revenue(context: Context) -> Section | None:
    texts = context.texts
    section = Section("revenue", texts("revenue.title"), texts("revenue.subtitle"), ("half", "unit"))
    bridge = context.marts.rows(
        f"select fiscal_year, fiscal_half, business_unit, {', '.join((*STEPS, NET_NEW))} from {BRIDGE} "
        "where period_grain = 'half' order by period_start, business_unit"
    )
    retention = _with_all_units(
        context,
        "select fiscal_year, fiscal_half, {unit} as business_unit, nrr, grr from {mart} where period_grain = 'half'",
        RETENTION,
        RETENTION_ALL_UNITS,
    )
    economics = _with_all_units(
        context,
        "select fiscal_year, fiscal_half, {unit} as business_unit, new_customers, cac_payback_months, "
        "inputs_missing from {mart}",
        UNIT_ECONOMICS,
        UNIT_ECONOMICS_ALL_UNITS,
    )
    contracts = context.marts.rows(
        f"select business_unit, outcome, contract_end, arr from {CONTRACTS} where outcome in ('active', 'due')"
    )
    by_half: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for name, rows in (("bridge", bridge), ("retention", retention), ("economics", economics)):
        for row in rows:
            by_half[half_key(row["fiscal_year"], row["fiscal_half"])][name].append(row)
    due = renewals_due(contracts, context.as_of.date())
    units = sorted({row["business_unit"] for row in bridge})
    for half in sorted({half_key(row["fiscal_year"], row["fiscal_half"]) for row in bridge}):
        year, fiscal = half.split("-")
        previous = f"{int(year) - 1}-{fiscal}"
        for unit in [ALL_UNITS, *units]:
            section.add(
                half,
                unit,
                _slice(context, by_half[half], by_half.get(previous, {}), due, unit, units),
            )
    return section


def _with_all_units(context: Context, sql: str, per_unit: str, all_units: str) -> list[dict]:
    """A mart's rows per unit and its _all_units sibling's rows, the latter as business unit ALL_UNITS."""
    return [
        *context.marts.rows(sql.format(unit="business_unit", mart=per_unit)),
        *context.marts.rows(sql.format(unit=f"'{ALL_UNITS}'", mart=all_units)),
    ]


def _in_unit(rows: list[dict], unit: str) -> list[dict]:
    return [row for row in rows if unit == ALL_UNITS or row["business_unit"] == unit]


def _row_of(rows: list[dict], unit: str) -> dict | None:
    """The one row of `unit` (ALL_UNITS: the _all_units mart's) in a half's rows of a rate mart."""
    return next((row for row in rows if row["business_unit"] == unit), None)


def _slice(
    context: Context,
    current: dict[str, list[dict]],
    previous: dict[str, list[dict]],
    due: list[dict],
    unit: str,
    units: list[str],
) -> Slice:
    texts = context.texts
    lang = context.lang
    steps = {
        name: sum(_number(row[name]) for row in _in_unit(current.get("bridge", []), unit))
        for name in (*STEPS, NET_NEW)
    }
    nrr, grr = retention_ratios(_row_of(current.get("retention", []), unit))
    nrr_before, grr_before = retention_ratios(_row_of(previous.get("retention", []), unit))
    economics = _row_of(current.get("economics", []), unit)
    payback = economics["cac_payback_months"] if economics else None
    payback_note = payback_note_key(economics)
    new_customers = int(economics["new_customers"]) if economics else 0
    due_here = _in_unit(due, unit)
    due_arr = sum(_number(row["arr"]) for row in due_here)
    content = Slice(figure_height=340)
    net_new = steps[NET_NEW]
    content.cards = [
        card(
            texts("revenue.card_arr"),
            formatting.money(steps["ending_arr"], lang),
            steps["ending_arr"],
            "ending_arr",
        ),
        card(
            texts("revenue.card_net_new"),
            formatting.money(net_new, lang),
            net_new,
            "net_new_arr",
            "bad" if net_new < 0 else None,
        ),
        card(
            texts("revenue.card_nrr"),
            formatting.rate(nrr),
            nrr,
            "nrr",
            "bad" if nrr is not None and nrr < 1 else None,
            texts("revenue.previous", value=formatting.rate(nrr_before)),
        ),
        card(
            texts("revenue.card_grr"),
            formatting.rate(grr),
            grr,
            "grr",
            None,
            texts("revenue.previous", value=formatting.rate(grr_before)),
        ),
        card(texts("revenue.card_due"), formatting.count(len(due_here)), len(due_here), "due_contracts"),
        card(texts("revenue.card_due_arr"), formatting.money(due_arr, lang), due_arr, "due_arr"),
        card(
            texts("revenue.card_payback"),
            formatting.number(payback),
            payback,
            "cac_payback_months",
            None,
            texts(payback_note, count=formatting.count(new_customers)) if payback_note else None,
        ),
    ]
    lost = steps["contraction_arr"] + steps["churned_arr"]
    if lost:
        content.callout(texts("revenue.churn_callout", amount=formatting.money(lost, lang)), tone="warn")
    if due_here:
        content.callout(
            texts(
                "revenue.due_callout",
                count=formatting.count(len(due_here)),
                arr=formatting.money(due_arr, lang),
                days=DUE_DAYS,
                overdue=formatting.count(sum(1 for row in due_here if row["outcome"] == "due")),
            ),
            tone="warn",
        )
    content.figure = _waterfall(context, steps)
    rows = []
    for each in units if unit == ALL_UNITS else [unit]:
        now_nrr, now_grr = retention_ratios(_row_of(current.get("retention", []), each))
        was_nrr, was_grr = retention_ratios(_row_of(previous.get("retention", []), each))
        rows.append(
            [
                cell(texts.label("unit", each)),
                cell(formatting.rate(now_nrr), now_nrr, f"nrr:{each}"),
                cell(formatting.rate(was_nrr), was_nrr, f"nrr_previous:{each}"),
                cell(formatting.rate(now_grr), now_grr, f"grr:{each}"),
                cell(formatting.rate(was_grr), was_grr, f"grr_previous:{each}"),
            ]
        )
    content.set_table(
        [
            texts("revenue.col_unit"),
            texts("revenue.col_nrr"),
            texts("revenue.col_nrr_previous"),
            texts("revenue.col_grr"),
            texts("revenue.col_grr_previous"),
        ],
        rows,
        title=texts("revenue.table_title"),
    )
    content.table_open = True
    return content


def _waterfall(context: Context, steps: dict[str, Decimal]) -> dict:
    texts = context.texts
    signs = {"contraction_arr": -1, "churned_arr": -1}
    measures = ["absolute", "relative", "relative", "relative", "relative", "total"]
    values = [float(signs.get(name, 1) * steps[name]) for name in STEPS]
    figure = empty_figure(
        showlegend=False,
        yaxis=grid_axis(tickformat=",.0f", title={"text": formatting.currency_title(context.lang)}),
        xaxis=grid_axis(),
    )
    figure.add_trace(
        go.Waterfall(
            x=[texts(f"revenue.step_{name}") for name in STEPS],
            y=values,
            measure=measures,
            text=[formatting.money(value, context.lang) for value in values],
            textposition="outside",
            increasing={"marker": {"color": GOOD}},
            decreasing={"marker": {"color": ACCENT}},
            totals={"marker": {"color": PRIMARY}},
            connector={"line": {"color": "#c9ced4"}},
            hovertemplate="%{x}: %{text}<extra></extra>",
        )
    )
    return figure_json(figure)
