"""Assemble the page: sections → one JSON document → one self-contained HTML file.

The HTML carries plotly.js, the page script, the styles and the data inline;
it loads nothing from anywhere, so it opens from disk, offline.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from plotly.offline import get_plotlyjs

from revops.dashboard.common import ALL_UNITS, Context, half_label
from revops.dashboard.formatting import Lang
from revops.dashboard.i18n import Texts
from revops.dashboard.sections import SECTIONS
from revops.dashboard.warehouse import Marts
from revops.settings import dbt_vars

DEFAULT_MATURITY_DAYS = 90


@dataclass(frozen=True)
class Rendered:
    html: str
    sections: tuple[str, ...]
    omitted: tuple[str, ...]  # their marts are not built
    failed: tuple[str, ...]  # a mart did not read as expected (a bug: reported, exit 1)


def maturity_days() -> int:
    """Days a cohort needs before it counts as mature: the forward-KPI window, one definition."""
    return int(dbt_vars().get("forward_window_days") or DEFAULT_MATURITY_DAYS)


def build_payload(marts: Marts, lang: Lang) -> tuple[dict[str, Any], tuple[str, ...], tuple[str, ...]]:
    """The page's data, the sections left out (marts not built) and those that failed."""
    texts = Texts(lang)
    as_of, as_of_source = marts.as_of()
    context = Context(marts=marts, lang=lang, texts=texts, as_of=as_of, maturity_days=maturity_days())
    sections: list[dict[str, Any]] = []
    omitted: list[str] = []
    failed: list[str] = []
    halves: set[str] = set()
    units: set[str] = set()
    funnel_halves: set[str] = set()
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
        units |= section.units()
        if spec.id == "funnel":
            funnel_halves = section.halves()
    _pair_half_widths(sections)
    ordered_halves = sorted(halves)
    payload = {
        "lang": lang,
        "texts": texts.page(),
        "asOf": as_of.strftime("%Y-%m-%d %H:%M"),
        "asOfSource": texts(f"page.as_of_source.{as_of_source}"),
        "filters": {
            "halves": [{"key": key, "label": half_label(texts, key)} for key in reversed(ordered_halves)],
            "units": [{"key": ALL_UNITS, "label": texts.label("unit", ALL_UNITS)}]
            + [{"key": unit, "label": texts.label("unit", unit)} for unit in sorted(units)],
            "half": max(funnel_halves or halves or {""}),
            "unit": ALL_UNITS,
        },
        "sections": sections,
    }
    return payload, tuple(omitted), tuple(failed)


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


def _asset(name: str) -> str:
    return resources.files("revops.dashboard").joinpath("assets", name).read_text(encoding="utf-8")


def _inline_json(payload: dict[str, Any]) -> str:
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def render(db_path: Path, lang: Lang) -> Rendered:
    with Marts(db_path) as marts:
        payload, omitted, failed = build_payload(marts, lang)
    texts = Texts(lang)
    replacements = {
        "LANG": lang,
        "TITLE": texts("page.title"),
        "CSS": _asset("dashboard.css"),
        "DATA": _inline_json(payload),
        "APP": _asset("dashboard.js"),
        "PLOTLY": get_plotlyjs(),
    }
    # One pass over the template, so inserted text is never searched for markers.
    html = re.sub(r"\{\{([A-Z]+)\}\}", lambda match: replacements[match.group(1)], _asset("template.html"))
    return Rendered(html, tuple(section["id"] for section in payload["sections"]), omitted, failed)


def write_dashboard(db_path: Path, out: Path, lang: Lang) -> Rendered:
    rendered = render(db_path, lang)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(rendered.html, encoding="utf-8")
    return rendered
