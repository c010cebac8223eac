"""The field-sales pipeline (marts.mart_pipeline_waterfall, mart_pipeline_coverage, mart_sales_performance_by_unit).

Three sections, filtered by fiscal quarter and business unit (docs/dashboard.md, docs/pipeline.md):
- the quarter's waterfall: starting → entries → exits → amount changes → ending, counts and amounts;
- coverage by week of the quarter against a 3× line, one line per unit;
- win rate, sales cycle and stalled deals by unit.

Every figure is a mart's column. The only arithmetic is adding units up for "all units" where the
figure adds up (waterfall counts and amounts, stalled deals); a ratio or a median is never taken
across units here: for all units the page shows each unit's own (coverage lines, the unit table).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go

from revops.dashboard import formatting
from revops.dashboard.common import (
    ACCENT,
    ALL_UNITS,
    GOOD,
    MUTED,
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
)
from revops.dashboard.i18n import MESSAGES
from revops.settings import dbt_vars

WATERFALL = "marts.mart_pipeline_waterfall"
COVERAGE = "marts.mart_pipeline_coverage"
PERFORMANCE = "marts.mart_sales_performance_by_unit"
# The issue's reference line: pipeline worth three times what is left to win.
COVERAGE_LINE = 3
ENTRIES = ("created", "pulled_in", "reopened")
EXITS = ("won", "lost", "pushed_out", "pulled_earlier")
CHANGES = ("increased", "decreased")
STEPS = ("starting", *ENTRIES, *EXITS, *CHANGES, "ending")
NEGATIVE = {*EXITS, "decreased"}
PERFORMANCE_COLUMNS = (
    "closed_count",
    "won_count",
    "win_rate_count",
    "win_rate_amount",
    "median_sales_cycle_days",
    "stalled_count",
)

# This section's words (ja, en), kept with the section and added to the dashboard's dictionary.
MESSAGES.update(
    {
        "quarter.Q1": {"ja": "第1四半期", "en": "Q1"},
        "quarter.Q2": {"ja": "第2四半期", "en": "Q2"},
        "quarter.Q3": {"ja": "第3四半期", "en": "Q3"},
        "quarter.Q4": {"ja": "第4四半期", "en": "Q4"},
        "quarter_label": {"ja": "{year}年度 {quarter}", "en": "FY{year} {quarter}"},
        "pipeline.title": {
            "ja": "パイプラインの増減 (四半期のウォーターフォール)",
            "en": "Pipeline movement (the quarter's waterfall)",
        },
        "pipeline.subtitle": {
            "ja": "選択した四半期を完了予定日とする進行中の商談: 期首 → 流入 (新規・前倒し・復活) → 流出 (受注・失注・期ずれ・早期化) → 金額の増減 → 期末 (進行中の四半期は基準日)。全事業部は各事業部の合計。",
            "en": "Open opportunities with a close date in the selected quarter: starting → entries (created, "
            "pulled in, reopened) → exits (won, lost, pushed out, pulled earlier) → amount changes → ending "
            "(at the as-of date for the current quarter). All units: the units' sums.",
        },
        "pipeline.card_starting": {"ja": "期首パイプライン", "en": "Starting pipeline"},
        "pipeline.card_won": {"ja": "受注 (ブッキング)", "en": "Won (bookings)"},
        "pipeline.card_pushed_out": {"ja": "期ずれ (プッシュ)", "en": "Pushed out"},
        "pipeline.card_ending": {"ja": "期末パイプライン", "en": "Ending pipeline"},
        "pipeline.card_count": {"ja": "{count}件", "en": "{count} deals"},
        "pipeline.step_starting": {"ja": "期首", "en": "Starting"},
        "pipeline.step_created": {"ja": "新規", "en": "Created"},
        "pipeline.step_pulled_in": {"ja": "前倒し流入", "en": "Pulled in"},
        "pipeline.step_reopened": {"ja": "復活", "en": "Reopened"},
        "pipeline.step_won": {"ja": "受注", "en": "Won"},
        "pipeline.step_lost": {"ja": "失注", "en": "Lost"},
        "pipeline.step_pushed_out": {"ja": "期ずれ", "en": "Pushed out"},
        "pipeline.step_pulled_earlier": {"ja": "前の四半期へ", "en": "Pulled earlier"},
        "pipeline.step_increased": {"ja": "増額", "en": "Increased"},
        "pipeline.step_decreased": {"ja": "減額", "en": "Decreased"},
        "pipeline.step_ending": {"ja": "期末", "en": "Ending"},
        "pipeline.col_step": {"ja": "増減", "en": "Movement"},
        "pipeline.col_count": {"ja": "件数", "en": "Deals"},
        "pipeline.col_amount": {"ja": "金額", "en": "Amount"},
        "pipeline.current": {
            "ja": "進行中の四半期: 期末は基準日 {as_of} 時点の値です。",
            "en": "Quarter in progress: the ending is as of {as_of}.",
        },
        "pipeline.empty": {
            "ja": "商談パイプラインのデータがありません (商談が読み込まれていないか、まだ1件もありません)。docs/pipeline.md を参照。",
            "en": "No pipeline data (no opportunities loaded yet). See docs/pipeline.md.",
        },
        "coverage.title": {
            "ja": "パイプラインカバレッジ (週次、3倍ライン)",
            "en": "Pipeline coverage by week (3× line)",
        },
        "coverage.subtitle": {
            "ja": "各週の初めの進行中パイプライン ÷ (ブッキング目標 − 受注済み)。3倍を下回る週は目標未達のリスク。目標が未設定か達成済みの週は空欄。全事業部では事業部ごとの線。",
            "en": "Open pipeline at each week's start ÷ (bookings target − won to date). Below 3× the target is "
            "at risk. Blank where there is no target or it is already met. All units: one line per unit.",
        },
        "coverage.card_latest": {"ja": "{unit}: 直近週", "en": "{unit}: latest week"},
        "coverage.card_week": {"ja": "第{week}週 ({date})", "en": "week {week} ({date})"},
        "coverage.line": {"ja": "3倍ライン", "en": "3× line"},
        "coverage.axis_week": {"ja": "四半期の週", "en": "Week of quarter"},
        "coverage.axis_coverage": {"ja": "カバレッジ (倍)", "en": "Coverage (×)"},
        "coverage.hover": {"ja": "第{week}週: {coverage}", "en": "week {week}: {coverage}"},
        "coverage.below": {
            "ja": "直近週のカバレッジが3倍を下回っています: {units}",
            "en": "Coverage below 3× in the latest week: {units}",
        },
        "coverage.col_unit": {"ja": "事業部", "en": "Unit"},
        "coverage.col_week": {"ja": "週", "en": "Week"},
        "coverage.col_week_start": {"ja": "週初", "en": "Week start"},
        "coverage.col_open": {"ja": "パイプライン", "en": "Open pipeline"},
        "coverage.col_won": {"ja": "受注済み", "en": "Won to date"},
        "coverage.col_target": {"ja": "ブッキング目標", "en": "Bookings target"},
        "coverage.col_coverage": {"ja": "カバレッジ", "en": "Coverage"},
        "coverage.times": {"ja": "{value}倍", "en": "{value}×"},
        "performance.title": {
            "ja": "事業部別の受注率・商談期間・滞留商談",
            "en": "Win rate, sales cycle and stalled deals by unit",
        },
        "performance.subtitle": {
            "ja": "四半期中にクローズした商談の受注率 (件数・金額)、受注までの日数の中央値 (作成→受注)、基準日時点で{days}日を超えて動きのない進行中の商談 (滞留、進行中の四半期のみ)。",
            "en": "Of the deals closed in the quarter: win rate by count and by amount, median days from created "
            "to won; open deals with no change for more than {days} days at the as-of date (stalled, current "
            "quarter only).",
        },
        "performance.card_win_rate": {"ja": "受注率 (件数)", "en": "Win rate (deals)"},
        "performance.card_win_rate_amount": {"ja": "受注率 (金額)", "en": "Win rate (amount)"},
        "performance.card_cycle": {"ja": "商談期間の中央値 (日)", "en": "Median sales cycle (days)"},
        "performance.card_stalled": {"ja": "滞留商談", "en": "Stalled deals"},
        "performance.stalled_past": {"ja": "進行中の四半期のみ", "en": "Current quarter only"},
        "performance.stalled_callout": {
            "ja": "{days}日を超えて動きのない進行中の商談 (滞留): {count}件",
            "en": "Open deals that have not moved for more than {days} days (stalled): {count}",
        },
        "performance.col_unit": {"ja": "事業部", "en": "Unit"},
        "performance.col_closed_count": {"ja": "クローズ", "en": "Closed"},
        "performance.col_won_count": {"ja": "受注", "en": "Won"},
        "performance.col_win_rate_count": {"ja": "受注率 (件数)", "en": "Win rate (deals)"},
        "performance.col_win_rate_amount": {"ja": "受注率 (金額)", "en": "Win rate (amount)"},
        "performance.col_median_sales_cycle_days": {
            "ja": "商談期間 中央値 (日)",
            "en": "Median cycle (days)",
        },
        "performance.col_stalled_count": {"ja": "滞留商談", "en": "Stalled"},
        "performance.table_title": {"ja": "事業部別", "en": "By unit"},
    }
)


def quarter_key(fiscal_year: int, fiscal_quarter: str) -> str:
    return f"{int(fiscal_year)}-{fiscal_quarter}"


def quarter_label(context: Context, key: str) -> str:
    year, quarter = key.split("-")
    return context.texts("quarter_label", year=year, quarter=context.texts.label("quarter", quarter))


def _units(rows: list[dict], unit: str) -> list[dict]:
    return [row for row in rows if unit == ALL_UNITS or row["business_unit"] == unit]


def _sum(rows: list[dict], column: str) -> Decimal:
    """The units' sum of an additive column (counts and amounts)."""
    return sum((Decimal(str(row[column])) for row in rows), Decimal(0))


