"""The core marts equal hand-computed expectations on a small, hand-made fixture.

tests/fixtures/core/raw is loaded through the real loader and `dbt build`; every column of
marts.fct_lead_funnel, marts.mart_stage_conversion and marts.mart_campaign_efficiency must equal
tests/fixtures/core/expected/*.csv. The expected values were computed by hand from the spec (see
tests/fixtures/core/README.md); never regenerate them from model output.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, Warehouse

CORE = FIXTURES / "core"
RAW = CORE / "raw"
EXPECTED = CORE / "expected"

STAGES = ("lead", "mql", "sal", "opportunity", "won", "renewed")
STAGE_COLUMNS = ("lead_created_at", "mql_at", "sal_at", "opportunity_at", "won_at", "renewed_at")

# Ratios that may not terminate: compared with an absolute tolerance when the expected value
# has more decimals than a float can hold exactly; otherwise exactly.
RATIO_TOLERANCE = 1e-9
EXACT_MAX_DECIMALS = 9

# mart -> (key columns, numeric columns, ratio columns)
MARTS: dict[str, tuple[tuple[str, ...], frozenset[str], frozenset[str]]] = {
    "fct_lead_funnel": (
        ("lead_id",),
        frozenset({"won_amount"}),
        frozenset(),
    ),
    "mart_stage_conversion": (
        ("cohort_month", "business_unit", "source_channel", "stage_order"),
        frozenset({"fiscal_year", "stage_order", "reached_count", "converted_count"}),
        frozenset({"conversion_rate", "median_days_to_next"}),
    ),
    "mart_campaign_efficiency": (
        ("campaign_id",),
        frozenset(
            {"total_cost", "leads", "mqls", "sals", "opportunities", "won_deals", "renewals", "won_amount"}
        ),
        frozenset(
            {
                "cost_per_lead",
                "cost_per_mql",
                "cost_per_sal",
                "cost_per_opportunity",
                "cost_per_won",
                "roi",
            }
        ),
    ),
}


@pytest.fixture(scope="session")
def core_warehouse(warehouse_factory: Callable[[str], Warehouse]) -> Warehouse:
    warehouse = warehouse_factory("core_marts")
    warehouse.build(RAW)
    return warehouse


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def as_text(value: Any) -> str:
    """A warehouse value rendered like a cell of the expected CSVs (NULL = empty)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        assert value.tzinfo is None, f"timestamps must be naive Asia/Tokyo, got {value!r}"
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def decimals(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text else 0


def cell_matches(
    column: str, expected: str, actual: Any, numeric: frozenset[str], ratios: frozenset[str]
) -> bool:
    if expected == "" or actual is None:
        return expected == "" and actual is None
    if column in numeric or column in ratios:
        if isinstance(actual, bool) or not isinstance(actual, int | float | Decimal):
            return False
        try:
            actual_number = Decimal(str(actual))
        except InvalidOperation:
            return False
        expected_number = Decimal(expected)
        if column in ratios and decimals(expected) > EXACT_MAX_DECIMALS:
            return abs(actual_number - expected_number) <= Decimal(str(RATIO_TOLERANCE))
        return actual_number == expected_number
    return as_text(actual) == expected


def row_key(row: dict[str, Any], key: tuple[str, ...], numeric: frozenset[str]) -> tuple[str, ...]:
    parts = []
    for column in key:
        text = as_text(row[column])
        # Integer keys (stage_order) compare as numbers, not text.
        parts.append(str(int(Decimal(text))) if column in numeric and text else text)
    return tuple(parts)


@pytest.mark.parametrize("mart", sorted(MARTS))
def test_mart_equals_hand_computed_expectation(core_warehouse: Warehouse, mart: str) -> None:
    key, numeric, ratios = MARTS[mart]
    expected_rows = read_csv(EXPECTED / f"{mart}.csv")
    actual_rows = core_warehouse.query_dicts(f"select * from marts.{mart}")

    expected_columns = list(expected_rows[0])
    actual_columns = list(actual_rows[0]) if actual_rows else []
    assert sorted(actual_columns) == sorted(expected_columns), (
        f"{mart} columns differ: missing {sorted(set(expected_columns) - set(actual_columns))}, "
        f"unexpected {sorted(set(actual_columns) - set(expected_columns))}"
    )

    expected_by_key = {row_key(row, key, numeric): row for row in expected_rows}
    actual_by_key: dict[tuple[str, ...], dict[str, Any]] = {}
    for row in actual_rows:
        row_id = row_key(row, key, numeric)
        assert row_id not in actual_by_key, f"{mart}: duplicate row for key {row_id}"
        actual_by_key[row_id] = row
    assert len(expected_by_key) == len(expected_rows), f"{mart}: duplicate keys in the expected CSV"

    problems = [f"missing row {k}" for k in sorted(expected_by_key.keys() - actual_by_key.keys())]
    problems += [f"unexpected row {k}" for k in sorted(actual_by_key.keys() - expected_by_key.keys())]
    for row_id in sorted(expected_by_key.keys() & actual_by_key.keys()):
        expected, actual = expected_by_key[row_id], actual_by_key[row_id]
        for column in expected_columns:
            if not cell_matches(column, expected[column], actual[column], numeric, ratios):
                problems.append(
                    f"{row_id} {column}: expected {expected[column]!r}, actual {as_text(actual[column])!r}"
                )
    assert not problems, f"{mart} differs from the hand-computed expectation:\n" + "\n".join(problems)


def test_nothing_quarantined_and_every_row_loaded(core_warehouse: Warehouse) -> None:
    quarantined = core_warehouse.query("select table_name, line_number, reason from raw.quarantine")
    assert quarantined == [], f"the core fixture must be entirely valid, quarantined: {quarantined}"
    for path in sorted(RAW.glob("*.csv")):
        (count,) = core_warehouse.query(f"select count(*) from raw.{path.stem}")[0]
        assert count == len(read_csv(path)), f"raw.{path.stem}: {count} rows loaded from {path.name}"


def test_every_raw_lead_appears_exactly_once(core_warehouse: Warehouse) -> None:
    raw_leads = Counter(row["lead_id"] for row in read_csv(RAW / "leads.csv"))
    assert all(n == 1 for n in raw_leads.values())
    mart_leads = Counter(
        lead_id for (lead_id,) in core_warehouse.query("select lead_id from marts.fct_lead_funnel")
    )
    assert mart_leads == raw_leads


def test_stage_times_never_decrease(core_warehouse: Warehouse) -> None:
    columns = ", ".join(STAGE_COLUMNS)
    rows = core_warehouse.query(f"select lead_id, furthest_stage, {columns} from marts.fct_lead_funnel")
    assert rows
    for lead_id, furthest_stage, *times in rows:
        reached = [t is not None for t in times]
        # A stage is reached only if every earlier stage is reached too.
        assert reached == sorted(reached, reverse=True), f"{lead_id}: gap in stages {reached}"
        present = [t for t in times if t is not None]
        assert present == sorted(present), f"{lead_id}: stage times decrease {present}"
        assert furthest_stage == STAGES[sum(reached) - 1], f"{lead_id}: furthest_stage {furthest_stage}"
