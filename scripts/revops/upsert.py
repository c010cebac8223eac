"""Incremental loading: merge a delta export directory into schema `raw` (docs/nightly.md).

    upsert_dir(raw_dir, db_path=None, encoding=None, timezone=None, source_timezone=None,
               export_time=None, strict=False, dry_run=False) -> UpsertReport

A delta directory holds `<table>.csv` / `<table>.parquet` files like a full
export, but only for the tables that changed (a missing file: no change), and
only the new, changed or deleted rows. Every row goes through the same contract
checks as a full load (revops.validation), in a private in-memory DuckDB; the
warehouse is written only when every file is readable (and, with `strict`, no
row was quarantined), in one transaction; read = loaded + quarantined per table.

Rules, per table:

* With a primary key: a new key is inserted; a known key replaces the loaded row.
  Tables with `updated_at` (leads) replace it only when the delta row's
  `updated_at` is newer or equal (NULL counts as oldest); an older row is
  quarantined ("older than the loaded row"). A row equal to the loaded one is
  counted unchanged. Duplicate keys inside one file: as in a full load.
* Without a primary key (lead_status_changes, campaign_costs): rows are
  appended; a delta row equal to a loaded row is ignored (counted unchanged),
  so re-sending overlapping exports is harmless. Rows are compared as sent: an
  optional reference loaded as null because it pointed nowhere compares by the
  value its load note keeps (raw.load_notes), and a re-sent row whose
  reference now resolves replaces the loaded row (counted replaced).
  Corrections of such rows need a delete of the old row plus the new row, or a
  full load.
* Columns the file leaves out (optional ones; required ones must be there): a
  replaced row keeps its loaded values of them, a new row has them empty, and
  they are not compared: a keyless row equal to a loaded one in the columns the
  file has is unchanged (and a keyless delete removes every loaded row equal to
  it in those columns).
* A currency column whose contract says "empty means JPY" (campaign_costs,
  opportunities, deals; not opportunity_history, where empty means the
  opportunity's currency) compares empty equal to `JPY`; the row is stored as
  sent.
* References are checked against the loaded rows plus the delta's rows.
* Deletes: an optional `_deleted` column; a row with `_deleted` true
  (true/t/yes/1) removes the loaded row with its key (only the key is needed),
  or, in a table without a key, every loaded row equal to it as sent. A delete
  of an absent row is counted unchanged, and so is a repeated delete of a row
  in the same file (the first line deletes it). Keys are read as in a full
  load (trimmed: revops.validation.key_columns), in delete rows too. A delete
  is quarantined when the key is also upserted in the same file, or while
  other loaded or delta rows still reference the row (delete those in the same
  delta). Rows removed from the source without such a delete stay loaded: hard
  deletes otherwise need a full load.

Lineage: inserted and replaced rows get `_source_file` = `<dir name>/<file>`
and their `_line_number`; their load notes (an optional reference set to null)
are appended to raw.load_notes. An older or unchanged row is not written, so it
leaves no note. Quarantined rows are appended to raw.quarantine (a
full load replaces it). Every lead whose rows were inserted, replaced or
deleted (old and new lead of a changed row; the lead of a deal's
opportunity; the leads of a changed or deleted campaign) is appended to
raw.load_changed_leads (revops.loadmeta), which the incremental dbt models and
the staging tests of the lead-keyed tables read, and scripts/nightly.py clears
after a successful build.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table as RichTable

from revops import normalise, settings
from revops.changed_leads import TOUCHING_TABLES, KnownRows, RowChanges, log_changed_leads
from revops.contract import QUARANTINE_TABLE, RAW_SCHEMA, Column, Table
from revops.loader import (
    VALIDATION_STEPS,
    ProgressHook,
    Report,
    TableReport,
    _NoProgress,
    _Session,
    _session,
    file_encoding_label,
    new_report,
)
from revops.loadmeta import NOTES_TABLE, create_change_log
from revops.rawio import (
    DELETED_COLUMN,
    FORMATS,
    EncodingChoice,
    Problem,
    RawFile,
    RawFileError,
    Staged,
    locate,
    sql_name,
    sql_string,
    stage,
    unknown_files,
)
from revops.validation import (
    NOTES_STAGE,
    QUARANTINE_COLUMNS,
    QUARANTINE_STAGE,
    is_optional_reference,
    key_columns,
    raw_columns,
    validate_table,
)

WAREHOUSE = "warehouse"
DELETE_SUFFIX = "__deletes"
SENT_PREFIX = "__sent_"
"""Keyless tables: `__sent_<column>` is an optional reference as sent (before it was set to null)."""
STALE_REASON = "updated_at: older than the loaded row with this {key} (kept the loaded row)"
CONFLICT_REASON = "{key}: deleted and upserted in the same file (nothing done)"
KEYLESS_CONFLICT_REASON = f"{DELETED_COLUMN}: the same row is upserted in the same file (nothing done)"
BLOCKED_REASON = "{key}: cannot delete, still referenced by {refs}"


@dataclass
class TableChanges:
    """What the delta did to one raw table (each read row is in exactly one bucket)."""

    inserted: int = 0
    replaced: int = 0
    unchanged: int = 0
    deleted: int = 0
    quarantined: int = 0


@dataclass
class UpsertReport(Report):
    changes: dict[str, TableChanges] = field(default_factory=dict)
    absent_columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Per table, the optional columns its file leaves out: kept as loaded in replaced rows, not compared."""