def _add_slices(
    section: Section, rows: list[dict], make: Callable[[str, list[dict], str, list[str]], Slice]
) -> None:
    """One slice per fiscal quarter x unit (all units first): make(quarter, the unit's rows, unit, units)."""
    by_quarter: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_quarter[quarter_key(row["fiscal_year"], row["fiscal_quarter"])].append(row)
    for quarter, quarter_rows in by_quarter.items():
        units = sorted({row["business_unit"] for row in quarter_rows})
        for unit in [ALL_UNITS, *units]:
            section.add(quarter, unit, make(quarter, _units(quarter_rows, unit), unit, units))


def _empty(context: Context, section: Section) -> Section:
    """A warehouse without pipeline data: the section says so instead of showing nothing."""
    empty = Slice()
    empty.callout(context.texts("pipeline.empty"), tone="warn")
    section.fallback = empty.to_json()
    return section


def build_pipeline(context: Context) -> Section:
    texts = context.texts
    section = Section(
        "pipeline", texts("pipeline.title"), texts("pipeline.subtitle"), ("quarter", "unit"), period="quarter"
    )
    columns = [f"{step}_{measure}" for step in STEPS for measure in ("count", "amount")]
    rows = context.marts.rows(
        f"select fiscal_year, fiscal_quarter, business_unit, is_current_quarter, {', '.join(columns)} "
        f"from {WATERFALL} order by quarter_start, business_unit"
    )
    if not rows:
        return _empty(context, section)
    section.current_quarters = {
        quarter_key(row["fiscal_year"], row["fiscal_quarter"]) for row in rows if row["is_current_quarter"]
    }
    _add_slices(
        section,
        rows,
        lambda quarter, unit_rows, _unit, _units: _waterfall_slice(
            context,
            {column: _sum(unit_rows, column) for column in columns},
            quarter in section.current_quarters,
        ),
    )
    return section


