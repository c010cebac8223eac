"""The core marts equal hand-computed expectations on a small, hand-made fixture.

tests/fixtures/core/raw is loaded through the real loader and `dbt build`; every column of
marts.fct_lead_funnel, marts.mart_stage_conversion (and its rollups per half and per unit and month),
marts.mart_campaign_efficiency, marts.mart_channel_efficiency and marts.mart_build_settings must equal
tests/fixtures/core/expected/*.csv. The expected values were computed by hand from the spec (see
tests/fixtures/core/README.md); never regenerate them from model output.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from rich.console import Console

from conftest import FIXTURES, Warehouse
from expected_tables import TableSpec, assert_mart_equals_expected, read_csv
from revops.summary import cost_by_channel, print_summary

CORE = FIXTURES / "core"
RAW = CORE / "raw"
EXPECTED = CORE / "expected"

STAGES = ("lead", "mql", "sal", "opportunity", "won", "renewed")
STAGE_COLUMNS = ("lead_created_at", "mql_at", "sal_at", "opportunity_at", "won_at", "renewed_at")


# Ratios may not terminate: a ratio whose expected value has more decimals than a float holds
# exactly is compared within 1e-9; otherwise exactly.
def _spec(key: tuple[str, ...], numbers: set[str], ratios: set[str]) -> TableSpec:
    return TableSpec(key=key, numbers=frozenset(numbers), doubles=frozenset(ratios), exact_double_decimals=9)


COST_PER_STAGE = ("cost_per_lead", "cost_per_mql", "cost_per_sal", "cost_per_opportunity", "cost_per_won")
"""The cost-per-stage columns of the campaign and channel marts (macro cost_efficiency_columns)."""

MARTS: dict[str, TableSpec] = {
    "fct_lead_funnel": _spec(("lead_id",), {"won_amount"}, set()),
    "mart_build_settings": _spec(("as_of_at",), {"fiscal_year_start_month"}, set()),
    "mart_stage_conversion": _spec(
        ("cohort_month", "business_unit", "source_channel", "stage_order"),
        {"fiscal_year", "stage_order", "reached_count", "converted_count"},
        {"conversion_rate", "median_days_to_next"},
    ),
    **{
        rollup: _spec(
            (*period, "business_unit_scope", "stage_order"),
            {
                "fiscal_year",
                "stage_order",
                "cohort_leads",
                "reached_count",
                "converted_count",
                "maturity_window_days",
            },
            {"conversion_rate", "rate_from_lead"},
        )
        for rollup, period in (
            ("mart_stage_conversion_half", ("fiscal_year", "fiscal_half")),
            ("mart_stage_conversion_unit_monthly", ("cohort_month",)),
        )
    },
    "mart_campaign_efficiency": _spec(
        ("campaign_id",),
        {"total_cost", "leads", "mqls", "sals", "opportunities", "won_deals", "renewals", "won_amount"},
        {*COST_PER_STAGE, "roi"},
    ),
    "mart_channel_efficiency": _spec(
        ("business_unit_scope", "channel_scope"),
        {
            "campaigns",
            "total_cost",
            "leads",
            "mqls",
            "sals",
            "opportunities",
            "won_deals",
            "renewals",
            "won_amount",
        },
        {*COST_PER_STAGE, "lead_to_opportunity_rate", "roi"},
    ),
}


# core_warehouse (conftest.py): RAW built once per session, shared with the engine and PII tests.


@pytest.mark.parametrize("mart", sorted(MARTS))
def test_mart_equals_hand_computed_expectation(core_warehouse: Warehouse, mart: str) -> None:
    assert_mart_equals_expected(
        mart, MARTS[mart], EXPECTED, core_warehouse.query_dicts(f"select * from marts.{mart}")
    )


def test_the_demo_summary_reads_the_channel_mart(core_warehouse: Warehouse) -> None:
    """The demo's closing table (revops.summary) is mart_channel_efficiency's every-unit channels with cost
    and leads, cheapest lead first (expected/mart_channel_efficiency.csv): outbound has no cost, content and
    paid_search no leads."""
    rows = [(channel, float(cost), *rest) for channel, cost, *rest in cost_by_channel(core_warehouse.path)]
    assert rows == [
        ("webinar", 350_075.0, 3, 2, 350_075 / 3, 175_037.5),
        ("exhibition", 800_000.0, 5, 2, 160_000.0, 400_000.0),
    ]


def test_the_demo_summary_names_the_builds_currency(core_warehouse: Warehouse, tmp_path: Path) -> None:
    """The channel table's title names mart_build_settings.reporting_currency: JPY here, USD for a build with
    that var (planted in a copy). Before, it said JPY whatever the build's currency."""
    console = Console(record=True, width=120)
    print_summary(core_warehouse.path, console)
    assert "by channel (JPY)" in console.export_text()
    copy = tmp_path / "usd.duckdb"
    shutil.copy(core_warehouse.path, copy)
    with duckdb.connect(str(copy)) as connection:
        connection.execute("update marts.mart_build_settings set reporting_currency = 'USD'")
    console = Console(record=True, width=120)
    print_summary(copy, console)
    assert "by channel (USD)" in console.export_text()


def test_a_forward_window_not_in_whole_days_stops_the_build(core_warehouse: Warehouse) -> None:
    """var forward_window_days is read through one macro that checks it: "90.5" stops dbt with an error that
    names the var. Before, `| int` cut it to 90 for the KPI windows while maturity_window_days cast 90.5 to an
    integer in SQL, so two columns could name different windows."""
    result = core_warehouse.dbt(
        "compile", "--select", "mart_stage_conversion_half", dbt_vars={"forward_window_days": "90.5"}
    )
    assert not result.ok
    assert "var forward_window_days must be a whole number of days, at least 1; got '90.5'" in result.output


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


def test_plan_units_the_data_does_not_name_are_listed(core_warehouse: Warehouse) -> None:
    """The project's plan seeds name saas, consulting and hardware; the core fixture's data says SaaS and
    Consulting and has no hardware. The warn test lists each seed's unit that joins nothing, with the
    data's spelling when it differs only in case (tests/dbt/governance)."""
    name = "plan_business_units_found_in_the_data"
    run = json.loads((core_warehouse.target / "run_results.json").read_text(encoding="utf-8"))
    (result,) = [row for row in run["results"] if row["unique_id"].split(".")[2] == name]
    assert (result["status"], result["failures"]) == ("warn", 6)
    (path,) = (core_warehouse.target / "compiled").rglob(f"{name}.sql")
    assert sorted(core_warehouse.query(path.read_text(encoding="utf-8"))) == [
        ("bookings_targets", "consulting", "Consulting"),
        ("bookings_targets", "hardware", None),
        ("bookings_targets", "saas", "SaaS"),
        ("kpi_targets", "consulting", "Consulting"),
        ("kpi_targets", "hardware", None),
        ("kpi_targets", "saas", "SaaS"),
    ]
