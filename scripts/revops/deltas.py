"""Replay a complete raw export as daily deliveries: an initial export plus daily deltas.

    split_raw(raw_dir, out_dir, SplitPlan(days=3, ...)) -> Split

For demos, tests and the benchmark of the nightly job (docs/nightly.md). Each
row is delivered on its *arrival day*, in the reporting timezone:

* leads: the day created, and again (a changed row) the day the CRM flagged
  them MQL and the day of their last update; each version carries what the
  CRM knew that day (crm_mql_at once reached, updated_at at most that day);
* activities and status changes: the day they happened, but never before
  their lead; opportunities: created (an open version: no closed_at/is_won,
  stage `商談中`), then, on the day closed, the closed version (a changed row);
* deals: the day signed, never before their opportunity or renewed deal;
  opportunity history rows: the day of the change, never before their opportunity;
  campaign costs: their day; campaigns and owners: in the initial export.

Rows arriving after `end` (default: the last day a lead was created) have not
happened yet and are left out. Deliveries up to `end - days` form
`initial/` (a complete export); each of the last `days` days is a delta
directory `day_<YYYY-MM-DD>/` with that day's rows (every table file present,
maybe empty). `final/` is the complete export as of `end` (every key at its
latest version): a full load of it must give the same warehouse as the initial
load plus every delta. With `cumulative`, `full_<YYYY-MM-DD>/` is the complete
export as of each delta day (for nightly runs with `--mode full`).

Planted changes in the deltas:
* `updated_leads`: leads of the initial export get a new version on a delta day
  (another business unit, updated_at noon of that day);
* `late`: (rows, days) activities from before the window delivered that many
  days after they happened (late-arriving rows);
* `deleted_activities`: activities of the initial export deleted on a delta day
  (a `_deleted` row; not in `final/` or the cumulative exports).
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from revops import settings
from revops.contract import Table, contract
from revops.rawio import sql_name, sql_string
from revops.upsert import DELETED_COLUMN
from revops.validation import typed_sql

OPEN_STAGE = "商談中"
ARRIVAL_SQL: dict[str, list[str]] = {
    "leads": ["created_at"],
    "lead_activities": ["activity_at"],
    "lead_status_changes": ["changed_at"],
    "opportunities": ["created_at"],
    "deals": ["signed_at"],
    "campaign_costs": ["cost_date"],
    "opportunity_history": ["changed_at"],
}
PARENTS: dict[str, list[tuple[str, str, str]]] = {
    # table: (column, parent table, parent key) whose arrival bounds the row's
    "lead_activities": [("lead_id", "leads", "lead_id")],
    "lead_status_changes": [("lead_id", "leads", "lead_id")],
    "opportunities": [("lead_id", "leads", "lead_id")],
    "deals": [("opportunity_id", "opportunities", "opportunity_id")],
    "opportunity_history": [("opportunity_id", "opportunities", "opportunity_id")],
}


@dataclass(frozen=True)
class SplitPlan:
    days: int = 1
    end: dt.date | None = None
    late: tuple[tuple[int, int], ...] = ()
    updated_leads: int = 0
    deleted_activities: int = 0
    cumulative: bool = False
    final: bool = True


@dataclass
class Split:
    out_dir: Path
    initial: Path
    deltas: list[Path] = field(default_factory=list)
    days: list[dt.date] = field(default_factory=list)
    final: Path | None = None
    cumulative: list[Path] = field(default_factory=list)
    rows: dict[str, dict[str, int]] = field(default_factory=dict)
    """directory name -> table -> rows written."""


def _source_sql(raw_dir: Path, table: Table) -> str:
    csv_path, parquet_path = raw_dir / f"{table.name}.csv", raw_dir / f"{table.name}.parquet"
    columns = ", ".join(sql_name(name) for name in table.column_names)
    if csv_path.exists():
        return (
            f"SELECT {columns} FROM read_csv({sql_string(str(csv_path))}, header = true, all_varchar = true, "
            "auto_detect = true)"
        )
    if parquet_path.exists():
        cast = ", ".join(
            f"CAST({sql_name(name)} AS VARCHAR) AS {sql_name(name)}" for name in table.column_names
        )
        return f"SELECT {cast} FROM read_parquet({sql_string(str(parquet_path))})"
    raise FileNotFoundError(f"{raw_dir}: no {table.name}.csv or .parquet")


def _typed_sql(table: Table, column: str, timezone: str) -> str:
    """SQL: the value of r.<column> typed as the loader types it (timestamps in the reporting timezone)."""
    return typed_sql(table.column(column), f"r.{sql_name(column)}", timezone) or f"r.{sql_name(column)}"


def _day_sql(table: Table, column: str, timezone: str) -> str:
    return f"CAST({_typed_sql(table, column, timezone)} AS DATE)"


class _Splitter:
    def __init__(self, connection: duckdb.DuckDBPyConnection, raw_dir: Path, plan: SplitPlan) -> None:
        self.connection = connection
        self.raw_dir = raw_dir
        self.plan = plan
        self.tables = {table.name: table for table in contract()}
        self.timezone = settings.reporting_timezone()

    def execute(self, sql: str) -> list[tuple]:
        return self.connection.execute(sql).fetchall()

    def stage(self) -> None:
        """v_<table>: every version of every row: its columns, _arrival, _row (file order), _kind."""
        for name, table in self.tables.items():
            arrival = "DATE '0001-01-01'"
            if name in ARRIVAL_SQL:
                days = [_day_sql(table, column, self.timezone) for column in ARRIVAL_SQL[name]]
                arrival = days[0] if len(days) == 1 else f"greatest({', '.join(days)})"
            self.execute(
                f"CREATE TABLE {sql_name('v_' + name)} AS SELECT r.*, {arrival} AS _arrival, "
                f"row_number() OVER () AS _row, 'upsert' AS _kind FROM ({_source_sql(self.raw_dir, table)}) r"
            )
        self._version_leads()
        for name in (
            "lead_activities",
            "lead_status_changes",
            "opportunities",
            "deals",
            "opportunity_history",
        ):
            for column, parent, key in PARENTS[name]:
                self._bound_by_parent(name, column, parent, key)
            if name == "opportunities":
                self._version_opportunities()
        self._bound_renewals()

    def _bound_by_parent(self, name: str, column: str, parent: str, key: str) -> None:
        self.execute(
            f"UPDATE {sql_name('v_' + name)} AS c SET _arrival = p._arrival FROM "
            f"(SELECT {sql_name(key)} AS k, min(_arrival) AS _arrival FROM {sql_name('v_' + parent)} GROUP BY 1) p "
            f"WHERE c.{sql_name(column)} = p.k AND p._arrival > c._arrival"
        )

    def _version_opportunities(self) -> None:
        """An opportunity arrives open; when it closes later, the closed version arrives that day."""
        closed_day = _day_sql(self.tables["opportunities"], "closed_at", self.timezone)
        columns = [name for name in self.tables["opportunities"].column_names]
        open_columns = ", ".join(
            {
                "closed_at": "CAST(NULL AS VARCHAR) AS closed_at",
                "is_won": "CAST(NULL AS VARCHAR) AS is_won",
                "stage": f"{sql_string(OPEN_STAGE)} AS stage",
            }.get(name, f"r.{sql_name(name)}")
            for name in columns
        )
        plain = ", ".join(f"r.{sql_name(name)}" for name in columns)
        self.execute(
            "CREATE TABLE v_opportunities_2 AS "
            f"SELECT {open_columns}, r._arrival, r._row, r._kind FROM v_opportunities r "
            f"WHERE r.closed_at IS NOT NULL AND {closed_day} > r._arrival "
            f"UNION ALL SELECT {plain}, CASE WHEN r.closed_at IS NOT NULL THEN greatest(r._arrival, {closed_day}) "
            "ELSE r._arrival END, r._row, r._kind FROM v_opportunities r"
        )
        self.execute("DROP TABLE v_opportunities")
        self.execute("ALTER TABLE v_opportunities_2 RENAME TO v_opportunities")

    def _bound_renewals(self) -> None:
        while True:
            changed = self.execute(
                "UPDATE v_deals AS c SET _arrival = p._arrival FROM v_deals p "
                "WHERE c.renewed_from_deal_id = p.deal_id AND p._arrival > c._arrival"
            )[0][0]
            if not changed:
                break

    def _version_leads(self) -> None:
        """A lead is exported the day it is created and again the days its CRM MQL flag and its last
        update happen; each version shows what the CRM knew that day: crm_mql_at only once reached,
        updated_at at most the end of that day."""
        leads = self.tables["leads"]
        mql_at = _typed_sql(leads, "crm_mql_at", self.timezone)
        updated_at = _typed_sql(leads, "updated_at", self.timezone)
        end_of_day = "CAST(d._day AS TIMESTAMP) + INTERVAL 86399 SECOND"
        columns = ", ".join(
            {
                "crm_mql_at": "CASE WHEN d._mql_day <= d._day THEN d.crm_mql_at END AS crm_mql_at",
                "updated_at": f"CASE WHEN d._updated > {end_of_day} THEN strftime({end_of_day}, "
                "'%Y-%m-%d %H:%M:%S') ELSE d.updated_at END AS updated_at",
            }.get(name, f"d.{sql_name(name)}")
            for name in leads.column_names
        )
        self.execute(
            "CREATE TABLE v_leads_2 AS WITH typed AS ("
            f"SELECT r.*, CAST({mql_at} AS DATE) AS _mql_day, {updated_at} AS _updated FROM v_leads r), "
            "days AS (SELECT DISTINCT lead_id, _day FROM ("
            "SELECT lead_id, _arrival AS _day FROM typed "
            "UNION ALL SELECT lead_id, greatest(_arrival, _mql_day) FROM typed WHERE _mql_day IS NOT NULL "
            "UNION ALL SELECT lead_id, greatest(_arrival, CAST(_updated AS DATE)) FROM typed "
            "WHERE _updated IS NOT NULL)) "
            f"SELECT {columns}, d._day AS _arrival, d._row, d._kind FROM "
            "(SELECT typed.*, days._day FROM typed JOIN days ON typed.lead_id = days.lead_id) d"
        )
        self.execute("DROP TABLE v_leads")
        self.execute("ALTER TABLE v_leads_2 RENAME TO v_leads")

    def end_day(self) -> dt.date:
        if self.plan.end is not None:
            return self.plan.end
        return self.execute(
            "SELECT max(first) FROM (SELECT min(_arrival) AS first FROM v_leads GROUP BY lead_id)"
        )[0][0]

    def plant(self, start: dt.date, end: dt.date) -> None:
        """Updated leads, late activities and deleted activities, on the delta days."""
        days = self.plan.days
        if self.plan.updated_leads:
            units = [row[0] for row in self.execute("SELECT DISTINCT business_unit FROM v_leads ORDER BY 1")]
            rotation = " ".join(
                f"WHEN business_unit = {sql_string(unit)} THEN {sql_string(units[(index + 1) % len(units)])}"
                for index, unit in enumerate(units)
            )
            columns = self.tables["leads"].column_names
            selected = ", ".join(
                {
                    "business_unit": f"CASE {rotation} ELSE business_unit END AS business_unit",
                    "updated_at": "strftime(CAST(_day AS TIMESTAMP) + INTERVAL 12 HOUR, '%Y-%m-%d %H:%M:%S') "
                    "AS updated_at",
                }.get(name, sql_name(name))
                for name in columns
            )
            self.execute(
                f"INSERT INTO v_leads SELECT {selected}, _day, _row, 'upsert' FROM ("
                f"SELECT *, DATE {sql_string(start.isoformat())} + CAST((row_number() OVER (ORDER BY lead_id) - 1) "
                f"% {days} AS INTEGER) AS _day FROM v_leads WHERE lead_id IN (SELECT lead_id FROM v_leads "
                f"GROUP BY lead_id HAVING max(_arrival) < DATE {sql_string(start.isoformat())}) "
                "QUALIFY row_number() OVER (PARTITION BY lead_id ORDER BY _arrival DESC) = 1 "
                f"ORDER BY lead_id LIMIT {self.plan.updated_leads})"
            )
        start_sql = f"DATE {sql_string(start.isoformat())}"
        # Late rows go to leads with nothing else delivered in the window, so only the
        # late row itself can make the nightly build recompute them.
        busy = " UNION ".join(
            f"SELECT lead_id FROM {sql_name('v_' + name)} WHERE _arrival >= {start_sql} AND lead_id IS NOT NULL"
            for name in ("leads", "lead_activities", "lead_status_changes", "opportunities")
        )
        for rows, late_days in self.plan.late:
            self.execute(
                f"UPDATE v_lead_activities SET _arrival = _arrival + {late_days} WHERE activity_id IN ("
                f"SELECT arg_max(activity_id, _arrival) FROM v_lead_activities "
                f"WHERE _arrival < {start_sql} AND lead_id NOT IN ({busy}) GROUP BY lead_id "
                f"HAVING max(_arrival) + {late_days} BETWEEN {start_sql} "
                f"AND DATE {sql_string(end.isoformat())} ORDER BY 1 LIMIT {rows})"
            )
        if self.plan.deleted_activities:
            columns = ", ".join(sql_name(name) for name in self.tables["lead_activities"].column_names)
            self.execute(
                f"INSERT INTO v_lead_activities SELECT {columns}, DATE {sql_string(end.isoformat())}, _row, 'delete' "
                f"FROM v_lead_activities WHERE _arrival < DATE {sql_string(start.isoformat())} "
                f"ORDER BY activity_id DESC LIMIT {self.plan.deleted_activities}"
            )

    # -- writing -------------------------------------------------------------------

    def write(self, directory: Path, name: str, where: str, latest: bool, with_deletes: bool) -> int:
        table = self.tables[name]
        columns = ", ".join(sql_name(column) for column in table.column_names)
        relation = sql_name("v_" + name)
        key = table.primary_key
        if not latest:
            flag = f", CASE WHEN _kind = 'delete' THEN 'true' END AS {DELETED_COLUMN}" if with_deletes else ""
            body = f"SELECT {columns}{flag} FROM {relation} WHERE {where} ORDER BY _arrival, _row, _kind DESC"
        else:
            gone = "_kind = 'delete'"
            if key is None:
                body = (
                    f"SELECT {columns} FROM {relation} r WHERE {where} AND NOT {gone} AND NOT EXISTS ("
                    f"SELECT 1 FROM {relation} d WHERE d.{gone} AND ({where.replace('_arrival', 'd._arrival')}) "
                    f"AND d._row = r._row) ORDER BY _row"
                )
            else:
                body = (
                    f"SELECT {columns} FROM (SELECT *, row_number() OVER (PARTITION BY {sql_name(key)} "
                    f"ORDER BY _arrival DESC, _kind) AS _n FROM {relation} WHERE {where}) "
                    f"WHERE _n = 1 AND NOT {gone} ORDER BY _row"
                )
        path = directory / f"{name}.csv"
        self.execute(f"COPY ({body}) TO {sql_string(str(path))} (HEADER, DELIMITER ',')")
        return int(self.execute(f"SELECT count(*) FROM ({body})")[0][0])


def split_raw(raw_dir: Path, out_dir: Path, plan: SplitPlan) -> Split:
    """Write initial/, day_<date>/ deltas, final/ (and full_<date>/) under out_dir."""
    if plan.days < 1:
        raise ValueError("days must be at least 1")
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    database = out_dir / ".split.duckdb"
    try:
        config = {
            "temp_directory": str(out_dir / ".split.tmp"),
            "memory_limit": settings.duckdb_memory_limit(),
        }
        with duckdb.connect(str(database), config=config) as connection:
            connection.execute("SET TimeZone = 'UTC'")
            splitter = _Splitter(connection, raw_dir, plan)
            splitter.stage()
            end = splitter.end_day()
            start = end - dt.timedelta(days=plan.days - 1)
            splitter.plant(start, end)
            split = Split(out_dir=out_dir, initial=out_dir / "initial")
            day_literal = lambda day: f"DATE {sql_string(day.isoformat())}"  # noqa: E731

            def emit(directory: Path, where: str, latest: bool) -> None:
                directory.mkdir()
                split.rows[directory.name] = {
                    name: splitter.write(
                        directory, name, where, latest, with_deletes=name == "lead_activities"
                    )
                    for name in splitter.tables
                }

            emit(split.initial, f"_arrival < {day_literal(start)}", latest=True)
            for offset in range(plan.days):
                day = start + dt.timedelta(days=offset)
                directory = out_dir / f"day_{day.isoformat()}"
                emit(directory, f"_arrival = {day_literal(day)}", latest=False)
                split.deltas.append(directory)
                split.days.append(day)
                if plan.cumulative:
                    full = out_dir / f"full_{day.isoformat()}"
                    emit(full, f"_arrival <= {day_literal(day)}", latest=True)
                    split.cumulative.append(full)
            if plan.final:
                split.final = out_dir / "final"
                emit(split.final, f"_arrival <= {day_literal(end)}", latest=True)
    finally:
        database.unlink(missing_ok=True)
        shutil.rmtree(out_dir / ".split.tmp", ignore_errors=True)
    return split