def _waterfall_slice(context: Context, steps: dict[str, Decimal], current: bool) -> Slice:
    texts, lang = context.texts, context.lang
    content = Slice(figure_height=360)

    def amount_card(label: str, step: str, tone: str | None = None) -> dict:
        count = steps[f"{step}_count"]
        note = texts("pipeline.card_count", count=formatting.count(count))
        value = steps[f"{step}_amount"]
        return card(texts(label), formatting.money(value, lang), value, f"{step}_amount", tone, note)

    content.cards = [
        amount_card("pipeline.card_starting", "starting"),
        amount_card("pipeline.card_won", "won", "good" if steps["won_amount"] else None),
        amount_card("pipeline.card_pushed_out", "pushed_out", "warn" if steps["pushed_out_amount"] else None),
        amount_card("pipeline.card_ending", "ending"),
    ]
    if current:
        content.callout(
            texts("pipeline.current", as_of=context.as_of.strftime("%Y-%m-%d %H:%M")), tone="warn"
        )
    values = [
        float(-steps[f"{step}_amount"] if step in NEGATIVE else steps[f"{step}_amount"]) for step in STEPS
    ]
    figure = empty_figure(
        showlegend=False,
        yaxis=grid_axis(tickformat=",.0f", title={"text": formatting.currency_title(lang)}),
        xaxis=grid_axis(),
    )
    figure.add_trace(
        go.Waterfall(
            x=[texts(f"pipeline.step_{step}") for step in STEPS],
            y=values,
            measure=["absolute", *["relative"] * (len(STEPS) - 2), "total"],
            text=[formatting.money(value, lang) for value in values],
            textposition="outside",
            increasing={"marker": {"color": GOOD}},
            decreasing={"marker": {"color": ACCENT}},
            totals={"marker": {"color": PRIMARY}},
            connector={"line": {"color": "#c9ced4"}},
            hovertemplate="%{x}: %{text}<extra></extra>",
        )
    )
    content.figure = figure_json(figure)
    content.set_table(
        [texts("pipeline.col_step"), texts("pipeline.col_count"), texts("pipeline.col_amount")],
        [
            [
                cell(texts(f"pipeline.step_{step}")),
                cell(formatting.count(steps[f"{step}_count"]), steps[f"{step}_count"], f"{step}_count"),
                cell(
                    formatting.money(steps[f"{step}_amount"], lang), steps[f"{step}_amount"], f"{step}_amount"
                ),
            ]
            for step in STEPS
        ],
    )
    return content


