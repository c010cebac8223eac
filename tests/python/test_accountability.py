"""Team accountability marts equal hand-computed expectations on a hand-made fixture.

tests/fixtures/accountability/raw is loaded through the real loader and `dbt build` runs with
as_of_date 2026-10-15 (as_of_at 2026-10-15 23:59:59.999999) and the fixture's KPI seeds, which live in
the integration-test dbt project (tests/integration_tests/seeds, accountability_seed_set=fixture),
never in the production seeds. Every column of the five
accountability marts must equal tests/fixtures/accountability/expected/*.csv, whose values were
computed by hand from the rules (tests/fixtures/accountability/README.md); never regenerate them
from model output. Counts, amounts, dates, timestamps, flags and texts compare exactly; double
columns (rates, attainments, effects, logarithms) within 1e-9.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, Warehouse
from expected_tables import TableSpec, assert_mart_equals_expected
from revops.dbtcli import dbt_command
from revops.settings import PROJECT_DIR

FIXTURE = FIXTURES / "accountability"
RAW = FIXTURE / "raw"
EXPECTED = FIXTURE / "expected"
DBT_VARS = {"as_of_date": "2026-10-15", "accountability_seed_set": "fixture"}


# Every column not listed as a double compares exactly; doubles are floats within 1e-9.
def _spec(key: tuple[str, ...], doubles: set[str]) -> TableSpec:
    return TableSpec(key=key, doubles=frozenset(doubles), doubles_are_floats=True)


MARTS: dict[str, TableSpec] = {
    "mart_forward_kpi": _spec(
        ("fiscal_year", "fiscal_half", "business_unit", "team", "metric"),
        {"attainment", "weight", "weighted_attainment", "window_complete_share"},
    ),
    "mart_forward_kpi_monthly": _spec(
        ("fiscal_month", "business_unit", "metric"),
        {"half_to_date_attainment", "window_complete_share"},
    ),
    "mart_handoff_sla": _spec(("lead_id",), {"days_to_response"}),
    "mart_handoff_sla_monthly": _spec(
        ("fiscal_month", "business_unit", "owner_id"),
        {"breach_rate", "median_business_days_to_response", "median_days_to_response"},
    ),
    "mart_handoff_sla_half": _spec(
        ("fiscal_year", "fiscal_half", "business_unit_scope", "owner_scope"),
        {"breach_rate", "median_business_days_to_response", "median_days_to_response"},
    ),
    "mart_funnel_shortfall": _spec(
        ("fiscal_year", "fiscal_half", "business_unit", "measure", "factor"),
        {"plan_value", "actual_value", "factor_ratio", "log_ratio", "effect", "effect_share"},
    ),
    "mart_funnel_shortfall_all_units": _spec(
        ("fiscal_year", "fiscal_half", "measure", "factor"), {"effect", "effect_share"}
    ),
}


@pytest.fixture(scope="session")
def accountability_warehouse(
    tmp_path_factory: pytest.TempPathFactory, integration_project: Path
) -> Warehouse:
    warehouse = Warehouse(tmp_path_factory.mktemp("accountability"), project_dir=integration_project)
    warehouse.build(RAW, dbt_vars=DBT_VARS, reads=(*MARTS, "int_metric_forward_outcomes"))
    return warehouse


@pytest.mark.parametrize("mart", sorted(MARTS))
def test_mart_equals_hand_computed_expectation(accountability_warehouse: Warehouse, mart: str) -> None:
    assert_mart_equals_expected(
        mart, MARTS[mart], EXPECTED, accountability_warehouse.query_dicts(f"select * from marts.{mart}")
    )


def test_nothing_quarantined(accountability_warehouse: Warehouse) -> None:
    assert accountability_warehouse.query("select count(*) from raw.quarantine") == [(0,)]


def test_as_of_is_the_var_end_of_day(accountability_warehouse: Warehouse) -> None:
    assert accountability_warehouse.query("select as_of_at, as_of_source from intermediate.int_as_of") == [
        (dt.datetime(2026, 10, 15, 23, 59, 59, 999999), "var")
    ]


def test_an_as_of_date_with_a_time_stops_the_build(tmp_path: Path) -> None:
    """as_of_date is a day: a time in it (which the as-of's end-of-day would silently drop) stops the build."""
    result = Warehouse(tmp_path).dbt(
        "compile", "--select", "int_as_of", dbt_vars={"as_of_date": "2026-10-15 12:00"}
    )
    assert not result.ok
    assert "var('as_of_date') is '2026-10-15 12:00': give a date as YYYY-MM-DD" in result.output


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


def test_a_later_new_deal_counts_in_the_half_it_was_signed(
    tmp_path: Path, integration_project: Path, accountability_warehouse: Warehouse
) -> None:
    """Lead D, won on 2026-09-13 (FY2026 H1, deal DD, 1,000,000), wins a second new deal: OD2 created
    2026-10-05 (after D's forward window, so no forward metric moves), DD2 signed 2026-10-10 for 500,000.
    won_amount counts DD2 in FY2026 H2, when it was signed: H1, over and mature at the as-of, keeps every
    row of mart_forward_kpi and mart_funnel_shortfall. Before, the lead's whole won amount sat at its first
    win, so H1's won_amount became 1,500,000 (attainment 0.375) and H2 got nothing."""
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    with (raw / "opportunities.csv").open("a", encoding="utf-8") as opportunities:
        opportunities.write(
            "OD2,D,saas,U_FS1,2026-10-05T10:00:00+09:00,Closed Won,500000,JPY,2026-10-10T10:00:00+09:00,true\n"
        )
    with (raw / "deals.csv").open("a", encoding="utf-8") as deals:
        deals.write("DD2,OD2,2026-10-10,new,500000,JPY,2026-11-01,2027-10-31,\n")
    warehouse = Warehouse(tmp_path / "warehouse", project_dir=integration_project)
    warehouse.build(
        raw,
        dbt_vars=DBT_VARS,
        reads=("mart_forward_kpi", "mart_funnel_shortfall", "fct_kpi_metric_events_v1"),
    )

    for mart in ("mart_forward_kpi", "mart_funnel_shortfall"):
        finished_half = (
            f"select * from marts.{mart} where fiscal_year = 2026 and fiscal_half = 'H1' order by all"
        )
        assert warehouse.query(finished_half) == accountability_warehouse.query(finished_half), mart
    assert warehouse.query(
        "select fiscal_half, actual, is_mature from marts.mart_forward_kpi "
        "where fiscal_year = 2026 and business_unit = 'saas' and metric = 'won_amount' order by fiscal_half"
    ) == [("H1", Decimal("1000000.00"), True), ("H2", Decimal("500000.00"), False)]
    assert warehouse.query(
        "select deal_id, anchor_at, fiscal_half, metric_value from marts.fct_kpi_metric_events "
        "where lead_id = 'D' and metric = 'won_amount' order by deal_id"
    ) == [
        ("DD", dt.datetime(2026, 9, 13), "H1", Decimal("1000000.00")),
        ("DD2", dt.datetime(2026, 10, 10), "H2", Decimal("500000.00")),
    ]
    # The deprecated v1 keeps one row per lead and metric: the lead's whole won amount at its first win.
    assert warehouse.query(
        "select anchor_at, fiscal_half, metric_value from marts.fct_kpi_metric_events_v1 "
        "where lead_id = 'D' and metric = 'won_amount'"
    ) == [(dt.datetime(2026, 9, 13), "H1", Decimal("1500000.00"))]


def test_implied_mql_is_not_handed_over(accountability_warehouse: Warehouse) -> None:
    (implied,) = accountability_warehouse.query(
        "select is_mql_implied from marts.fct_lead_funnel where lead_id = 'H'"
    )[0]
    assert implied is True
    assert accountability_warehouse.query(
        "select count(*) from marts.mart_handoff_sla where lead_id = 'H'"
    ) == [(0,)]


def test_sla_tie_break_does_not_depend_on_the_engines_null_order(
    accountability_warehouse: Warehouse, tmp_path: Path
) -> None:
    """Spark sorts NULL first in an ascending ORDER BY, DuckDB and PostgreSQL last. The first response's
    tie-break (status, then owner) says NULLS LAST, so the SLA unit test's ties with a missing owner (M8)
    or status (M9) give the same response with DuckDB switched to Spark's order (default_null_order
    nulls_first). The unit test reads its inputs' column types from a copy of the fixture's warehouse."""
    (tmp_path / "warehouse.duckdb").write_bytes(accountability_warehouse.path.read_bytes())
    profiles = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    profiles["revops_funnel"]["outputs"]["duckdb"]["settings"] = {"default_null_order": "nulls_first"}
    (tmp_path / "profiles.yml").write_text(yaml.safe_dump(profiles, allow_unicode=True), encoding="utf-8")
    completed = subprocess.run(
        [
            *dbt_command(),
            "test",
            "--select",
            "test_type:unit,int_handoff_sla",
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(tmp_path),
            "--target-path",
            str(tmp_path / "target"),
            "--no-write-json",
        ],
        cwd=tmp_path,
        env={
            **os.environ,
            "REVOPS_DUCKDB_PATH": "warehouse.duckdb",
            "DBT_LOG_PATH": str(tmp_path / "logs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    assert "PASS int_handoff_sla::handoff_sla_counts_business_days" in completed.stdout
