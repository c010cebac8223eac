"""What every section shares: the build context, the slice shape, chart styling.

A section turns marts into *slices*, one per filter selection it reacts to,
keyed "<half>|<unit>" ("*" for a filter the section ignores). A slice holds
only finished, formatted content (cards, a callout, a plotly figure, a
table); the page's script just picks the slice for the current filters.
Every number is a cell carrying its text, its raw value and a stable key
(`data-key` / `data-value` on the page), so tests compare the page with the
marts exactly.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go

from revops.dashboard.fonts import FAMILY
from revops.dashboard.formatting import Lang
from revops.dashboard.i18n import Texts
from revops.dashboard.warehouse import Marts, half_last_month

ALL_UNITS = "__all__"
ALL_ROWS = "(all)"
"""A rollup mart's business_unit_scope, channel_scope or owner_scope of the rows that add up every unit,
channel or owner (macro all_rows_label)."""
ANY = "*"

# Colours: one accent for what needs attention, calm tones for the rest.
ACCENT = "#c62828"
WARN = "#ef6c00"
GOOD = "#2e7d32"
PRIMARY = "#1f4e79"
MUTED = "#a7b1bc"
SERIES = ("#1f4e79", "#2a9d8f", "#e9a23b", "#8e5ea2", "#c2185b", "#5d6d7e")
# The embedded font first (fonts.py): every glyph the page draws comes from it, whatever the viewer has.
FONT = f"'{FAMILY}', 'Noto Sans CJK JP', 'Hiragino Sans', 'Yu Gothic', Meiryo, sans-serif"


@dataclass(frozen=True)
class Context:
    marts: Marts
    lang: Lang
    texts: Texts
    as_of: datetime
    maturity_days: int
    fiscal_year_start_month: int


def half_key(fiscal_year: int, fiscal_half: str) -> str:
    return f"{int(fiscal_year)}-{fiscal_half}"


def slice_key(half: str, unit: str) -> str:
    return f"{half}|{unit}"


def half_label(texts: Texts, key: str) -> str:
    year, half = key.split("-")
    return texts("half_label", year=year, half=texts.label("half", half))


def month_label(texts: Texts, month: date) -> str:
    return texts("month_label", year=month.year, month=month.month)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def is_immature(month: date, as_of: datetime, maturity_days: int) -> bool:
    """A monthly cohort is immature until the month's end plus `maturity_days` days, when every lead it
    can hold has had its whole window: the marts' rule (macro cohort_maturity_columns), which the page
    uses only for a half without leads (half_is_immature)."""
    return as_of < datetime.combine(next_month(month), datetime.min.time()) + timedelta(days=maturity_days)


def half_is_immature(key: str, as_of: datetime, maturity_days: int, fiscal_year_start_month: int) -> bool:
    """A fiscal half is immature while any of its cohort months is: until its last month's youngest
    leads have had `maturity_days` days. Such a half is also not over, so every mart's own
    `is_mature` for it is false as well."""
    year, half = key.split("-")
    return is_immature(half_last_month(int(year), half, fiscal_year_start_month), as_of, maturity_days)


def campaign_labels(campaigns: Iterable[tuple[str, str | None]], limit: int | None = None) -> dict[str, str]:
    """{campaign_id: label}: the name (cut to `limit` characters), and "name (id)" wherever two campaigns
    would otherwise read the same, so campaigns that share a name are never drawn as one."""
    names = {campaign_id: name or campaign_id for campaign_id, name in campaigns}
    cut = {
        key: name if limit is None or len(name) <= limit else name[: limit - 1] + "…"
        for key, name in names.items()
    }
    shared = {label for label, count in Counter(cut.values()).items() if count > 1}
    return {key: f"{label} ({key})" if label in shared else label for key, label in cut.items()}


def raw(value: Any) -> Any:
    """A JSON-safe raw value."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def cell(text: str, value: Any = None, key: str | None = None, tone: str | None = None) -> dict[str, Any]:
    content: dict[str, Any] = {"t": text}
    if key is not None:
        content["k"] = key
        content["v"] = raw(value)
    if tone:
        content["tone"] = tone
    return content


def card(
    label: str, text: str, value: Any, key: str, tone: str | None = None, note: str | None = None
) -> dict:
    content = {"label": label, **cell(text, value, key, tone)}
    if note:
        content["note"] = note
    return content


