"""History without a history table, on generated data (issue #12: "nights replayed without a history
table produce the same history intervals as the generator's history for the changes those nights saw").

A generated world's opportunities are exported as they stood on four nights: each night's row is the
opportunity's state in the generator's history at that instant (its latest history row; closed when that
row's stage is closed, at that row's time), with no opportunity_history table. After the four nights,
each loaded and built as `revops nightly` does it, limited to the history and its parents with their
data tests (nightly_helpers.replayed_night; test_pipeline_history replays nights through the job
itself), fct_opportunity_history (built from the nightly snapshot) must give, at each night's instant,
exactly the state that night exported, for every opportunity; and every interval must start at an
instant the history can know: a creation, a close, or a night.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from conftest import PROJECT_DIR, Warehouse, generate
from nightly_helpers import replayed_night

STAGES = PROJECT_DIR / "seeds" / "pipeline" / "pipeline_stages.csv"
SHARED_TABLES = ("owners", "campaigns")
EVENT_TABLES = {
    "lead_activities": "activity_at",
    "lead_status_changes": "changed_at",
    "deals": "signed_at",
    "campaign_costs": "cost_date",
}
"""The generated world as exported that night: the rows of these tables that happened by then."""
NIGHT_SHARES = (0.4, 0.6, 0.8, 1.0)
"""The nights: these quantiles of the history's change times (JST)."""


def _nights(generated: Path) -> list[dt.datetime]:
    with duckdb.connect() as connection:
        connection.execute("set TimeZone = 'Asia/Tokyo'")
        row = connection.execute(
            "select "
            + ", ".join(
                f"quantile_disc(cast(changed_at as timestamptz), {share})::timestamp"
                for share in NIGHT_SHARES
            )
            + f" from read_csv('{generated / 'opportunity_history.csv'}', all_varchar = true)"
        ).fetchone()
    assert row is not None
    # A night is the end of that day, 23:00 JST.
    return sorted({dt.datetime.combine(value.date(), dt.time(23)) for value in row})


def _export_night(generated: Path, night: dt.datetime, out: Path) -> None:
    """The night's export: the world as it stood at `night` (JST), opportunities at their state then."""
    out.mkdir(parents=True)
    instant = f"timestamptz '{night.isoformat()}+09:00'"
    with duckdb.connect() as connection:
        for table in SHARED_TABLES:
            connection.execute(
                f"copy (select * from read_csv('{generated / (table + '.csv')}', all_varchar = true)) "
                f"to '{out / (table + '.csv')}' (header)"
            )
        for table, column in EVENT_TABLES.items():
            connection.execute(
                f"copy (select * from read_csv('{generated / (table + '.csv')}', all_varchar = true) "
                f"where cast({column} as timestamptz) <= {instant}) to '{out / (table + '.csv')}' (header)"
            )
        # Leads created by then, with an MQL or an update not yet happened left out.
        connection.execute(
            f"""
            copy (
                select
                    * replace (
                        case when cast(crm_mql_at as timestamptz) <= {instant} then crm_mql_at end as crm_mql_at,
                        case when cast(updated_at as timestamptz) <= {instant} then updated_at else created_at end
                            as updated_at
                    )
                from read_csv('{generated / "leads.csv"}', all_varchar = true)
                where cast(created_at as timestamptz) <= {instant}
            ) to '{out / "leads.csv"}' (header)
            """
        )
        connection.execute(
            f"""
            copy (
                with
                opportunities as (
                    select * from read_csv('{generated / "opportunities.csv"}', all_varchar = true)
                ),
                stages as (select * from read_csv('{STAGES}', all_varchar = true)),
                latest as (
                    select
                        *,
                        row_number() over (
                            partition by opportunity_id order by cast(changed_at as timestamptz) desc
                        ) as recency
                    from read_csv('{generated / "opportunity_history.csv"}', all_varchar = true)
                    where cast(changed_at as timestamptz) <= {instant}
                )
                select
                    opportunities.opportunity_id,
                    opportunities.lead_id,
                    opportunities.business_unit,
                    opportunities.owner_id,
                    opportunities.created_at,
                    latest.stage,
                    latest.amount,
                    latest.currency,
                    case when stages.is_closed = 'true' then latest.changed_at end as closed_at,
                    case when stages.is_closed = 'true' then stages.is_won end as is_won,
                    latest.close_date
                from opportunities
                inner join latest
                    on opportunities.opportunity_id = latest.opportunity_id and latest.recency = 1
                left join stages
                    on latest.stage = stages.crm_stage
                where cast(opportunities.created_at as timestamptz) <= {instant}
            ) to '{out / "opportunities.csv"}' (header)
            """
        )


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Warehouse, list[dt.datetime], Path]:
    root = tmp_path_factory.mktemp("pipeline_nights_generated")
    generated = root / "generated"
    made = generate("--leads", "1500", "--seed", "23", "--out", str(generated))
    assert made.returncode == 0, made.stderr
    nights = _nights(generated)
    for number, night in enumerate(nights, start=1):
        raw = root / "exports" / f"night{number}"
        _export_night(generated, night, raw)
        replayed_night(root, raw, f"{night.isoformat()}+09:00", "fct_opportunity_history", "fct_opportunity")
    return Warehouse(root), nights, root / "exports"


