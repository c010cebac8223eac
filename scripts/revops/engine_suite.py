"""Build the dbt project on PostgreSQL or Spark from a raw export directory, and say how it went.

The real path, in three timed phases: the loader validates the raw directory into a temporary
DuckDB (scripts/load.py), the raw tables are published to the engine (revops.engines), and
`dbt build --target <engine>` runs there. `scripts/engine_suite.py` is its command line;
tests/python/test_engines.py runs it and compares every mart with DuckDB's (docs/engines.md).

Data tests: `data_tests=False` builds seeds and models and runs the dbt unit tests, but not the
data tests; `unit_tests=False` leaves the unit tests out too (they depend only on the code, not on
the data: a second build of the same code needs them no more). DuckDB runs those data tests on the same models, compiled from the same SQL; what is
engine-specific (dispatched macros, contract types, seed loading) is checked on the engine by the
unit tests, the enforced contracts and the mart comparison.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from revops.dbtcli import dbt_command
from revops.engines import (
    Engine,
    EngineError,
    EngineTarget,
    PostgresSettings,
    create_postgres_database,
    drop_postgres_database,
    loaded_schemas,
)
from revops.settings import PROJECT_DIR
from revops.spark_cluster import die_with_parent

EXIT_UNAVAILABLE = 3
"""Exit code when the engine is not available (nothing was run)."""


@dataclass
class SuiteResult:
    engine: str
    where: str
    phases: dict[str, float] = field(default_factory=dict)
    published: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    node_seconds: dict[str, float] = field(default_factory=dict)
    node_counts: dict[str, int] = field(default_factory=dict)
    node_times: dict[str, float] = field(default_factory=dict)
    """Seconds per dbt node (unique_id)."""
    failures: list[str] = field(default_factory=list)
    ok: bool = False
    unavailable: bool = False
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "where": self.where,
            "ok": self.ok,
            "reason": self.reason,
            "phases_seconds": {name: round(seconds, 2) for name, seconds in self.phases.items()},
            "published_rows": self.published,
            "dbt_statuses": self.statuses,
            "dbt_nodes_by_type": self.node_counts,
            "dbt_seconds_by_node_type": {
                kind: round(seconds, 1) for kind, seconds in self.node_seconds.items()
            },
            "failures": self.failures,
        }


class _Phase:
    def __init__(self, result: SuiteResult, name: str, console: Console) -> None:
        self.result = result
        self.name = name
        self.console = console

    def __enter__(self) -> None:
        self.console.print(f"[bold]engine_suite[/bold] {self.result.engine}: {self.name} ...")
        self.started = time.monotonic()

    def __exit__(self, *exc: object) -> None:
        seconds = time.monotonic() - self.started
        self.result.phases[self.name] = seconds
        self.console.print(f"[bold]engine_suite[/bold] {self.result.engine}: {self.name} took {seconds:.1f}s")


def load(raw_dir: Path, duckdb_path: Path, source: str = "contract") -> tuple[int, str]:
    """scripts/load.py --source `source` into `duckdb_path`: (exit code, output)."""
    env = dict(os.environ, REVOPS_DUCKDB_PATH=str(duckdb_path))
    completed = subprocess.run(
        [
            sys.executable,
            str(PROJECT_DIR / "scripts" / "load.py"),
            "--raw-dir",
            str(raw_dir),
            "--source",
            source,
        ],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return completed.returncode, completed.stdout + completed.stderr


def dbt_vars_argument(source: str) -> list[str]:
    """`--vars` choosing the CRM source (none for the default, the contract)."""
    return [] if source == "contract" else ["--vars", json.dumps({"crm_source": source})]


def dbt_build_command(
    target: EngineTarget,
    target_path: Path,
    *,
    data_tests: bool = True,
    unit_tests: bool = True,
    source: str = "contract",
) -> list[str]:
    command = [
        *dbt_command(),
        "build",
        "--target",
        target.engine,
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--target-path",
        str(target_path),
        *dbt_vars_argument(source),
    ]
    if not data_tests:
        # Seeds, models and unit tests (resource type `unit_test`); not the data tests (`test`).
        command += ["--exclude-resource-type", "test"]
    if not unit_tests:
        command += ["--exclude-resource-type", "unit_test"]
    return command


def dbt_build(
    target: EngineTarget,
    target_path: Path,
    *,
    data_tests: bool = True,
    unit_tests: bool = True,
    source: str = "contract",
) -> int:
    """`dbt build --target <engine>`, its output streamed to the console."""
    env = dict(os.environ)
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env["DBT_LOG_PATH"] = str(target_path / "logs")
    env.update(target.env())
    completed = subprocess.run(
        dbt_build_command(target, target_path, data_tests=data_tests, unit_tests=unit_tests, source=source),
        cwd=PROJECT_DIR,
        env=env,
        check=False,
        # dbt (and the Spark driver it starts) stops when this process dies.
        preexec_fn=die_with_parent if sys.platform == "linux" else None,
    )
    return completed.returncode


def read_run_results(target_path: Path, result: SuiteResult) -> None:
    """dbt's run_results.json added to the result: statuses, seconds per node and per node type,
    failures (called once per dbt invocation, it sums over them)."""
    path = target_path / "run_results.json"
    if not path.exists():
        return
    results = json.loads(path.read_text(encoding="utf-8"))["results"]
    for node in results:
        status = str(node["status"])
        result.statuses[status] = result.statuses.get(status, 0) + 1
        kind = str(node["unique_id"]).split(".", 1)[0]
        result.node_counts[kind] = result.node_counts.get(kind, 0) + 1
        seconds = float(node.get("execution_time") or 0)
        result.node_seconds[kind] = result.node_seconds.get(kind, 0.0) + seconds
        result.node_times[str(node["unique_id"])] = round(seconds, 2)
        if status in {"error", "fail", "runtime error"}:
            result.failures.append(
                f"{node['unique_id']}: {status}: {(node.get('message') or '').strip()[:300]}"
            )


def print_summary(result: SuiteResult, console: Console) -> None:
    table = Table(title=f"engine suite: {result.engine}", show_header=True)
    table.add_column("phase")
    table.add_column("seconds", justify="right")
    for name, seconds in result.phases.items():
        table.add_row(name, f"{seconds:.1f}")
    table.add_row("total", f"{sum(result.phases.values()):.1f}")
    console.print(table)
    console.print(f"where: {result.where}")
    if result.published:
        rows = ", ".join(f"{name} {rows}" for name, rows in result.published.items())
        console.print(f"published rows: {rows}")
    if result.statuses:
        console.print(
            "dbt: " + ", ".join(f"{status} {count}" for status, count in sorted(result.statuses.items()))
        )
        console.print(
            "dbt nodes and seconds by node type: "
            + ", ".join(
                f"{kind} {result.node_counts[kind]} in {seconds:.0f}s"
                for kind, seconds in sorted(result.node_seconds.items())
            )
        )
    for failure in result.failures:
        console.print(f"[red]  {failure}[/red]")
    verdict = "[green]PASSED[/green]" if result.ok else f"[red]FAILED[/red]: {result.reason}"
    console.print(f"engine suite {result.engine}: {verdict}")


def run_suite(
    engine: Engine,
    raw_dir: Path,
    *,
    scratch: bool,
    keep: bool,
    workdir: Path,
    data_tests: bool = True,
    unit_tests: bool = True,
    source: str = "contract",
    spark_master: str | None = None,
    console: Console | None = None,
) -> SuiteResult:
    """Load, publish and build; never raises for an engine or dbt failure (see result.ok).

    `source` is the CRM source of the raw directory (var crm_source: contract or salesforce); every
    schema the loader wrote is published. `spark_master` overrides REVOPS_SPARK_MASTER (e.g. a
    cluster the caller started).
    """
    console = console or Console(highlight=False)
    target = EngineTarget.from_env(engine)
    if target.spark and spark_master:
        target = replace(target, spark=target.spark.with_master(spark_master))
    result = SuiteResult(engine=engine, where=target.describe())
    unavailable = target.unavailable()
    if unavailable:
        result.unavailable = True
        result.reason = f"{engine} is not available: {unavailable}"
        return result
    created_database: PostgresSettings | None = None
    try:
        if scratch and target.postgres:
            name = f"revops_suite_{uuid.uuid4().hex[:10]}"
            created_database = create_postgres_database(target.postgres, name)
            target = EngineTarget("postgres", postgres=created_database)
        elif scratch and target.spark:
            target = replace(target, spark=replace(target.spark, directory=workdir / "spark"))
        result.where = target.describe() + (" (scratch)" if scratch else "")
        if not data_tests:
            result.where += "; data tests left to DuckDB"
        if not unit_tests:
            result.where += "; no unit tests"

        duckdb_path = workdir / "loaded.duckdb"
        with _Phase(result, "load", console):
            code, output = load(raw_dir, duckdb_path, source)
        if code != 0:
            result.reason = f"the loader failed (exit {code}):\n{output.strip()[-3000:]}"
            return result
        with _Phase(result, "publish", console):
            result.published = target.publish(duckdb_path, loaded_schemas(duckdb_path))
        target_path = workdir / "target"
        with _Phase(result, "dbt build", console):
            code = dbt_build(target, target_path, data_tests=data_tests, unit_tests=unit_tests, source=source)
        read_run_results(target_path, result)
        if code != 0:
            result.reason = f"dbt build exited {code}"
            return result
        result.ok = True
        return result
    except EngineError as error:
        result.reason = str(error)
        return result
    except Exception as error:  # a driver or DuckDB error: report it like any failure
        result.reason = f"{type(error).__name__}: {error}"
        return result
    finally:
        if created_database is not None and not keep:
            try:
                drop_postgres_database(created_database)
            except EngineError as error:
                console.print(f"[yellow]could not drop scratch database: {error}[/yellow]")