@dataclass
class Slice:
    cards: list[dict] = field(default_factory=list)
    callouts: list[dict] = field(default_factory=list)
    figure: dict | None = None
    figure_height: int = 360
    table: dict | None = None
    table_open: bool = False

    def callout(self, text: str, tone: str = "bad") -> None:
        self.callouts.append({"t": text, "tone": tone})

    def set_table(self, columns: list[str], rows: list, title: str | None = None) -> None:
        """Rows are lists of cells, or {"cells": [...], "tone": ...} to colour the whole row."""
        self.table = {"columns": columns, "rows": rows, "title": title}

    def to_json(self) -> dict[str, Any]:
        return {
            "cards": self.cards,
            "callouts": self.callouts,
            "figure": self.figure,
            "height": self.figure_height,
            "table": self.table,
            "tableOpen": self.table_open,
        }


@dataclass
class Section:
    """A finished section: its texts and its slices."""

    id: str
    title: str
    subtitle: str
    filters: tuple[str, ...]
    slices: dict[str, dict] = field(default_factory=dict)
    fallback: dict | None = None  # shown for a selection without a slice (else "no data")
    # The halves this section calls immature, from its mart's own `is_mature`; None: the page's rule
    # (half_is_immature). Either way a section filtered by half is badged when the chosen half is one.
    immature_halves: set[str] | None = None
    # The period its slices are keyed by: a fiscal half ("2026-H1") or a fiscal quarter ("2026-Q2").
    period: str = "half"
    current_quarters: set[str] = field(default_factory=set)  # quarters in progress at as-of

    def add(self, half: str, unit: str, content: Slice) -> None:
        self.slices[slice_key(half, unit)] = content.to_json()

    def periods(self) -> set[str]:
        return {key.split("|")[0] for key in self.slices} - {ANY}

    def halves(self) -> set[str]:
        return self.periods() if self.period == "half" else set()

    def quarters(self) -> set[str]:
        return self.periods() if self.period == "quarter" else set()

    def units(self) -> set[str]:
        return {key.split("|")[1] for key in self.slices} - {ANY, ALL_UNITS}

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "subtitle": self.subtitle,
            "filters": list(self.filters),
            "slices": self.slices,
            "fallback": self.fallback,
            "immature": None if self.immature_halves is None else sorted(self.immature_halves),
        }


def empty_figure(**layout: Any) -> go.Figure:
    """A figure without plotly's default template (kept out of the page's data)."""
    figure = go.Figure(layout=go.Layout(template=go.layout.Template()))
    figure.update_layout(style_layout(**layout))
    return figure


def style_layout(**layout: Any) -> dict[str, Any]:
    """The house chart style, with `layout` on top."""
    return {
        "font": {"family": FONT, "size": 13, "color": "#1b2631"},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "hoverlabel": {"font": {"family": FONT}},
        **layout,
    }


BUNDLE_TRACE_TYPES = frozenset(
    {
        "bar",
        "candlestick",
        "funnel",
        "funnelarea",
        "histogram",
        "indicator",
        "ohlc",
        "pie",
        "scatter",
        "waterfall",
    }
)
"""The trace types of the plotly.js bundle the page embeds (plotly.js's finance bundle, package.json;
render.py). plotly.js draws nothing for a type its bundle lacks."""


def figure_json(figure: go.Figure) -> dict[str, Any]:
    """The figure as plain JSON (data and layout). A trace type the page's plotly.js bundle cannot draw
    is an error here, not an empty chart on the page."""
    content = json.loads(figure.to_json())
    data = content.get("data", [])
    missing = sorted({trace.get("type", "scatter") for trace in data} - BUNDLE_TRACE_TYPES)
    if missing:
        raise ValueError(
            f"trace type {', '.join(missing)} is not in the page's plotly.js bundle "
            f"({', '.join(sorted(BUNDLE_TRACE_TYPES))}): change package.json's bundle"
        )
    return {"data": data, "layout": content.get("layout", {})}


def month_axis(texts: Texts, months: int, ticks: int = 12, **extra: Any) -> dict[str, Any]:
    """A date x axis for `months` monthly points (plotted on the 1st), at most about `ticks` ticks."""
    step = max(1, -(-months // ticks))
    return grid_axis(
        type="date",
        tickformat=texts("month_tick"),
        hoverformat=texts("month_tick"),
        dtick=f"M{step}",
        tick0="2000-01-01",
        **extra,
    )


def month_band(figure: go.Figure, first: date, last: date, colour: str, text: str, **extra: Any) -> None:
    """Shade the months first..last (points sit on the 1st; a band spans half a month either side)."""
    figure.add_vrect(
        x0=(first - timedelta(days=15)).isoformat(),
        x1=(last + timedelta(days=15)).isoformat(),
        fillcolor=colour,
        opacity=0.07,
        line_width=0,
        annotation_text=text,
        **extra,
    )


def grid_axis(**extra: Any) -> dict[str, Any]:
    return {"gridcolor": "#e5e8eb", "zerolinecolor": "#c9ced4", "automargin": True, **extra}