def _raw(table: str) -> str:
    return f"{WAREHOUSE}.{RAW_SCHEMA}.{sql_name(table)}"


def _contract_columns(table: Table) -> list[str]:
    return [column.name for column in table.columns]


_EMPTY_MEANS = re.compile(r"\bempty means ([A-Z]{3})\b")


def empty_currency(table: Table, name: str) -> str | None:
    """The currency an empty value of column `name` means, when the contract's description says one
    ("empty means JPY": campaign_costs, opportunities, deals); None for other columns (opportunity_history's
    "empty means the opportunity's currency")."""
    column = table.column(name)
    found = _EMPTY_MEANS.search(column.description) if column.type == "currency" else None
    return found[1] if found else None


def _compared(table: Table, alias: str, name: str, *, sent: bool = False) -> str:
    """SQL: the value of column `name` of row `alias` as compared: as sent (`__sent_`), and an empty
    currency as the currency it means."""
    value = f"{alias}.{_sent(name) if sent else sql_name(name)}"
    default = empty_currency(table, name)
    return f"coalesce({value}, {sql_string(default)})" if default is not None else value


def _same_row(left: str, right: str, columns: Sequence[str], table: Table) -> str:
    """SQL: the `columns` of `left` equal `right`'s (NULLs equal; an empty currency as the one it means)."""
    return " AND ".join(
        f"{_compared(table, left, name)} IS NOT DISTINCT FROM {_compared(table, right, name)}"
        for name in columns
    )


def _optional_references(table: Table) -> list[str]:
    """The columns set to null (with a load note) when they point nowhere."""
    return [column.name for column in table.columns if is_optional_reference(table, column)]


def _sent(column: str) -> str:
    return sql_name(SENT_PREFIX + column)


def _same_as_sent(left: str, right: str, table: Table, columns: Sequence[str]) -> str:
    """SQL: keyless rows `left` and `right` (both with the `__sent_` columns) are equal as sent in
    `columns` (the ones the delta's file has): each equal, an optional reference compared by the value
    sent, an empty currency as the one it means (NULLs equal)."""
    optional = set(_optional_references(table))
    return " AND ".join(
        f"{_compared(table, left, name, sent=name in optional)} IS NOT DISTINCT FROM "
        f"{_compared(table, right, name, sent=name in optional)}"
        for name in columns
    )


def _delete_table(table: Table) -> Table:
    """The pseudo contract table delete rows are validated against."""
    flag = Column(name=DELETED_COLUMN, type="boolean", required=True)
    if table.primary_key is not None:
        key = dataclasses.replace(table.column(table.primary_key), required=True, references=None)
        columns: tuple[Column, ...] = (key, flag)
    else:
        columns = (*(dataclasses.replace(column, references=None) for column in table.columns), flag)
    return Table(name=table.name + DELETE_SUFFIX, description="", columns=columns, primary_key=None)


