"""Compare a mart with a hand-computed expected CSV, cell by cell.

The fixture tests (core, accountability) keep their expected values in CSV files written by hand,
with NULL as an empty cell, booleans as true/false and timestamps as naive Asia/Tokyo
`YYYY-MM-DD HH:MM:SS`. `mismatches` returns every difference at once, so a failing test shows the
whole picture rather than the first bad cell.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class TableSpec:
    """How one mart is compared with its expected CSV.

    key: the columns that identify a row.
    numbers: columns whose values must be numbers (not numeric-looking text); integer keys among
        them are compared as integers.
    doubles: columns compared within `tolerance` (they may hold non-terminating ratios).
    exact_double_decimals: if set, a double whose expected value has at most this many decimals
        must match exactly, so a tolerance never hides a wrong terminating value.
    doubles_are_floats: the warehouse must return the `doubles` columns as floating point (not
        decimals).
    """

    key: tuple[str, ...]
    numbers: frozenset[str] = frozenset()
    doubles: frozenset[str] = frozenset()
    tolerance: Decimal = Decimal("1e-9")
    exact_double_decimals: int | None = None
    doubles_are_floats: bool = False


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
        # to the microsecond when it has one (the warehouse keeps microseconds: a period's last instant is
        # 23:59:59.999999); before, a fraction was cut off and 23:59:59 matched it
        fraction = f".{value.microsecond:06d}" if value.microsecond else ""
        return value.strftime("%Y-%m-%d %H:%M:%S") + fraction
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _decimals(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text else 0


def cell_matches(spec: TableSpec, column: str, expected: str, actual: Any) -> bool:
    if expected == "" or actual is None:
        return expected == "" and actual is None
    if not is_number(actual):
        return column not in spec.numbers and column not in spec.doubles and as_text(actual) == expected
    try:
        difference = abs(Decimal(str(actual)) - Decimal(expected))
    except InvalidOperation:
        return False
    exact = column not in spec.doubles or (
        spec.exact_double_decimals is not None and _decimals(expected) <= spec.exact_double_decimals
    )
    return difference == 0 if exact else difference <= spec.tolerance


def _row_key(spec: TableSpec, row: dict[str, Any]) -> tuple[str, ...]:
    parts = []
    for column in spec.key:
        text = as_text(row[column])
        # Integer keys (stage_order, fiscal_year) compare as numbers, not text.
        parts.append(str(int(Decimal(text))) if column in spec.numbers and text else text)
    return tuple(parts)


def mismatches(
    spec: TableSpec, expected_rows: list[dict[str, str]], actual_rows: Iterable[dict[str, Any]]
) -> list[str]:
    """Every difference between the expected CSV rows and the mart rows (empty when equal)."""
    actual_rows = list(actual_rows)
    expected_columns = list(expected_rows[0])
    actual_columns = list(actual_rows[0]) if actual_rows else []
    if sorted(actual_columns) != sorted(expected_columns):
        return [
            f"columns differ: missing {sorted(set(expected_columns) - set(actual_columns))}, "
            f"unexpected {sorted(set(actual_columns) - set(expected_columns))}"
        ]
    problems = [
        f"{column} is not a double in the warehouse"
        for column in sorted(spec.doubles)
        if spec.doubles_are_floats
        and not all(row[column] is None or isinstance(row[column], float) for row in actual_rows)
    ]

    expected_by_key = {_row_key(spec, row): row for row in expected_rows}
    if len(expected_by_key) != len(expected_rows):
        problems.append("duplicate keys in the expected CSV")
    actual_by_key: dict[tuple[str, ...], dict[str, Any]] = {}
    for row in actual_rows:
        row_id = _row_key(spec, row)
        if row_id in actual_by_key:
            problems.append(f"duplicate row for key {row_id}")
        actual_by_key[row_id] = row

    problems += [f"missing row {k}" for k in sorted(expected_by_key.keys() - actual_by_key.keys())]
    problems += [f"unexpected row {k}" for k in sorted(actual_by_key.keys() - expected_by_key.keys())]
    for row_id in sorted(expected_by_key.keys() & actual_by_key.keys()):
        expected, actual = expected_by_key[row_id], actual_by_key[row_id]
        for column in expected_columns:
            if not cell_matches(spec, column, expected[column], actual[column]):
                problems.append(
                    f"{row_id} {column}: expected {expected[column]!r}, actual {as_text(actual[column])!r}"
                )
    return problems


def assert_mart_equals_expected(
    mart: str, spec: TableSpec, expected_dir: Path, actual_rows: Iterable[dict[str, Any]]
) -> None:
    """Fail with every difference between marts.<mart> and <expected_dir>/<mart>.csv."""
    problems = mismatches(spec, read_csv(expected_dir / f"{mart}.csv"), actual_rows)
    assert not problems, f"{mart} differs from the hand-computed expectation:\n" + "\n".join(problems)
