"""Validate a raw export directory against the contract and load it into schema `raw`.

Python API (the CLIs scripts/load.py and scripts/validate.py are thin wrappers):

    validate_dir(raw_dir, encoding=None, timezone=None) -> Report   # touches no warehouse
    load_dir(raw_dir, db_path=None, encoding=None, timezone=None, source_timezone=None,
             export_time=None, strict=False, dry_run=False) -> Report

`encoding`: None detects each CSV file's (revops.rawio); "cp932" forces one;
["campaigns.csv=cp932"] overrides one file. `source_timezone`: how naive
timestamps are read (default settings.default_source_timezone()). `export_time`:
when the export was taken (ISO 8601; default now); event times later than it
plus var future_tolerance_hours are quarantined (revops.loadmeta).

All checks run in a private in-memory DuckDB before the warehouse is opened.
Only when every file is readable and complete (and, with `strict`, no row was
quarantined) is the warehouse attached and every raw table plus
`raw.quarantine` replaced in one transaction, together with the loader's own
tables (revops.loadmeta: raw.load_metadata, raw.load_notes,
raw.business_calendar, and the change log raw.load_changed_leads: the leads
whose rows differ from the ones the load replaces, revops.changed_leads, or,
with nothing to compare, one row without a lead); otherwise it is left untouched.

Raw tables: the contract columns in contract order, typed (string/enum/currency
VARCHAR, decimal DECIMAL(20,4), boolean BOOLEAN, date DATE, timestamp TIMESTAMP
naive in the reporting timezone), then `_source_file VARCHAR` (the file name)
and `_line_number BIGINT`. `raw.quarantine` is (table_name, source_file,
line_number, reason, raw_record); reasons are joined with '; '.

`load_connector` records a load of a Salesforce schema a connector already wrote (`scripts/load.py
--source salesforce --connector`): no files; the loader's own tables only.

Writing goes through `_WRITERS[mode]`; only "replace" lives here. The
incremental mode (`scripts/load.py --mode upsert`) is revops.upsert: the same
session and checks, merging a delta into the loaded tables.
"""

from __future__ import annotations

import codecs
import dataclasses
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal, Protocol, TextIO
from zoneinfo import ZoneInfo

import duckdb
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from revops import loadmeta, settings
from revops.changed_leads import full_load_changes, log_changed_leads
from revops.contract import QUARANTINE_TABLE, RAW_SCHEMA, Table, contract
from revops.rawio import (
    AUTO_ENCODING,
    DELETED_COLUMN,
    EncodingChoice,
    Problem,
    RawFile,
    RawFileError,
    locate,
    sql_name,
    sql_string,
    stage,
    unknown_files,
)
from revops.sources import RawSource, SourceName, raw_source, salesforce
from revops.validation import (
    QUARANTINE_COLUMNS,
    QUARANTINE_STAGE,
    Parsing,
    create_quarantine_stage,
    raw_columns,
    split_issue,
    validate_table,
)

WriteMode = Literal["replace"]
VALIDATION_STEPS = ("read", "check")
ISSUE_SAMPLE = 200
"""How many quarantined rows per table a Report keeps for display (raw.quarantine has all)."""


class ProgressHook(Protocol):
    def start(self, table: str, total: int) -> None: ...

    def advance(self, table: str, label: str) -> None: ...


class _NoProgress:
    def start(self, table: str, total: int) -> None:
        pass

    def advance(self, table: str, label: str) -> None:
        pass


@dataclass(frozen=True)
class RowIssue:
    line: int
    column: str
    message: str


@dataclass
class TableReport:
    table: str
    path: Path
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    extra_columns: tuple[str, ...] = ()
    missing_optional_columns: tuple[str, ...] = ()
    missing_file: bool = False
    """An optional table without a file: loaded empty (fewer signals), reported."""
    issues: list[RowIssue] = field(default_factory=list)
    """Problems of the first ISSUE_SAMPLE quarantined rows, in line order."""
    encoding: str = ""
    """The encoding the file was read with ("" for parquet); `(detected)` when not given."""
    rows_noted: int = 0
    """Loaded rows with a load note (an optional reference set to null)."""
    empty_optional_columns: tuple[str, ...] = ()
    """Optional columns with a `when_absent` effect that are present but empty in every loaded row."""


