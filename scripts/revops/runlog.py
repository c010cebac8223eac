"""The nightly run log: one record per run in `ops.run_log` (docs/nightly.md).

The warehouse keeps every run (published or failed); each publication carries
a copy of the log up to and including its own run. Row counts per mart are in
`ops.run_log_marts` (run_id, mart, row_count) and, as JSON, in
`run_log.mart_row_counts`. dbt's outcome is read from target/run_results.json.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

SCHEMA = "ops"
RUN_LOG = "run_log"
RUN_LOG_MARTS = "run_log_marts"

_SQL_TYPES: dict[str, str] = {
    "str": "VARCHAR",
    "str | None": "VARCHAR",
    "datetime": "TIMESTAMP",
    "datetime | None": "TIMESTAMP",
    "float | None": "DOUBLE",
    "int": "BIGINT",
    "int | None": "BIGINT",
    "bool": "BOOLEAN",
}


@dataclass
class DbtOutcome:
    """Counts by status from run_results.json; `failures` names the nodes that did not pass."""

    models_ok: int = 0
    models_errored: int = 0
    models_skipped: int = 0
    tests_passed: int = 0
    tests_warned: int = 0
    tests_failed: int = 0
    tests_errored: int = 0
    tests_skipped: int = 0
    failures: list[str] = field(default_factory=list)


def read_run_results(path: Path) -> DbtOutcome | None:
    """Parse dbt's run_results.json (None when dbt wrote none, e.g. a parse error)."""
    if not path.exists():
        return None
    document = json.loads(path.read_text(encoding="utf-8"))
    counts: Counter[tuple[str, str]] = Counter()
    failures: list[str] = []
    for result in document.get("results", []):
        unique_id = str(result.get("unique_id", ""))
        kind = unique_id.split(".", 1)[0]
        status = str(result.get("status", ""))
        group = (
            "test"
            if kind in {"test", "unit_test"}
            else "model"
            if kind in {"model", "seed", "snapshot"}
            else ""
        )
        if not group:
            continue
        counts[(group, status)] += 1
        if status in {"fail", "error"}:
            parts = unique_id.split(".")
            name = parts[-1] if kind == "unit_test" else ".".join(parts[2:3])
            failures.append(f"{kind} {name} ({status})")
    return DbtOutcome(
        models_ok=counts[("model", "success")],
        models_errored=counts[("model", "error")],
        models_skipped=counts[("model", "skipped")],
        tests_passed=counts[("test", "pass")],
        tests_warned=counts[("test", "warn")],
        tests_failed=counts[("test", "fail")],
        tests_errored=counts[("test", "error")],
        tests_skipped=counts[("test", "skipped")],
        failures=failures,
    )


@dataclass
class RunRecord:
    """One nightly run. Times are UTC; *_seconds are the phase wall times (None: phase not run)."""

    run_id: str
    started_at: datetime
    ended_at: datetime | None = None
    status: str = "running"
    """published, failed, running or publishing (docs/nightly.md, Run log). A run refused because another
    run holds a lock reports `refused` (revops.nightly) and is never written to the log."""
    failed_phase: str | None = None
    reason: str | None = None
    load_mode: str = "none"
    raw_dir: str | None = None
    full_refresh: bool = False
    load_seconds: float | None = None
    build_seconds: float | None = None
    publish_seconds: float | None = None
    rows_read: int | None = None
    rows_loaded: int | None = None
    rows_quarantined: int | None = None
    changed_leads: int | None = None
    models_ok: int | None = None
    models_errored: int | None = None
    models_skipped: int | None = None
    tests_passed: int | None = None
    tests_warned: int | None = None
    tests_failed: int | None = None
    tests_errored: int | None = None
    tests_skipped: int | None = None
    project_fingerprint: str | None = None
    publication: str | None = None
    mart_row_counts: str | None = None
    """JSON object mart -> rows."""

    def set_outcome(self, outcome: DbtOutcome) -> None:
        for name in (
            "models_ok",
            "models_errored",
            "models_skipped",
            "tests_passed",
            "tests_warned",
            "tests_failed",
            "tests_errored",
            "tests_skipped",
        ):
            setattr(self, name, getattr(outcome, name))

    def set_mart_counts(self, counts: dict[str, int]) -> None:
        self.mart_row_counts = json.dumps(counts, sort_keys=True)

    def mart_counts(self) -> dict[str, int]:
        return json.loads(self.mart_row_counts) if self.mart_row_counts else {}


