"""The expected-CSV comparison used by the fixture tests catches what it must."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from expected_tables import TableSpec, mismatches

SPEC = TableSpec(
    key=("id", "stage_order"),
    numbers=frozenset({"stage_order", "count"}),
    doubles=frozenset({"rate"}),
    exact_double_decimals=9,
    doubles_are_floats=True,
)
EXPECTED = [
    {"id": "a", "stage_order": "1", "count": "3", "rate": "0.5", "at": "2026-04-01 09:00:00"},
    {"id": "b", "stage_order": "2", "count": "", "rate": "0.3333333333333", "at": ""},
]


def actual(**changes: object) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = [
        {"id": "a", "stage_order": 1, "count": 3, "rate": 0.5, "at": dt.datetime(2026, 4, 1, 9)},
        {"id": "b", "stage_order": 2, "count": None, "rate": 1 / 3, "at": None},
    ]
    rows[0].update(changes)
    return rows


def test_equal_tables_have_no_mismatch() -> None:
    assert mismatches(SPEC, EXPECTED, actual()) == []


def test_a_non_terminating_ratio_compares_within_the_tolerance_only() -> None:
    assert mismatches(SPEC, EXPECTED, actual(rate=0.5 + 1e-12)) == [
        "('a', '1') rate: expected '0.5', actual '0.500000000001'"
    ]


def test_a_number_returned_as_text_is_a_mismatch() -> None:
    assert mismatches(SPEC, EXPECTED, actual(count="3")) == ["('a', '1') count: expected '3', actual '3'"]


def test_null_versus_value_missing_rows_and_columns_are_reported() -> None:
    assert mismatches(SPEC, EXPECTED, actual(at=None)) == [
        "('a', '1') at: expected '2026-04-01 09:00:00', actual ''"
    ]
    assert mismatches(SPEC, EXPECTED, actual(id="c")) == [
        "missing row ('a', '1')",
        "unexpected row ('c', '1')",
    ]
    assert mismatches(SPEC, EXPECTED, [{**row, "extra": 1} for row in actual()]) == [
        "columns differ: missing [], unexpected ['extra']"
    ]


def test_a_double_column_holding_decimals_is_reported() -> None:
    assert mismatches(SPEC, EXPECTED, actual(rate=Decimal("0.5"))) == [
        "rate is not a double in the warehouse"
    ]