class _Upsert:
    """One upsert run inside a loader session with the warehouse attached."""

    def __init__(self, session: _Session, report: UpsertReport, progress: ProgressHook) -> None:
        self.session = session
        self.connection = session.connection
        self.report = report
        self.progress = progress
        self.tables = {table.name: table for table in session.tables}
        self.present: list[str] = []
        self.known: dict[str, str] = {}
        self.has_deletes: dict[str, bool] = {}
        self.sent_columns: dict[str, tuple[str, ...]] = {}
        """Per table with a file, the contract columns the file has (absent ones are not compared)."""
        self.source_dir = report.raw_dir.resolve().name

    # -- validation ---------------------------------------------------------------

    def validate(self) -> None:
        connection, report = self.connection, self.report
        present_tables = tuple(
            table
            for table in self.session.tables
            if any((report.raw_dir / f"{table.name}.{fmt}").exists() for fmt in FORMATS)
        )
        files, problems = locate(report.raw_dir, present_tables, report.encoding)
        report.unknown_files = unknown_files(report.raw_dir, self.session.tables)
        report.problems.extend(problems)
        report.problems.extend(
            Problem(f"column {DELETED_COLUMN!r} appears more than once in the header", raw_file.path)
            for raw_file in files
            if raw_file.header.count(DELETED_COLUMN) > 1
        )
        for table in self.session.tables:
            if not self._exists(table.name):
                report.problems.append(
                    Problem(
                        f"raw.{table.name} is not loaded in {report.db_path}: run a full load first "
                        "(scripts/load.py --raw-dir DIR)"
                    )
                )
        if report.problems:
            return
        connection.execute(
            f"CREATE OR REPLACE TABLE {QUARANTINE_STAGE} (table_order INTEGER, table_name VARCHAR, "
            "source_file VARCHAR, line_number BIGINT, issues VARCHAR[], raw_record VARCHAR)"
        )
        by_table = {raw_file.table.name: raw_file for raw_file in files}
        for table in self.session.tables:
            if table.name in by_table:
                self.progress.start(table.name, len(VALIDATION_STEPS) + 2)
        for order, table in enumerate(self.session.tables):
            if table.name in by_table:
                try:
                    self._validate_file(by_table[table.name], order)
                except RawFileError as error:
                    report.problems.append(error.problem)
                    return
            self._make_known(table)
        self._block_referenced_deletes()
        for table_report in report.tables:
            self._count(table_report)
            table_report.issues = self.session._issue_sample(table_report.table)

    def _exists(self, table: str) -> bool:
        rows = self.connection.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? AND table_name = ?",
            [WAREHOUSE, RAW_SCHEMA, table],
        ).fetchall()
        return bool(rows[0][0])

    def _validate_file(self, raw_file: RawFile, order: int) -> None:
        table = raw_file.table
        connection = self.connection
        staged = stage(connection, raw_file, self.session.workdir)
        self.progress.advance(table.name, "read")
        self.sent_columns[table.name] = tuple(
            name for name in table.column_names if name in raw_file.positions
        )
        absent = tuple(name for name in table.column_names if name not in raw_file.positions)
        if absent:
            self.report.absent_columns[table.name] = absent
        upserts, deletes = self._split_deletes(staged)
        result = validate_table(
            connection,
            upserts,
            order,
            self.report.parsing,
            self.known,
            self._stored_self_keys(table),
            narrow_parents=True,
        )
        rows_read, rows_quarantined = result.rows_read, result.rows_quarantined
        self.session.ok_views[table.name] = result.ok_view
        self.has_deletes[table.name] = deletes is not None
        if deletes is not None:
            deleted = validate_table(
                connection,
                deletes,
                order,
                self.report.parsing,
                self.known,
                narrow_parents=True,
                keys=key_columns(table),
            )
            rows_read += deleted.rows_read
            rows_quarantined += deleted.rows_quarantined
            connection.execute(
                f"UPDATE {QUARANTINE_STAGE} SET table_name = ? WHERE table_name = ?",
                [table.name, table.name + DELETE_SUFFIX],
            )
        self.progress.advance(table.name, "check")
        self._classify(table)
        rows_noted = self._drop_notes_of_unwritten_rows(table)
        if deletes is not None:
            self._classify_deletes(table)
        self.progress.advance(table.name, "merge")
        self.report.tables.append(
            TableReport(
                table=table.name,
                path=raw_file.path,
                rows_read=rows_read,
                rows_loaded=rows_read - rows_quarantined,
                rows_quarantined=rows_quarantined,
                extra_columns=tuple(name for name in raw_file.extra_columns if name != DELETED_COLUMN),
                # not loaded as NULL: kept as loaded in replaced rows (render_changes says so)
                missing_optional_columns=(),
                encoding=file_encoding_label(raw_file),
                rows_noted=rows_noted,
            )
        )

    def _drop_notes_of_unwritten_rows(self, table: Table) -> int:
        """Drop the staged notes of rows that are not written (stale: quarantined; same: the loaded row
        stays, with its own lineage); return how many rows still have a note."""
        condition = f"table_name = {sql_string(table.name)}"
        self.connection.execute(
            f"DELETE FROM {NOTES_STAGE} WHERE {condition} AND line_number IN "
            f"(SELECT _line FROM {sql_name('cls_' + table.name)} WHERE _action IN ('stale', 'same'))"
        )
        return int(
            self.connection.execute(
                f"SELECT count(DISTINCT line_number) FROM {NOTES_STAGE} WHERE {condition}"
            ).fetchall()[0][0]
        )

    def _stored_self_keys(self, table: Table) -> dict[str, str]:
        """For self references (deals.renewed_from_deal_id): the keys already loaded count as present."""
        keys: dict[str, str] = {}
        for column in table.columns:
            if column.references is not None and column.references.table == table.name:
                view = f"stored_keys_{table.name}_{column.name}"
                target = sql_name(column.references.column)
                self.connection.execute(
                    f"CREATE OR REPLACE VIEW {sql_name(view)} AS SELECT CAST({target} AS VARCHAR) AS k "
                    f"FROM {_raw(table.name)} WHERE {target} IS NOT NULL"
                )
                keys[column.name] = view
        return keys

    def _split_deletes(self, staged: Staged) -> tuple[Staged, Staged | None]:
        """Split the staged file into upsert rows and `_deleted` rows, keeping line numbers."""
        raw_file = staged.raw_file
        if DELETED_COLUMN not in raw_file.header:
            return staged, None
        flag = f"c{raw_file.header.index(DELETED_COLUMN)}"
        # Empty or any accepted spelling of false (full-width included, as the validation reads it) is an
        # upsert; every other value takes the delete path, where the validation quarantines a non-boolean.
        is_upsert = f"(nullif(trim({flag}), '') IS NULL OR ({normalise.boolean(f'trim({flag})')}) IS NOT DISTINCT FROM false)"
        name = raw_file.table.name
        lined = f"lined_{name}"
        self.connection.execute(
            f"CREATE OR REPLACE TABLE {sql_name(lined)} AS SELECT t.* EXCLUDE (_row), "
            f"{staged.line_sql} AS _orig_line FROM "
            f"(SELECT s.*, {staged.row_sql} AS _row FROM {sql_name(staged.src)} s) t"
        )
        self.connection.execute(f"DROP TABLE {sql_name(staged.src)}")
        upsert_src, delete_src = f"src_{name}", f"srcdel_{name}"
        self.connection.execute(
            f"CREATE TABLE {sql_name(upsert_src)} AS SELECT * FROM {sql_name(lined)} "
            f"WHERE {is_upsert} ORDER BY _orig_line"
        )
        self.connection.execute(
            f"CREATE TABLE {sql_name(delete_src)} AS SELECT * FROM {sql_name(lined)} "
            f"WHERE NOT {is_upsert} ORDER BY _orig_line"
        )
        self.connection.execute(f"DROP TABLE {sql_name(lined)}")
        upserts = Staged(
            raw_file, upsert_src, row_sql="s._orig_line", line_sql="_row",
            rejects=staged.rejects, reject_count=staged.reject_count,
        )  # fmt: skip
        delete_file = dataclasses.replace(raw_file, table=_delete_table(raw_file.table))
        deletes = Staged(
            delete_file, delete_src, row_sql="s._orig_line", line_sql="_row", rejects=None, reject_count=0
        )
        return upserts, deletes

    def _quarantine(self, table: Table, source: str, condition: str, reason_sql: str) -> None:
        """Move rows of `source` (a classified table) matching `condition` to the quarantine stage."""
        order = next(i for i, candidate in enumerate(self.session.tables) if candidate.name == table.name)
        self.connection.execute(
            f"INSERT INTO {QUARANTINE_STAGE} SELECT {order}, {sql_string(table.name)}, _file, _line, "
            f"[{reason_sql}], _record FROM {sql_name(source)} WHERE {condition}"
        )

    def _classify(self, table: Table) -> None:
        """cls_<table>: the valid upsert rows with _action insert / replace / same / stale."""
        name = table.name
        columns = _contract_columns(table)
        ok = sql_name(self.session.ok_views[name])
        target = _raw(name)
        sent = self.sent_columns[name]
        selected = ", ".join(f"d.{sql_name(column)}" for column in columns)
        if table.primary_key is not None:
            # A column the file leaves out keeps the loaded row's value (a new key: empty, as sent).
            selected = ", ".join(
                f"d.{sql_name(column)}" if column in sent else f"s.{sql_name(column)} AS {sql_name(column)}"
                for column in columns
            )
        if table.primary_key is None:
            selected += "".join(
                f", d.{_sent(column)}" for column in _optional_references(table) if column in sent
            )
        record = self._record_sql(table)
        if table.primary_key is not None:
            key = sql_name(table.primary_key)
            stale = "false"  # a file without updated_at cannot be older: its rows replace (the column kept)
            if "updated_at" in sent:
                stale = "coalesce(d.updated_at, TIMESTAMP '-infinity') < coalesce(s.updated_at, TIMESTAMP '-infinity')"
            action = (
                f"CASE WHEN s.{key} IS NULL THEN 'insert' WHEN {_same_row('d', 's', sent, table)} THEN 'same' "
                f"WHEN {stale} THEN 'stale' ELSE 'replace' END"
            )
            source = f"{ok} d LEFT JOIN {target} s ON s.{key} = d.{key}"
        else:
            action, source = self._classify_keyless(table, ok)
        self.connection.execute(
            f"CREATE OR REPLACE TABLE {sql_name('cls_' + name)} AS SELECT {selected}, d._line, "
            f"{action} AS _action, {record} AS _record, "
            f"{sql_string(self._file_name(name))} AS _file FROM {source}"
        )
        if table.primary_key is not None and "updated_at" in sent:
            reason = sql_string(STALE_REASON.format(key=table.primary_key))
            self._quarantine(table, "cls_" + name, "_action = 'stale'", reason)

    def _classify_keyless(self, table: Table, ok: str) -> tuple[str, str]:
        """(_action SQL, source SQL `d`) for a table without a key. Rows are compared as sent: a row equal
        to a loaded one is `same`, or `replace`s it when an optional reference the loaded row had set to
        null (it pointed nowhere then) now resolves; any other row is an `insert`."""
        stored = self._stored_as_sent(table)
        sent_columns = self.sent_columns[table.name]
        # An optional reference the file leaves out is neither compared nor resolved (only
        # lead_status_changes.owner_id is one, and it is the table's only optional column).
        optional = [column for column in _optional_references(table) if column in sent_columns]
        notes = "".join(
            f" LEFT JOIN (SELECT line_number, value FROM {NOTES_STAGE} WHERE table_name = "
            f"{sql_string(table.name)} AND column_name = {sql_string(column)}) n{index} "
            f"ON n{index}.line_number = o._line"
            for index, column in enumerate(optional)
        )
        sent = "".join(
            f", coalesce(o.{sql_name(column)}, n{index}.value) AS {_sent(column)}"
            for index, column in enumerate(optional)
        )
        source = f"(SELECT o.*{sent} FROM {ok} o{notes}) d"
        matches = f"SELECT 1 FROM {sql_name(stored)} s WHERE {_same_as_sent('d', 's', table, sent_columns)}"
        resolved = "".join(
            f" AND d.{sql_name(column)} IS NOT DISTINCT FROM s.{sql_name(column)}" for column in optional
        )
        replace = f"WHEN EXISTS ({matches}) THEN 'replace' " if optional else ""
        action = f"CASE WHEN EXISTS ({matches}{resolved}) THEN 'same' {replace}ELSE 'insert' END"
        return action, source

    def _stored_as_sent(self, table: Table) -> str:
        """sent_<table>: the loaded rows of a keyless table with their `rowid` (`_rowid`) and, per optional
        reference, `__sent_<column>`: the value as sent, i.e. the loaded value, or when that is null, the
        value its load note (raw.load_notes) says pointed nowhere and was set to null."""
        view = f"sent_{table.name}"
        columns = ["s.*", "s.rowid AS _rowid"]
        joins = []
        has_notes = self._exists(NOTES_TABLE)
        for index, column in enumerate(_optional_references(table)):
            if not has_notes:
                columns.append(f"s.{sql_name(column)} AS {_sent(column)}")
                continue
            alias = f"n{index}"
            notes = (
                f"SELECT source_file, line_number, max(value) AS value FROM {_raw(NOTES_TABLE)} "
                f"WHERE table_name = {sql_string(table.name)} AND column_name = {sql_string(column)} "
                "GROUP BY source_file, line_number"
            )
            joins.append(
                f" LEFT JOIN ({notes}) {alias} ON s.{sql_name(column)} IS NULL "
                f"AND {alias}.source_file = s._source_file AND {alias}.line_number = s._line_number"
            )
            columns.append(f"coalesce(s.{sql_name(column)}, {alias}.value) AS {_sent(column)}")
        self.connection.execute(
            f"CREATE OR REPLACE VIEW {sql_name(view)} AS SELECT {', '.join(columns)} "
            f"FROM {_raw(table.name)} s{''.join(joins)}"
        )
        return view

    def _record_sql(self, table: Table) -> str:
        """The row as JSON text for quarantine (typed values of the contract columns)."""
        pairs = ", ".join(
            f"{sql_string(column)}, d.{sql_name(column)}" for column in _contract_columns(table)
        )
        return f"CAST(json_object({pairs}) AS VARCHAR)"

    def _file_name(self, table: str) -> str:
        for fmt in FORMATS:
            path = self.report.raw_dir / f"{table}.{fmt}"
            if path.exists():
                return path.name
        return table

    def _classify_deletes(self, table: Table) -> None:
        """dels_<table>: the valid delete rows with _action delete / absent / conflict / repeat."""
        name = table.name
        delete_columns = [
            column.name for column in _delete_table(table).columns if column.name != DELETED_COLUMN
        ]
        selected = ", ".join(f"d.{sql_name(column)}" for column in delete_columns)
        if table.primary_key is None:
            selected += "".join(f", d.{_sent(column)}" for column in _optional_references(table))
        pairs = ", ".join(f"{sql_string(column)}, d.{sql_name(column)}" for column in delete_columns)
        record = f"CAST(json_object({pairs}, '{DELETED_COLUMN}', true) AS VARCHAR)"
        action, source = self._delete_action(table)
        dels = sql_name("dels_" + name)
        self.connection.execute(
            f"CREATE OR REPLACE TABLE {dels} AS SELECT {selected}, d._line, "
            f"{action} AS _action, {record} AS _record, {sql_string(self._file_name(name))} AS _file, "
            f"CAST(NULL AS VARCHAR) AS _blocked_by FROM {source}"
        )
        # The same row deleted again in the file: the first line deletes it, the others count unchanged.
        same = sql_name(table.primary_key) if table.primary_key else ", ".join(map(sql_name, delete_columns))
        self.connection.execute(
            f"UPDATE {dels} SET _action = 'repeat' WHERE _action = 'delete' AND _line NOT IN "
            f"(SELECT min(_line) FROM {dels} WHERE _action = 'delete' GROUP BY {same})"
        )
        if table.primary_key is not None:
            reason = CONFLICT_REASON.format(key=table.primary_key)
        else:
            reason = KEYLESS_CONFLICT_REASON
        self._quarantine(table, "dels_" + name, "_action = 'conflict'", sql_string(reason))

    def _delete_action(self, table: Table) -> tuple[str, str]:
        """(_action SQL, source SQL `d`) for the valid delete rows of `table`."""
        name = table.name
        ok_deletes = sql_name(f"ok_{name}{DELETE_SUFFIX}")
        if table.primary_key is not None:
            key = sql_name(table.primary_key)
            # The stored keys narrowed to the deleted ones first: an IN inside CASE hashes its whole
            # subquery, and every stored key of lead_activities (78M at 10M leads) took 6-10 s.
            stored = f"SELECT {key} FROM {_raw(name)} WHERE {key} IN (SELECT {key} FROM {ok_deletes})"
            action = (
                f"CASE WHEN d.{key} IN (SELECT {key} FROM {sql_name('cls_' + name)}) THEN 'conflict' "
                f"WHEN d.{key} IN ({stored}) THEN 'delete' ELSE 'absent' END"
            )
            return action, f"{ok_deletes} d"
        # A delete row holds its values as sent (references are not resolved): it matches loaded rows as sent.
        stored = sql_name(self._stored_as_sent(table))
        sent = "".join(f", o.{sql_name(column)} AS {_sent(column)}" for column in _optional_references(table))
        # As for a key: a row also upserted in the file is a conflict (the delete does nothing).
        sent_columns = self.sent_columns[name]
        upserted = (
            f"SELECT 1 FROM {sql_name('cls_' + name)} c WHERE {_same_as_sent('d', 'c', table, sent_columns)}"
        )
        action = (
            f"CASE WHEN EXISTS ({upserted}) THEN 'conflict' "
            f"WHEN EXISTS (SELECT 1 FROM {stored} s WHERE {_same_as_sent('d', 's', table, sent_columns)}) "
            "THEN 'delete' ELSE 'absent' END"
        )
        return action, f"(SELECT o.*{sent} FROM {ok_deletes} o) d"

    def _make_known(self, table: Table) -> None:
        """known_<table>: every value of each referenced column after the merge (stored + delta)."""
        name = table.name
        parts = [f"SELECT * FROM {_raw(name)}"]
        if name in self.session.ok_views:
            columns = ", ".join(sql_name(column) for column in _contract_columns(table))
            parts = [
                f"SELECT {columns} FROM {_raw(name)}",
                f"SELECT {columns} FROM {sql_name('cls_' + name)} WHERE _action <> 'stale'",
            ]
        view = f"known_{name}"
        self.connection.execute(f"CREATE OR REPLACE VIEW {sql_name(view)} AS {' UNION ALL '.join(parts)}")
        self.known[name] = view

    # -- deletes still referenced ---------------------------------------------------

    def _children(self, parent: str) -> list[tuple[Table, Column]]:
        return [
            (table, column)
            for table in self.session.tables
            for column in table.columns
            if column.references is not None and column.references.table == parent
        ]

    def _remaining_refs(self, child: Table, column: Column, parent_dels: str) -> str:
        """SQL: values of child.column still present after the merge, among the parent's deleted keys."""
        ref, name = sql_name(column.name), child.name
        target = _raw(name)
        wanted = f"s.{ref} IN (SELECT {sql_name(column.references.column)} FROM {parent_dels} WHERE _action = 'delete')"  # type: ignore[union-attr]
        removed: list[str] = []
        if child.primary_key is not None:
            key = sql_name(child.primary_key)
            if name in self.session.ok_views:
                removed.append(
                    f"s.{key} IN (SELECT {key} FROM {sql_name('cls_' + name)} WHERE _action = 'replace')"
                )
            if self.has_deletes.get(name):
                removed.append(
                    f"s.{key} IN (SELECT {key} FROM {sql_name('dels_' + name)} WHERE _action = 'delete')"
                )
        else:
            keyless_removed = self._removed_keyless_sql(child, "s")
            if keyless_removed:
                target = sql_name("sent_" + name)
                removed.append(keyless_removed)
        stored = f"SELECT s.{ref} AS k FROM {target} s WHERE {wanted}" + "".join(
            f" AND NOT ({condition})" for condition in removed
        )
        parts = [stored]
        if name in self.session.ok_views:
            parts.append(
                f"SELECT {ref} AS k FROM {sql_name('cls_' + name)} WHERE _action IN ('insert', 'replace', 'same')"
            )
        return " UNION ALL ".join(parts)

    def _block_referenced_deletes(self) -> None:
        """Refuse deletes of rows that other rows still reference, until nothing changes."""
        while True:
            blocked = 0
            for parent, has in self.has_deletes.items():
                if not has:
                    continue
                table = self.tables[parent]
                if table.primary_key is None:
                    continue
                dels = sql_name("dels_" + parent)
                key = sql_name(table.primary_key)
                for child, column in self._children(parent):
                    refs = self._remaining_refs(child, column, dels)
                    label = sql_string(f"{child.name}.{column.name}")
                    blocked += self.connection.execute(
                        f"UPDATE {dels} SET _action = 'blocked', _blocked_by = {label} "
                        f"WHERE _action IN ('delete', 'repeat') AND {key} IN ({refs})"
                    ).fetchall()[0][0]
            if not blocked:
                break
        for parent, has in self.has_deletes.items():
            if has and self.tables[parent].primary_key is not None:
                reason = (
                    f"{sql_string(BLOCKED_REASON.split('{refs}')[0].format(key=self.tables[parent].primary_key))} "
                    "|| _blocked_by || ' (delete those rows first, in the same delta)'"
                )
                self._quarantine(self.tables[parent], "dels_" + parent, "_action = 'blocked'", reason)

    def _count(self, table_report: TableReport) -> None:
        name = table_report.table
        counts: dict[str, int] = {}
        for relation in ("cls_" + name, "dels_" + name):
            if relation == "dels_" + name and not self.has_deletes.get(name):
                continue
            for action, count in self.connection.execute(
                f"SELECT _action, count(*) FROM {sql_name(relation)} GROUP BY _action"
            ).fetchall():
                key = f"{relation[:3]}:{action}"
                counts[key] = counts.get(key, 0) + int(count)
        quarantined = int(
            self.connection.execute(
                f"SELECT count(*) FROM {QUARANTINE_STAGE} WHERE table_name = ?", [name]
            ).fetchall()[0][0]
        )
        changes = TableChanges(
            inserted=counts.get("cls:insert", 0),
            replaced=counts.get("cls:replace", 0),
            unchanged=counts.get("cls:same", 0) + counts.get("del:absent", 0) + counts.get("del:repeat", 0),
            deleted=counts.get("del:delete", 0),
            quarantined=quarantined,
        )
        table_report.rows_quarantined = quarantined
        table_report.rows_loaded = changes.inserted + changes.replaced + changes.unchanged + changes.deleted
        if table_report.rows_read != table_report.rows_loaded + quarantined:
            raise AssertionError(
                f"{name}: read {table_report.rows_read} != loaded {table_report.rows_loaded} + "
                f"quarantined {quarantined}"
            )
        self.report.changes[name] = changes

    # -- writing ----------------------------------------------------------------------

    def write(self) -> None:
        """Apply every change, the quarantine and the change log in one transaction."""
        connection = self.connection
        connection.execute("BEGIN TRANSACTION")
        try:
            self._log_changed_leads()
            for table_report in self.report.tables:
                self._apply(self.tables[table_report.table])
                self.progress.advance(table_report.table, "write")
            self._append_quarantine()
            self.session.write_loader_tables(
                f"{WAREHOUSE}.{RAW_SCHEMA}", self.report, mode="upsert", replace=False
            )
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        # Outside the try: a COMMIT that fails has already rolled back, and a ROLLBACK then would raise
        # "no transaction is active" in place of the COMMIT's own error.
        connection.execute("COMMIT")

    def _apply(self, table: Table) -> None:
        name = table.name
        target = _raw(name)
        cls = sql_name("cls_" + name)
        dels = sql_name("dels_" + name)
        columns = _contract_columns(table)
        if table.primary_key is not None:
            key = sql_name(table.primary_key)
            gone = [f"{key} IN (SELECT {key} FROM {cls} WHERE _action = 'replace')"]
            if self.has_deletes.get(name):
                gone.append(f"{key} IN (SELECT {key} FROM {dels} WHERE _action = 'delete')")
            self.connection.execute(f"DELETE FROM {target} WHERE {' OR '.join(gone)}")
        else:
            removed = self._removed_keyless_sql(table, "s")
            if removed:
                self.connection.execute(
                    f"DELETE FROM {target} WHERE rowid IN "
                    f"(SELECT s._rowid FROM {sql_name('sent_' + name)} s WHERE {removed})"
                )
        selected = ", ".join(sql_name(column) for column in columns)
        names = ", ".join(sql_name(column) for column, _ in raw_columns(table))
        self.connection.execute(
            f"INSERT INTO {target} ({names}) SELECT {selected}, {sql_string(self.source_dir + '/')} || _file, "
            f"_line FROM {cls} "
            "WHERE _action IN ('insert', 'replace') ORDER BY _line"
        )

    def _removed_keyless_sql(self, table: Table, stored: str) -> str:
        """SQL: the loaded row `stored` (of view sent_<table>) of a keyless table goes: it equals, as sent,
        a delete row or a row that replaces it. Empty when the delta removes no row of the table."""
        name = table.name
        removed: list[str] = []
        if self.has_deletes.get(name):
            removed.append(
                f"EXISTS (SELECT 1 FROM {sql_name('dels_' + name)} d WHERE d._action = 'delete' "
                f"AND {_same_as_sent('d', stored, table, self.sent_columns[name])})"
            )
        if name in self.session.ok_views and self._has_action("cls_" + name, "replace"):
            removed.append(
                f"EXISTS (SELECT 1 FROM {sql_name('cls_' + name)} d WHERE d._action = 'replace' "
                f"AND {_same_as_sent('d', stored, table, self.sent_columns[name])})"
            )
        return " OR ".join(removed)

    def _has_action(self, relation: str, action: str) -> bool:
        """Whether a classified table (cls_ / dels_) has a row with this _action."""
        rows = self.connection.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {sql_name(relation)} WHERE _action = ? LIMIT 1)", [action]
        ).fetchall()
        return bool(rows[0][0])

    def _row_changes(self) -> dict[str, RowChanges]:
        """Per delta table, its leaving rows (the stored rows it replaces or deletes; for a table without
        a key, its delete rows as sent) and arriving rows (inserted or replacing); run before applying."""
        applied = "_action IN ('insert', 'replace')"
        changes: dict[str, RowChanges] = {}
        for table in self.session.tables:
            name = table.name
            if name not in TOUCHING_TABLES or name not in self.session.ok_views:
                continue
            table_cls, table_dels = sql_name("cls_" + name), sql_name("dels_" + name)
            leaving: list[str] = []
            if table.primary_key is not None:
                key = sql_name(table.primary_key)
                leaving.append(
                    f"SELECT * FROM {_raw(name)} WHERE {key} IN "
                    f"(SELECT {key} FROM {table_cls} WHERE _action = 'replace')"
                )
                if self.has_deletes.get(name):
                    leaving.append(
                        f"SELECT * FROM {_raw(name)} WHERE {key} IN "
                        f"(SELECT {key} FROM {table_dels} WHERE _action = 'delete')"
                    )
            elif self.has_deletes.get(name):
                leaving.append(f"SELECT * FROM {table_dels} WHERE _action = 'delete'")
            changes[name] = RowChanges(tuple(leaving), (f"SELECT * FROM {table_cls} WHERE {applied}",))
        return changes

    def _log_changed_leads(self) -> None:
        known = KnownRows(
            leads=sql_name(self.known["leads"]),
            opportunities=sql_name(self.known["opportunities"]),
            deals=sql_name(self.known["deals"]),
        )
        self.report.changed_leads = log_changed_leads(
            self.connection,
            create_change_log(self.connection, f"{WAREHOUSE}.{RAW_SCHEMA}"),
            self._row_changes(),
            known,
            self.source_dir,
        )

    def _append_quarantine(self) -> None:
        target = _raw(QUARANTINE_TABLE)
        columns = ", ".join(f"{sql_name(name)} {sql_type}" for name, sql_type in QUARANTINE_COLUMNS)
        self.connection.execute(f"CREATE TABLE IF NOT EXISTS {target} ({columns})")
        self.connection.execute(
            f"INSERT INTO {target} SELECT table_name, {sql_string(self.source_dir + '/')} || source_file, "
            "line_number, array_to_string(issues, '; '), raw_record FROM "
            f"{QUARANTINE_STAGE} ORDER BY table_order, line_number"
        )