@dataclass
class Report:
    raw_dir: Path
    encoding: EncodingChoice | str
    timezone: str
    tables: list[TableReport] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unknown_files: list[Path] = field(default_factory=list)
    strict: bool = False
    db_path: Path | None = None
    loaded: bool = False
    source: SourceName = SourceName.contract
    schema: str = "raw"
    source_timezone: str = ""
    """How naive timestamps are read; empty = the reporting timezone."""
    calendar_timezone: str = ""
    """The zone whose midnight a date alone in a timestamp column is (a Date field such as Salesforce's
    MQL_Date__c): the reporting timezone, also when the tables keep another (`timezone`, Salesforce's
    UTC); empty = `timezone`."""
    export_time: datetime | None = None
    """When the export was taken, naive reporting time."""
    tolerance_hours: int = 24
    writes: bool = True
    """False for validate_dir, which never opens a warehouse."""
    changed_leads: int | None = None
    """Leads the load logged in the change log raw.load_changed_leads (revops.changed_leads); None when
    it logged none by name: a full load with nothing to compare (every lead counts as changed), a dry run."""

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def parsing(self) -> Parsing:
        limit = None
        if self.export_time is not None:
            limit = self.export_time + timedelta(hours=self.tolerance_hours)
        return Parsing(
            self.timezone,
            self.source_timezone or self.timezone,
            limit,
            self.calendar_timezone or self.timezone,
        )

    @property
    def rows_noted(self) -> int:
        return sum(table.rows_noted for table in self.tables)

    @property
    def rows_read(self) -> int:
        return sum(table.rows_read for table in self.tables)

    @property
    def rows_loaded(self) -> int:
        return sum(table.rows_loaded for table in self.tables)

    @property
    def rows_quarantined(self) -> int:
        return sum(table.rows_quarantined for table in self.tables)

    @property
    def exit_code(self) -> int:
        """2: a file problem (nothing written); 1: --strict and rows were quarantined; 0 otherwise."""
        if self.problems:
            return 2
        return 1 if self.strict and self.rows_quarantined else 0


