"""The nightly job: load the night's exports, `dbt build`, publish the marts (docs/nightly.md).

    run_nightly(NightlyOptions(...), console) -> NightlyResult

Phases, each timed and written to the run log (revops.runlog):

1. load     scripts/load.py's loader in-process: `full` replaces schema raw,
            `upsert` merges a delta directory (revops.upsert); `connector`
            records the Salesforce objects a connector synced (load_connector,
            nothing copied). Skipped without a raw directory or connector.
2. build    `dbt build` on the working warehouse, streamed with progress. A
            full refresh when asked, when no run was published yet, or when
            the project (models, macros, seeds, dbt_project.yml, the pinned
            packages, vars) changed
            since the last published run. On success the loader's change log
            raw.load_changed_leads is cleared (its leads are now built).
3. publish  the marts and the run log into a new DuckDB file, put in place with
            one os.replace (revops.publish); the last `keep` are kept. After an
            incremental build the new file is a patched copy of the current
            one (only the rewritten leads of the lead-keyed marts), else every
            mart is written; the ledger of unpublished leads is then cleared.

A failed phase leaves the publication untouched; the run is logged as failed
in the warehouse with the phase and the reason (an unexpected error too: of the
loader, phase load, exit 2; of the build phase, phase build, exit 1). A run killed outright stays
logged as `running` (killed in the build) or `publishing` (killed before or
just after the rename), never as published. Exit codes: 0 published,
1 dbt build failed (a model or an error-severity test), 2 load failed,
3 publication failed, 4 another run holds a lock: <publish_dir>/.nightly.lock or
<warehouse>.nightly.lock (refused, nothing done), or another process holds the
warehouse's DuckDB lock (failed in the phase that met it).

The run holds both locks (flock) from start to end, and so does its dbt child
(the locks' descriptors are passed to it): a run killed while dbt builds keeps the
next run out until that dbt ends, instead of letting it meet dbt's DuckDB lock.
Before anything else the run deletes the temporary files a killed publication left.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import secrets
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal

import duckdb
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from revops import publish as publication
from revops.dbtcli import dbt_command
from revops.loader import (
    CONNECTOR_MODE,
    ConnectorReport,
    Report,
    RichProgress,
    load_connector,
    load_dir,
    print_problems,
    render_report,
)
from revops.loadmeta import change_log_names_every_lead, clear_change_log
from revops.runlog import (
    DbtOutcome,
    RunRecord,
    fingerprints_since,
    last_published,
    read_run_results,
    write_record,
)
from revops.settings import PROJECT_DIR, dbt_vars
from revops.sources import SourceName, raw_source
from revops.upsert import upsert_dir

LoadMode = Literal["full", "upsert"]
EXIT_OK, EXIT_BUILD, EXIT_LOAD, EXIT_PUBLISH, EXIT_BUSY = 0, 1, 2, 3, 4
LOCK_NAME = ".nightly.lock"
"""The lock in the publication directory (<publish_dir>/.nightly.lock)."""
WAREHOUSE_LOCK_SUFFIX = ".nightly.lock"
"""The lock beside the warehouse (<warehouse>.nightly.lock): two runs on one warehouse with different
publication directories exclude each other too."""
FINGERPRINT_PATHS = (
    "models",
    "macros",
    "seeds",
    "snapshots",
    "tests/dbt",
    "dbt_project.yml",
    # The pinned packages: dbt, its adapters and DuckDB define what the SQL computes, and `holidays` the
    # business calendar the loader writes, whose days the stored hand-off SLAs (int_handoff_sla) count.
    # The whole file, on the safe side: a new pin of a tool that computes nothing (ruff, pytest) also
    # costs one full-refresh night.
    "requirements.txt",
)
# An incremental night runs the project exactly as last published (same fingerprint: models, macros,
# seeds, snapshots, tests/dbt, dbt_project.yml, the pinned packages, vars) on the same warehouse, and no run of other code has
# built in it since (NightlyRun._decide_full_refresh). What depends on that alone was built and passed its
# tests on the run that began this fingerprint and has not changed since, so the night leaves it out: the
# unit tests, and every seed, model and data test with no source upstream (`source:*+` selects everything
# the loaded data reaches, each test that reads any of it included).
INCREMENTAL_BUILD_ARGS = ("--select", "source:*+", "--exclude-resource-type", "unit_test")
# For the same reason, on an incremental night the staging tests of the loaded leads may read only the rows
# of the leads in the loader's change log: every other row passed them under this code
# (macros/nightly/untested_leads.sql, DECISIONLOG.md D29). Only the nightly job knows the code is unchanged.
INCREMENTAL_BUILD_ENV = {"REVOPS_TESTS_READ_CHANGE_LOG": "1"}
# On an incremental night of the CSV contract whose change log holds no row without a lead (every load since
# it was last cleared, upsert or compared full load, named its leads), the log names every lead whose rows
# changed. The lead_replace models then recompute
# exactly those leads (and the rows the as-of instant judges anew) instead of every lead with an event
# within the lookback as well, and int_lead_latest_changes, which only the lookback reads, is left out
# (macros/nightly/lead_incremental.sql, DECISIONLOG.md D30).
CHANGE_LOG_ONLY_ARGS = ("--exclude", "int_lead_latest_changes")
CHANGE_LOG_ONLY_ENV = {"REVOPS_AFFECTED_LEADS_FROM_CHANGE_LOG": "1"}
_NODE_LINE = re.compile(r"\b(\d+) of (\d+) (OK|PASS|WARN|ERROR|FAIL|SKIP|NO-OP)\b")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class IncrementalBuild:
    """The dbt arguments and environment of an incremental night (incremental_build)."""

    leads_from_change_log: bool

    @property
    def args(self) -> list[str]:
        return [*INCREMENTAL_BUILD_ARGS, *(CHANGE_LOG_ONLY_ARGS if self.leads_from_change_log else ())]

    @property
    def env(self) -> dict[str, str]:
        return {**INCREMENTAL_BUILD_ENV, **(CHANGE_LOG_ONLY_ENV if self.leads_from_change_log else {})}


def incremental_build(warehouse: Path, run_vars: Mapping[str, Any] | None = None) -> IncrementalBuild:
    """How to build an incremental night on `warehouse`, once its load is done, with the dbt vars
    `run_vars` (`--vars`; the project's vars fill in the rest): the change log alone only for the CSV
    contract's models (var crm_source), which are the ones its loads log."""
    crm_source = {**dbt_vars(), **(run_vars or {})}.get("crm_source", "contract")
    return IncrementalBuild(crm_source == "contract" and change_log_names_every_lead(warehouse))


@dataclass
class NightlyOptions:
    warehouse: Path
    publish_dir: Path
    target_path: Path
    raw_dir: Path | None = None
    mode: LoadMode = "upsert"
    keep: int = 7
    full_refresh: bool = False
    dbt_vars: Mapping[str, Any] = field(default_factory=dict)
    encoding: tuple[str, ...] | str | None = None
    """None: detected per file; see revops.rawio.EncodingChoice."""
    timezone: str | None = None
    source_timezone: str | None = None
    export_time: str | None = None
    strict: bool = False
    source: str = "contract"
    """The source system (revops.sources): also passed to dbt as var crm_source."""
    connector: bool = False
    """The load records the Salesforce objects a connector synced into the warehouse (no raw_dir)."""

    def __post_init__(self) -> None:
        if self.connector and (self.source != "salesforce" or self.raw_dir is not None):
            raise ValueError("connector: a load of the Salesforce source's synced schema, without raw_dir")
        if self.source != "contract":
            self.dbt_vars = {**self.dbt_vars, "crm_source": self.source}


@dataclass
class NightlyResult:
    record: RunRecord
    exit_code: int
    publication: publication.Publication | None = None
    load_report: Report | None = None


def new_run_id(now: datetime) -> str:
    """Sortable by time, unique: 20261126T183000Z-1a2b3c."""
    return f"{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


def project_fingerprint(dbt_vars: Mapping[str, Any], root: Path = PROJECT_DIR) -> str:
    """A hash of everything that defines the models' output besides the data."""
    digest = hashlib.sha256()
    for name in FINGERPRINT_PATHS:
        path = root / name
        files = sorted(item for item in path.rglob("*") if item.is_file()) if path.is_dir() else [path]
        for item in files:
            if "__pycache__" in item.parts:
                continue
            digest.update(str(item.relative_to(root)).encode())
            digest.update(b"\0")
            digest.update(item.read_bytes())
            digest.update(b"\0")
    digest.update(json.dumps(dict(dbt_vars), sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]


def lock_paths(options: NightlyOptions) -> tuple[Path, Path]:
    """The run's locks, in the order taken: the publication directory's, then the warehouse's."""
    warehouse = options.warehouse
    return options.publish_dir / LOCK_NAME, warehouse.with_name(warehouse.name + WAREHOUSE_LOCK_SUFFIX)


def _take_lock(path: Path) -> IO[str] | None:
    """The open lock file, locked (flock, exclusive), or None when another process holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        return None
    return lock


def _warehouse_locked(error: BaseException | str, warehouse: Path) -> bool:
    """Whether a DuckDB error is the warehouse's file lock held by another process (a dbt build by hand,
    the duckdb CLI, a killed run's dbt that still runs)."""
    return publication.is_lock_conflict(error) and warehouse.name in str(error)


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class _Phases:
    """A progress bar per phase on stderr (plain lines when not a terminal)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress = Progress(
            TextColumn("{task.description:<40}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
            disable=not console.is_terminal,
        )

    def __enter__(self) -> _Phases:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)  # type: ignore[arg-type]

    def say(self, text: str) -> None:
        self.console.print(text, highlight=False, soft_wrap=True)


class NightlyRun:
    def __init__(self, options: NightlyOptions, console: Console) -> None:
        self.options = options
        self.console = console
        started = _utcnow()
        self.record = RunRecord(run_id=new_run_id(started), started_at=started)
        if options.connector:
            self.record.load_mode = CONNECTOR_MODE
            self.record.raw_dir = raw_source(SourceName.salesforce).schema
        elif options.raw_dir is not None:
            self.record.load_mode = options.mode
            self.record.raw_dir = str(options.raw_dir)
        self.load_report: Report | None = None
        self.lock_fds: tuple[int, ...] = ()
        """The descriptors of the locks the run holds, passed on to its dbt child."""

    # -- phases ------------------------------------------------------------------------

    def run(self) -> NightlyResult:
        with contextlib.ExitStack() as held:
            for path in lock_paths(self.options):
                lock = _take_lock(path)
                if lock is None:
                    return self._refused(path)
                held.enter_context(lock)
                self.lock_fds += (lock.fileno(),)
            try:
                return self._run()
            finally:
                self.lock_fds = ()

    def _refused(self, lock: Path) -> NightlyResult:
        """Another run holds `lock`: nothing is done, and nothing logged (the warehouse is the other run's)."""
        self.record.status = "refused"
        self.record.ended_at = _utcnow()
        self.record.reason = f"another nightly run holds the lock {lock}; nothing was done"
        self.console.print(
            f"[red]nightly run {self.record.run_id} refused: {self.record.reason}[/red]", soft_wrap=True
        )
        return NightlyResult(self.record, EXIT_BUSY)

    def _run(self) -> NightlyResult:
        with _Phases(self.console) as phases:
            phases.say(f"nightly run {self.record.run_id}: warehouse {self.options.warehouse}")
            self._remove_stale_temporaries(phases)
            code = self._load(phases)
            if code != EXIT_OK:
                return self._fail(code)
            code = self._build(phases)
            if code != EXIT_OK:
                return self._fail(code)
            try:
                result = self._publish(phases)
            except Exception as error:
                self.record.failed_phase = "publish"
                if _warehouse_locked(error, self.options.warehouse):
                    return self._fail(self._warehouse_busy(error))
                self.record.reason = f"publication failed: {error}"
                return self._fail(EXIT_PUBLISH)
        return result

    def _remove_stale_temporaries(self, phases: _Phases) -> None:
        """Delete what a killed publication left in the publication directory (under the run's lock)."""
        removed = publication.remove_stale_temporaries(self.options.publish_dir)
        if removed:
            names = ", ".join(str(path.relative_to(self.options.publish_dir)) for path in removed)
            phases.say(
                f"removed {len(removed)} temporary files a killed publication left in "
                f"{self.options.publish_dir}: {names} ({sum(removed.values()) / 2**20:.1f} MiB)"
            )

    def _warehouse_busy(self, error: BaseException | str) -> int:
        """The run met the warehouse's DuckDB lock, held by another process: exit 4, with the reason."""
        self.record.reason = (
            f"the warehouse {self.options.warehouse} is locked by another process "
            f"(a dbt build or a connection that is not this run's): {error}"
        )
        return EXIT_BUSY

    def _load(self, phases: _Phases) -> int:
        options = self.options
        if options.raw_dir is None and not options.connector:
            phases.say("load: skipped (no --raw-dir)")
            return EXIT_OK
        started = time.perf_counter()
        try:
            report = self._run_load(phases)
        except Exception as error:
            # An unexpected error of the loader (its write transaction, if open, was rolled back): the
            # run fails in phase load with the load's exit code, and is logged, as a refused load is.
            self.record.load_seconds = time.perf_counter() - started
            self.record.failed_phase = "load"
            if _warehouse_locked(error, options.warehouse):
                return self._warehouse_busy(error)
            self.record.reason = (
                f"{self._what_loads()} failed: internal error: {type(error).__name__}: {error}"
            )
            self.console.print_exception()
            return EXIT_LOAD
        self.record.load_seconds = time.perf_counter() - started
        return self._loaded(report, phases)

    def _what_loads(self) -> str:
        """The load in a reason: `upsert load of <dir>`, `connector load of schema <schema>`."""
        return f"{self.record.load_mode} load of {'schema ' if self.options.connector else ''}{self.record.raw_dir}"

    def _run_load(self, phases: _Phases) -> Report:
        options = self.options
        if options.connector:
            return load_connector(options.warehouse, export_time=options.export_time)
        assert options.raw_dir is not None
        hook = RichProgress(phases.progress)
        if options.mode == "full":
            report: Report = load_dir(
                options.raw_dir,
                options.warehouse,
                encoding=options.encoding,
                timezone=options.timezone,
                source_timezone=options.source_timezone,
                export_time=options.export_time,
                strict=options.strict,
                progress=hook,
                source=options.source,
            )
        else:
            report = upsert_dir(
                options.raw_dir,
                options.warehouse,
                encoding=options.encoding,
                timezone=options.timezone,
                source_timezone=options.source_timezone,
                export_time=options.export_time,
                strict=options.strict,
                progress=hook,
            )
        return report

    def _loaded(self, report: Report, phases: _Phases) -> int:
        options = self.options
        self.load_report = report
        self.record.rows_read = report.rows_read
        self.record.rows_loaded = report.rows_loaded
        self.record.rows_quarantined = report.rows_quarantined
        self.record.changed_leads = report.changed_leads
        render_report(report, Console(stderr=True, width=max(self.console.width, 120)))
        print_problems(report, 20)
        if not report.loaded:
            self.record.failed_phase = "load"
            if report.problems:
                first = "; ".join(str(problem) for problem in report.problems[:3])
                self.record.reason = f"{self._what_loads()} failed: {first}"
                if any(_warehouse_locked(str(problem), options.warehouse) for problem in report.problems):
                    return self._warehouse_busy(first)
            else:
                self.record.reason = (
                    f"--strict: {report.rows_quarantined:,} rows would be quarantined; nothing was loaded"
                )
            return EXIT_LOAD
        if isinstance(report, ConnectorReport):
            self.record.rows_read = sum(item.rows or 0 for item in report.objects)
            phases.say(
                f"load (connector): recorded schema {report.schema}, {self.record.rows_read:,} object rows "
                f"read in place, in {self.record.load_seconds:.1f}s"
            )
            return EXIT_OK
        phases.say(
            f"load ({self.record.load_mode}): {report.rows_loaded:,} rows loaded, "
            f"{report.rows_quarantined:,} quarantined in {self.record.load_seconds:.1f}s"
        )
        return EXIT_OK

    def _decide_full_refresh(self, fingerprint: str) -> tuple[bool, str]:
        if self.options.full_refresh:
            return True, "--full-refresh"
        if not self.options.warehouse.exists():
            return True, "new warehouse"
        with duckdb.connect(str(self.options.warehouse), read_only=True) as connection:
            last = last_published(connection)
            built_since = fingerprints_since(connection, last) if last is not None else set()
        if last is None:
            return True, "no published run yet"
        if last.project_fingerprint != fingerprint:
            return (
                True,
                "models, macros, seeds, tests, pinned packages or vars changed since the last published run",
            )
        if built_since - {fingerprint}:
            # e.g. a full refresh of changed code that failed, then the change reverted: its seeds and
            # tables may still be in the warehouse, and an incremental night would not rebuild them all
            return True, "a run since the last published one built other models, macros, seeds, tests or vars"
        return False, f"incremental since run {last.run_id}"

    def _build(self, phases: _Phases) -> int:
        started = time.perf_counter()
        try:
            return self._run_build(phases)
        except Exception as error:
            # As in the load: an unexpected error (deciding the refresh, reading dbt's results, clearing
            # the change log) fails the run in phase build, logged, with the build's exit code; the
            # warehouse's DuckDB lock held by another process, with exit 4.
            if self.record.build_seconds is None:
                self.record.build_seconds = time.perf_counter() - started
            self.record.failed_phase = "build"
            if _warehouse_locked(error, self.options.warehouse):
                return self._warehouse_busy(error)
            self.record.reason = f"the build phase failed: internal error: {type(error).__name__}: {error}"
            self.console.print_exception()
            return EXIT_BUILD

    def _run_build(self, phases: _Phases) -> int:
        options = self.options
        fingerprint = project_fingerprint(options.dbt_vars)
        self.record.project_fingerprint = fingerprint
        full_refresh, why = self._decide_full_refresh(fingerprint)
        self.record.full_refresh = full_refresh
        # Logged before dbt starts (status running): a run killed mid-build stays in the log with its
        # fingerprint, so the next night knows tables of this code may have been rebuilt.
        self._log()
        phases.say(f"build: {'full refresh' if full_refresh else 'incremental'} ({why})")
        started = time.perf_counter()
        if full_refresh:
            mode_args, env = ["--full-refresh"], {}
        else:
            night = incremental_build(options.warehouse, options.dbt_vars)
            mode_args, env = night.args, night.env
            if night.leads_from_change_log:
                phases.say(
                    "build: the affected leads are the change log's (every load since the last build named its leads)"
                )
        returncode, log = self._stream_dbt(["build", *mode_args], phases, env)
        self.record.build_seconds = time.perf_counter() - started
        outcome = read_run_results(options.target_path / "run_results.json")
        if outcome is not None:
            self.record.set_outcome(outcome)
        if returncode != 0:
            self.record.failed_phase = "build"
            self.record.reason = _build_reason(returncode, outcome, log)
            return EXIT_BUILD
        clear_change_log(self.options.warehouse)
        phases.say(
            f"build: {self.record.models_ok} models, {self.record.tests_passed} tests passed, "
            f"{self.record.tests_warned} warned in {self.record.build_seconds:.1f}s"
        )
        return EXIT_OK

    def _stream_dbt(self, args: list[str], phases: _Phases, extra_env: Mapping[str, str]) -> tuple[int, Path]:
        options = self.options
        options.target_path.mkdir(parents=True, exist_ok=True)
        (options.target_path / "run_results.json").unlink(missing_ok=True)
        command = [
            *dbt_command(),
            *args,
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(options.target_path),
            "--no-use-colors",
        ]
        if options.dbt_vars:
            command += ["--vars", json.dumps(dict(options.dbt_vars))]
        # dbt runs in the warehouse's directory with the file's name as its path: the connection values
        # dbt saves with its parse (and checks before reusing it) are then the same wherever that
        # directory is, so a moved or restored warehouse directory, or a copy of it, keeps its saved parse.
        warehouse = options.warehouse.resolve()
        env = dict(os.environ)
        env.update(
            REVOPS_DUCKDB_PATH=warehouse.name,
            DBT_LOG_PATH=str(options.target_path / "logs"),
            DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        )
        env.update(extra_env)
        log = options.target_path / f"nightly-{self.record.run_id}.log"
        task = phases.progress.add_task("dbt build", total=None)
        with (
            log.open("w", encoding="utf-8") as sink,
            subprocess.Popen(
                command,
                cwd=warehouse.parent,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                bufsize=1,
                # dbt holds the run's locks too: if this process is killed outright, they last as long
                # as dbt runs, so no other run starts on a warehouse dbt is still building.
                pass_fds=self.lock_fds,
            ) as child,
        ):
            assert child.stdout is not None
            for line in child.stdout:
                sink.write(line)
                match = _NODE_LINE.search(_ANSI.sub("", line))
                if match is None:
                    continue
                done, total, status = int(match[1]), int(match[2]), match[3]
                phases.progress.update(task, total=total, advance=1, description=f"dbt build: {status}")
                # Without a terminal: failures, and a line per tenth of the nodes.
                if phases.progress.disable and (
                    status in {"ERROR", "FAIL"} or done * 10 // total != (done - 1) * 10 // total
                ):
                    phases.say(f"  dbt build: {done} of {total} nodes run ({_ANSI.sub('', line).strip()})")
            returncode = child.wait()
        return returncode, log

    def _publish(self, phases: _Phases) -> NightlyResult:
        options = self.options
        started = time.perf_counter()
        options.publish_dir.mkdir(parents=True, exist_ok=True)
        counts = publication.count_marts(options.warehouse)
        self.record.set_mart_counts(counts)
        self.record.publication = f"{publication.RUNS_DIR}/revops-{self.record.run_id}.duckdb"
        self.record.ended_at = _utcnow()
        self.record.publish_seconds = time.perf_counter() - started
        # The warehouse says "publishing" until the rename is done (a run killed before it is never
        # logged as published); the publication's own copy of the log says "published".
        self.record.status = "publishing"
        self._log()
        as_published = replace(self.record, status="published")
        run_log = [
            as_published if record.run_id == self.record.run_id else record
            for record in publication.read_run_log(options.warehouse)
        ]
        staged = options.publish_dir / f".revops-{self.record.run_id}.duckdb.tmp"
        current = publication.current_path(options.publish_dir)
        try:
            written = publication.write_publication(
                options.warehouse,
                staged,
                run_log,
                base=None if self.record.full_refresh else current,
                run_id=self.record.run_id,
            )
            result = publication.publish(staged, options.publish_dir, self.record.run_id, options.keep)
        except BaseException:
            staged.unlink(missing_ok=True)
            self.record.status = "failed"
            self.record.publication = None
            raise
        self.record.status = "published"
        self.record.publish_seconds = time.perf_counter() - started
        self.record.ended_at = _utcnow()
        self._log()
        try:
            publication.clear_published_leads(options.warehouse, written)
        except duckdb.Error as error:
            # Harmless if left: the next publication patches those leads again.
            self.console.print(
                f"[yellow]warning: cannot clear the ledger of unpublished leads: {error}[/yellow]"
            )
        phases.say(
            f"published {result.current} ({sum(counts.values()):,} rows in {len(counts)} marts) "
            f"in {self.record.publish_seconds:.1f}s: {written.summary()}; "
            f"kept {len(publication.kept_publications(options.publish_dir))}"
        )
        return NightlyResult(self.record, EXIT_OK, result, self.load_report)

    # -- outcome -----------------------------------------------------------------------

    def _log(self) -> None:
        try:
            with duckdb.connect(str(self.options.warehouse)) as connection:
                write_record(connection, self.record)
        except duckdb.Error as error:
            self.console.print(f"[yellow]warning: cannot write the run log: {error}[/yellow]")

    def _fail(self, code: int) -> NightlyResult:
        self.record.status = "failed"
        self.record.ended_at = _utcnow()
        if self.options.warehouse.exists():
            self._log()
        current = publication.current_path(self.options.publish_dir)
        kept = "unchanged" if current.exists() else "not created (there is none yet)"
        self.console.print(
            f"[red]nightly run {self.record.run_id} failed in phase {self.record.failed_phase}: "
            f"{self.record.reason}[/red]",
            soft_wrap=True,
        )
        self.console.print(f"the publication {current} is {kept}", soft_wrap=True, highlight=False)
        return NightlyResult(self.record, code, None, self.load_report)


def _build_reason(returncode: int, outcome: DbtOutcome | None, log: Path) -> str:
    if outcome is None:
        tail = [line.strip() for line in log.read_text(encoding="utf-8").splitlines() if line.strip()][-3:]
        return f"dbt build failed (exit {returncode}) before running anything: {' / '.join(tail)}; see {log}"
    parts = []
    if outcome.tests_failed or outcome.tests_errored:
        parts.append(f"{outcome.tests_failed} tests failed, {outcome.tests_errored} errored")
    if outcome.models_errored:
        parts.append(f"{outcome.models_errored} models errored")
    names = ", ".join(outcome.failures[:5]) + (" ..." if len(outcome.failures) > 5 else "")
    summary = "; ".join(parts) or f"exit {returncode}"
    return f"dbt build failed: {summary}: {names}; see {log}"


def run_nightly(options: NightlyOptions, console: Console | None = None) -> NightlyResult:
    return NightlyRun(options, console or Console(stderr=True)).run()
