"""The pipeline's MetricFlow metrics (models/semantic/_semantic__pipeline.yml) against the marts.

The pipeline fixture (tests/fixtures/pipeline, hand-computed in its README) is built in a copy of the
project; each metric is queried with `mf query` at its mart's grain and must equal the mart's column
(ratios within 1e-9; a null in the mart is an empty value from mf). The hand values are asserted too,
so a metric and a mart cannot agree on a wrong number.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from conftest import FIXTURES
from test_governance import ProjectCopy, close, ok

PIPELINE_RAW = FIXTURES / "pipeline" / "raw"
MARTS = (
    "mart_sales_performance",
    "mart_sales_performance_by_unit",
    "mart_pipeline_coverage",
    "mart_forecast_accuracy",
    "fct_opportunity",
)


@pytest.fixture(scope="module")
def pipeline_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProjectCopy]:
    project = ProjectCopy(tmp_path_factory.mktemp("pipeline_semantic"))
    project.load(PIPELINE_RAW)
    # Only what the metrics read, models only: test_pipeline.py's full build of the same raw files
    # and vars runs the data tests on this data (and the core build the unit tests).
    selected = ("--select", *(f"+{mart}" for mart in MARTS))
    models_only = ("--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")
    project.build_output = ok(project.dbt("build", *selected, *models_only))
    yield project
    project.stop_semantic_server()


def metric_rows(
    project: ProjectCopy, metrics: list[str], group_by: list[str]
) -> dict[tuple[str, ...], dict[str, str]]:
    """`mf query` rows keyed by their group-by values (times as YYYY-MM-DD)."""
    found: dict[tuple[str, ...], dict[str, str]] = {}
    for row in project.mf_query(metrics, group_by):
        key = tuple(row[g][:10] if g.startswith("metric_time") else row[g] for g in group_by)
        assert key not in found, key
        found[key] = row
    return found


def agree(metric: str | None, mart: Any) -> bool:
    """A metric's value equals the mart's: both null, or equal within 1e-9."""
    return close(metric or None, mart)


def test_win_rates_equal_mart_sales_performance_per_owner_and_per_unit(pipeline_project: ProjectCopy) -> None:
    metrics = ["win_rate", "win_rate_amount"]
    by_owner = metric_rows(
        pipeline_project,
        metrics,
        ["metric_time__quarter", "sales_performance_row__business_unit", "sales_performance_row__owner_id"],
    )
    rows = pipeline_project.query(
        "select quarter_start, business_unit, owner_id, win_rate_count, win_rate_amount "
        "from marts.mart_sales_performance"
    )
    assert len(rows) == len(by_owner) == 4
    for row in rows:
        found = by_owner[(row["quarter_start"].isoformat(), row["business_unit"], row["owner_id"])]
        assert agree(found["win_rate"], row["win_rate_count"]), row
        assert agree(found["win_rate_amount"], row["win_rate_amount"]), row
    by_unit = metric_rows(
        pipeline_project, metrics, ["metric_time__quarter", "sales_performance_row__business_unit"]
    )
    units = pipeline_project.query(
        "select quarter_start, business_unit, win_rate_count, win_rate_amount "
        "from marts.mart_sales_performance_by_unit"
    )
    assert len(units) == len(by_unit) == 2
    for row in units:
        found = by_unit[(row["quarter_start"].isoformat(), row["business_unit"])]
        assert agree(found["win_rate"], row["win_rate_count"]), row
        assert agree(found["win_rate_amount"], row["win_rate_amount"]), row
    # Hand-computed (README): Q1 U_FS1 won 3 of 4 closes, 20M of 21M.
    q1 = by_owner[("2026-04-01", "saas", "U_FS1")]
    assert close(q1["win_rate"], Decimal("0.75")) and close(q1["win_rate_amount"], Decimal(20) / 21)


def test_sales_cycle_days_equals_the_marts_median_per_owner_and_per_unit(
    pipeline_project: ProjectCopy,
) -> None:
    by_owner = metric_rows(
        pipeline_project,
        ["sales_cycle_days"],
        ["metric_time__quarter", "won_opportunity__business_unit", "won_opportunity__owner_id"],
    )
    rows = pipeline_project.query(
        "select quarter_start, business_unit, owner_id, median_sales_cycle_days "
        "from marts.mart_sales_performance where median_sales_cycle_days is not null"
    )
    assert {(row["quarter_start"].isoformat(), row["business_unit"], row["owner_id"]) for row in rows} == set(
        by_owner
    )
    for row in rows:
        found = by_owner[(row["quarter_start"].isoformat(), row["business_unit"], row["owner_id"])]
        assert agree(found["sales_cycle_days"], row["median_sales_cycle_days"]), row
    by_unit = metric_rows(
        pipeline_project, ["sales_cycle_days"], ["metric_time__quarter", "won_opportunity__business_unit"]
    )
    units = pipeline_project.query(
        "select quarter_start, business_unit, median_sales_cycle_days "
        "from marts.mart_sales_performance_by_unit where median_sales_cycle_days is not null"
    )
    assert {(row["quarter_start"].isoformat(), row["business_unit"]) for row in units} == set(by_unit)
    for row in units:
        found = by_unit[(row["quarter_start"].isoformat(), row["business_unit"])]
        assert agree(found["sales_cycle_days"], row["median_sales_cycle_days"]), row
    # Hand-computed: the median of P1 90.25, P3 81 + 1/24 and P6 51 days.
    assert close(by_unit[("2026-04-01", "saas")]["sales_cycle_days"], Decimal(81) + Decimal(1) / 24)


def test_pipeline_coverage_equals_mart_pipeline_coverage_per_week(pipeline_project: ProjectCopy) -> None:
    weeks = metric_rows(
        pipeline_project, ["pipeline_coverage"], ["metric_time__day", "pipeline_week__business_unit"]
    )
    rows = pipeline_project.query(
        "select week_start, business_unit, coverage from marts.mart_pipeline_coverage"
    )
    assert len(rows) == len(weeks) == 15
    for row in rows:
        found = weeks[(row["week_start"].isoformat(), row["business_unit"])]
        assert agree(found["pipeline_coverage"], row["coverage"]), row
    # Hand-computed: Q1 week 13, 13M open against 72M - 6M won; Q2 week 2, 10M against 72M.
    assert close(weeks[("2026-06-24", "saas")]["pipeline_coverage"], Decimal(13) / 66)
    assert close(weeks[("2026-07-08", "saas")]["pipeline_coverage"], Decimal(10) / 72)


def test_forecast_accuracy_equals_mart_forecast_accuracy_per_week(pipeline_project: ProjectCopy) -> None:
    weeks = metric_rows(
        pipeline_project, ["forecast_accuracy"], ["metric_time__day", "forecast_week__business_unit"]
    )
    rows = pipeline_project.query(
        "select week_start, business_unit, commit_accuracy from marts.mart_forecast_accuracy"
    )
    assert len(rows) == len(weeks) == 15
    for row in rows:
        found = weeks[(row["week_start"].isoformat(), row["business_unit"])]
        assert agree(found["forecast_accuracy"], row["commit_accuracy"]), row
    # Hand-computed: week 12 of Q1, commit 19M against 20M won; Q2 is open, so null.
    assert close(weeks[("2026-06-17", "saas")]["forecast_accuracy"], Decimal("0.95"))
    assert weeks[("2026-07-08", "saas")]["forecast_accuracy"] == ""