class _Session:
    """A private in-memory DuckDB holding the staged and validated tables of one run."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, workdir: Path, source: RawSource) -> None:
        self.connection = connection
        self.workdir = workdir
        self.ok_views: dict[str, str] = {}
        self.source = source
        self.tables: tuple[Table, ...] = source.tables

    def validate(self, report: Report, progress: ProgressHook, steps: int) -> None:
        files, problems = locate(report.raw_dir, self.tables, report.encoding, self.source.header_key)
        report.unknown_files = unknown_files(report.raw_dir, self.tables)
        problems.extend(delete_flag_problems(files))
        report.problems.extend(problems)
        if problems:
            return
        create_quarantine_stage(self.connection)
        for table in self.tables:
            progress.start(table.name, steps)
        by_table = {raw_file.table.name: raw_file for raw_file in files}
        for order, table in enumerate(self.tables):
            if table.name not in by_table:
                report.tables.append(self._empty_table(table, report, progress, steps))
                continue
            try:
                report.tables.append(self._validate_file(by_table[table.name], order, report, progress))
            except RawFileError as error:
                report.problems.append(error.problem)
                return

    def _validate_file(
        self, raw_file: RawFile, order: int, report: Report, progress: ProgressHook
    ) -> TableReport:
        name = raw_file.table.name
        staged = stage(self.connection, raw_file, self.workdir)
        progress.advance(name, "read")
        result = validate_table(self.connection, staged, order, report.parsing, self.ok_views)
        progress.advance(name, "check")
        self.ok_views[name] = result.ok_view
        return TableReport(
            table=name,
            path=raw_file.path,
            rows_read=result.rows_read,
            rows_loaded=result.rows_loaded,
            rows_quarantined=result.rows_quarantined,
            extra_columns=raw_file.extra_columns,
            missing_optional_columns=raw_file.missing_optional_columns,
            issues=self._issue_sample(name),
            encoding=file_encoding_label(raw_file),
            rows_noted=result.rows_noted,
            empty_optional_columns=self._empty_optional_columns(raw_file, result.ok_view),
        )

    def _empty_table(self, table: Table, report: Report, progress: ProgressHook, steps: int) -> TableReport:
        """An optional table without a file: an empty relation of its columns, so it loads empty."""
        ok_view = f"ok_{table.name}"
        typed = ", ".join(
            f"CAST(NULL AS {sql_type}) AS {sql_name(name)}" for name, sql_type in raw_columns(table)
        )
        self.connection.execute(
            f"CREATE OR REPLACE VIEW {sql_name(ok_view)} AS SELECT {typed}, CAST(NULL AS BIGINT) AS _line "
            "WHERE false"
        )
        self.ok_views[table.name] = ok_view
        for _ in VALIDATION_STEPS:
            progress.advance(table.name, "missing (optional)")
        return TableReport(table=table.name, path=report.raw_dir / f"{table.stem}.csv", missing_file=True)

    def _empty_optional_columns(self, raw_file: RawFile, ok_view: str) -> tuple[str, ...]:
        watched = [
            column.name
            for column in raw_file.table.columns
            if column.when_absent and column.name in raw_file.positions
        ]
        if not watched:
            return ()
        counts = self.connection.execute(
            f"SELECT {', '.join(f'count({sql_name(name)})' for name in watched)} FROM {sql_name(ok_view)}"
        ).fetchall()[0]
        return tuple(name for name, count in zip(watched, counts, strict=True) if count == 0)

    def _issue_sample(self, table: str) -> list[RowIssue]:
        rows = self.connection.execute(
            f"SELECT line_number, issues FROM {QUARANTINE_STAGE} WHERE table_name = ? "
            f"ORDER BY line_number LIMIT {ISSUE_SAMPLE}",
            [table],
        ).fetchall()
        return [RowIssue(int(line), *split_issue(issue)) for line, issues in rows for issue in issues]

    def write_replace(self, db_path: Path, report: Report, progress: ProgressHook) -> None:
        """Replace every raw table and raw.quarantine in one transaction."""
        db_path.parent.mkdir(parents=True, exist_ok=True)
        connection = self.connection
        connection.execute(f"ATTACH {sql_string(str(db_path))} AS warehouse")
        try:
            connection.execute("BEGIN TRANSACTION")
            try:
                connection.execute(f"CREATE SCHEMA IF NOT EXISTS warehouse.{sql_name(self.source.schema)}")
                connection.execute(f"CREATE SCHEMA IF NOT EXISTS warehouse.{sql_name(RAW_SCHEMA)}")
                self._log_full_load_changes(report)
                for table_report in report.tables:
                    self._replace_table(table_report)
                    progress.advance(table_report.table, "write")
                self._replace_quarantine()
                self.write_loader_tables(f"warehouse.{RAW_SCHEMA}", report, mode="full", replace=True)
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
        finally:
            connection.execute("DETACH warehouse")

    def _log_full_load_changes(self, report: Report) -> None:
        """The change log's rows for this full load, before it replaces anything: one per lead whose rows
        differ from the stored ones (revops.changed_leads), so that the nightly job's incremental build
        recomputes exactly those leads; with nothing to compare (the first load, a Salesforce export, the
        tables of an older loader), one row without a lead: every lead counts as changed."""
        source_dir = report.raw_dir.resolve().name
        compared = (
            full_load_changes(
                self.connection, self.tables, self.ok_views, database="warehouse", schema=RAW_SCHEMA
            )
            if self.source.name is SourceName.contract
            else None
        )
        log = loadmeta.create_change_log(self.connection, f"warehouse.{RAW_SCHEMA}")
        if compared is None:
            loadmeta.log_full_load(self.connection, f"warehouse.{RAW_SCHEMA}", source_dir=source_dir)
            return
        changes, known = compared
        report.changed_leads = log_changed_leads(self.connection, log, changes, known, source_dir)

    def write_loader_tables(
        self, schema: str, report: Report, *, mode: str, replace: bool
    ) -> tuple[int, int]:
        """raw.load_metadata, raw.load_notes and raw.business_calendar (revops.loadmeta), in the
        loader's own schema raw whatever the source system; returns the calendar's (first, last)
        year. The export time is recorded in the reporting timezone, which int_as_of compares it in
        (a source that keeps UTC converts it)."""
        assert report.export_time is not None
        reporting = settings.reporting_timezone()
        export_time = in_reporting_time(report.export_time, report.timezone)
        loadmeta.write_metadata(
            self.connection,
            schema,
            replace=replace,
            export_time=export_time,
            tolerance_hours=report.tolerance_hours,
            source_timezone=report.parsing.source_timezone,
            reporting_timezone=reporting,
            mode=mode,
            raw_dir=str(report.raw_dir),
            crm_source=self.source.name.value,
        )
        prefix = "" if replace else report.raw_dir.resolve().name + "/"
        loadmeta.write_notes(self.connection, schema, replace=replace, file_prefix=prefix)
        return loadmeta.write_calendar(
            self.connection,
            schema,
            calendar_tables(self.source.name, self.tables),
            export_time,
            f"warehouse.{sql_name(self.source.schema)}",
        )

    def _replace_table(self, table_report: TableReport) -> None:
        table = next(candidate for candidate in self.tables if candidate.name == table_report.table)
        target = f"warehouse.{sql_name(self.source.schema)}.{sql_name(table.name)}"
        columns = ", ".join(f"{sql_name(name)} {sql_type}" for name, sql_type in raw_columns(table))
        selected = ", ".join(sql_name(column.name) for column in table.columns)
        self.connection.execute(f"CREATE OR REPLACE TABLE {target} ({columns})")
        # Not sorted by line: the checks move whole row groups, so storage order is not file order, and
        # _line_number keeps the file order; nothing reads raw in storage order (10M leads: sorting the
        # 78M activities by line took 57 s of the load; docs/nightly.md, session 17).
        self.connection.execute(
            f"INSERT INTO {target} SELECT {selected}, {sql_string(table_report.path.name)}, _line "
            f"FROM {sql_name(self.ok_views[table.name])}"
        )

    def _replace_quarantine(self) -> None:
        target = f"warehouse.{sql_name(self.source.schema)}.{sql_name(QUARANTINE_TABLE)}"
        columns = ", ".join(f"{sql_name(name)} {sql_type}" for name, sql_type in QUARANTINE_COLUMNS)
        self.connection.execute(f"CREATE OR REPLACE TABLE {target} ({columns})")
        self.connection.execute(
            f"INSERT INTO {target} SELECT table_name, source_file, line_number, "
            f"array_to_string(issues, '; '), raw_record FROM {QUARANTINE_STAGE} "
            "ORDER BY table_order, line_number"
        )


@contextmanager
def _session(source: RawSource | None = None) -> Iterator[_Session]:
    """A private DuckDB session for `source` (default: the CSV contract)."""
    source = source if source is not None else raw_source(SourceName.contract)
    with tempfile.TemporaryDirectory(prefix="revops-load-") as workdir:
        spill = Path(workdir) / "spill"
        # The same memory bound as the dbt profile (REVOPS_DUCKDB_MEMORY_LIMIT); beyond it DuckDB spills.
        memory_limit = settings.duckdb_memory_limit()
        connection = duckdb.connect(
            ":memory:",
            config={
                "temp_directory": str(spill),
                "preserve_insertion_order": True,
                "memory_limit": memory_limit,
            },
        )
        connection.execute("SET TimeZone = 'UTC'")
        try:
            yield _Session(connection, Path(workdir), source)
        finally:
            connection.close()


def delete_flag_problems(files: Sequence[RawFile]) -> list[Problem]:
    """A full load reads every row as live: a file with the upsert's delete flag `_deleted` would load
    its deleted rows as live ones, so it is a file problem."""
    return [
        Problem(
            f"column {DELETED_COLUMN!r} marks deleted rows, which a full load would load as live ones: "
            "load this delta with --mode upsert (a full export has no deleted rows; drop the column)",
            raw_file.path,
        )
        for raw_file in files
        if DELETED_COLUMN in raw_file.header
    ]


def file_encoding_label(raw_file: RawFile) -> str:
    if raw_file.format != "csv":
        return ""
    return f"{raw_file.encoding} (detected)" if raw_file.detected else raw_file.encoding


def _check_options(report: Report, export_time: str | None = None) -> None:
    """Check the options; resolve the export time (naive reporting time) into the report."""
    choice = EncodingChoice.parse(report.encoding)
    report.encoding = choice
    for encoding in choice.encodings():
        if encoding == AUTO_ENCODING:
            continue
        try:
            codecs.lookup(encoding)
        except LookupError:
            report.problems.append(Problem(f"--encoding: unknown encoding {encoding!r}"))
    zones = [
        ("--timezone", report.timezone),
        ("--source-timezone", report.source_timezone or report.timezone),
    ]
    if report.calendar_timezone and report.calendar_timezone != report.timezone:
        zones.append(("--timezone", report.calendar_timezone))
    for option, zone in zones:
        try:
            with duckdb.connect() as connection:
                connection.execute(
                    f"SELECT timezone({sql_string(zone)}, TIMESTAMPTZ '2000-01-01 00:00:00+00')"
                )
        except duckdb.Error:
            report.problems.append(Problem(f"{option}: unknown timezone {zone!r}"))
    if report.problems:
        return
    report.tolerance_hours = settings.future_tolerance_hours()
    try:
        report.export_time = loadmeta.parse_export_time(
            export_time, report.parsing.source_timezone, report.timezone
        )
    except loadmeta.ExportTimeError as error:
        report.problems.append(Problem(str(error)))


def in_reporting_time(moment: datetime, zone: str) -> datetime:
    """A naive time in `zone` as naive reporting time."""
    reporting = settings.reporting_timezone()
    if zone == reporting:
        return moment
    return moment.replace(tzinfo=ZoneInfo(zone)).astimezone(ZoneInfo(reporting)).replace(tzinfo=None)


def calendar_tables(source: SourceName, tables: Sequence[Table]) -> tuple[Table, ...]:
    """The tables whose marked columns the business calendar covers (revops.loadmeta.calendar_years).
    A Salesforce object's event columns are only its CreatedDate (the times checked against the export
    time); its calendar covers every date and time it holds, as before they were marked (CloseDate and
    the contract term included), so each of those columns counts as marked here."""
    if source is not SourceName.salesforce:
        return tuple(tables)
    return tuple(
        dataclasses.replace(
            table,
            columns=tuple(
                dataclasses.replace(column, event=column.type in ("date", "timestamp"))
                for column in table.columns
            ),
        )
        for table in tables
    )


def new_report(
    cls: type[Report],
    raw_dir: Path,
    encoding: EncodingChoice | str | Sequence[str] | None,
    timezone: str | None,
    source_timezone: str | None,
    export_time: str | None,
    *,
    source: SourceName | str = SourceName.contract,
    **fields: object,
) -> Report:
    """A report with the options resolved and checked (problems recorded in it).

    `timezone` is the zone the loaded timestamps are kept in (the reporting timezone, or the source
    system's own: Salesforce keeps UTC, as a connector does); `source_timezone` how naive ones are read
    (default per source: settings.default_source_timezone)."""
    system = raw_source(source)
    report = cls(
        raw_dir=Path(raw_dir),
        encoding=EncodingChoice.parse(encoding),
        timezone=system.timezone or timezone or settings.reporting_timezone(),
        source_timezone=source_timezone or settings.default_source_timezone(system.name, reporting=timezone),
        calendar_timezone=timezone or settings.reporting_timezone(),
        source=system.name,
        schema=system.schema,
        **fields,  # type: ignore[arg-type]
    )
    _check_options(report, export_time)
    return report


def _run(
    report: Report,
    progress: ProgressHook | None,
    then: Callable[[_Session, Report, ProgressHook], None] | None = None,
    then_steps: int = 0,
) -> Report:
    hook: ProgressHook = progress or _NoProgress()
    if not report.ok:
        return report
    with _session(raw_source(report.source)) as session:
        session.validate(report, hook, len(VALIDATION_STEPS) + then_steps)
        if then is not None and report.ok:
            then(session, report, hook)
    return report


def validate_dir(
    raw_dir: Path,
    encoding: EncodingChoice | str | Sequence[str] | None = None,
    timezone: str | None = None,
    *,
    source_timezone: str | None = None,
    export_time: str | None = None,
    strict: bool = False,
    progress: ProgressHook | None = None,
    source: SourceName | str = SourceName.contract,
) -> Report:
    """Run every check on the directory; open no warehouse and write nothing anywhere."""
    report = new_report(
        Report,
        raw_dir,
        encoding,
        timezone,
        source_timezone,
        export_time,
        source=source,
        strict=strict,
        writes=False,
    )
    return _run(report, progress)


_WRITERS: dict[WriteMode, Callable[[_Session, Path, Report, ProgressHook], None]] = {
    "replace": _Session.write_replace,
}


def load_dir(
    raw_dir: Path,
    db_path: Path | None = None,
    *,
    encoding: EncodingChoice | str | Sequence[str] | None = None,
    timezone: str | None = None,
    source_timezone: str | None = None,
    export_time: str | None = None,
    strict: bool = False,
    dry_run: bool = False,
    mode: WriteMode = "replace",
    progress: ProgressHook | None = None,
    source: SourceName | str = SourceName.contract,
) -> Report:
    """Validate, then (unless dry_run, a file problem, or strict with quarantined rows) load.

    `db_path` defaults to settings.duckdb_path() (env REVOPS_DUCKDB_PATH).
    """
    target = Path(db_path) if db_path is not None else settings.duckdb_path()

    def write(session: _Session, report: Report, hook: ProgressHook) -> None:
        if dry_run or (strict and report.rows_quarantined):
            return
        try:
            _WRITERS[mode](session, target, report, hook)
        except (duckdb.Error, OSError) as error:
            report.problems.append(Problem(f"cannot write the warehouse: {error}", target))
            return
        report.loaded = True

    report = new_report(
        Report,
        raw_dir,
        encoding,
        timezone,
        source_timezone,
        export_time,
        source=source,
        strict=strict,
        db_path=target,
    )
    return _run(report, progress, then=write, then_steps=0 if dry_run else 1)


CONNECTOR_MODE = "connector"
"""raw.load_metadata.load_mode of a connector load (raw_dir is then the connector's schema)."""


@dataclass(frozen=True)
class ConnectorObject:
    object: str
    table: str
    rows: int | None
    """None: the table is missing (an optional object, read as empty)."""


@dataclass
class ConnectorReport(Report):
    """A connector load: `raw_dir` is the connector's schema (read in place; no files)."""

    dry_run: bool = False
    objects: list[ConnectorObject] = field(default_factory=list)
    export_time_from: str = ""
    """Where the export time came from: the option, the environment, or the data's column."""
    calendar_years: tuple[int, int] | None = None


def load_connector(
    db_path: Path | None = None,
    *,
    export_time: str | None = None,
    dry_run: bool = False,
) -> ConnectorReport:
    """Record a load of the Salesforce objects a connector already synced into schema var
    salesforce_schema of the warehouse (`scripts/load.py --source salesforce --connector`).

    The schema must exist and hold the required objects (else problems, exit 2, nothing written). Its
    tables are read, never changed: no object row is copied or checked. In one transaction, what
    every load writes to schema raw (revops.loadmeta): raw.load_metadata (load_mode `connector`,
    raw_dir the schema, crm_source salesforce), an empty raw.load_notes, raw.business_calendar for the
    years the objects' date and time columns need (found by key, as macro salesforce_select finds
    them), and the full load's change-log row. The export time is `export_time` (or env
    REVOPS_EXPORT_TIME), else the connector's latest sync stamp (_fivetran_synced, _airbyte_extracted_at,
    _sdc_batched_at), else the latest SystemModstamp / LastModifiedDate / CreatedDate in the
    objects (revops.sources.salesforce.latest_change): the data's, never the wall clock.
    """
    target = Path(db_path) if db_path is not None else settings.duckdb_path()
    given = export_time or os.environ.get(loadmeta.EXPORT_TIME_ENV) or None
    system = raw_source(SourceName.salesforce)
    report = new_report(
        ConnectorReport,
        Path(system.schema),
        None,
        None,
        None,
        given,
        source=SourceName.salesforce,
        db_path=target,
        dry_run=dry_run,
    )
    assert isinstance(report, ConnectorReport)
    if given is None:
        report.export_time = None
    else:
        report.export_time_from = "--export-time" if export_time else f"env {loadmeta.EXPORT_TIME_ENV}"
    if not report.ok:
        return report
    if not target.is_file():
        report.problems.append(
            Problem("no warehouse file here (REVOPS_DUCKDB_PATH): the one the connector writes to", target)
        )
        return report
    with _session(system) as session:
        try:
            _load_connector(session, report)
        except (duckdb.Error, OSError) as error:
            report.problems.append(Problem(f"cannot write the warehouse: {error}", target))
    return report


def _load_connector(session: _Session, report: ConnectorReport) -> None:
    connection, schema = session.connection, session.source.schema
    assert report.db_path is not None
    connection.execute(f"ATTACH {sql_string(str(report.db_path))} AS warehouse")
    try:
        found = salesforce.connector_schema(connection, "warehouse", schema)
        if found is None:
            report.problems.append(
                Problem(
                    f"no schema {schema!r} (var salesforce_schema): point the connector at it, or set the "
                    "var to the schema it writes",
                    report.db_path,
                )
            )
            return
        qualified = f"warehouse.{sql_name(schema)}"
        for table in session.tables:
            rows = None
            if table.name in found:
                (rows,) = connection.execute(
                    f"SELECT count(*) FROM {qualified}.{sql_name(found[table.name].name)}"
                ).fetchall()[0]
            report.objects.append(ConnectorObject(table.stem, table.name, rows))
        missing = [
            f"{table.stem} (table {table.name})"
            for table in session.tables
            if table.required and table.name not in found
        ]
        if missing:
            report.problems.append(
                Problem(f"required Salesforce objects missing from schema {schema}: {', '.join(missing)}")
            )
            return
        if report.export_time is None:
            synced = salesforce.latest_change(connection, qualified, found, salesforce.SYNC_TIME_KEYS)
            if synced is not None:
                report.export_time, column = synced
                report.export_time_from = f"the connector's latest sync ({column})"
        if report.export_time is None:
            latest = salesforce.latest_change(connection, qualified, found)
            if latest is None:
                report.problems.append(
                    Problem(
                        f"no SystemModstamp, LastModifiedDate or CreatedDate in schema {schema} to take the "
                        "export time from: give --export-time"
                    )
                )
                return
            report.export_time, column = latest
            report.export_time_from = f"the latest change in the data ({column})"
        if report.dry_run:
            return
        session.tables = tuple(table.resolved() for table in found.values())
        connection.execute("BEGIN TRANSACTION")
        try:
            connection.execute(f"CREATE SCHEMA IF NOT EXISTS warehouse.{sql_name(RAW_SCHEMA)}")
            report.calendar_years = session.write_loader_tables(
                f"warehouse.{RAW_SCHEMA}", report, mode=CONNECTOR_MODE, replace=True
            )
            loadmeta.log_full_load(connection, f"warehouse.{RAW_SCHEMA}", source_dir=schema)
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
        report.loaded = True
    finally:
        connection.execute("DETACH warehouse")


def render_connector_report(report: ConnectorReport, console: Console) -> None:
    """The objects found (rows, or missing), the export time and where it came from, the calendar."""
    if report.objects:
        grid = RichTable(title=f"connector schema {report.schema} in {report.db_path}", title_justify="left")
        for name in ("object", "table", "rows"):
            grid.add_column(name, justify="right" if name == "rows" else "left")
        for item in report.objects:
            grid.add_row(item.object, item.table, "missing" if item.rows is None else f"{item.rows:,}")
        console.print(grid)
    lines = [
        f"note: {item.object} missing (optional): {item.table} reads as empty, so its signals are missing "
        "(docs/sources/salesforce.md)"
        for item in report.objects
        if item.rows is None and report.ok
    ]
    if report.export_time is not None:
        reporting = settings.reporting_timezone()
        lines.append(
            f"export time {in_reporting_time(report.export_time, report.timezone):%Y-%m-%d %H:%M:%S} "
            f"({reporting}; {report.export_time:%Y-%m-%d %H:%M:%S} {report.timezone}), from "
            f"{report.export_time_from}"
        )
    if report.calendar_years is not None:
        first, last = report.calendar_years
        lines.append(f"business calendar {first}-{last}")
    if not report.ok:
        lines.append("failed: nothing was written; the warehouse is as it was")
    elif report.loaded:
        lines.append(
            f"recorded the connector load in {report.db_path} (schema raw: load_metadata, load_notes, "
            f"business_calendar, load_changed_leads); schema {report.schema} read in place, unchanged. "
            "Next: dbt build --vars '{crm_source: salesforce}'"
        )
    else:
        lines.append("dry run: checked only; nothing was written")
    for line in lines:
        console.print(line, soft_wrap=True, markup=False, highlight=False)


def print_problems(report: Report, max_errors: int, stream: TextIO | None = None) -> None:
    """Print file problems and quarantined rows as `<file>:<line>:<column>: <message>`.

    At most `max_errors` quarantined rows per table (0: every row the report kept).
    """
    out = stream if stream is not None else sys.stderr
    for problem in report.problems:
        print(problem, file=out)
    for table in report.tables:
        lines = sorted({issue.line for issue in table.issues})
        shown = set(lines if max_errors <= 0 else lines[:max_errors])
        for issue in table.issues:
            if issue.line in shown:
                print(f"{table.path}:{issue.line}:{issue.column}: {issue.message}", file=out)
        hidden = table.rows_quarantined - len(shown)
        if hidden > 0:
            print(
                f"{table.path}: ... and {hidden} more quarantined rows (--max-errors 0 prints every one; "
                "a load keeps them in raw.quarantine)",
                file=out,
            )


def render_report(report: Report, console: Console) -> None:
    """The per-table summary (rows read, loaded, quarantined), then one line per column note."""
    if isinstance(report, ConnectorReport):
        render_connector_report(report, console)
        return
    grid = RichTable(title=f"raw files in {report.raw_dir}", title_justify="left")
    grid.add_column("table")
    grid.add_column("file")
    grid.add_column("encoding")
    for name in ("read", "loaded", "quarantined", "notes"):
        grid.add_column(name, justify="right")
    for table in report.tables:
        counts = (table.rows_read, table.rows_loaded, table.rows_quarantined, table.rows_noted)
        grid.add_row(table.table, table.path.name, table.encoding, *(f"{count:,}" for count in counts))
    if report.tables:
        totals = (report.rows_read, report.rows_loaded, report.rows_quarantined, report.rows_noted)
        grid.add_row("total", "", "", *(f"{count:,}" for count in totals))
        console.print(grid)
    notes = [f"note: {path.name} ignored (not a contract table file)" for path in report.unknown_files]
    for table in report.tables:
        if table.missing_file:
            notes.append(
                f"note: {table.path.stem} not exported (optional): {table.table} loaded empty, "
                "so its signals are missing (docs/sources/salesforce.md)"
            )
        if table.extra_columns:
            notes.append(f"note: {table.path.name}: extra columns ignored: {', '.join(table.extra_columns)}")
        if table.missing_optional_columns:
            missing = ", ".join(table.missing_optional_columns)
            notes.append(f"note: {table.path.name}: missing optional columns loaded as NULL: {missing}")
        notes.extend(dependency_lines(table, raw_source(report.source).tables))
        if table.rows_noted:
            notes.append(
                f"note: {table.path.name}: {table.rows_noted:,} rows kept with an optional reference set to "
                "null (see raw.load_notes)"
            )
    if report.export_time is not None:
        notes.append(
            f"export time {report.export_time:%Y-%m-%d %H:%M:%S} ({report.timezone}); event times "
            f"({event_columns(raw_source(report.source).tables)}) after it + {report.tolerance_hours} h are "
            f"quarantined; naive timestamps read as {report.parsing.source_timezone}"
        )
    for line in [*notes, _summary(report), *_change_log_line(report)]:
        console.print(line, soft_wrap=True, markup=False, highlight=False)


def _change_log_line(report: Report) -> list[str]:
    """What the load logged for the incremental build (revops.changed_leads)."""
    if not report.loaded:
        return []
    log = f"raw.{loadmeta.CHANGE_LOG_TABLE}"
    if report.changed_leads is None:
        why = (
            "a Salesforce load is not compared"
            if report.source is not SourceName.contract
            else "no earlier load of the CSV contract's tables, with these columns, to compare with"
        )
        return [f"change log {log}: every lead counts as changed ({why})"]
    return [f"change log {log}: {report.changed_leads:,} changed leads logged for the incremental build"]


def event_columns(tables: Sequence[Table]) -> str:
    """The event columns the export time checks, grouped by name: `created_date of lead, contact, ...`
    (Salesforce), `created_at of leads, opportunities; activity_at of lead_activities; ...` (contract)."""
    owners: dict[str, list[str]] = {}
    for table in tables:
        for column in table.columns:
            if column.event:
                owners.setdefault(column.name, []).append(table.name)
    return "; ".join(f"{name} of {', '.join(names)}" for name, names in owners.items()) or "none"


def dependency_lines(table: TableReport, tables: tuple[Table, ...] | None = None) -> list[str]:
    """`crm_mql_at: absent → mart_definition_drift not measured` for optional inputs the marts need
    (`tables`: the source system's contract, default the CSV contract)."""
    contract_table = next(candidate for candidate in (tables or contract()) if candidate.name == table.table)
    lines = []
    for column in contract_table.columns:
        if not column.when_absent:
            continue
        if column.name in table.missing_optional_columns:
            lines.append(f"{table.table}.{column.name}: absent → {column.when_absent}")
        elif column.name in table.empty_optional_columns:
            lines.append(f"{table.table}.{column.name}: empty in every row → {column.when_absent}")
    return lines


def _summary(report: Report) -> str:
    if not report.writes:
        if not report.ok:
            return "invalid: fix the problems above (validate.py opens no warehouse)"
        verdict = "would fail --strict" if report.strict and report.rows_quarantined else "valid"
        return (
            f"{verdict}: {report.rows_loaded:,} rows would load, {report.rows_quarantined:,} would be quarantined "
            "(validate.py opens no warehouse)"
        )
    if not report.ok:
        return "failed: nothing was written; the warehouse is as it was"
    if report.loaded:
        return f"loaded {report.rows_loaded:,} rows into {report.db_path} (schema {report.schema})"
    if report.strict and report.rows_quarantined:
        return f"--strict: {report.rows_quarantined:,} rows would be quarantined; nothing was written"
    return "dry run: validated only; nothing was written"


class RichProgress:
    """A progress bar per table."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}

    def start(self, table: str, total: int) -> None:
        self._tasks[table] = self._progress.add_task(table, total=total)

    def advance(self, table: str, label: str) -> None:
        self._progress.update(self._tasks[table], advance=1, description=f"{table}: {label}")


def run_cli(
    action: Callable[[ProgressHook], Report],
    max_errors: int,
    render_more: Callable[[Report, Console], None] | None = None,
) -> int:
    """Run `action` with progress bars on stderr, print the report; return the exit code.

    `render_more` prints more about the report after the summary (the upsert's changes).

    An unexpected error exits 2 as well (the write transaction, if open, was rolled back).
    """
    errors = Console(stderr=True)
    columns = (TextColumn("{task.description:<32}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=errors, transient=True, disable=not errors.is_terminal) as progress:
            report = action(RichProgress(progress))
    except Exception:
        traceback.print_exc()
        print("internal error: any write was rolled back", file=sys.stderr)
        return 2
    console = Console(width=max(Console().width, 120))
    render_report(report, console)
    if render_more is not None:
        render_more(report, console)
    print_problems(report, max_errors)
    return report.exit_code
