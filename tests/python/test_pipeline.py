"""The field-sales pipeline marts against the hand-made fixture (tests/fixtures/pipeline/README.md).

Seven opportunities of one business unit cover a deal pushed out and pulled back (P1), a change
stamped exactly 00:00 JST on a quarter's first day written in UTC (P2), a reopened deal with an
amount change at its close (P3), a history-less open deal (P4) and one created already closed (P5),
a close date pulled in as the deal is won (P6) and an unmapped stage (P7). Every value was computed
by hand in the README; the marts must equal it exactly (ratios within 1e-9).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from conftest import FIXTURES, Warehouse, generate
from expected_tables import TableSpec, assert_mart_equals_expected
from nightly_helpers import build_what_is_read

PIPELINE = FIXTURES / "pipeline"
RAW = PIPELINE / "raw"
EXPECTED = PIPELINE / "expected"

KEY = ("fiscal_year", "fiscal_quarter", "business_unit")
MOVEMENTS = (
    "created",
    "pulled_in",
    "reopened",
    "won",
    "lost",
    "pushed_out",
    "pulled_earlier",
    "increased",
    "decreased",
)
WEEK_NUMBERS = {"fiscal_year", "week_of_quarter"}
GENERATED_READS = ("int_pipeline_movements", "mart_pipeline_waterfall", "fct_opportunity")

MARTS: dict[str, TableSpec] = {
    "fct_opportunity_history": TableSpec(
        key=("opportunity_id", "valid_from"),
        numbers=frozenset({"stage_order", "amount"}),
        doubles=frozenset({"probability"}),
        tolerance=0,
    ),
    "mart_pipeline_waterfall": TableSpec(
        key=KEY,
        numbers=frozenset(
            {
                "fiscal_year",
                "starting_count",
                "starting_amount",
                "ending_count",
                "ending_amount",
            }
            | {f"{movement}_{measure}" for movement in MOVEMENTS for measure in ("count", "amount")}
        ),
    ),
    "mart_pipeline_coverage": TableSpec(
        key=(*KEY, "week_of_quarter"),
        numbers=frozenset(
            WEEK_NUMBERS
            | {"open_count", "open_amount", "weighted_amount", "commit_amount", "best_case_amount"}
            | {"won_to_date_amount", "target_amount"}
        ),
        doubles=frozenset({"coverage"}),
        doubles_are_floats=True,
    ),
    "mart_forecast_accuracy": TableSpec(
        key=(*KEY, "week_of_quarter"),
        numbers=frozenset(
            WEEK_NUMBERS
            | {
                "won_to_date_amount",
                "commit_forecast_amount",
                "best_case_forecast_amount",
                "final_won_amount",
            }
            | {"first_week_commit_within_10pct"}
        ),
        doubles=frozenset({"commit_accuracy", "best_case_accuracy"}),
        doubles_are_floats=True,
    ),
    "mart_sales_performance": TableSpec(
        key=(*KEY, "owner_id"),
        numbers=frozenset(
            {"fiscal_year", "average_won_amount", "slipped_count", "stalled_count"}
            | {
                f"{kind}_{measure}"
                for kind in ("created", "closed", "won", "lost")
                for measure in ("count", "amount")
            }
        ),
        doubles=frozenset(
            {"win_rate_count", "win_rate_amount", "median_sales_cycle_days", "median_days_in_stage"}
        ),
        doubles_are_floats=True,
    ),
    "mart_sales_performance_by_unit": TableSpec(
        key=KEY,
        numbers=frozenset(
            {"fiscal_year", "average_won_amount", "stalled_count"}
            | {
                f"{kind}_{measure}"
                for kind in ("created", "closed", "won", "lost")
                for measure in ("count", "amount")
            }
        ),
        doubles=frozenset({"win_rate_count", "win_rate_amount", "median_sales_cycle_days"}),
        doubles_are_floats=True,
    ),
    "mart_sales_stage_duration": TableSpec(
        key=(*KEY, "owner_id", "stage"),
        numbers=frozenset({"fiscal_year", "stage_order", "ended_run_count"}),
        doubles=frozenset({"median_days"}),
        doubles_are_floats=True,
    ),
}


@pytest.fixture(scope="module")
def pipeline_warehouse(shared_build: Callable[..., Warehouse]) -> Warehouse:
    """The fixture built once per test run (`dbt build`, default vars), for every module that reads it."""
    return shared_build("pipeline", RAW)


@pytest.mark.parametrize("mart", sorted(MARTS))
def test_mart_equals_hand_computed_expectation(pipeline_warehouse: Warehouse, mart: str) -> None:
    assert_mart_equals_expected(
        mart, MARTS[mart], EXPECTED, pipeline_warehouse.query_dicts(f"select * from marts.{mart}")
    )


def test_fct_opportunity_days_open_and_stage_age(pipeline_warehouse: Warehouse) -> None:
    rows = pipeline_warehouse.query(
        "select opportunity_id, days_open, current_stage_age_days from marts.fct_opportunity "
        "where opportunity_id in ('P1', 'P2', 'P4') order by 1"
    )
    # as-of is P7's creation, 2026-07-08 10:00. P1: 04-01 09:00 -> 06-30 15:00 = 90.25 days, closed.
    # P2: 04-10 10:00 -> as-of = 89 days; in Proposal/Price Quote since 07-01 00:00 = 7 days 10 hours.
    # P4: 05-15 10:00 -> as-of = 54 days, in its only stage all along.
    assert rows == [("P1", 90.25, None), ("P2", 89.0, 7 + 10 / 24), ("P4", 54.0, 54.0)]


def test_unmapped_stage_warns(pipeline_warehouse: Warehouse) -> None:
    """The build ran the test (a shared build is only read: its run_results say how it ended)."""
    results = json.loads((pipeline_warehouse.target / "run_results.json").read_text(encoding="utf-8"))
    (result,) = [
        result
        for result in results["results"]
        if result["unique_id"].startswith("test.")
        and result["unique_id"].split(".")[2] == "stg_crm__opportunities_stage_in_pipeline_stages"
    ]
    assert (result["status"], result["failures"]) == ("warn", 1)


@pytest.fixture(scope="module")
def generated_warehouse(warehouse_factory: Callable[[str], Warehouse]) -> Warehouse:
    warehouse = warehouse_factory("pipeline_generated")
    raw = warehouse.root / "raw"
    made = generate("--leads", "4000", "--seed", "11", "--out", str(raw))
    assert made.returncode == 0, made.stderr
    loaded = warehouse.load(raw)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    build_what_is_read(warehouse, *GENERATED_READS)
    return warehouse


def test_generated_history_has_every_movement(generated_warehouse: Warehouse) -> None:
    """The generator's history pushes, pulls in, reopens and changes amounts (revops/generator/history.py)."""
    seen = dict(
        generated_warehouse.query(
            "select movement, count(*) from intermediate.int_pipeline_movements group by 1"
        )
    )
    assert set(seen) == set(MOVEMENTS), seen
    assert all(count > 0 for count in seen.values()), seen


def test_generated_waterfall_identities(generated_warehouse: Warehouse) -> None:
    """starting + entries - exits (+ increased - decreased) = ending, and won = bookings, on generated data."""
    entries = ("created", "pulled_in", "reopened")
    exits = ("won", "lost", "pushed_out", "pulled_earlier")
    rows = generated_warehouse.query_dicts("select * from marts.mart_pipeline_waterfall")
    assert rows
    for row in rows:
        counts = (
            row["starting_count"]
            + sum(row[f"{m}_count"] for m in entries)
            - sum(row[f"{m}_count"] for m in exits)
        )
        amounts = (
            row["starting_amount"]
            + sum(row[f"{m}_amount"] for m in entries)
            - sum(row[f"{m}_amount"] for m in exits)
            + row["increased_amount"]
            - row["decreased_amount"]
        )
        assert (counts, amounts) == (row["ending_count"], row["ending_amount"]), row
    bookings = generated_warehouse.query(
        "select count(*), sum(amount) from marts.fct_opportunity where is_won and closed_at is not null"
    )[0]
    won = generated_warehouse.query(
        "select sum(won_count), sum(won_amount) from marts.mart_pipeline_waterfall"
    )[0]
    assert won == bookings
