"""One generated world, built twice: from its contract export and from its Salesforce export.

`scripts/generate.py` writes the world as contract files and, with `--format salesforce`, as
Salesforce Data Loader files (revops.sources.salesforce_export). Both are loaded and built with the
same as-of date; every mart must be equal row for row. Where Salesforce cannot carry what the
contract carries, the difference is declared below for that mart and column alone, with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import pytest

from conftest import NO_UNIT_TESTS, Warehouse, generate
from nightly_helpers import MODELS_ONLY
from test_core_marts import COST_PER_STAGE

LEADS, SEED, AS_OF = 3000, 5, "2026-09-30"
CAMPAIGN_COSTS = (
    "Salesforce has only ActualCost, spread evenly over StartDate..EndDate; the contract has daily costs"
)


@dataclass(frozen=True)
class Inherent:
    """What Salesforce cannot carry in one mart."""

    columns: dict[str, str] = field(default_factory=dict)
    """column -> why it differs (it is left out of the comparison)."""
    when: str = "true"
    """SQL: the rows the columns differ in (elsewhere they are compared)."""
    keys: tuple[str, ...] = ()
    """When set, rows are matched on these columns and the Salesforce build may hold more rows."""
    extra_rows: str = ""
    """Why the Salesforce build holds more rows (with `keys`)."""
    not_compared: str = ""
    """Why the mart cannot be compared row for row at all (it is still built from both and non-empty)."""

    translated: dict[str, tuple[str, str]] = field(default_factory=dict)
    """column -> (SQL over the contract build's row `mart_row` giving the value Salesforce carries, why).
    Unlike `columns`, a translated column is still compared."""


PIPELINE = (
    "pipeline states begin at closed_at, which Salesforce only has as CloseDate 00:00 (the contract has the "
    "time, so history rows of the closing day differ), and renewals and expansions are their own won "
    "opportunities in Salesforce (docs/pipeline.md)"
)

# A new deal's id in the contract build, as Salesforce names it: its won Opportunity's Id.
DEAL_AS_OPPORTUNITY = (
    "coalesce((select deals.opportunity_id from contract_build.intermediate.int_deals_reporting_currency as deals "
    "where deals.deal_id = mart_row.{column} and deals.deal_type = 'new'), mart_row.{column})"
)
# Rows whose company key comes from a lead without a Website but with an e-mail (either build's key).
WEBSITE_LESS = "select id from salesforce_build.salesforce.lead where nullif(trim(website), '') is null and email is not null"
KEYED_BY_EMAIL_DOMAIN = " or ".join(
    f"company_key in (select company_key from {build}.intermediate.int_account_lead_companies "
    f"where lead_id in ({WEBSITE_LESS}))"
    for build in ("contract_build", "salesforce_build")
)
EMAIL_DOMAIN = "Salesforce takes the e-mail's domain when Website is empty"
NO_DEAL_OBJECT = (
    "Salesforce has no deal object: a won opportunity is the deal, so a new deal is named by its "
    "Opportunity Id (renewal and expansion deals are exported as opportunities under their own ids)"
)

COST_COLUMNS = ("total_cost", *COST_PER_STAGE, "roi")
"""The columns of the campaign and channel marts that differ with CAMPAIGN_COSTS."""

INHERENT: dict[str, Inherent] = {
    **{
        mart: Inherent(not_compared=PIPELINE)
        for mart in (
            "fct_opportunity_history",
            "mart_pipeline_waterfall",
            "mart_pipeline_coverage",
            "mart_sales_performance",
            "mart_sales_performance_by_unit",
            "mart_sales_stage_duration",
            "mart_forecast_accuracy",
        )
    },
    "fct_opportunity": Inherent(
        columns={
            "account_id": "the contract has no account object",
            "closed_at": "CloseDate is a date; the contract's closed_at is a timestamp",
            "lead_origin": "a lead's second opportunity is linked through its converted contact's contact role",
            "amount": "a won opportunity's Amount is its signed amount; the contract keeps both",
            "won_amount": "a renewal or expansion deal is its own opportunity in Salesforce",
            "company_key": "Salesforce takes the e-mail's domain when Website is empty",
            "days_open": "a closed one is open until closed_at, which Salesforce has as CloseDate 00:00",
        },
        keys=("opportunity_id",),
        extra_rows="a renewal or expansion deal is its own opportunity in Salesforce",
    ),
    "mart_account_conflicts": Inherent(
        keys=("company_key",),
        extra_rows="Salesforce takes the e-mail's domain when Website is empty, so more leads have a company",
    ),
    "mart_campaign_efficiency": Inherent(columns=dict.fromkeys(COST_COLUMNS, CAMPAIGN_COSTS)),
    "mart_channel_efficiency": Inherent(columns=dict.fromkeys(COST_COLUMNS, CAMPAIGN_COSTS)),
    "mart_campaign_attribution": Inherent(
        columns=dict.fromkeys(
            (
                "cost",
                "cost_per_attributed_mql",
                "cost_per_attributed_sal",
                "cost_per_attributed_opportunity",
                "cost_per_attributed_won",
                "cost_per_attributed_renewed",
                "roi",
            ),
            CAMPAIGN_COSTS,
        ),
        keys=("campaign_id", "attribution_model", "fiscal_year", "fiscal_half"),
        extra_rows="a campaign half with cost only: " + CAMPAIGN_COSTS,
    ),
    "fct_contract": Inherent(
        columns={"company_key": EMAIL_DOMAIN, "customer_key": EMAIL_DOMAIN},
        when=KEYED_BY_EMAIL_DOMAIN,
        translated={
            "deal_id": (DEAL_AS_OPPORTUNITY.format(column="deal_id"), NO_DEAL_OBJECT),
            "renewed_from_deal_id": (
                DEAL_AS_OPPORTUNITY.format(column="renewed_from_deal_id"),
                NO_DEAL_OBJECT
                + "; which deal a renewal renews (in Salesforce: the account's won deal signed "
                "before it nearest in contract end, then in amount, then the latest) is compared",
            ),
            "customer_key": (
                "case when mart_row.customer_key like 'opportunity:%' "
                "then 'account:A' || substr(mart_row.customer_key, 13) else mart_row.customer_key end",
                "the contract has no accounts: an opportunity without a lead is its own `opportunity:<id>` "
                "customer there, and in the export it sits alone on Account `A<id>` (`account:A<id>`)",
            ),
        },
    ),
    "mart_unit_economics": Inherent(columns={"marketing_cost": CAMPAIGN_COSTS}),
    "mart_unit_economics_all_units": Inherent(columns={"marketing_cost": CAMPAIGN_COSTS}),
    # One row per campaign x cost date x currency: the dates themselves differ, so no row can be matched.
    "fct_campaign_costs": Inherent(not_compared=CAMPAIGN_COSTS),
    "fct_kpi_metric_events": Inherent(
        columns={"metric_value": "a won opportunity's Amount is its signed amount"},
        when="metric = 'pipeline_from_mqls'",
        translated={"deal_id": (DEAL_AS_OPPORTUNITY.format(column="deal_id"), NO_DEAL_OBJECT)},
    ),
    "mart_forward_kpi": Inherent(
        columns=dict.fromkeys(
            ("actual", "attainment", "weighted_attainment"), "a won opportunity's Amount is its signed amount"
        ),
        when="metric = 'pipeline_from_mqls'",
    ),
    "mart_forward_kpi_monthly": Inherent(
        columns=dict.fromkeys(
            ("actual", "attainment", "half_to_date_actual", "half_to_date_attainment"),
            "a won opportunity's Amount is its signed amount",
        ),
        when="metric = 'pipeline_from_mqls'",
    ),
}


@pytest.fixture(scope="session")
def both_builds(warehouse_factory: Callable[[str], Warehouse]) -> tuple[Warehouse, Warehouse]:
    """The world built from each export. The tests compare the two builds' models, so the contract
    build is models only (MODELS_ONLY): generated contract data passes the data tests in the
    generator's and the attribution demo's builds. The Salesforce build runs them, the only one
    on generated Salesforce exports."""
    builds = []
    for name, fmt, source, scope in (
        ("contract", "csv", "contract", MODELS_ONLY),
        ("salesforce", "salesforce", "salesforce", NO_UNIT_TESTS),
    ):
        warehouse = warehouse_factory(f"generated_{name}")
        raw = warehouse.root / "raw"
        made = generate("--leads", str(LEADS), "--seed", str(SEED), "--out", str(raw), "--format", fmt)
        assert made.returncode == 0, made.stderr
        loaded = warehouse.load(raw, "--source", source)
        assert loaded.returncode == 0, loaded.stderr
        # The contract source is the default var: left out, the vars are those of the dashboard's
        # generated build, whose saved parse dbt then reuses.
        source_vars = {"crm_source": source} if source != "contract" else {}
        built = warehouse.dbt("build", *scope, dbt_vars={"as_of_date": AS_OF, **source_vars})
        assert built.ok, built.output[-4000:]
        builds.append(warehouse)
    return builds[0], builds[1]


def _compared(inherent: Inherent, name: str, value: str) -> str:
    """The select item comparing column `name` (as `value`): null where it inherently differs."""
    if name in inherent.columns:
        return f"case when {inherent.when} then null else {value} end as {name}"
    return f"{value} as {name}"


def _marts(warehouse: Warehouse) -> list[str]:
    return [
        name
        for (name,) in warehouse.query("select table_name from duckdb_tables() where schema_name = 'marts'")
    ]


def test_the_same_marts_are_built(both_builds: tuple[Warehouse, Warehouse]) -> None:
    contract, salesforce = both_builds
    assert sorted(_marts(contract)) == sorted(_marts(salesforce))
    assert "fct_opportunity" in _marts(contract)


def test_every_mart_is_equal_row_for_row(both_builds: tuple[Warehouse, Warehouse]) -> None:
    contract, salesforce = both_builds
    problems: list[str] = []
    with duckdb.connect() as connection:
        connection.execute(f"attach '{contract.path}' as contract_build (read_only)")
        connection.execute(f"attach '{salesforce.path}' as salesforce_build (read_only)")
        for mart in sorted(_marts(contract)):
            inherent = INHERENT.get(mart, Inherent())
            if inherent.not_compared:
                for build in ("contract_build", "salesforce_build"):
                    (rows,) = connection.execute(f"select count(*) from {build}.marts.{mart}").fetchall()[0]
                    assert rows > 0, f"{build}: {mart} is empty"
                continue
            columns = [
                name
                for (name,) in connection.execute(
                    "select column_name from duckdb_columns() where database_name = 'contract_build' "
                    "and schema_name = 'marts' and table_name = ? order by column_index",
                    [mart],
                ).fetchall()
            ]

            salesforce_values = ", ".join(_compared(inherent, name, name) for name in columns)
            as_in_salesforce = ", ".join(
                _compared(
                    inherent, name, inherent.translated[name][0] if name in inherent.translated else name
                )
                for name in columns
            )
            contract_rows = f"select {as_in_salesforce} from contract_build.marts.{mart} as mart_row"
            salesforce_rows = f"select {salesforce_values} from salesforce_build.marts.{mart}"
            if inherent.keys:
                keys = ", ".join(inherent.keys)
                salesforce_rows += f" where ({keys}) in (select ({keys}) from contract_build.marts.{mart})"
            counts = [
                connection.execute(f"select count(*) from ({a} except all {b})").fetchall()[0][0]
                for a, b in ((contract_rows, salesforce_rows), (salesforce_rows, contract_rows))
            ]
            (total,) = connection.execute(f"select count(*) from contract_build.marts.{mart}").fetchall()[0]
            if counts != [0, 0]:
                problems.append(
                    f"{mart}: {counts[0]} contract rows not in the Salesforce build, {counts[1]} extra"
                )
            assert total > 0 or mart in {"mart_account_conflicts"}, f"{mart} is empty"
    assert not problems, "\n".join(problems)


def test_extra_campaign_halves_hold_cost_only(both_builds: tuple[Warehouse, Warehouse]) -> None:
    """The Salesforce build's extra mart_campaign_attribution rows are halves its even spreading put cost in."""
    contract, salesforce = both_builds
    keys = ", ".join(INHERENT["mart_campaign_attribution"].keys)
    measures = [
        name
        for (name,) in salesforce.query(
            "select column_name from duckdb_columns() where schema_name = 'marts' "
            "and table_name = 'mart_campaign_attribution' "
            "and regexp_matches(column_name, '^(attributed|sourced|influenced)_')"
        )
    ]
    assert measures
    with duckdb.connect() as connection:
        connection.execute(f"attach '{contract.path}' as contract_build (read_only)")
        connection.execute(f"attach '{salesforce.path}' as salesforce_build (read_only)")
        (extra_with_measures,) = connection.execute(
            f"select count(*) from salesforce_build.marts.mart_campaign_attribution "
            f"where ({keys}) not in (select ({keys}) from contract_build.marts.mart_campaign_attribution) "
            f"and ({' or '.join(f'coalesce({name}, 0) <> 0' for name in measures)})"
        ).fetchall()[0]
    assert extra_with_measures == 0


def test_salesforce_holds_every_won_amount(both_builds: tuple[Warehouse, Warehouse]) -> None:
    contract, salesforce = both_builds
    (contract_won,) = contract.query("select sum(won_amount) from marts.fct_opportunity")[0]
    (salesforce_won,) = salesforce.query("select sum(won_amount) from marts.fct_opportunity")[0]
    (all_deals,) = contract.query(
        "select sum(amount_reporting) from intermediate.int_deals_reporting_currency"
    )[0]
    # The contract signs some renewals without an opportunity; Salesforce makes each an opportunity.
    assert salesforce_won == all_deals
    assert contract_won <= salesforce_won