def times(context: Context, value: Any) -> str:
    """A coverage multiple, "2.5倍" / "2.5×"."""
    return (
        formatting.MISSING
        if value is None
        else context.texts("coverage.times", value=formatting.number(value, 2))
    )


def build_coverage(context: Context) -> Section:
    texts = context.texts
    section = Section(
        "coverage", texts("coverage.title"), texts("coverage.subtitle"), ("quarter", "unit"), period="quarter"
    )
    rows = context.marts.rows(
        "select fiscal_year, fiscal_quarter, business_unit, week_of_quarter, week_start, open_amount, "
        f"won_to_date_amount, target_amount, coverage from {COVERAGE} "
        "order by quarter_start, business_unit, week_of_quarter"
    )
    if not rows:
        return _empty(context, section)
    _add_slices(
        section, rows, lambda _quarter, unit_rows, _unit, units: _coverage_slice(context, unit_rows, units)
    )
    return section


def _coverage_slice(context: Context, rows: list[dict], all_units: list[str]) -> Slice:
    texts, lang = context.texts, context.lang
    content = Slice(figure_height=340)
    by_unit: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_unit[row["business_unit"]].append(row)
    below = []
    figure = empty_figure(
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        xaxis=grid_axis(title={"text": texts("coverage.axis_week")}, dtick=1),
        yaxis=grid_axis(title={"text": texts("coverage.axis_coverage")}, rangemode="tozero"),
    )
    for unit, unit_rows in sorted(by_unit.items()):
        latest = unit_rows[-1]
        label = texts.label("unit", unit)
        content.cards.append(
            card(
                texts("coverage.card_latest", unit=label),
                times(context, latest["coverage"]),
                latest["coverage"],
                f"coverage_latest:{unit}",
                "bad" if latest["coverage"] is not None and latest["coverage"] < COVERAGE_LINE else None,
                texts(
                    "coverage.card_week",
                    week=latest["week_of_quarter"],
                    date=latest["week_start"].isoformat(),
                ),
            )
        )
        if latest["coverage"] is not None and latest["coverage"] < COVERAGE_LINE:
            below.append(label)
        figure.add_trace(
            go.Scatter(
                x=[row["week_of_quarter"] for row in unit_rows],
                y=[None if row["coverage"] is None else float(row["coverage"]) for row in unit_rows],
                mode="lines+markers",
                name=label,
                line={"color": SERIES[all_units.index(unit) % len(SERIES)]},
                text=[times(context, row["coverage"]) for row in unit_rows],
                hovertemplate=f"{label}: %{{text}}<extra></extra>",
            )
        )
    weeks = [row["week_of_quarter"] for row in rows]
    figure.add_trace(
        go.Scatter(
            x=[min(weeks), max(weeks)],
            y=[COVERAGE_LINE, COVERAGE_LINE],
            mode="lines",
            name=texts("coverage.line"),
            line={"color": MUTED, "dash": "dash"},
            hoverinfo="skip",
        )
    )
    content.figure = figure_json(figure)
    if below:
        content.callout(texts("coverage.below", units=texts.join(below)), tone="warn")
    content.set_table(
        [
            texts("coverage.col_unit"),
            texts("coverage.col_week"),
            texts("coverage.col_week_start"),
            texts("coverage.col_open"),
            texts("coverage.col_won"),
            texts("coverage.col_target"),
            texts("coverage.col_coverage"),
        ],
        [
            [
                cell(texts.label("unit", row["business_unit"])),
                cell(str(row["week_of_quarter"])),
                cell(row["week_start"].isoformat()),
                cell(formatting.money(row["open_amount"], lang), row["open_amount"], _week_key("open", row)),
                cell(
                    formatting.money(row["won_to_date_amount"], lang),
                    row["won_to_date_amount"],
                    _week_key("won", row),
                ),
                cell(
                    formatting.money(row["target_amount"], lang),
                    row["target_amount"],
                    _week_key("target", row),
                ),
                cell(times(context, row["coverage"]), row["coverage"], _week_key("coverage", row)),
            ]
            for row in rows
        ],
    )
    return content


