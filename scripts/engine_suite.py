"""Build and test the dbt project on PostgreSQL or Spark from a raw export directory.

.venv/bin/python scripts/engine_suite.py --engine postgres|spark --raw-dir DIR [--no-scratch] [--keep]
.venv/bin/python scripts/engine_suite.py --engine postgres|spark --check

Loads DIR with the loader into a temporary DuckDB, publishes its raw tables to the engine
(scripts/revops/engines.py) and runs `dbt build --target <engine>`. See docs/engines.md.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from revops.dbtcli import dbt_executable
from revops.engines import (
    EngineError,
    EngineTarget,
    PostgresSettings,
    SparkSettings,
    create_postgres_database,
    drop_postgres_database,
)
from revops.settings import PROJECT_DIR

app = typer.Typer(add_completion=False, pretty_exceptions_show_locals=False)
console = Console(stderr=False, highlight=False)

EXIT_UNAVAILABLE = 3
"""Exit code when the engine is not available (nothing was run)."""


class EngineName(StrEnum):
    postgres = "postgres"
    spark = "spark"


@dataclass
class SuiteResult:
    engine: str
    where: str
    phases: dict[str, float] = field(default_factory=dict)
    published: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    node_seconds: dict[str, float] = field(default_factory=dict)
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
            "dbt_seconds_by_node_type": {
                kind: round(seconds, 1) for kind, seconds in self.node_seconds.items()
            },
            "failures": self.failures,
        }


class _Phase:
    def __init__(self, result: SuiteResult, name: str) -> None:
        self.result = result
        self.name = name

    def __enter__(self) -> None:
        console.print(f"[bold]engine_suite[/bold] {self.result.engine}: {self.name} ...")
        self.started = time.monotonic()

    def __exit__(self, *exc: object) -> None:
        seconds = time.monotonic() - self.started
        self.result.phases[self.name] = seconds
        console.print(f"[bold]engine_suite[/bold] {self.result.engine}: {self.name} took {seconds:.1f}s")


def _load(raw_dir: Path, duckdb_path: Path) -> tuple[int, str]:
    env = dict(os.environ, REVOPS_DUCKDB_PATH=str(duckdb_path))
    completed = subprocess.run(
        [sys.executable, str(PROJECT_DIR / "scripts" / "load.py"), "--raw-dir", str(raw_dir)],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return completed.returncode, completed.stdout + completed.stderr


def _dbt_build(target: EngineTarget, target_path: Path) -> int:
    """`dbt build --target <engine>`, its output streamed to the console."""
    env = dict(os.environ)
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env["DBT_LOG_PATH"] = str(target_path / "logs")
    env.update(target.env())
    command = [
        dbt_executable(),
        "build",
        "--target",
        target.engine,
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--target-path",
        str(target_path),
    ]
    completed = subprocess.run(command, cwd=PROJECT_DIR, env=env, check=False)
    return completed.returncode


def _read_run_results(target_path: Path, result: SuiteResult) -> None:
    path = target_path / "run_results.json"
    if not path.exists():
        return
    results = json.loads(path.read_text(encoding="utf-8"))["results"]
    for node in results:
        status = str(node["status"])
        result.statuses[status] = result.statuses.get(status, 0) + 1
        kind = str(node["unique_id"]).split(".", 1)[0]
        result.node_seconds[kind] = result.node_seconds.get(kind, 0.0) + float(
            node.get("execution_time") or 0
        )
        if status in {"error", "fail", "runtime error"}:
            result.failures.append(
                f"{node['unique_id']}: {status}: {(node.get('message') or '').strip()[:300]}"
            )


def _print_summary(result: SuiteResult) -> None:
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
        console.print(f"published raw rows: {rows}")
    if result.statuses:
        console.print(
            "dbt: " + ", ".join(f"{status} {count}" for status, count in sorted(result.statuses.items()))
        )
        console.print(
            "dbt seconds by node type: "
            + ", ".join(f"{kind} {seconds:.0f}" for kind, seconds in sorted(result.node_seconds.items()))
        )
    for failure in result.failures:
        console.print(f"[red]  {failure}[/red]")
    verdict = "[green]PASSED[/green]" if result.ok else f"[red]FAILED[/red]: {result.reason}"
    console.print(f"engine suite {result.engine}: {verdict}")


def run_suite(engine: str, raw_dir: Path, *, scratch: bool, keep: bool, workdir: Path) -> SuiteResult:
    """Load, publish and build; never raises for an engine or dbt failure (see result.ok)."""
    target = EngineTarget.from_env(engine)  # type: ignore[arg-type]
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
            target = EngineTarget("spark", spark=SparkSettings(workdir / "spark"))
        result.where = target.describe() + (" (scratch)" if scratch else "")

        duckdb_path = workdir / "loaded.duckdb"
        with _Phase(result, "load"):
            code, output = _load(raw_dir, duckdb_path)
        if code != 0:
            result.reason = f"the loader failed (exit {code}):\n{output.strip()[-3000:]}"
            return result
        with _Phase(result, "publish"):
            result.published = target.publish(duckdb_path)
        target_path = workdir / "target"
        with _Phase(result, "dbt build"):
            code = _dbt_build(target, target_path)
        _read_run_results(target_path, result)
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


@app.command()
def main(
    engine: Annotated[EngineName, typer.Option("--engine", help="postgres or spark.")],
    raw_dir: Annotated[
        Path | None,
        typer.Option("--raw-dir", help="Raw export directory (one file per contract table)."),
    ] = None,
    check: Annotated[
        bool,
        typer.Option("--check", help="Only say whether the engine is available (exit 0) or not (exit 3)."),
    ] = False,
    scratch: Annotated[
        bool,
        typer.Option(
            "--scratch/--no-scratch",
            help="Build into a throwaway database (PostgreSQL: a new database, dropped afterwards; Spark: a "
            "temporary warehouse), or with --no-scratch into the configured one (REVOPS_PG_DBNAME, "
            "REVOPS_SPARK_DIR).",
        ),
    ] = True,
    keep: Annotated[
        bool, typer.Option("--keep", help="Keep the scratch database or warehouse and the dbt target dir.")
    ] = False,
    summary_json: Annotated[
        Path | None, typer.Option("--summary-json", help="Also write the summary as JSON to this file.")
    ] = None,
) -> None:
    """Load --raw-dir, publish it to the engine and run `dbt build --target <engine>`.

    Exit codes: 0 the build and every dbt test passed; 1 the load, the publication or the build
    failed; 3 the engine is not available (nothing was run).
    """
    target = EngineTarget.from_env(engine.value)  # type: ignore[arg-type]
    if check:
        unavailable = target.unavailable()
        if unavailable:
            console.print(f"engine {engine.value}: not available: {unavailable}")
            raise typer.Exit(EXIT_UNAVAILABLE)
        console.print(f"engine {engine.value}: available ({target.describe()})")
        raise typer.Exit(0)
    if raw_dir is None:
        raise typer.BadParameter("--raw-dir is required (or use --check)")

    workdir = Path(tempfile.mkdtemp(prefix=f"revops-{engine.value}-suite-"))
    try:
        result = run_suite(engine.value, raw_dir.resolve(), scratch=scratch, keep=keep, workdir=workdir)
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    if keep:
        console.print(f"kept: {workdir}")
    _print_summary(result)
    if summary_json is not None:
        summary_json.write_text(json.dumps(result.as_dict(), indent=2), encoding="utf-8")
    if result.ok:
        raise typer.Exit(0)
    if result.unavailable:
        raise typer.Exit(EXIT_UNAVAILABLE)
    raise typer.Exit(1)


if __name__ == "__main__":
    app()