def upsert_dir(
    raw_dir: Path,
    db_path: Path | None = None,
    *,
    encoding: EncodingChoice | str | Sequence[str] | None = None,
    timezone: str | None = None,
    source_timezone: str | None = None,
    export_time: str | None = None,
    strict: bool = False,
    dry_run: bool = False,
    progress: ProgressHook | None = None,
) -> UpsertReport:
    """Validate the delta directory and (unless dry_run, a problem, or strict with quarantined rows) merge it."""
    target = Path(db_path) if db_path is not None else settings.duckdb_path()
    report = new_report(
        UpsertReport, raw_dir, encoding, timezone, source_timezone, export_time, strict=strict, db_path=target
    )
    assert isinstance(report, UpsertReport)
    hook: ProgressHook = progress or _NoProgress()
    if not report.raw_dir.is_dir():
        report.problems.append(Problem("not a directory", report.raw_dir))
    if not target.exists():
        report.problems.append(Problem("no warehouse here: run a full load first (scripts/load.py)", target))
    if not report.ok:
        return report
    with _session() as session:
        mode = " (READ_ONLY)" if dry_run else ""
        try:
            session.connection.execute(f"ATTACH {sql_string(str(target))} AS {WAREHOUSE}{mode}")
        except duckdb.Error as error:
            report.problems.append(Problem(f"cannot open the warehouse: {error}", target))
            return report
        try:
            run = _Upsert(session, report, hook)
            run.validate()
            if report.ok and not dry_run and not (strict and report.rows_quarantined):
                try:
                    run.write()
                except duckdb.Error as error:
                    report.problems.append(Problem(f"cannot write the warehouse: {error}", target))
                else:
                    report.loaded = True
        finally:
            session.connection.execute(f"DETACH {WAREHOUSE}")
    return report


def render_changes(report: Report, console: Console) -> None:
    """What an upsert did per table (after the loader's read/loaded/quarantined table)."""
    if not isinstance(report, UpsertReport) or not report.changes:
        return
    grid = RichTable(title=f"changes merged from {report.raw_dir}", title_justify="left")
    grid.add_column("table")
    names = [item.name for item in dataclasses.fields(TableChanges)]
    for name in names:
        grid.add_column(name, justify="right")
    for table, changes in report.changes.items():
        grid.add_row(table, *(f"{getattr(changes, name):,}" for name in names))
    console.print(grid)
    for table, absent in report.absent_columns.items():
        console.print(
            f"note: {table}: columns not in the file keep their loaded values in replaced rows (empty in new "
            f"rows) and are not compared: {', '.join(absent)}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