def _exported(exports: Path, number: int) -> dict[str, tuple]:
    with duckdb.connect() as connection:
        rows = connection.execute(
            "select opportunity_id, stage, cast(close_date as date), closed_at is not null, "
            "coalesce(is_won = 'true', false), currency, cast(amount as decimal(18, 2)) "
            f"from read_csv('{exports / f'night{number}' / 'opportunities.csv'}', all_varchar = true)"
        ).fetchall()
    return {row[0]: row[1:] for row in rows}


def test_each_night_state_is_the_history_at_that_night(
    replayed: tuple[Warehouse, list[dt.datetime], Path],
) -> None:
    warehouse, nights, exports = replayed
    assert len(nights) == len(NIGHT_SHARES)
    compared = amounts_compared = 0
    for number, night in enumerate(nights, start=1):
        exported = _exported(exports, number)
        assert exported, f"night {number} exported no opportunity"
        states = {
            row[0]: row[1:]
            for row in warehouse.query(
                "select opportunity_id, stage, close_date, is_closed, is_won, amount "
                "from marts.fct_opportunity_history "
                "where valid_from <= ? and (valid_to is null or valid_to > ?)",
                [night, night],
            )
        }
        assert set(states) == set(exported), f"night {number}"
        for opportunity_id, (stage, close_date, is_closed, is_won, currency, amount) in exported.items():
            history = states[opportunity_id]
            assert history[:4] == (stage, close_date, is_closed, is_won), (number, opportunity_id)
            if currency in ("JPY", None):  # the reporting currency (empty is JPY): no rate between them
                assert history[4] == amount, (number, opportunity_id)
                amounts_compared += 1
            compared += 1
    assert compared > 100
    assert amounts_compared > 100


def test_every_interval_starts_at_a_creation_a_close_or_a_night(
    replayed: tuple[Warehouse, list[dt.datetime], Path],
) -> None:
    warehouse, nights, _ = replayed
    unexplained = warehouse.query(
        "select history.opportunity_id, history.valid_from "
        "from marts.fct_opportunity_history as history "
        "inner join marts.fct_opportunity as opportunity on history.opportunity_id = opportunity.opportunity_id "
        "where history.valid_from <> opportunity.created_at "
        "and history.valid_from is distinct from opportunity.closed_at "
        "and history.valid_from not in (" + ", ".join("?" for _ in nights) + ")",
        list(nights),
    )
    assert unexplained == []
    later_nights = nights[1:]
    changed = warehouse.query(
        "select count(*) from marts.fct_opportunity_history where valid_from in ("
        + ", ".join("?" for _ in later_nights)
        + ")",
        later_nights,
    )
    assert changed[0][0] > 0, "the nights saw no change: the test would prove nothing"
