"""The short funnel summary printed at the end of a run."""

from __future__ import annotations

from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from revops.settings import dbt_vars

STAGE_LABELS = {
    "lead": "Lead (リード)",
    "mql": "MQL",
    "sal": "SAL",
    "opportunity": "Opportunity (商談)",
    "won": "Won (受注)",
    "renewed": "Renewed (更新)",
}


def funnel_rows(db_path: Path) -> list[tuple[str, int, float | None]]:
    """(stage, leads that reached it, conversion from the previous stage) for all leads."""
    with duckdb.connect(str(db_path), read_only=True) as connection:
        rows = connection.execute(
            """
            select stage, stage_order, sum(reached_count) as reached
            from marts.mart_stage_conversion
            group by stage, stage_order
            order by stage_order
            """
        ).fetchall()
    result: list[tuple[str, int, float | None]] = []
    previous: int | None = None
    for stage, _order, reached in rows:
        reached = int(reached)
        rate = reached / previous if previous else None
        result.append((stage, reached, rate))
        previous = reached
    return result


def cost_by_channel(db_path: Path) -> list[tuple]:
    """Per channel, every unit together: cost, leads, opportunities, cost per lead and per opportunity
    (marts.mart_channel_efficiency, whose rule is the campaigns'), cheapest leads first."""
    with duckdb.connect(str(db_path), read_only=True) as connection:
        return connection.execute(
            """
            select channel_scope, total_cost, leads, opportunities, cost_per_lead, cost_per_opportunity
            from marts.mart_channel_efficiency
            where business_unit_scope = '(all)' and channel_scope != '(all)' and total_cost > 0 and leads > 0
            order by cost_per_lead, channel_scope
            """
        ).fetchall()


def reporting_currency(db_path: Path) -> str:
    """The currency the marts' amounts are in: marts.mart_build_settings', else the project's var (a
    warehouse built before that mart)."""
    with duckdb.connect(str(db_path), read_only=True) as connection:
        built = connection.execute(
            "select count(*) from duckdb_tables() where schema_name = 'marts' and table_name = 'mart_build_settings'"
        ).fetchone()
        if built and built[0]:
            row = connection.execute("select reporting_currency from marts.mart_build_settings").fetchone()
            if row:
                return str(row[0])
    return str(dbt_vars()["reporting_currency"])


def print_summary(db_path: Path, console: Console | None = None) -> None:
    console = console or Console()
    table = Table(title="Funnel (all leads)", title_justify="left")
    table.add_column("stage")
    table.add_column("reached", justify="right")
    table.add_column("from previous", justify="right")
    for stage, reached, rate in funnel_rows(db_path):
        table.add_row(STAGE_LABELS.get(stage, stage), f"{reached:,}", "" if rate is None else f"{rate:.1%}")
    console.print(table)
    channels = cost_by_channel(db_path)
    if channels:
        table = Table(
            title=f"Cost per lead vs cost per opportunity, by channel ({reporting_currency(db_path)})",
            title_justify="left",
        )
        for column in ("channel", "cost", "leads", "opportunities", "per lead", "per opportunity"):
            table.add_column(column, justify="left" if column == "channel" else "right")
        for channel, cost, leads, opportunities, per_lead, per_opportunity in channels:
            table.add_row(
                channel,
                f"{cost:,.0f}",
                f"{leads:,}",
                f"{opportunities:,}",
                f"{per_lead:,.0f}",
                "-" if per_opportunity is None else f"{per_opportunity:,.0f}",
            )
        console.print(table)
