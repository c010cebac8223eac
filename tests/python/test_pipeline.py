"""The field-sales pipeline marts against the hand-made fixture (tests/fixtures/pipeline/README.md).

Seven opportunities of one business unit cover a deal pushed out and pulled back (P1), a change
stamped exactly 00:00 JST on a quarter's first day written in UTC (P2), a reopened deal with an
amount change at its close (P3), a history-less open deal (P4) and one created already closed (P5),
a close date pulled in as the deal is won (P6) and an unmapped stage (P7). Every value was computed
by hand in the README; the marts must equal it exactly (ratios within 1e-9).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, NO_UNIT_TESTS, Warehouse, generate
from expected_tables import TableSpec, assert_mart_equals_expected, mismatches, read_csv
from nightly_helpers import build_what_is_read
from revops.dbtcli import DbtResult

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


# --- Variants of the fixture (each built once, only the pipeline marts and what they are made of) ---

PIPELINE_MARTS = (*MARTS, "fct_opportunity")


def _variant(root: Path, edit: Callable[[Path], None]) -> Path:
    """The fixture's raw/ copied under root and changed by `edit`."""
    raw = root / "raw"
    shutil.copytree(RAW, raw)
    edit(raw)
    return raw


def _build_pipeline(
    warehouse: Warehouse, raw: Path, dbt_vars: Mapping[str, Any] | None = None, *selected: str
) -> DbtResult:
    """Load raw and `dbt build` the selected nodes (default: the pipeline marts and fct_opportunity)
    with their parents and every data test whose parents were all built."""
    loaded = warehouse.load(raw)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    nodes = selected or tuple(f"+{mart}" for mart in PIPELINE_MARTS)
    return warehouse.dbt(
        "build", "--select", *nodes, "--indirect-selection", "cautious", *NO_UNIT_TESTS, dbt_vars=dbt_vars
    )


def _expected_rows(mart: str, fiscal_quarters: set[tuple[str, str]]) -> list[dict[str, str]]:
    return [
        row
        for row in read_csv(EXPECTED / f"{mart}.csv")
        if (row["fiscal_year"], row["fiscal_quarter"]) in fiscal_quarters
    ]


M1 = "M1,,saas,U_FS1,2026-04-01T08:00+09:00,Closed Won,5000000,JPY,2026-03-20T10:00+09:00,true,2026-03-20\n"


@pytest.fixture(scope="module")
def closed_before_first_creation(warehouse_factory: Callable[[str], Warehouse]) -> Warehouse:
    """The fixture and M1, entered into the CRM on 2026-04-01 08:00 (before any other opportunity)
    already won on 2026-03-20 (a CRM migration): its close is in FY2025 Q4."""
    warehouse = warehouse_factory("pipeline_close_before_creation")

    def add_m1(raw: Path) -> None:
        with (raw / "opportunities.csv").open("a", encoding="utf-8") as handle:
            handle.write(M1)

    built = _build_pipeline(warehouse, _variant(warehouse.root, add_m1))
    # the build ran assert_waterfall_won_equals_bookings (M1's booking is in a reported quarter)
    assert built.ok, built.output[-6000:]
    return warehouse


def test_a_close_before_the_first_creation_starts_the_reported_quarters(
    closed_before_first_creation: Warehouse, pipeline_warehouse: Warehouse
) -> None:
    """The quarters start at the earliest state instant, M1's close (FY2025 Q4), not at the first
    creation (FY2026 Q1). Q4: M1 created (it counts where it closed, entered already closed) and won,
    5,000,000; nothing carried in or left. The fixture's quarters are unchanged (M1 was never open)."""
    waterfall = closed_before_first_creation.query_dicts(
        "select * from marts.mart_pipeline_waterfall order by fiscal_year, fiscal_quarter"
    )
    assert [(row["fiscal_year"], row["fiscal_quarter"]) for row in waterfall] == [
        (2025, "Q4"),
        (2026, "Q1"),
        (2026, "Q2"),
    ]
    q4 = waterfall[0]
    moved = {f"{movement}_{measure}": 0 for movement in MOVEMENTS for measure in ("count", "amount")}
    moved.update(created_count=1, created_amount=5_000_000, won_count=1, won_amount=5_000_000)
    assert {column: q4[column] for column in q4 if column.endswith(("_count", "_amount"))} == {
        "starting_count": 0,
        "starting_amount": 0,
        **moved,
        "ending_count": 0,
        "ending_amount": 0,
    }
    assert q4["is_current_quarter"] is False
    fixture_quarters = pipeline_warehouse.query_dicts(
        "select * from marts.mart_pipeline_waterfall order by fiscal_year, fiscal_quarter"
    )
    assert waterfall[1:] == fixture_quarters
    performance = closed_before_first_creation.query(
        "select owner_id, created_count, closed_count, won_count, won_amount, lost_count, win_rate_count, "
        "median_sales_cycle_days, stalled_count from marts.mart_sales_performance "
        "where fiscal_year = 2025 and fiscal_quarter = 'Q4'"
    )
    # created in Q1 (2026-04-01 08:00), closed in Q4; the cycle of a close before creation is 0 days
    assert performance == [("U_FS1", 0, 1, 1, 5_000_000, 0, 1.0, 0.0, None)]
    weeks = closed_before_first_creation.query(
        "select count(*), min(week_start), max(week_start), min(final_won_amount), max(final_won_amount) "
        "from marts.mart_forecast_accuracy where fiscal_year = 2025 and fiscal_quarter = 'Q4'"
    )
    # 2026-01-01 + 7k days up to 03-26 (week 13); Q4 is over: its final won amount is M1's
    assert [tuple(str(value) for value in row) for row in weeks] == [
        ("13", "2026-01-01", "2026-03-26", "5000000.00", "5000000.00")
    ]


