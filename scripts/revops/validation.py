"""Validate a staged table in vectorised SQL generated from the contract.

Per table, in the contract's load order (referenced tables first):

1. `chk_<table>`: one row per staged row with the typed values and `_issues`,
   the list of broken rules: a missing required value (also `required_when`),
   an unparsable timestamp/date/decimal/boolean, a date or timestamp whose year
   is outside normalise.MIN_YEAR..MAX_YEAR, a number DECIMAL(20,4) cannot hold
   or would round (normalise.number_problem), an unknown enum value or
   currency code, a value below `min`, a reference to a row missing from the
   loaded parent table. Empty strings are NULL. Keys (`key_columns`: the
   primary key, every reference, and every Salesforce Id column) are trimmed of
   surrounding white space (Unicode's, the ideographic space U+3000 included)
   before every check and loaded trimmed, so a key and each reference to it
   are read the same way; a key blank after trimming is missing. A value of
   any other required column that is only white space is missing too (a value
   with text is kept as written).
2. Duplicate primary keys among the rows without issues: the row with the
   latest `updated_at` (when the table has one; NULL counts as oldest) is kept,
   ties and tables without it keep the last in the file. Salesforce Ids are
   compared in their canonical 18-character form (revops.sources.salesforce.id18),
   so a record's 15- and 18-character Ids, and its 18-character Id in any case,
   are one key.
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
from datetime import datetime

import duckdb
from duckdb.sqltypes import VARCHAR

from revops import normalise
from revops.contract import Column, Table
from revops.normalise import FALSE_WORDS, TRUE_WORDS
from revops.rawio import RECORD, Staged, sql_name, sql_string
from revops.sources import salesforce

__all__ = ["FALSE_WORDS", "TRUE_WORDS", "Parsing", "typed_sql", "validate_table"]

SQL_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "enum": "VARCHAR",
    "currency": "VARCHAR",
    "decimal": "DECIMAL(20,4)",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}
QUARANTINE_STAGE = "quarantine"
NOTES_STAGE = "load_notes"
NOTES_COLUMNS: tuple[tuple[str, str], ...] = (
    ("table_name", "VARCHAR"),
    ("source_file", "VARCHAR"),
    ("line_number", "BIGINT"),
    ("column_name", "VARCHAR"),
    ("value", "VARCHAR"),
    ("reason", "VARCHAR"),
)
QUARANTINE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("table_name", "VARCHAR"),
    ("source_file", "VARCHAR"),
    ("line_number", "BIGINT"),
    ("reason", "VARCHAR"),
    ("raw_record", "VARCHAR"),
)
LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (("_source_file", "VARCHAR"), ("_line_number", "BIGINT"))
KEY_WHITESPACE = "".join(chr(code) for code in range(0x3001) if chr(code).isspace())
"""What a key is trimmed of: every white-space character (str.isspace; U+3000 is the last)."""
ID18_FUNCTION = "revops_salesforce_id18"
"""The DuckDB function (revops.sources.salesforce.id18) Salesforce keys are compared through."""


@dataclass(frozen=True)
class Parsing:
    """How one load reads values: the timezones, and the latest event time it accepts."""

    reporting_timezone: str
    """The zone typed timestamps are in (the loaded tables' zone: UTC for Salesforce)."""
    source_timezone: str
    future_limit: datetime | None = None
    """Naive reporting time (export time + future_tolerance_hours); a later event time is quarantined."""
    calendar_timezone: str = ""
    """The zone whose midnight a date alone in a timestamp column is (empty: reporting_timezone)."""


@dataclass(frozen=True)
class TableResult:
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    ok_view: str
    rows_noted: int = 0


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
    connection.execute(f"DROP TABLE IF EXISTS {NOTES_STAGE}")


def _quoted(value_sql: str) -> str:
    return f"'''' || {value_sql} || ''''"


def _message(column: Column, text: str, value_sql: str | None = None) -> str:
    literal = sql_string(f"{column.name}: {text}")
    return literal if value_sql is None else f"{literal} || ': ' || {_quoted(value_sql)}"


def typed_sql(
    column: Column,
    value: str,
    timezone: str,
    source_timezone: str | None = None,
    calendar_timezone: str | None = None,
) -> str | None:
    """SQL converting the VARCHAR `value` to the column's type; NULL when not an accepted form.

    `timezone` is the reporting timezone (the zone timestamps are kept in); naive timestamps are read
    in `source_timezone` (default: the reporting timezone); a date alone in a timestamp column is
    00:00 of that date in `calendar_timezone` (default: `timezone`). Plain strings are returned as
    they are (None).
    """
    if column.type == "timestamp":
        return normalise.timestamp(
            value, timezone, source_timezone or timezone, calendar_timezone or timezone
        )
    if column.type == "date":
        return normalise.date(value)
    if column.type == "decimal":
        return normalise.number(value)
    if column.type == "boolean":
        return normalise.boolean(value)
    if column.type == "enum" and column.values:
        return normalise.enum(value, column.values)
    if column.type == "currency":
        return normalise.currency(value)
    return None


_TYPE_RULES: dict[str, str] = {
    "timestamp": f"not a timestamp (accepted: {normalise.TIMESTAMP_FORMS})",
    "date": f"not a date (accepted: {normalise.DATE_FORMS})",
    "decimal": f"not a number (accepted: {normalise.NUMBER_FORMS})",
    "boolean": f"not a boolean (accepted: {normalise.BOOLEAN_FORMS})",
    "currency": f"not a currency code (accepted: {normalise.CURRENCY_FORMS})",
}


def typed_name(column: Column) -> str:
    """The name of the typed copy of a column inside the check query (plain strings have none)."""
    return f"__typed_{column.name}"


def _typed_ref(table: Table, name: str) -> str:
    column = table.column(name)
    has_typed = typed_sql(column, "x", "UTC") is not None
    return f"v.{sql_name(typed_name(column) if has_typed else name)}"


def _required_condition(table: Table, column: Column) -> str:
    return " AND ".join(
        f"{_typed_ref(table, other)} = {sql_string(v)}" for other, v in column.required_when.items()
    )


def key_columns(table: Table) -> frozenset[str]:
    """The columns holding keys, trimmed before every check: the primary key, every reference and,
    for Salesforce objects, every Id column (`id`, `*_id`: dbt reads them all as Ids)."""
    names = {column.name for column in table.columns if column.references is not None}
    if table.primary_key is not None:
        names.add(table.primary_key)
    if salesforce.owns(table):
        names.update(column.name for column in table.columns if salesforce.is_id_column(column.name))
    return frozenset(names)


def _is_white_space_sql(character: str) -> str:
    """SQL: the character `character` (an expression) is in KEY_WHITESPACE."""
    codes = ", ".join(str(ord(space)) for space in KEY_WHITESPACE)
    return f"ord({character}) IN ({codes})"


def _trimmed_sql(value: str) -> str:
    """SQL: `value` without surrounding white space (KEY_WHITESPACE). Trimming by a list of characters
    costs 0.8-1.7 us a value, so only a value with white space at an end is trimmed (checking both
    ends costs ~0.03 us a value: 78M activity ids, ~2.5 CPU-s)."""
    ends = f"{_is_white_space_sql(value)} OR {_is_white_space_sql(f'substring({value}, -1)')}"
    return f"CASE WHEN {ends} THEN trim({value}, {sql_string(KEY_WHITESPACE)}) ELSE {value} END"


def key_value_sql(value: str) -> str:
    """SQL: a key or reference as the validation reads it: trimmed; empty (blank) is NULL."""
    return f"nullif({_trimmed_sql(value)}, '')"


def _required_value_sql(value: str) -> str:
    """SQL: a required value as read; empty or only white space is NULL (missing)."""
    return (
        f"CASE WHEN NOT {_is_white_space_sql(value)} THEN nullif({value}, '') "
        f"WHEN trim({value}, {sql_string(KEY_WHITESPACE)}) = '' THEN NULL ELSE {value} END"
    )


def _cell_sql(column: Column, cell: str, keys: frozenset[str]) -> str:
    """SQL: the VARCHAR value of `column` read from the staged `cell`, before typing and checks."""
    if column.name in keys:
        return key_value_sql(cell)
    if column.required or column.required_when:
        return _required_value_sql(cell)
    return f"nullif({cell}, '')"


def is_optional_reference(table: Table, column: Column) -> bool:
    """A reference that may point nowhere: set to null with a load note instead of quarantining the row."""
    return column.references is not None and not column.required and not _is_self_reference(table, column)


def _reference_required_sql(table: Table, column: Column) -> str:
    """SQL: in this row, the (optional) reference is required (its required_when holds)."""
    return _required_condition(table, column) if column.required_when else "false"


def issue_sqls(
    table: Table,
    column: Column,
    value: str,
    typed: str,
    reference_key: str | None,
    future_limit: datetime | None = None,
) -> list[str]:
    """One SQL expression per rule of the column: the issue text, or NULL when the rule holds."""
    issues: list[str] = []
    if column.required:
        issues.append(f"CASE WHEN {value} IS NULL THEN {_message(column, 'required value missing')} END")
    if column.required_when:
        condition = _required_condition(table, column)
        described = " and ".join(f"{other} is {v!r}" for other, v in column.required_when.items())
        text = f"required value missing (required when {described})"
        issues.append(f"CASE WHEN {value} IS NULL AND {condition} THEN {_message(column, text)} END")
    if column.type in _TYPE_RULES:
        text = sql_string(_TYPE_RULES[column.type])
        ambiguity = normalise.ambiguity(column.type, value)
        if ambiguity is not None:
            text = f"coalesce({ambiguity}, {text})"
        number_problem = normalise.number_problem(value) if column.type == "decimal" else None
        if number_problem is not None:
            text = f"coalesce({number_problem}, {text})"
        message = f"{sql_string(column.name + ': ')} || {text} || ': ' || {_quoted(value)}"
        issues.append(f"CASE WHEN {value} IS NOT NULL AND {typed} IS NULL THEN {message} END")
        if number_problem is not None:
            rounded = f"{sql_string(column.name + ': ')} || {number_problem} || ': ' || {_quoted(value)}"
            issues.append(f"CASE WHEN {typed} IS NOT NULL THEN {rounded} END")
    if column.type in ("timestamp", "date"):
        years = f"{normalise.MIN_YEAR}-{normalise.MAX_YEAR}"
        message = _message(column, f"year outside {years} (a placeholder or a typo?)", value)
        issues.append(
            f"CASE WHEN year({typed}) NOT BETWEEN {normalise.MIN_YEAR} AND {normalise.MAX_YEAR} THEN {message} END"
        )
    if column.type == "enum" and column.values:
        message = _message(column, f"not one of {', '.join(column.values)}", value)
        issues.append(f"CASE WHEN {value} IS NOT NULL AND {typed} IS NULL THEN {message} END")
    if column.event and future_limit is not None and column.type in ("timestamp", "date"):
        limit = future_limit.isoformat(sep=" ")
        message = _message(column, f"in the future (after the export time + tolerance, {limit})", value)
        issues.append(
            f"CASE WHEN CAST({typed} AS TIMESTAMP) > TIMESTAMP {sql_string(limit)} THEN {message} END"
        )
    if column.min is not None:
        message = _message(column, f"below the minimum {column.min}", value)
        issues.append(
            f"CASE WHEN {typed} < CAST({sql_string(str(column.min))} AS DECIMAL(20,4)) THEN {message} END"
        )
    if reference_key is not None and column.references is not None:
        target = f"{column.references.table}.{column.references.column}"
        message = _message(column, f"references missing {target}", value)
        required = (
            "true" if not is_optional_reference(table, column) else _reference_required_sql(table, column)
        )
        issues.append(
            f"CASE WHEN {value} IS NOT NULL AND {reference_key} IS NULL AND ({required}) THEN {message} END"
        )
    return issues


def note_sql(table: Table, column: Column, value: str, reference_key: str) -> str:
    """SQL: a note struct when the optional reference points nowhere and is set to null, else NULL."""
    assert column.references is not None
    target = f"{column.references.table}.{column.references.column}"
    reason = sql_string(f"references missing {target}; set to null, row kept")
    return (
        f"CASE WHEN {value} IS NOT NULL AND {reference_key} IS NULL AND NOT ({_reference_required_sql(table, column)}) "
        f"THEN {{'column_name': {sql_string(column.name)}, 'value': {value}, 'reason': {reason}}} END"
    )


def _is_self_reference(table: Table, column: Column) -> bool:
    return column.references is not None and column.references.table == table.name


def validate_table(
    connection: duckdb.DuckDBPyConnection,
    staged: Staged,
    table_order: int,
    parsing: Parsing | str,
    ok_views: dict[str, str],
    self_reference_keys: dict[str, str] | None = None,
    *,
    narrow_parents: bool = False,
    keys: frozenset[str] | None = None,
) -> TableResult:
    """Validate one staged table; the parents it references must be in `ok_views` already.

    `parsing` may be just the reporting timezone (naive times read in it, no future check).
    `narrow_parents` (incremental loads, whose parents hold every stored row and dwarf the file):
    a parent's keys are first narrowed to the values the file references, so that only those are
    de-duplicated and joined (10M stored leads: 0.16-0.22 s a referencing table instead of 0.85-1.07 s).
    `self_reference_keys` (incremental loads, revops.upsert): self-referencing column -> a
    relation with a non-null VARCHAR column `k` of key values already loaded, which count as
    present besides the rows of this file.

    `keys`: the columns read as keys (trimmed; default `key_columns(table)`), for a table standing in
    for another (revops.upsert's delete rows).

    Loaded rows whose optional reference pointed nowhere (set to null) get one row each in the
    staging table `load_notes` (created here when missing).
    """
    if isinstance(parsing, str):
        parsing = Parsing(reporting_timezone=parsing, source_timezone=parsing)
    table = staged.raw_file.table
    chk = f"chk_{table.name}"
    late = f"late_{table.name}"
    keys = key_columns(table) if keys is None else keys
    _check_rows(connection, staged, chk, parsing, ok_views, narrow_parents, keys)
    connection.execute(f"CREATE OR REPLACE TABLE {sql_name(late)} (_rid BIGINT, issue VARCHAR)")
    _find_duplicates(connection, table, chk, late)
    _find_broken_self_references(connection, table, chk, late, self_reference_keys or {})
    ok_view = f"ok_{table.name}"
    connection.execute(
        f"CREATE OR REPLACE VIEW {sql_name(ok_view)} AS SELECT * EXCLUDE (_rid, _issues, _notes) "
        f"FROM {sql_name(chk)} c WHERE {_alive('c', late)}"
    )
    _stage_quarantine(connection, staged, chk, late, table_order)
    rows_noted = _stage_notes(connection, staged, chk, late, table_order)
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
    return TableResult(rows_read, rows_loaded, rows_quarantined, ok_view, rows_noted)


def _count(connection: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(connection.execute(sql).fetchall()[0][0])


def _check_rows(
    connection: duckdb.DuckDBPyConnection,
    staged: Staged,
    chk: str,
    parsing: Parsing,
    ok_views: dict[str, str],
    narrow_parents: bool,
    keys: frozenset[str],
) -> None:
    table = staged.raw_file.table
    positions = staged.raw_file.positions
    values = ", ".join(
        f"{_cell_sql(column, f's.c{positions[column.name]}', keys)} AS {sql_name(column.name)}"
        if column.name in positions
        else f"CAST(NULL AS VARCHAR) AS {sql_name(column.name)}"
        for column in table.columns
    )
    typed_columns: list[str] = []
    outputs: list[str] = []
    issues: list[str] = []
    notes: list[str] = []
    joins: list[str] = []
    for index, column in enumerate(table.columns):
        value = f"v.{sql_name(column.name)}"
        typed = typed_sql(
            column,
            f"r.{sql_name(column.name)}",
            parsing.reporting_timezone,
            parsing.source_timezone,
            parsing.calendar_timezone,
        )
        if typed is None:
            typed_ref = value
        else:
            typed_columns.append(f"{typed} AS {sql_name(typed_name(column))}")
            typed_ref = f"v.{sql_name(typed_name(column))}"
        output = typed_ref
        reference_key = None
        if column.references is not None and not _is_self_reference(table, column):
            alias = f"ref_{index}"
            parent = ok_views[column.references.table]
            parent_key = f"CAST({sql_name(column.references.column)} AS VARCHAR)"
            narrowed = (
                f" WHERE {parent_key} IN (SELECT {sql_name(column.name)} FROM r)" if narrow_parents else ""
            )
            joins.append(
                f"LEFT JOIN (SELECT DISTINCT {parent_key} AS k FROM {sql_name(parent)}{narrowed}) {alias} "
                f"ON {alias}.k = {value}"
            )
            reference_key = f"{alias}.k"
            if is_optional_reference(table, column):
                note = note_sql(table, column, value, reference_key)
                notes.append(note)
                output = f"CASE WHEN ({note}) IS NULL THEN {typed_ref} END"
        outputs.append(f"{output} AS {sql_name(column.name)}")
        issues.extend(issue_sqls(table, column, value, typed_ref, reference_key, parsing.future_limit))
    typed_select = ", ".join(["*", *typed_columns])
    issue_list = f"list_filter([{', '.join(issues)}]::VARCHAR[], lambda x: x IS NOT NULL)" if issues else "[]"
    note_type = "STRUCT(column_name VARCHAR, value VARCHAR, reason VARCHAR)"
    note_list = (
        f"list_filter([{', '.join(notes)}]::{note_type}[], lambda x: x IS NOT NULL)"
        if notes
        else f"[]::{note_type}[]"
    )
    connection.execute(
        f"CREATE OR REPLACE TABLE {sql_name(chk)} AS "
        f"WITH r AS (SELECT s.rowid AS _rid, {staged.row_sql} AS _row, {values} FROM {sql_name(staged.src)} s), "
        f"v AS (SELECT {typed_select}, {staged.line_sql} AS _line FROM r) "
        f"SELECT v._rid, v._line, {', '.join(outputs)}, "
        f"CAST({issue_list} AS VARCHAR[]) AS _issues, {note_list} AS _notes FROM v {' '.join(joins)}"
    )


def _stage_notes(
    connection: duckdb.DuckDBPyConnection, staged: Staged, chk: str, late: str, table_order: int
) -> int:
    """Stage the notes of the rows that are loaded; return how many rows have one."""
    connection.execute(
        f"CREATE TABLE IF NOT EXISTS {NOTES_STAGE} (table_order INTEGER, "
        + ", ".join(f"{sql_name(name)} {sql_type}" for name, sql_type in NOTES_COLUMNS)
        + ")"
    )
    head = f"{table_order}, {sql_string(staged.raw_file.table.name)}, {sql_string(staged.raw_file.path.name)}"
    connection.execute(
        f"INSERT INTO {NOTES_STAGE} SELECT {head}, _line, note.column_name, note.value, note.reason "
        f"FROM (SELECT c._line, unnest(c._notes) AS note FROM {sql_name(chk)} c "
        f"WHERE len(c._notes) > 0 AND {_alive('c', late)}) ORDER BY _line"
    )
    return _count(
        connection,
        f"SELECT count(*) FROM {sql_name(chk)} c WHERE len(c._notes) > 0 AND {_alive('c', late)}",
    )


def _alive(alias: str, late: str) -> str:
    """SQL: the row `alias` of chk_<table> is still to be loaded."""
    return f"len({alias}._issues) = 0 AND {alias}._rid NOT IN (SELECT _rid FROM {sql_name(late)})"


def _compared_key(connection: duckdb.DuckDBPyConnection, table: Table) -> tuple[str, str]:
    """SQL of the primary key as duplicates are found: (the form compared, a prefix every two equal
    keys share). A Salesforce Id is compared in its canonical 18-character form; two Ids with the
    same canonical form share their first 15 characters but for case (an 18-character Id is
    case-insensitive), so only the few keys sharing those, lower-cased, with another are converted
    (by Python: revops.sources.salesforce.id18, the one implementation)."""
    assert table.primary_key is not None
    key = sql_name(table.primary_key)
    if not salesforce.owns(table):
        return key, key
    registered = connection.execute(
        "SELECT count(*) FROM duckdb_functions() WHERE function_name = ?", [ID18_FUNCTION]
    ).fetchall()[0][0]
    if not registered:
        connection.create_function(ID18_FUNCTION, salesforce.id18, [VARCHAR], VARCHAR)
    return f"{ID18_FUNCTION}({key})", f"lower(substring({key}, 1, {salesforce.ID15_LENGTH}))"


def _find_duplicates(connection: duckdb.DuckDBPyConnection, table: Table, chk: str, late: str) -> None:
    """Add an issue to every duplicate primary key but the kept row (latest updated_at, then last line)."""
    if table.primary_key is None:
        return
    key = sql_name(table.primary_key)
    compared, prefix_sql = _compared_key(connection, table)
    updated = sql_name("updated_at") if "updated_at" in table.column_names else "NULL"
    prefix = sql_string(f"{table.primary_key}: duplicate primary key ")
    kept_rule = "CASE WHEN w.u <> d.kept.u THEN 'latest updated_at' ELSE 'last in file' END"
    # Candidates first, by the keys' 64-bit hashes over every row: grouping integers and skipping the
    # issue lists costs far less than grouping the key strings (10M leads' 78M activity ids: 8.1 s
    # instead of 21.4 s). Every duplicate is a candidate; the exact grouping below drops a collision.
    connection.execute(
        f"INSERT INTO {sql_name(late)} "
        f"WITH candidates AS (SELECT hash({prefix_sql}) AS h FROM {sql_name(chk)} GROUP BY h HAVING count(*) > 1), "
        f"v AS (SELECT _rid, _line, {compared} AS k, {key} AS shown, "
        f"coalesce(CAST({updated} AS TIMESTAMP), TIMESTAMP '-infinity') AS u "
        f"FROM {sql_name(chk)} WHERE hash({prefix_sql}) IN (SELECT h FROM candidates) AND len(_issues) = 0), "
        "dk AS (SELECT k FROM v GROUP BY k HAVING count(*) > 1), "
        "w AS (SELECT v.* FROM v SEMI JOIN dk ON v.k = dk.k), "
        "d AS (SELECT k, max({'u': u, 'line': _line}) AS kept FROM w GROUP BY k) "
        f"SELECT w._rid, {prefix} || {_quoted('w.shown')} || ' (kept line ' || d.kept.line || ', ' "
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
