"""Team accountability marts equal hand-computed expectations on a hand-made fixture.

tests/fixtures/accountability/raw is loaded through the real loader and `dbt build` runs with
as_of_date 2026-10-15 (as_of_at 2026-10-15 23:59:59) and the fixture's KPI seeds
(accountability_seed_set=fixture: seeds/accountability/fixture/). Every column of the five
accountability marts must equal tests/fixtures/accountability/expected/*.csv, whose values were
computed by hand from the rules (tests/fixtures/accountability/README.md); never regenerate them
from model output. Counts, amounts, dates, timestamps, flags and texts compare exactly; double
columns (rates, attainments, effects, logarithms) within 1e-9.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, Warehouse

FIXTURE = FIXTURES / "accountability"
RAW = FIXTURE / "raw"
EXPECTED = FIXTURE / "expected"
DBT_VARS = {"as_of_date": "2026-10-15", "accountability_seed_set": "fixture"}
DOUBLE_TOLERANCE = Decimal("1e-9")

# mart -> (key columns, double columns); every other column compares exactly.
MARTS: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "mart_forward_kpi": (
        ("fiscal_year", "fiscal_half", "business_unit", "team", "metric"),
        frozenset({"attainment", "weight", "weighted_attainment", "window_complete_share"}),
    ),
    "mart_forward_kpi_monthly": (
        ("fiscal_month", "business_unit", "metric"),
        frozenset({"half_to_date_attainment", "window_complete_share"}),
    ),
    "mart_handoff_sla": (
        ("lead_id",),
        frozenset({"days_to_response"}),
    ),
    "mart_handoff_sla_monthly": (
        ("fiscal_month", "business_unit", "owner_id"),
        frozenset({"breach_rate", "median_business_days_to_response", "median_days_to_response"}),
    ),
    "mart_funnel_shortfall": (
        ("fiscal_year", "fiscal_half", "business_unit", "measure", "factor"),
        frozenset({"plan_value", "actual_value", "factor_ratio", "log_ratio", "effect", "effect_share"}),
    ),
}


@pytest.fixture(scope="session")
def accountability_warehouse(warehouse_factory: Callable[[str], Warehouse]) -> Warehouse:
    warehouse = warehouse_factory("accountability")
    warehouse.build(RAW, dbt_vars=DBT_VARS)
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


def is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def cell_matches(expected: str, actual: Any, is_double: bool) -> bool:
    if expected == "" or actual is None:
        return expected == "" and actual is None
    if is_number(actual):
        difference = abs(Decimal(str(actual)) - Decimal(expected))
        return difference <= DOUBLE_TOLERANCE if is_double else difference == 0
    return as_text(actual) == expected


@pytest.mark.parametrize("mart", sorted(MARTS))
def test_mart_equals_hand_computed_expectation(accountability_warehouse: Warehouse, mart: str) -> None:
    key, doubles = MARTS[mart]
    expected_rows = read_csv(EXPECTED / f"{mart}.csv")
    actual_rows = accountability_warehouse.query_dicts(f"select * from marts.{mart}")

    expected_columns = list(expected_rows[0])
    actual_columns = list(actual_rows[0]) if actual_rows else []
    assert sorted(actual_columns) == sorted(expected_columns), (
        f"{mart} columns differ: missing {sorted(set(expected_columns) - set(actual_columns))}, "
        f"unexpected {sorted(set(actual_columns) - set(expected_columns))}"
    )
    for column in doubles:
        assert all(row[column] is None or isinstance(row[column], float) for row in actual_rows), column

    expected_by_key = {tuple(row[column] for column in key): row for row in expected_rows}
    assert len(expected_by_key) == len(expected_rows), f"{mart}: duplicate keys in the expected CSV"
    actual_by_key: dict[tuple[str, ...], dict[str, Any]] = {}
    for row in actual_rows:
        row_id = tuple(as_text(row[column]) for column in key)
        assert row_id not in actual_by_key, f"{mart}: duplicate row for key {row_id}"
        actual_by_key[row_id] = row

    problems = [f"missing row {k}" for k in sorted(expected_by_key.keys() - actual_by_key.keys())]
    problems += [f"unexpected row {k}" for k in sorted(actual_by_key.keys() - expected_by_key.keys())]
    for row_id in sorted(expected_by_key.keys() & actual_by_key.keys()):
        expected, actual = expected_by_key[row_id], actual_by_key[row_id]
        for column in expected_columns:
            if not cell_matches(expected[column], actual[column], column in doubles):
                problems.append(
                    f"{row_id} {column}: expected {expected[column]!r}, actual {as_text(actual[column])!r}"
                )
    assert not problems, f"{mart} differs from the hand-computed expectation:\n" + "\n".join(problems)


def test_nothing_quarantined(accountability_warehouse: Warehouse) -> None:
    assert accountability_warehouse.query("select count(*) from raw.quarantine") == [(0,)]


def test_as_of_is_the_var_end_of_day(accountability_warehouse: Warehouse) -> None:
    assert accountability_warehouse.query("select as_of_at, as_of_source from intermediate.int_as_of") == [
        (dt.datetime(2026, 10, 15, 23, 59, 59), "var")
    ]


def test_forward_window_boundary(accountability_warehouse: Warehouse) -> None:
    """Day 90 counts, 90 days + 1 second and day 91 do not; a deal signed on day 90's date counts."""
    rows = accountability_warehouse.query(
        "select metric, lead_id, is_outcome_in_window, metric_value "
        "from intermediate.int_metric_forward_outcomes "
        "where metric in ('opportunities_from_mqls', 'won_from_opportunities') and outcome_at is not null "
        "order by metric, lead_id"
    )
    assert rows == [
        ("opportunities_from_mqls", "A", True, Decimal("1.00")),  # exactly 90 days after the MQL
        ("opportunities_from_mqls", "B", False, Decimal("0.00")),  # 90 days and 1 second
        ("opportunities_from_mqls", "C", False, Decimal("0.00")),  # day 91
        ("opportunities_from_mqls", "D", True, Decimal("1.00")),
        ("won_from_opportunities", "D", True, Decimal("1.00")),  # signed on the 90th day's date
    ]