@pytest.fixture(scope="module")
def as_of_first_quarters_last_day(warehouse_factory: Callable[[str], Warehouse]) -> Warehouse:
    """The fixture with var as_of_date 2026-06-30, the last day of FY2026 Q1: as_of_at is
    2026-06-30 23:59:59.999999, the quarter's last instant."""
    warehouse = warehouse_factory("pipeline_as_of_q1_end")
    built = _build_pipeline(warehouse, RAW, {"as_of_date": "2026-06-30"})
    assert built.ok, built.output[-6000:]
    return warehouse


@pytest.mark.parametrize(
    "mart",
    [
        "mart_pipeline_waterfall",
        "mart_forecast_accuracy",
        "mart_sales_performance",
        "mart_sales_performance_by_unit",
    ],
)
def test_as_of_a_quarters_last_day_closes_the_quarter(
    as_of_first_quarters_last_day: Warehouse, mart: str
) -> None:
    """As of 2026-06-30, FY2026 Q1 is over: its rows equal the hand-computed ones of the default as-of
    (07-08, when Q1 was long over; README): is_current_quarter false, the final won amount 20,000,000
    and the accuracy of every week (week 12: commit 6,000,000 won + 13,000,000 open = 19,000,000, so
    1 - 1/20 = 0.95, the first within 10%), no stalled count (only the current quarter has one). Q2
    has not begun: no row. Before, Q1 stayed open to 07-01 00:00: current, accuracy null, stalled counted."""
    expected = _expected_rows(mart, {("2026", "Q1")})
    actual = as_of_first_quarters_last_day.query_dicts(f"select * from marts.{mart}")
    problems = mismatches(MARTS[mart], expected, actual)
    assert not problems, f"{mart} differs from the hand-computed expectation:\n" + "\n".join(problems)


def test_as_of_a_quarters_last_day_gives_the_final_forecast_accuracy(
    as_of_first_quarters_last_day: Warehouse,
) -> None:
    rows = as_of_first_quarters_last_day.query(
        "select week_of_quarter, won_to_date_amount, commit_forecast_amount, final_won_amount, commit_accuracy, "
        "first_week_commit_within_10pct from marts.mart_forecast_accuracy "
        "where fiscal_year = 2026 and fiscal_quarter = 'Q1' and week_of_quarter >= 12 order by 1"
    )
    assert rows == [
        (12, 6_000_000, 19_000_000, 20_000_000, 0.95, 12),
        (13, 6_000_000, 19_000_000, 20_000_000, 0.95, 12),
    ]


def test_a_history_currency_without_a_rate_fails_the_build(warehouse: Warehouse) -> None:
    """P2's 07-01 history row in GBP, a currency with no rate in seeds/fx_rates.csv: states convert it at
    P2's creation month's rate (2026-04), so the FX test names that month and currency. Before, the
    test read only the opportunities' currencies and the state's amount was null, 0 in every mart."""

    def history_in_gbp(raw: Path) -> None:
        path = raw / "opportunity_history.csv"
        text = path.read_text(encoding="utf-8")
        row = "P2,2026-06-30T15:00:00Z,Proposal/Price Quote,8000000,JPY,2026-07-15,"
        assert row in text
        path.write_text(text.replace(row, row.replace("JPY", "GBP")), encoding="utf-8")

    result = _build_pipeline(
        warehouse, _variant(warehouse.root, history_in_gbp), None, "+assert_fx_rates_cover_every_money_month"
    )
    assert not result.ok
    assert (
        "Missing FX rates: add these 1 (month, currency) rows to seeds/fx_rates.csv "
        "(month,currency,rate_to_reporting): 2026-04-01,GBP"
    ) in result.output
