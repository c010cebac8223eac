"""The full load's comparison with the stored rows (revops.changed_leads.full_load_changes), on tables
written by hand in an in-memory DuckDB: the per-lead digests of the lead tables and the rule that logs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import duckdb
import pytest

from revops.changed_leads import TOUCHING_TABLES, full_load_changes, log_changed_leads
from revops.contract import contract
from revops.rawio import sql_name
from revops.validation import raw_columns

Rows = Mapping[str, Sequence[tuple]]


@pytest.fixture
def connection() -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect() as connection:
        yield connection


def logged(connection: duckdb.DuckDBPyConnection, stored: Rows, new: Rows) -> list[tuple[str, str]]:
    """The (lead, first table) rows a full load of `new` over `stored` logs; rows are the contract's
    columns, the lineage columns added here."""
    connection.execute("ATTACH ':memory:' AS warehouse")
    connection.execute("CREATE SCHEMA warehouse.raw")
    views = {}
    for table in contract():
        if table.name not in TOUCHING_TABLES:
            continue
        columns = ", ".join(f"{sql_name(name)} {sql_type}" for name, sql_type in raw_columns(table))
        views[table.name] = f"new_{table.name}"
        for target, rows in ((f"warehouse.raw.{sql_name(table.name)}", stored), (views[table.name], new)):
            connection.execute(f"CREATE TABLE {target} ({columns})")
            for line, row in enumerate(rows.get(table.name, ()), start=2):
                values = (*row, f"{table.name}.csv", line)
                connection.execute(f"INSERT INTO {target} VALUES ({', '.join('?' for _ in values)})", values)
    compared = full_load_changes(connection, contract(), views, database="warehouse", schema="raw")
    assert compared is not None
    connection.execute("CREATE TABLE log (lead_id VARCHAR, table_name VARCHAR, source_dir VARCHAR)")
    log_changed_leads(connection, "log", *compared, "export")
    return connection.execute("SELECT lead_id, table_name FROM log ORDER BY ALL").fetchall()


def status_change(lead: str, changed_at: str, owner: str | None) -> tuple:
    return (lead, changed_at, "accepted", owner)


def opportunity(opportunity_id: str, lead: str | None, amount: str, is_won: bool | None = None) -> tuple:
    return (opportunity_id, lead, "BU1", "O1", "2026-01-01 09:00", "open", amount, "JPY", None, is_won, None)


def test_two_rows_of_a_lead_that_swap_their_last_column_are_a_change(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    """DuckDB's hash(a, b) XORs hash(b) into the others' hash, so a swap of the last column between two
    rows of one lead can keep the sum of plain row hashes. Crafted here: two owners whose hashes differ in
    few bits, and two times at which the rest of the row agrees on those bits. The sum of plain row
    hashes is then unchanged (checked); the digest, which hashes each row hash again, sees the swap."""
    first = "OWN-000001"
    (second,) = connection.execute(
        "SELECT owner FROM (SELECT 'OWN-' || lpad(i::VARCHAR, 6, '0') AS owner FROM range(2, 1000000) AS t(i)) "
        "ORDER BY bit_count(xor(hash(owner), hash(?))), owner LIMIT 1",
        [first],
    ).fetchone()
    rest = "xor(hash('L1', changed_at, 'accepted', ?), hash(?))"
    earlier, later = connection.execute(
        f"WITH times AS (SELECT i, TIMESTAMP '2026-01-01' + to_minutes(i) AS changed_at FROM range(20000) AS t(i)), "
        f"keyed AS (SELECT i, changed_at, {rest} & xor(hash(?), hash(?)) AS bits FROM times) "
        "SELECT one.changed_at, other.changed_at FROM keyed AS one INNER JOIN keyed AS other "
        "ON one.bits = other.bits AND one.i < other.i ORDER BY one.i, other.i LIMIT 1",
        [first, first, first, second],
    ).fetchone()
    stored = [status_change("L1", str(earlier), first), status_change("L1", str(later), second)]
    swapped = [status_change("L1", str(earlier), second), status_change("L1", str(later), first)]
    plain_sums = [
        connection.execute(
            "SELECT sum(hash(lead_id, changed_at::TIMESTAMP, status, owner_id)) "
            "FROM (VALUES (?, ?, ?, ?), (?, ?, ?, ?)) AS v(lead_id, changed_at, status, owner_id)",
            [value for row in rows for value in row],
        ).fetchone()[0]
        for rows in (stored, swapped)
    ]
    assert plain_sums[0] == plain_sums[1]  # the weakness the second hash removes
    assert logged(connection, {"lead_status_changes": stored}, {"lead_status_changes": swapped}) == [
        ("L1", "lead_status_changes")
    ]


def test_the_digests_see_moves_duplicates_and_nulls_and_nothing_else(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    stored = {
        "opportunities": [
            opportunity("OP1", "L1", "100"),
            opportunity("OP2", "L3", "5", None),
            opportunity("OP3", "L4", "1.5"),
            opportunity("OP9", None, "5"),  # no lead: never logged, changed or not
            opportunity("OP8", None, "7"),
        ],
        "lead_status_changes": [
            status_change("L5", "2026-01-02 10:00", "O1"),
            status_change("L5", "2026-01-02 10:00", "O1"),
            status_change("L6", "2026-01-02 10:00", "O1"),
        ],
    }
    new = {
        "opportunities": [
            opportunity("OP1", "L2", "100"),  # moved from L1 to L2: both
            opportunity("OP2", "L3", "5", False),  # unknown → false: L3
            opportunity("OP3", "L4", "1.50"),  # the same amount written otherwise: not L4
            opportunity("OP9", None, "6"),
            opportunity("OP8", None, "7"),
        ],
        "lead_status_changes": [
            status_change("L5", "2026-01-02 10:00", "O1"),  # one of two equal rows gone: L5
            status_change("L6", "2026-01-02 10:00", "O1"),
        ],
    }
    assert logged(connection, stored, new) == [
        ("L1", "opportunities"),
        ("L2", "opportunities"),
        ("L3", "opportunities"),
        ("L5", "lead_status_changes"),
    ]


def test_the_same_rows_log_nothing(connection: duckdb.DuckDBPyConnection) -> None:
    rows = {
        "opportunities": [opportunity("OP1", "L1", "100"), opportunity("OP9", None, "5")],
        "lead_status_changes": [status_change("L1", "2026-01-02 10:00", None)],
    }
    assert logged(connection, rows, rows) == []
