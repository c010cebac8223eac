"""Validate a staged table in vectorised SQL generated from the contract.

Per table, in the contract's load order (referenced tables first):

1. `chk_<table>`: one row per staged row with the typed values and `_issues`,
   the list of broken rules: a missing required value (also `required_when`),
   an unparsable timestamp/date/decimal/boolean, an unknown enum value or
   currency code, a value below `min`, a reference to a row missing from the
   loaded parent table. Empty strings are NULL.
2. Duplicate primary keys among the rows without issues: the row with the
   latest `updated_at` (when the table has one; NULL counts as oldest) is kept,
   ties and tables without it keep the last in the file.
3. References to the table itself (deals.renewed_from_deal_id) are checked
   against the rows still loaded, repeatedly, until nothing changes.

Steps 2 and 3 add their issues to `late_<table>` (at most one per row) rather
than updating `chk_<table>`, which stays cheap when millions of rows are
duplicates. `ok_<table>` is then the view of the rows to load; the others are
appended to the staging table `quarantine` with every issue and the row as
read (JSON text).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from revops.contract import Column, Table
from revops.rawio import RECORD, Staged, sql_name, sql_string

SQL_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "enum": "VARCHAR",
    "currency": "VARCHAR",
    "decimal": "DECIMAL(20,4)",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}
TRUE_WORDS = ("true", "t", "yes", "1")
FALSE_WORDS = ("false", "f", "no", "0")
_OFFSET = r"(?:Z|[+-]\d{2}(?::?\d{2})?)"
_TIME = r"[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?"
TIMESTAMP_RE = rf"\d{{4}}-\d{{2}}-\d{{2}}(?:{_TIME}{_OFFSET}?)?"
OFFSET_RE = rf"{_TIME}{_OFFSET}$"
DATE_RE = r"\d{4}-\d{2}-\d{2}"
DECIMAL_RE = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
CURRENCY_RE = r"[A-Z]{3}"

QUARANTINE_STAGE = "quarantine"
QUARANTINE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("table_name", "VARCHAR"),
    ("source_file", "VARCHAR"),
    ("line_number", "BIGINT"),
    ("reason", "VARCHAR"),
    ("raw_record", "VARCHAR"),
)
LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (("_source_file", "VARCHAR"), ("_line_number", "BIGINT"))


@dataclass(frozen=True)
class TableResult:
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    ok_view: str


def sql_type(column: Column) -> str:
    return SQL_TYPES[column.type]


def raw_columns(table: Table) -> tuple[tuple[str, str], ...]:
    """The columns of raw.<table>: the contract's, typed, then the lineage columns."""
    return tuple((column.name, sql_type(column)) for column in table.columns) + LINEAGE_COLUMNS


