"""The agreed MQL scoring and the FX rates, read from the seeds the marts use."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from revops.settings import PROJECT_DIR

SEEDS_DIR = PROJECT_DIR / "seeds"
EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class Definition:
    """One MQL definition version: in force on days [effective_from, effective_to] (inclusive)."""

    version: int
    effective_from: int  # days since 1970-01-01
    effective_to: int | None
    threshold: float
    points: dict[str, float]  # activity type -> points
    hand_raise: frozenset[str]


def _truthy(text: str) -> bool:
    return text.strip().lower() in {"true", "1", "yes", "t", "y"}


def _day(text: str | None) -> int | None:
    if text is None or not text.strip():
        return None
    return (dt.date.fromisoformat(text.strip()) - EPOCH).days


def load_definitions(seeds_dir: Path = SEEDS_DIR) -> tuple[Definition, ...]:
    """Every MQL definition version, oldest first (each activity is scored under the one in force on its date)."""
    with (seeds_dir / "mql_definition_versions.csv").open(encoding="utf-8", newline="") as handle:
        versions = list(csv.DictReader(handle))
    with (seeds_dir / "mql_scoring_rules.csv").open(encoding="utf-8", newline="") as handle:
        rules = list(csv.DictReader(handle))
    definitions = []
    for row in versions:
        version = int(row["version"])
        mine = [rule for rule in rules if int(rule["version"]) == version]
        effective_from = _day(row["effective_from"])
        definitions.append(
            Definition(
                version=version,
                effective_from=effective_from if effective_from is not None else -(10**6),
                effective_to=_day(row.get("effective_to")),
                threshold=float(row["threshold"]),
                points={rule["activity_type"].strip(): float(rule["points"] or 0) for rule in mine},
                hand_raise=frozenset(
                    rule["activity_type"].strip() for rule in mine if _truthy(rule["is_hand_raise"])
                ),
            )
        )
    if not definitions:
        raise ValueError("seeds/mql_definition_versions.csv defines no MQL definition")
    return tuple(sorted(definitions, key=lambda d: d.version))


def fx_rates(seeds_dir: Path = SEEDS_DIR) -> dict[str, dict[int, float]]:
    """currency -> {month index (year*12 + month-1): rate to the reporting currency}."""
    rates: dict[str, dict[int, float]] = {}
    with (seeds_dir / "fx_rates.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            month = dt.date.fromisoformat(row["month"].strip())
            rates.setdefault(row["currency"].strip(), {})[month.year * 12 + month.month - 1] = float(
                row["rate_to_reporting"]
            )
    return rates
