"""Invariants of the accountability marts on generated demo data (scripts/generate.py).

The hand-made fixture (test_accountability.py) pins every number; this checks that on a realistic
data set the marts build with all their dbt tests and keep their identities: the shortfall's
effects sum to its gap, blended attainment is the sum of the weighted attainments, the months add
up to the halves, the own-stage actuals reconcile with the core funnel, and the SLA roll-up adds up
to the per-MQL mart.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Warehouse, generate

READS = (
    "fct_lead_funnel",
    "mart_forward_kpi",
    "mart_forward_kpi_monthly",
    "mart_funnel_shortfall",
    "mart_funnel_shortfall_all_units",
    "mart_handoff_sla",
    "mart_handoff_sla_monthly",
)


@pytest.fixture(scope="session")
def generated_warehouse(
    warehouse_factory: Callable[[str], Warehouse], tmp_path_factory: pytest.TempPathFactory
) -> Warehouse:
    raw: Path = tmp_path_factory.mktemp("accountability_generated_raw")
    generated = generate("--leads", "3000", "--seed", "11", "--out", str(raw))
    assert generated.returncode == 0, generated.stdout + generated.stderr
    warehouse = warehouse_factory("accountability_generated")
    loaded = warehouse.load(raw)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    # What the tests read and everything it is made of, with the data tests on them (no other build
    # runs them on this data); the unit tests run in the core build.
    selection = ("--select", *(f"+{model}" for model in READS), "--indirect-selection", "cautious")
    # as_of inside the data, so some halves are not mature yet and some MQLs are still open.
    built = warehouse.dbt(
        "build", *selection, "--exclude-resource-type", "unit_test", dbt_vars={"as_of_date": "2025-11-15"}
    )
    assert built.ok, built.output[-6000:]
    return warehouse


def test_shortfall_effects_sum_to_gap(generated_warehouse: Warehouse) -> None:
    rows = generated_warehouse.query(
        "select fiscal_year, fiscal_half, business_unit, measure, max(gap), sum(effect), "
        "max(decomposition_method) "
        "from marts.mart_funnel_shortfall group by fiscal_year, fiscal_half, business_unit, measure"
    )
    # The demo targets plan FY2024-FY2026 for three business units: 6 halves x 3 units x 2 measures.
    assert len(rows) == 36
    methods = {row[6] for row in rows}
    assert "log_mean_divisia" in methods
    for *group, gap, total, _ in rows:
        assert gap is not None, group
        assert abs(float(total) - float(gap)) <= 1e-9 * max(1.0, abs(float(gap))), (group, gap, total)


def test_all_units_shortfall_is_the_units_added_up(generated_warehouse: Warehouse) -> None:
    """mart_funnel_shortfall_all_units against the per-unit mart on generated data (three units, LMDI
    effects in doubles, halves not yet mature at as-of): plan, actual and gap are the sums of the units
    with a gap, each factor's effect the exactly rounded sum of theirs (null when none has one; in an
    immature half only `unattributed`, the whole gap), the bottleneck the most negative summed effect,
    ties to the earlier stage, and the units counted per measure."""
    units = generated_warehouse.query_dicts("select * from marts.mart_funnel_shortfall")
    every = {
        (row["fiscal_year"], row["fiscal_half"], row["measure"], row["factor"]): row
        for row in generated_warehouse.query_dicts("select * from marts.mart_funnel_shortfall_all_units")
    }
    groups: dict[tuple, list[dict]] = {}
    for row in units:
        if row["gap"] is not None:
            groups.setdefault(
                (row["fiscal_year"], row["fiscal_half"], row["measure"], row["factor"]), []
            ).append(row)
    assert every.keys() == groups.keys()
    assert {row["is_mature"] for row in every.values()} == {True, False}  # both paths are exercised
    losses: dict[tuple, list[tuple]] = {}
    for key, rows in groups.items():
        row = every[key]
        assert row["plan_outcome"] == sum(part["plan_outcome"] for part in rows), key
        assert row["actual_outcome"] == sum(part["actual_outcome"] for part in rows), key
        assert row["gap"] == sum(part["gap"] for part in rows), key
        assert row["units_with_plan"] == len(rows), key
        effects = [part["effect"] for part in rows if part["effect"] is not None]
        if not row["is_mature"]:
            expected = float(row["gap"]) if key[3] == "unattributed" else None
        else:
            expected = math.fsum(effects) if effects else None
        assert row["effect"] == (
            expected if expected is None else pytest.approx(expected, rel=1e-9, abs=1e-9)
        ), key
        if row["is_mature"] and key[3] != "unattributed" and expected is not None and expected < 0:
            losses.setdefault(key[:3], []).append((expected, row["factor_order"], key[3]))
    flagged = {key[:3]: key[3] for key, row in every.items() if row["is_bottleneck"]}
    assert flagged == {group: min(candidates)[2] for group, candidates in losses.items()}
    assert flagged  # some half lost against its plan


def test_blended_is_sum_of_weighted(generated_warehouse: Warehouse) -> None:
    rows = generated_warehouse.query(
        """
        select blended.fiscal_year, blended.fiscal_half, blended.business_unit, blended.team,
               blended.attainment, parts.total, parts.missing
        from marts.mart_forward_kpi as blended
        inner join (
            select fiscal_year, fiscal_half, business_unit, team, sum(weighted_attainment) as total,
                   count(*) - count(weighted_attainment) as missing
            from marts.mart_forward_kpi
            where metric != 'blended' and weight is not null
            group by all
        ) as parts using (fiscal_year, fiscal_half, business_unit, team)
        where blended.metric = 'blended'
        """
    )
    assert rows
    for *key, attainment, total, missing in rows:
        if missing:
            assert attainment is None, key
        else:
            assert attainment == pytest.approx(total, abs=1e-12), key


def test_months_add_up_to_halves(generated_warehouse: Warehouse) -> None:
    mismatches = generated_warehouse.query(
        """
        select kpi.fiscal_year, kpi.fiscal_half, kpi.business_unit, kpi.metric, kpi.actual, monthly.total
        from marts.mart_forward_kpi as kpi
        left join (
            select fiscal_year, fiscal_half, business_unit, metric, sum(actual) as total,
                   sum(anchors) as anchors
            from marts.mart_forward_kpi_monthly group by all
        ) as monthly using (fiscal_year, fiscal_half, business_unit, metric)
        where kpi.metric != 'blended'
            and (kpi.actual != coalesce(monthly.total, 0) or kpi.anchors != coalesce(monthly.anchors, 0))
        """
    )
    assert mismatches == []


def test_own_stage_actuals_reconcile_with_funnel(generated_warehouse: Warehouse) -> None:
    (leads, mqls, won, won_amount) = generated_warehouse.query(
        "select count(*), count(mql_at), count(won_at), sum(won_amount) from marts.fct_lead_funnel"
    )[0]
    totals = dict(
        generated_warehouse.query(
            "select metric, sum(actual) from marts.mart_forward_kpi_monthly "
            "where metric in ('leads', 'mqls', 'won_deals', 'won_amount') group by metric"
        )
    )
    assert totals == {"leads": leads, "mqls": mqls, "won_deals": won, "won_amount": won_amount}


def test_forward_outcomes_never_exceed_anchors_and_maturity_is_mixed(generated_warehouse: Warehouse) -> None:
    rows = generated_warehouse.query(
        "select metric_kind, is_mature, count(*), sum(case when outcomes > anchors then 1 else 0 end) "
        "from marts.mart_forward_kpi_monthly group by all"
    )
    assert all(bad == 0 for *_, bad in rows)
    forward_maturity = {mature for kind, mature, _, _ in rows if kind == "forward"}
    assert forward_maturity == {True, False}, "as_of 2025-11-15 must leave some forward months immature"


def test_sla_rollup_adds_up(generated_warehouse: Warehouse) -> None:
    per_mql = generated_warehouse.query(
        "select count(*), sum(case when is_breached then 1 else 0 end), "
        "sum(case when is_responded then 1 else 0 end) from marts.mart_handoff_sla"
    )[0]
    rolled = generated_warehouse.query(
        "select sum(handed_over), sum(breached), sum(responded) from marts.mart_handoff_sla_monthly"
    )[0]
    assert per_mql == rolled
    assert per_mql[0] > 0 and 0 < per_mql[1] < per_mql[0]
    statuses = {
        status
        for (status,) in generated_warehouse.query("select distinct sla_status from marts.mart_handoff_sla")
    }
    assert {"responded_in_sla", "responded_late"} <= statuses