def create_quarantine_stage(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute(
        f"CREATE OR REPLACE TABLE {QUARANTINE_STAGE} (table_order INTEGER, table_name VARCHAR, "
        "source_file VARCHAR, line_number BIGINT, issues VARCHAR[], raw_record VARCHAR)"
    )


def _quoted(value_sql: str) -> str:
    return f"'''' || {value_sql} || ''''"


def _message(column: Column, text: str, value_sql: str | None = None) -> str:
    literal = sql_string(f"{column.name}: {text}")
    return literal if value_sql is None else f"{literal} || ': ' || {_quoted(value_sql)}"


def typed_sql(column: Column, value: str, timezone: str) -> str | None:
    """SQL converting the VARCHAR `value` to the column's type; NULL when unparsable."""
    if column.type == "timestamp":
        with_offset = f"timezone({sql_string(timezone)}, try_cast({value} AS TIMESTAMPTZ))"
        return (
            f"CASE WHEN regexp_full_match({value}, {sql_string(TIMESTAMP_RE)}) THEN "
            f"CASE WHEN regexp_matches({value}, {sql_string(OFFSET_RE)}) THEN {with_offset} "
            f"ELSE try_cast({value} AS TIMESTAMP) END END"
        )
    if column.type == "date":
        return (
            f"CASE WHEN regexp_full_match({value}, {sql_string(DATE_RE)}) THEN try_cast({value} AS DATE) END"
        )
    if column.type == "decimal":
        return (
            f"CASE WHEN regexp_full_match({value}, {sql_string(DECIMAL_RE)}) "
            f"THEN try_cast({value} AS DECIMAL(20,4)) END"
        )
    if column.type == "boolean":
        true_words = ", ".join(map(sql_string, TRUE_WORDS))
        false_words = ", ".join(map(sql_string, FALSE_WORDS))
        return (
            f"CASE WHEN lower({value}) IN ({true_words}) THEN true "
            f"WHEN lower({value}) IN ({false_words}) THEN false END"
        )
    return None


_TYPE_RULES: dict[str, str] = {
    "timestamp": "not an ISO 8601 timestamp",
    "date": "not a YYYY-MM-DD date",
    "decimal": "not a decimal number",
    "boolean": "not a boolean (true/false, 1/0, yes/no, t/f)",
}


def issue_sqls(table: Table, column: Column, value: str, typed: str, reference_key: str | None) -> list[str]:
    """One SQL expression per rule of the column: the issue text, or NULL when the rule holds."""
    issues: list[str] = []
    if column.required:
        issues.append(f"CASE WHEN {value} IS NULL THEN {_message(column, 'required value missing')} END")
    if column.required_when:
        condition = " AND ".join(
            f"v.{sql_name(other)} = {sql_string(v)}" for other, v in column.required_when.items()
        )
        described = " and ".join(f"{other} is {v!r}" for other, v in column.required_when.items())
        text = f"required value missing (required when {described})"
        issues.append(f"CASE WHEN {value} IS NULL AND {condition} THEN {_message(column, text)} END")
    if column.type in _TYPE_RULES:
        message = _message(column, _TYPE_RULES[column.type], value)
        issues.append(f"CASE WHEN {value} IS NOT NULL AND {typed} IS NULL THEN {message} END")
    if column.type == "enum" and column.values:
        allowed = ", ".join(map(sql_string, column.values))
        message = _message(column, f"not one of {', '.join(column.values)}", value)
        issues.append(f"CASE WHEN {value} NOT IN ({allowed}) THEN {message} END")
    if column.type == "currency":
        message = _message(column, "not a 3-letter ISO 4217 currency code", value)
        issues.append(
            f"CASE WHEN NOT regexp_full_match({value}, {sql_string(CURRENCY_RE)}) THEN {message} END"
        )
    if column.min is not None:
        message = _message(column, f"below the minimum {column.min}", value)
        issues.append(
            f"CASE WHEN {typed} < CAST({sql_string(str(column.min))} AS DECIMAL(20,4)) THEN {message} END"
        )
    if reference_key is not None and column.references is not None:
        target = f"{column.references.table}.{column.references.column}"
        message = _message(column, f"references missing {target}", value)
        issues.append(f"CASE WHEN {value} IS NOT NULL AND {reference_key} IS NULL THEN {message} END")
    return issues


def _is_self_reference(table: Table, column: Column) -> bool:
    return column.references is not None and column.references.table == table.name


def validate_table(
    connection: duckdb.DuckDBPyConnection,
    staged: Staged,
    table_order: int,
    timezone: str,
    ok_views: dict[str, str],
    self_reference_keys: dict[str, str] | None = None,
) -> TableResult:
    """Validate one staged table; the parents it references must be in `ok_views` already.

    `self_reference_keys` (incremental loads, revops.upsert): self-referencing column -> a
    relation with a non-null VARCHAR column `k` of key values already loaded, which count as
    present besides the rows of this file.
    """
    table = staged.raw_file.table
    chk = f"chk_{table.name}"
    late = f"late_{table.name}"
    _check_rows(connection, staged, chk, timezone, ok_views)
    connection.execute(f"CREATE OR REPLACE TABLE {sql_name(late)} (_rid BIGINT, issue VARCHAR)")
    _find_duplicates(connection, table, chk, late)
    _find_broken_self_references(connection, table, chk, late, self_reference_keys or {})
    ok_view = f"ok_{table.name}"
    connection.execute(
        f"CREATE OR REPLACE VIEW {sql_name(ok_view)} AS SELECT * EXCLUDE (_rid, _issues) "
        f"FROM {sql_name(chk)} c WHERE {_alive('c', late)}"
    )
    _stage_quarantine(connection, staged, chk, late, table_order)
    rows_read = _count(connection, f"SELECT count(*) FROM {sql_name(chk)}") + staged.reject_count
    rows_loaded = _count(connection, f"SELECT count(*) FROM {sql_name(ok_view)}")
    rows_quarantined = _count(
        connection, f"SELECT count(*) FROM {QUARANTINE_STAGE} WHERE table_name = {sql_string(table.name)}"
    )
    if rows_read != rows_loaded + rows_quarantined:
        raise AssertionError(
            f"{table.name}: read {rows_read} != loaded {rows_loaded} + quarantined {rows_quarantined}"
        )
    connection.execute(f"DROP TABLE {sql_name(staged.src)}")
    return TableResult(rows_read, rows_loaded, rows_quarantined, ok_view)


def _count(connection: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(connection.execute(sql).fetchall()[0][0])


def _check_rows(
    connection: duckdb.DuckDBPyConnection, staged: Staged, chk: str, timezone: str, ok_views: dict[str, str]
) -> None:
    table = staged.raw_file.table
    positions = staged.raw_file.positions
    values = ", ".join(
        f"nullif(s.c{positions[column.name]}, '') AS {sql_name(column.name)}"
        if column.name in positions
        else f"CAST(NULL AS VARCHAR) AS {sql_name(column.name)}"
        for column in table.columns
    )
    typed_columns: list[str] = []
    outputs: list[str] = []
    issues: list[str] = []
    joins: list[str] = []
    for index, column in enumerate(table.columns):
        value = f"v.{sql_name(column.name)}"
        typed = typed_sql(column, f"r.{sql_name(column.name)}", timezone)
        if typed is None:
            typed_ref = value
        else:
            typed_name = sql_name(f"__typed_{index}")
            typed_columns.append(f"{typed} AS {typed_name}")
            typed_ref = f"v.{typed_name}"
        outputs.append(f"{typed_ref} AS {sql_name(column.name)}")
        reference_key = None
        if column.references is not None and not _is_self_reference(table, column):
            alias = f"ref_{index}"
            parent = ok_views[column.references.table]
            joins.append(
                f"LEFT JOIN (SELECT DISTINCT CAST({sql_name(column.references.column)} AS VARCHAR) AS k "
                f"FROM {sql_name(parent)}) {alias} ON {alias}.k = {value}"
            )
            reference_key = f"{alias}.k"
        issues.extend(issue_sqls(table, column, value, typed_ref, reference_key))
    typed_select = ", ".join(["*", *typed_columns])
    issue_list = f"list_filter([{', '.join(issues)}]::VARCHAR[], lambda x: x IS NOT NULL)" if issues else "[]"
    connection.execute(
        f"CREATE OR REPLACE TABLE {sql_name(chk)} AS "
        f"WITH r AS (SELECT s.rowid AS _rid, {staged.row_sql} AS _row, {values} FROM {sql_name(staged.src)} s), "
        f"v AS (SELECT {typed_select}, {staged.line_sql} AS _line FROM r) "
        f"SELECT v._rid, v._line, {', '.join(outputs)}, "
        f"CAST({issue_list} AS VARCHAR[]) AS _issues FROM v {' '.join(joins)}"
    )


def _alive(alias: str, late: str) -> str:
    """SQL: the row `alias` of chk_<table> is still to be loaded."""
    return f"len({alias}._issues) = 0 AND {alias}._rid NOT IN (SELECT _rid FROM {sql_name(late)})"


def _find_duplicates(connection: duckdb.DuckDBPyConnection, table: Table, chk: str, late: str) -> None:
    """Add an issue to every duplicate primary key but the kept row (latest updated_at, then last line)."""
    if table.primary_key is None:
        return
    key = sql_name(table.primary_key)
    updated = sql_name("updated_at") if "updated_at" in table.column_names else "NULL"
    prefix = sql_string(f"{table.primary_key}: duplicate primary key ")
    kept_rule = "CASE WHEN w.u <> d.kept.u THEN 'latest updated_at' ELSE 'last in file' END"
    connection.execute(
        f"INSERT INTO {sql_name(late)} "
        f"WITH v AS (SELECT _rid, _line, {key} AS k, "
        f"coalesce(CAST({updated} AS TIMESTAMP), TIMESTAMP '-infinity') AS u "
        f"FROM {sql_name(chk)} WHERE len(_issues) = 0), "
        "dk AS (SELECT k FROM v GROUP BY k HAVING count(*) > 1), "
        "w AS (SELECT v.* FROM v SEMI JOIN dk ON v.k = dk.k), "
        "d AS (SELECT k, max({'u': u, 'line': _line}) AS kept FROM w GROUP BY k) "
        f"SELECT w._rid, {prefix} || {_quoted('w.k')} || ' (kept line ' || d.kept.line || ', ' "
        f"|| {kept_rule} || ')' "
        "FROM w JOIN d ON w.k = d.k WHERE w._line <> d.kept.line"
    )


def _find_broken_self_references(
    connection: duckdb.DuckDBPyConnection, table: Table, chk: str, late: str, known_keys: dict[str, str]
) -> None:
    """Add an issue to rows referencing a row of the same table that is not loaded, along whole chains."""
    for column in table.columns:
        if column.references is None or not _is_self_reference(table, column):
            continue
        value, target = sql_name(column.name), sql_name(column.references.column)
        message = _message(
            column, f"references missing {table.name}.{column.references.column}", f"c.{value}"
        )
        known = known_keys.get(column.name)
        also_known = f" UNION ALL SELECT k FROM {sql_name(known)}" if known else ""
        while True:
            added = connection.execute(
                f"INSERT INTO {sql_name(late)} SELECT c._rid, {message} FROM {sql_name(chk)} c "
                f"WHERE {_alive('c', late)} AND c.{value} IS NOT NULL AND c.{value} NOT IN ("
                f"SELECT p.{target} FROM {sql_name(chk)} p WHERE {_alive('p', late)} AND p.{target} IS NOT NULL"
                f"{also_known})"
            ).fetchall()[0][0]
            if not added:
                break


def _stage_quarantine(
    connection: duckdb.DuckDBPyConnection, staged: Staged, chk: str, late: str, table_order: int
) -> None:
    raw_file = staged.raw_file
    record = ", ".join(f"{sql_string(name)}, s.c{index}" for index, name in enumerate(raw_file.header))
    head = f"{table_order}, {sql_string(raw_file.table.name)}, {sql_string(raw_file.path.name)}"
    connection.execute(
        f"INSERT INTO {QUARANTINE_STAGE} SELECT {head}, c._line, c._issues, "
        f"CAST(json_object({record}) AS VARCHAR) "
        f"FROM {sql_name(chk)} c JOIN {sql_name(staged.src)} s ON s.rowid = c._rid WHERE len(c._issues) > 0"
    )
    # late issues belong to rows without row issues, at most one per row
    connection.execute(
        f"INSERT INTO {QUARANTINE_STAGE} SELECT {head}, c._line, [l.issue], "
        f"CAST(json_object({record}) AS VARCHAR) FROM {sql_name(late)} l "
        f"JOIN {sql_name(chk)} c ON c._rid = l._rid JOIN {sql_name(staged.src)} s ON s.rowid = l._rid"
    )
    if staged.rejects is not None:
        connection.execute(
            f"INSERT INTO {QUARANTINE_STAGE} SELECT {head}, _line, [reason], raw_record "
            f"FROM {sql_name(staged.rejects)}"
        )


def split_issue(issue: str) -> tuple[str, str]:
    """'created_at: not an ISO 8601 timestamp: ...' -> ('created_at', 'not an ISO ...')."""
    column, _, message = issue.partition(": ")
    return (column, message) if message else (RECORD, issue)