def _week_key(name: str, row: dict) -> str:
    return f"{name}:{row['business_unit']}:{row['week_of_quarter']}"


def stalled_days(context: Context) -> int:
    """The days after which an open deal counts as stalled: the value the build judged stalled_count by
    (the mart's stalled_opportunity_days), so a build run with --vars stalled_opportunity_days=45 is
    labelled 45; the project file's var when the mart has no rows or is from before the column (an older
    publication). Before, the page always named the project file's value."""
    if "stalled_opportunity_days" in context.marts.columns(PERFORMANCE):
        built = context.marts.rows(f"select max(stalled_opportunity_days) as days from {PERFORMANCE}")
        if built and built[0]["days"] is not None:
            return int(built[0]["days"])
    return int(dbt_vars()["stalled_opportunity_days"])


def build_performance(context: Context) -> Section:
    texts = context.texts
    days = stalled_days(context)
    section = Section(
        "performance",
        texts("performance.title"),
        texts("performance.subtitle", days=days),
        ("quarter", "unit"),
        period="quarter",
    )
    rows = context.marts.rows(
        f"select fiscal_year, fiscal_quarter, business_unit, {', '.join(PERFORMANCE_COLUMNS)} "
        f"from {PERFORMANCE} order by quarter_start, business_unit"
    )
    if not rows:
        return _empty(context, section)
    _add_slices(
        section,
        rows,
        lambda _quarter, unit_rows, unit, _units: _performance_slice(context, unit_rows, unit, days),
    )
    return section


def _performance_text(context: Context, column: str, value: Any) -> str:
    if column.startswith("win_rate"):
        return formatting.rate(value)
    if column == "median_sales_cycle_days":
        return formatting.number(value)
    return formatting.count(value)


def _performance_slice(context: Context, rows: list[dict], unit: str, days: int) -> Slice:
    texts = context.texts
    content = Slice()
    stalled_rows = [row for row in rows if row["stalled_count"] is not None]
    # Stalled deals are counted for the as-of quarter only (null otherwise); they add up over units.
    stalled = _sum(stalled_rows, "stalled_count") if stalled_rows else None
    if unit != ALL_UNITS:
        (row,) = rows
        for column, label in (
            ("win_rate_count", "performance.card_win_rate"),
            ("win_rate_amount", "performance.card_win_rate_amount"),
            ("median_sales_cycle_days", "performance.card_cycle"),
        ):
            content.cards.append(
                card(texts(label), _performance_text(context, column, row[column]), row[column], column)
            )
    content.cards.append(
        card(
            texts("performance.card_stalled"),
            formatting.count(stalled),
            stalled,
            "stalled_count",
            "warn" if stalled else None,
            None if stalled is not None else texts("performance.stalled_past"),
        )
    )
    if stalled:
        content.callout(
            texts("performance.stalled_callout", count=formatting.count(stalled), days=days), tone="warn"
        )
    content.set_table(
        [
            texts("performance.col_unit"),
            *(texts(f"performance.col_{column}") for column in PERFORMANCE_COLUMNS),
        ],
        [
            [
                cell(texts.label("unit", row["business_unit"])),
                *(
                    cell(
                        _performance_text(context, column, row[column]),
                        row[column],
                        f"{column}:{row['business_unit']}",
                    )
                    for column in PERFORMANCE_COLUMNS
                ),
            ]
            for row in rows
        ],
        title=texts("performance.table_title"),
    )
    content.table_open = True
    return content
