"""Attribution invariants on generated demo data, and the worked example of docs/attribution.md.

Generates `scripts/generate.py --leads 20000 --seed 42`, loads it and runs `dbt build` (which
also runs the dbt invariant tests in tests/dbt/attribution). The checks below recompute the
invariants directly in SQL, independently of those dbt tests, and pin the numbers the docs quote.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conftest import Warehouse, generate

MODELS = ("first_touch", "last_touch", "linear", "u_shaped", "w_shaped", "time_decay")
# How far the published credits of one lead x stage x model may be from summing to 1 (and
# credited_won_amount, relatively, from the won amount). Each touch's credit is computed in double
# precision (error ~1 ulp of 1, 2.2e-16), rounded to 1e-24 for an exact decimal sum
# (attribution_exact: at most 5e-25 per touch, negligible), the campaign's sum is cast back to double
# (half an ulp) and the check adds the rows in double again (an ulp per row): at most
# ~(3 x touches + 2 x campaigns) x 1.1e-16, under 1e-14 up to 30 touches and under 1e-12 up to about
# 3,000. The generated data has at most a few dozen touches per lead x stage.
SUM_TOLERANCE = 1e-12


@pytest.fixture(scope="module")
def demo_warehouse(warehouse_factory: Callable[[str], Warehouse]) -> Warehouse:
    warehouse = warehouse_factory("attribution_demo")
    raw_dir = warehouse.root / "raw"
    generated = generate("--leads", "20000", "--seed", "42", "--out", str(raw_dir))
    assert generated.returncode == 0, generated.stdout + generated.stderr
    warehouse.build(raw_dir, reads=("fct_attribution_credit", "mart_campaign_attribution"))
    return warehouse


def test_every_lead_stage_has_credit_in_every_model(demo_warehouse: Warehouse) -> None:
    (entries, missing, extra) = demo_warehouse.query(
        """
        with expected as (
            select lead_id, stage from intermediate.int_lead_stage_entries where stage <> 'lead'
        ),
        credited as (
            select lead_id, stage, count(distinct attribution_model) as models
            from marts.fct_attribution_credit group by lead_id, stage
        )
        select
            (select count(*) from expected),
            (select count(*) from expected left join credited using (lead_id, stage)
             where credited.models is distinct from 6),
            (select count(*) from credited left join expected using (lead_id, stage) where expected.lead_id is null)
        """
    )[0]
    assert entries > 10_000
    assert (missing, extra) == (0, 0)


def test_credits_sum_to_one(demo_warehouse: Warehouse) -> None:
    (groups, worst) = demo_warehouse.query(
        """
        select count(*), max(abs(credit_sum - 1))
        from (
            select lead_id, stage, attribution_model, sum(credit) as credit_sum
            from marts.fct_attribution_credit group by lead_id, stage, attribution_model
        )
        """
    )[0]
    assert groups > 60_000
    assert worst < SUM_TOLERANCE


def test_credited_won_amount_sums_to_won_amount(demo_warehouse: Warehouse) -> None:
    (groups, won_groups, worst) = demo_warehouse.query(
        """
        select count(*), count(case when funnel.won_amount > 0 then 1 end),
            max(abs(sums.amount - funnel.won_amount) / greatest(1, funnel.won_amount))
        from (
            select lead_id, stage, attribution_model, sum(credited_won_amount) as amount
            from marts.fct_attribution_credit group by lead_id, stage, attribution_model
        ) as sums
        inner join marts.fct_lead_funnel as funnel using (lead_id)
        """
    )[0]
    assert won_groups > 1_000
    assert worst < SUM_TOLERANCE
    assert groups > won_groups


def test_no_touch_is_counted_not_dropped(demo_warehouse: Warehouse) -> None:
    rows = demo_warehouse.query(
        "select attribution_model, sum(attributed_renewals) from marts.mart_campaign_attribution "
        "where campaign_id = 'no_touch' group by attribution_model"
    )
    assert len(rows) == len(MODELS)
    assert len({round(total, 9) for _, total in rows}) == 1  # no_touch rows are the same in every model
    assert rows[0][1] > 0


@pytest.mark.parametrize("model", MODELS)
def test_campaign_mart_reconciles_with_the_funnel(demo_warehouse: Warehouse, model: str) -> None:
    attributed = demo_warehouse.query(
        f"""
        select sum(attributed_mqls), sum(attributed_sals), sum(attributed_opportunities),
            sum(attributed_won_deals), sum(attributed_renewals), sum(attributed_won_amount)
        from marts.mart_campaign_attribution where attribution_model = '{model}'
        """
    )[0]
    funnel = demo_warehouse.query(
        """
        select count(mql_at), count(sal_at), count(opportunity_at), count(won_at), count(renewed_at),
            sum(won_amount)
        from marts.fct_lead_funnel
        """
    )[0]
    assert attributed[:5] == pytest.approx(funnel[:5], abs=1e-6)
    rows = demo_warehouse.query(
        f"select count(*) from marts.mart_campaign_attribution where attribution_model = '{model}'"
    )[0][0]
    assert abs(float(attributed[5]) - float(funnel[5])) <= 0.005 * rows


def test_two_builds_of_the_same_data_are_identical(
    demo_warehouse: Warehouse, warehouse_factory: Callable[[str], Warehouse]
) -> None:
    """Credits are summed as exact decimals (attribution_exact), so the engine's parallel summation
    order cannot change a bit: a second build of the same raw data gives the same rows, compared
    exactly (float ==, no tolerance). Summed as doubles they differed by ~1e-16 in a few rows."""
    second = warehouse_factory("attribution_demo_again")
    loaded = second.load(demo_warehouse.root / "raw")
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    built = second.dbt(
        "build",
        "--select",
        "+fct_attribution_credit",
        "+mart_campaign_attribution",
        "--indirect-selection",
        "cautious",
    )
    assert built.ok, built.output[-6000:]
    for table in (
        "intermediate.int_attribution_touch_credits",
        "marts.fct_attribution_credit",
        "marts.mart_campaign_attribution",
    ):
        first_rows = demo_warehouse.query(f"select * from {table} order by all")
        second_rows = second.query(f"select * from {table} order by all")
        assert len(first_rows) > 1_000, table
        different = [pair for pair in zip(first_rows, second_rows, strict=False) if pair[0] != pair[1]]
        assert (len(second_rows), different[:3]) == (len(first_rows), []), table


def test_worked_example_of_the_docs(demo_warehouse: Warehouse) -> None:
    """docs/attribution.md: first touch ranks the trade show cheaper per opportunity, W-shaped the webinar."""
    rows = demo_warehouse.query(
        """
        select campaign_id, attribution_model, cost, attributed_opportunities,
            round(cost_per_attributed_opportunity) as cost_per_opportunity
        from marts.mart_campaign_attribution
        where fiscal_year = 2025 and fiscal_half = 'H2'
            and campaign_id in ('CMP-00315', 'CMP-00313')
            and attribution_model in ('first_touch', 'w_shaped')
        order by attribution_model, cost_per_attributed_opportunity
        """
    )
    assert [(row[0], row[1], float(row[2]), round(row[3], 6), row[4]) for row in rows] == [
        ("CMP-00315", "first_touch", 585_515.0, 8.0, 73_189.0),
        ("CMP-00313", "first_touch", 270_535.0, 3.0, 90_178.0),
        ("CMP-00313", "w_shaped", 270_535.0, 7.100952, 38_098.0),
        ("CMP-00315", "w_shaped", 585_515.0, 2.773333, 211_123.0),
    ]