def test_shortfall_effects_sum_exactly_to_the_gap(accountability_warehouse: Warehouse) -> None:
    rows = accountability_warehouse.query(
        "select fiscal_year, fiscal_half, business_unit, measure, max(gap), sum(effect), count(*) "
        "from marts.mart_funnel_shortfall group by all order by all"
    )
    assert len(rows) == 6
    for fiscal_year, half, unit, measure, gap, total_effect, factors in rows:
        # The fixture's ratios are powers of two, so even in floating point the sum is exact.
        assert Decimal(str(total_effect)) == gap, (fiscal_year, half, unit, measure, gap, total_effect)
        assert factors == (7 if measure == "won_amount" else 6)


def test_monthly_actuals_add_up_to_the_half(accountability_warehouse: Warehouse) -> None:
    mismatches = accountability_warehouse.query(
        """
        select kpi.fiscal_year, kpi.fiscal_half, kpi.business_unit, kpi.metric, kpi.actual, monthly.total
        from marts.mart_forward_kpi as kpi
        left join (
            select fiscal_year, fiscal_half, business_unit, metric, sum(actual) as total
            from marts.mart_forward_kpi_monthly group by all
        ) as monthly using (fiscal_year, fiscal_half, business_unit, metric)
        where kpi.metric != 'blended' and kpi.actual != coalesce(monthly.total, 0)
        """
    )
    assert mismatches == []


def test_implied_mql_is_not_handed_over(accountability_warehouse: Warehouse) -> None:
    (implied,) = accountability_warehouse.query(
        "select is_mql_implied from marts.fct_lead_funnel where lead_id = 'H'"
    )[0]
    assert implied is True
    assert accountability_warehouse.query(
        "select count(*) from marts.mart_handoff_sla where lead_id = 'H'"
    ) == [(0,)]
