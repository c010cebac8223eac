"""Which leads a change of the loaded rows touches: the one rule of the change log raw.load_changed_leads
(revops.loadmeta), shared by the upsert (revops.upsert) and the full load (revops.loader), which finds
its changes by comparing the new export with the rows it replaces.

A load changes a table by taking rows away (`leaving`: the loaded rows it deletes or replaces, as they
were stored) and writing rows (`arriving`). The leads it touches:

* leads, lead_activities, lead_status_changes, opportunities: the `lead_id` of every leaving and
  arriving row (a row moved to another lead touches both leads);
* deals: the lead of the opportunity of every leaving and arriving deal, and of the opportunity of the
  deal it renews (a renewal changes the renewed deal's retention);
* campaigns: every lead whose source campaign is a leaving campaign, changed or deleted (a new campaign
  touches only the new or changed leads that name it, which are logged themselves).

Owners, campaign costs and opportunity history name no lead, and no load compares them: the incremental
models that read owners compare what they stored with them (`stored_lookup`), opportunity history reaches
them only through the as-of instant (`as_of_judgement`), and the models that read costs are rebuilt whole
(docs/nightly.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import duckdb

from revops.contract import Table
from revops.rawio import sql_name, sql_string
from revops.validation import raw_columns

LEAD_TABLES = ("leads", "lead_activities", "lead_status_changes", "opportunities")
"""Tables whose rows name their lead in `lead_id`."""
TOUCHING_TABLES = (*LEAD_TABLES, "deals", "campaigns")
"""Every table whose change touches a lead (what a full load compares)."""


@dataclass(frozen=True)
class RowChanges:
    """One table's change: SQL queries of its leaving and arriving rows (each has the contract columns; for
    a table of LEAD_TABLES, `lead_id` alone is enough: the rule reads nothing else of them)."""

    leaving: tuple[str, ...] = ()
    arriving: tuple[str, ...] = ()

    def rows(self, columns: str, *, arriving: bool = True) -> str:
        """SQL: `columns` of the leaving rows, and of the arriving ones unless told otherwise."""
        queries = [*self.leaving, *(self.arriving if arriving else ())]
        if not queries:
            nulls = ", ".join(f"NULL AS {name.strip()}" for name in columns.split(","))
            return f"SELECT {nulls} WHERE false"
        return " UNION ALL ".join(f"SELECT {columns} FROM ({query})" for query in queries)


@dataclass(frozen=True)
class KnownRows:
    """SQL relations of the rows before and after the load, for the lookups of deals and campaigns:
    `leads` (lead_id, source_campaign_id), `opportunities` (opportunity_id, lead_id) and `deals`
    (deal_id, opportunity_id)."""

    leads: str
    opportunities: str
    deals: str


def changed_lead_sql(changes: Mapping[str, RowChanges], known: KnownRows) -> list[tuple[str, str]]:
    """(table, SQL of its touched lead_id values) for every changed table of `changes`."""
    parts = [(name, changes[name].rows("lead_id")) for name in LEAD_TABLES if name in changes]
    if "deals" in changes:
        parts.append(
            (
                "deals",
                f"WITH changed AS ({changes['deals'].rows('opportunity_id, renewed_from_deal_id')}), "
                "opportunity_ids AS (SELECT opportunity_id FROM changed UNION ALL "
                f"SELECT known_deal.opportunity_id FROM {known.deals} AS known_deal "
                "WHERE known_deal.deal_id IN (SELECT renewed_from_deal_id FROM changed)) "
                f"SELECT known_opportunity.lead_id FROM {known.opportunities} AS known_opportunity "
                "WHERE known_opportunity.opportunity_id IN (SELECT opportunity_id FROM opportunity_ids)",
            )
        )
    if "campaigns" in changes:
        parts.append(
            (
                "campaigns",
                f"SELECT known_lead.lead_id FROM {known.leads} AS known_lead WHERE known_lead.source_campaign_id "
                f"IN ({changes['campaigns'].rows('campaign_id', arriving=False)})",
            )
        )
    return parts


def log_changed_leads(
    connection: duckdb.DuckDBPyConnection,
    change_log: str,
    changes: Mapping[str, RowChanges],
    known: KnownRows,
    source_dir: str,
) -> int:
    """Append one row per touched lead (with the first table, by name, that touched it) to `change_log`;
    return how many leads. Run it before the load writes: the leaving rows are read where they are stored."""
    connection.execute("CREATE OR REPLACE TEMP TABLE changed_leads (lead_id VARCHAR, table_name VARCHAR)")
    for name, sql in changed_lead_sql(changes, known):
        connection.execute(
            f"INSERT INTO changed_leads SELECT DISTINCT lead_id, {sql_string(name)} FROM ({sql}) "
            "WHERE lead_id IS NOT NULL"
        )
    count = int(connection.execute("SELECT count(DISTINCT lead_id) FROM changed_leads").fetchall()[0][0])
    connection.execute(
        f"INSERT INTO {change_log} SELECT lead_id, min(table_name), {sql_string(source_dir)} "
        "FROM changed_leads GROUP BY lead_id ORDER BY lead_id"
    )
    return count


def full_load_changes(
    connection: duckdb.DuckDBPyConnection,
    tables: Sequence[Table],
    new_views: Mapping[str, str],
    *,
    database: str,
    schema: str,
) -> tuple[dict[str, RowChanges], KnownRows] | None:
    """A full load's changes against the tables `database.schema` holds, compared on the contract columns as
    stored, row multiplicity included. None when the stored tables cannot be compared: one is missing or
    has other columns (the first load, or a warehouse of an older loader), or the new rows have other
    types than the stored ones (never, as the loader types them; a test would see every lead logged); then
    every lead counts as changed. The differences are kept in temp tables, so the caller may replace the
    stored tables.

    * The tables of LEAD_TABLES (millions of rows): per lead, the number of rows and the sum of their
      64-bit row hashes, stored against new; a lead whose two differ leaves. The row hash is DuckDB's
      `hash` of every contract column, hashed again: `hash(a, b)` XORs `hash(b)` into the hash of the
      others, so two rows of one lead that swap their last column kept the sum about once in 10**8
      swaps (test_changed_leads.py crafts one); hashed again, the row hashes of a swap are unrelated. At
      10M leads this reads each table once a side, where `EXCEPT ALL` of whole rows both ways took five
      minutes (docs/nightly.md, session 34). A change is then missed only when the sums of a lead's old
      and new row hashes are equal while the rows differ: about one chance in 2**64 per changed lead.
      Both sides must have the raw types (a hash reads the stored value: 1.5 as DECIMAL(18,1) hashes as
      0.0015 as DECIMAL(20,4)), so the new rows' types are checked as the stored tables' are.
    * deals and campaigns (few rows; their changes are looked up, not keyed by lead): the rows that leave
      and arrive, `EXCEPT ALL` both ways."""
    by_name = {table.name: table for table in tables}
    if any(name not in by_name or name not in new_views for name in TOUCHING_TABLES):
        return None
    stored_schema = f"{sql_name(database)}.{sql_name(schema)}"
    for name in TOUCHING_TABLES:
        stored = connection.execute(
            "SELECT column_name, data_type FROM duckdb_columns() "
            "WHERE database_name = ? AND schema_name = ? AND table_name = ? ORDER BY column_index",
            [database, schema, name],
        ).fetchall()
        if [(column, sql_type) for column, sql_type in stored] != list(raw_columns(by_name[name])):
            return None
        contract_columns = by_name[name].columns
        columns = ", ".join(sql_name(column.name) for column in contract_columns)
        new_types = connection.execute(
            f"DESCRIBE SELECT {columns} FROM {sql_name(new_views[name])}"
        ).fetchall()
        if [(row[0], row[1]) for row in new_types] != list(raw_columns(by_name[name]))[
            : len(contract_columns)
        ]:
            return None
    changes: dict[str, RowChanges] = {}
    for name in TOUCHING_TABLES:
        columns = ", ".join(sql_name(column.name) for column in by_name[name].columns)
        stored, new = f"{stored_schema}.{sql_name(name)}", sql_name(new_views[name])
        if name in LEAD_TABLES:
            changed = sql_name(f"changed_leads_of_{name}")

            def digest(relation: str, columns: str = columns) -> str:
                return (
                    f"SELECT lead_id, count(*) AS row_count, sum(hash(hash({columns}))) AS row_digest "
                    f"FROM {relation} GROUP BY lead_id"
                )

            connection.execute(
                f"CREATE OR REPLACE TEMP TABLE {changed} AS "
                f"SELECT coalesce(stored.lead_id, new.lead_id) AS lead_id FROM ({digest(stored)}) AS stored "
                f"FULL OUTER JOIN ({digest(new)}) AS new ON stored.lead_id = new.lead_id "
                "WHERE stored.row_count IS DISTINCT FROM new.row_count "
                "OR stored.row_digest IS DISTINCT FROM new.row_digest"
            )
            changes[name] = RowChanges((f"SELECT lead_id FROM {changed}",))
            continue
        leaving, arriving = sql_name(f"leaving_{name}"), sql_name(f"arriving_{name}")
        connection.execute(
            f"CREATE OR REPLACE TEMP TABLE {leaving} AS "
            f"SELECT {columns} FROM {stored} EXCEPT ALL SELECT {columns} FROM {new}"
        )
        connection.execute(
            f"CREATE OR REPLACE TEMP TABLE {arriving} AS "
            f"SELECT {columns} FROM {new} EXCEPT ALL SELECT {columns} FROM {stored}"
        )
        changes[name] = RowChanges((f"SELECT * FROM {leaving}",), (f"SELECT * FROM {arriving}",))

    def both(name: str, columns: str) -> str:
        return (
            f"(SELECT {columns} FROM {stored_schema}.{sql_name(name)} "
            f"UNION ALL SELECT {columns} FROM {sql_name(new_views[name])})"
        )

    known = KnownRows(
        leads=both("leads", "lead_id, source_campaign_id"),
        opportunities=both("opportunities", "opportunity_id, lead_id"),
        deals=both("deals", "deal_id, opportunity_id"),
    )
    return changes, known
