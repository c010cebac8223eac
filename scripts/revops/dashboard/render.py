"""Assemble the page: sections → one JSON document → one self-contained HTML file.

The HTML carries plotly.js, the page script, the styles and the data inline;
it loads nothing from anywhere, so it opens from disk, offline. plotly.js is its
finance bundle (package.json, installed by scripts/setup.sh): the trace types
the page draws (common.BUNDLE_TRACE_TYPES) at 1.3 MB, where plotly's full
bundle is 4.8 MB of a reader's download and of every page load's parsing.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from revops.dashboard.common import ALL_UNITS, FONT, Context, half_is_immature, half_label
from revops.dashboard.fonts import FAMILY, FILES, embedded_font
from revops.dashboard.formatting import Lang, reporting_currency
from revops.dashboard.i18n import Texts
from revops.dashboard.sections import SECTIONS
from revops.dashboard.sections.pipeline import quarter_label
from revops.dashboard.warehouse import BuildSettings, Marts
from revops.settings import PROJECT_DIR, dbt_vars

DEFAULT_MATURITY_DAYS = 90
COHORT_MART = "marts.mart_stage_conversion_unit_monthly"


@dataclass(frozen=True)
class Rendered:
    html: str
    font_bytes: int  # the embedded font's WOFF2 size (before base64)
    sections: tuple[str, ...]
    omitted: tuple[str, ...]  # their marts are not built
    failed: tuple[str, ...]  # a mart did not read as expected (a bug: reported, exit 1)


def maturity_days(marts: Marts) -> int:
    """Days a cohort needs before it counts as mature: the forward-KPI window the marts were built
    with (mart_stage_conversion_unit_monthly.maturity_window_days), so a build run with other vars is
    described by its own window; the project's var when that mart is not built, is empty, or is from
    before the column (an older publication: the page must still render)."""
    if marts.has(COHORT_MART) and "maturity_window_days" in marts.columns(COHORT_MART):
        rows = marts.rows(f"select max(maturity_window_days) as days from {COHORT_MART}")
        if rows and rows[0]["days"] is not None:
            return int(rows[0]["days"])
    return int(dbt_vars().get("forward_window_days") or DEFAULT_MATURITY_DAYS)


def build_payload(marts: Marts, lang: Lang) -> tuple[dict[str, Any], tuple[str, ...], tuple[str, ...]]:
    """The page's data, the sections left out (marts not built) and those that failed."""
    settings = marts.settings()
    with reporting_currency(settings.reporting_currency):
        return _payload(marts, lang, settings)


def _payload(
    marts: Marts, lang: Lang, settings: BuildSettings
) -> tuple[dict[str, Any], tuple[str, ...], tuple[str, ...]]:
    texts = Texts(lang)
    as_of = settings.as_of
    context = Context(
        marts=marts,
        lang=lang,
        texts=texts,
        as_of=as_of,
        maturity_days=maturity_days(marts),
        fiscal_year_start_month=settings.fiscal_year_start_month,
    )
    sections: list[dict[str, Any]] = []
    omitted: list[str] = []
    failed: list[str] = []
    halves: set[str] = set()
    units: set[str] = set()
    funnel_halves: set[str] = set()
    funnel_immature: set[str] = set()
    quarters: set[str] = set()
    current_quarters: set[str] = set()
    for spec in SECTIONS:
        if not all(marts.has(relation) for relation in spec.needs):
            omitted.append(spec.id)
            continue
        try:
            section = spec.build(context)
        except Exception as error:  # a mart changed under the dashboard: the page still renders
            print(f"dashboard: section {spec.id} failed: {type(error).__name__}: {error}", file=sys.stderr)
            failed.append(spec.id)
            continue
        if section is None:
            omitted.append(spec.id)
            continue
        content = section.to_json()
        content["wide"] = spec.wide
        sections.append(content)
        halves |= section.halves()
        quarters |= section.quarters()
        current_quarters |= section.current_quarters
        units |= section.units()
        if spec.id == "funnel":
            funnel_halves = section.halves()
            funnel_immature = section.immature_halves or set()
    _pair_half_widths(sections)
    payload = {
        "lang": lang,
        "texts": texts.page(),
        "asOf": as_of.strftime("%Y-%m-%d %H:%M"),
        "asOfSource": texts(f"page.as_of_source.{settings.as_of_source}"),
        "filters": {
            **_half_filter(context, halves, funnel_halves, funnel_immature),
            **_quarter_filter(context, quarters, current_quarters),
            "units": [{"key": ALL_UNITS, "label": texts.label("unit", ALL_UNITS)}]
            + [{"key": unit, "label": texts.label("unit", unit)} for unit in sorted(units)],
            "unit": ALL_UNITS,
        },
        "sections": sections,
        "font": {"family": FAMILY, "weights": sorted(FILES)},
    }
    return payload, tuple(omitted), tuple(failed)