def _columns() -> list[tuple[str, str]]:
    return [(item.name, _SQL_TYPES[str(item.type)]) for item in fields(RunRecord)]


def ensure_tables(connection: duckdb.DuckDBPyConnection, catalog: str | None = None) -> None:
    prefix = f'"{catalog}".' if catalog else ""
    connection.execute(f"CREATE SCHEMA IF NOT EXISTS {prefix}{SCHEMA}")
    columns = ", ".join(f"{name} {sql_type}" for name, sql_type in _columns())
    connection.execute(f"CREATE TABLE IF NOT EXISTS {prefix}{SCHEMA}.{RUN_LOG} ({columns})")
    connection.execute(
        f"CREATE TABLE IF NOT EXISTS {prefix}{SCHEMA}.{RUN_LOG_MARTS} "
        "(run_id VARCHAR, mart VARCHAR, row_count BIGINT)"
    )


def write_record(
    connection: duckdb.DuckDBPyConnection, record: RunRecord, catalog: str | None = None
) -> None:
    """Insert or replace the record of record.run_id (and its mart counts), in one transaction: a
    process killed in between leaves the previous record, never none."""
    ensure_tables(connection, catalog)
    connection.execute("BEGIN TRANSACTION")
    try:
        _replace_record(connection, record, f'"{catalog}".' if catalog else "")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def _replace_record(connection: duckdb.DuckDBPyConnection, record: RunRecord, prefix: str) -> None:
    values: dict[str, Any] = asdict(record)
    names = list(values)
    connection.execute(f"DELETE FROM {prefix}{SCHEMA}.{RUN_LOG} WHERE run_id = ?", [record.run_id])
    connection.execute(
        f"INSERT INTO {prefix}{SCHEMA}.{RUN_LOG} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
        [values[name] for name in names],
    )
    connection.execute(f"DELETE FROM {prefix}{SCHEMA}.{RUN_LOG_MARTS} WHERE run_id = ?", [record.run_id])
    for mart, rows in sorted(record.mart_counts().items()):
        connection.execute(
            f"INSERT INTO {prefix}{SCHEMA}.{RUN_LOG_MARTS} VALUES (?, ?, ?)", [record.run_id, mart, rows]
        )


def last_published(connection: duckdb.DuckDBPyConnection) -> RunRecord | None:
    """The latest published run in the log, if any."""
    exists = connection.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?", [SCHEMA, RUN_LOG]
    ).fetchall()[0][0]
    if not exists:
        return None
    names = [name for name, _ in _columns()]
    row = connection.execute(
        f"SELECT {', '.join(names)} FROM {SCHEMA}.{RUN_LOG} WHERE status = 'published' "
        "ORDER BY started_at DESC, run_id DESC LIMIT 1"
    ).fetchone()
    return RunRecord(**dict(zip(names, row, strict=True))) if row else None


def fingerprints_since(connection: duckdb.DuckDBPyConnection, run: RunRecord) -> set[str]:
    """The project fingerprints of the runs logged after `run` that reached the build phase (a failed
    build included: it may have rebuilt tables and reloaded seeds under that project)."""
    rows = connection.execute(
        f"SELECT DISTINCT project_fingerprint FROM {SCHEMA}.{RUN_LOG} "
        "WHERE project_fingerprint IS NOT NULL AND (started_at > ? OR (started_at = ? AND run_id > ?))",
        [run.started_at, run.started_at, run.run_id],
    ).fetchall()
    return {fingerprint for (fingerprint,) in rows}