def _half_filter(
    context: Context, halves: set[str], funnel_halves: set[str], funnel_immature: set[str]
) -> dict[str, Any]:
    """The half options (newest first, immature ones marked) and the default: the latest mature half
    with leads, so the page never opens on provisional numbers; the latest half when none is mature.
    A half with leads is immature as mart_stage_conversion_half judges it (is_mature); a half without
    (targets or pipeline only) by the page's rule, half_is_immature."""
    texts = context.texts
    immature = {
        key
        for key in halves
        if (
            key in funnel_immature
            if key in funnel_halves
            else half_is_immature(key, context.as_of, context.maturity_days, context.fiscal_year_start_month)
        )
    }
    options = [
        {
            "key": key,
            "label": half_label(texts, key) + (texts("page.immature_suffix") if key in immature else ""),
            "immature": key in immature,
        }
        for key in sorted(halves, reverse=True)
    ]
    candidates = funnel_halves or halves
    mature = candidates - immature
    default = max(mature or candidates or {""})
    if mature:
        note = texts("page.default_mature", half=half_label(texts, default), days=context.maturity_days)
    else:
        note = texts("page.default_no_mature", days=context.maturity_days)
    return {"halves": options, "half": default, "defaultNote": note}


def _quarter_filter(context: Context, quarters: set[str], current: set[str]) -> dict[str, Any]:
    """The fiscal quarters of the sections keyed by quarter (newest first, the one in progress marked)
    and the default: the quarter in progress at as-of (the marts' is_current_quarter), else the latest."""
    texts = context.texts
    options = [
        {
            "key": key,
            "label": quarter_label(context, key) + (texts("page.current_suffix") if key in current else ""),
        }
        for key in sorted(quarters, reverse=True)
    ]
    default = max((current & quarters) or quarters or {""})
    return {"quarters": options, "quarter": default}


def _pair_half_widths(sections: list[dict[str, Any]]) -> None:
    """Half-width sections sit side by side in pairs; one left without a partner takes the full width."""
    pending: dict[str, Any] | None = None
    for section in sections:
        if section["wide"]:
            if pending is not None:
                pending["wide"] = True
            pending = None
        elif pending is None:
            pending = section
        else:
            pending = None
    if pending is not None:
        pending["wide"] = True


PLOTLY_BUNDLE = PROJECT_DIR / "node_modules" / "plotly.js-finance-dist-min" / "plotly-finance.min.js"
"""plotly.js's finance bundle, as package-lock.json pins it (npm ci, scripts/setup.sh)."""


def plotly_bundle() -> str:
    """The plotly.js the page embeds; a clear error when it is not installed."""
    try:
        return PLOTLY_BUNDLE.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(
            f"the dashboard's plotly.js bundle is not installed ({PLOTLY_BUNDLE}): run scripts/setup.sh "
            "(it runs `npm ci` for package.json)"
        ) from None


def _asset(name: str) -> str:
    return resources.files("revops.dashboard").joinpath("assets", name).read_text(encoding="utf-8")


def _inline_json(payload: dict[str, Any]) -> str:
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def render(db_path: Path, lang: Lang) -> Rendered:
    with Marts(db_path) as marts:
        payload, omitted, failed = build_payload(marts, lang)
    texts = Texts(lang)
    data = _inline_json(payload)
    # The font covers every character the page can show: all of it is in the data (texts, labels, figures).
    font = embedded_font(data)
    replacements = {
        "LANG": lang,
        "TITLE": texts("page.title"),
        "CSS": f"{font.css}\n:root {{ --font: {FONT}; }}\n{_asset('dashboard.css')}",
        "DATA": data,
        "APP": _asset("dashboard.js"),
        "PLOTLY": plotly_bundle(),
    }
    # One pass over the template, so inserted text is never searched for markers.
    html = re.sub(r"\{\{([A-Z]+)\}\}", lambda match: replacements[match.group(1)], _asset("template.html"))
    sections = tuple(section["id"] for section in payload["sections"])
    return Rendered(html, font.woff2_bytes, sections, omitted, failed)


def write_dashboard(db_path: Path, out: Path, lang: Lang) -> Rendered:
    rendered = render(db_path, lang)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(rendered.html, encoding="utf-8")
    return rendered
