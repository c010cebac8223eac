"""The nightly job: load the night's exports, dbt build, publish the marts for BI.

revops nightly --raw-dir exports/2026-11-26 [--mode upsert|full] [--keep 7]
    [--source contract|salesforce] [--source-timezone TZ] [--export-time TIME]
revops nightly --source salesforce --connector [--export-time TIME] [--keep 7]

BI reads published/revops.duckdb (schema marts and the run log ops.run_log),
replaced in one atomic rename only after every error-severity test passed.
See docs/nightly.md.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from revops.cli_options import (
    Connector,
    Encoding,
    ExportTime,
    Source,
    SourceTimezone,
    Timezone,
    check_connector_options,
)
from revops.nightly import NightlyOptions, run_nightly
from revops.runlog import RunRecord
from revops.settings import PROJECT_DIR, duckdb_path
from revops.settings import dbt_vars as project_vars
from revops.sources import SourceName

app = typer.Typer(add_completion=False, pretty_exceptions_show_locals=False)


class Mode(StrEnum):
    full = "full"
    upsert = "upsert"


def _vars(value: str | None) -> dict:
    if not value:
        return {}
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as error:
        raise typer.BadParameter(f"--vars: not JSON: {error}") from error
    if not isinstance(parsed, dict):
        raise typer.BadParameter("--vars: must be a JSON object")
    return parsed


@app.command()
def main(
    ctx: typer.Context,
    raw_dir: Annotated[
        Path | None,
        typer.Option(
            "--raw-dir",
            help="The night's export directory. Without it (and without --connector), only build and publish.",
        ),
    ] = None,
    mode: Annotated[
        Mode | None,
        typer.Option(
            "--mode",
            help="full: the directory is a complete export (replaces raw); upsert: a delta to merge "
            "(default; the contract source only: Salesforce exports are always full).",
        ),
    ] = None,
    source: Source = SourceName.contract,
    warehouse: Annotated[
        Path | None,
        typer.Option(
            "--warehouse", help="Working warehouse (default: REVOPS_DUCKDB_PATH or warehouse/revops.duckdb)."
        ),
    ] = None,
    publish_dir: Annotated[
        Path, typer.Option("--publish-dir", help="Where publications go; BI reads <dir>/revops.duckdb.")
    ] = PROJECT_DIR / "published",
    keep: Annotated[int, typer.Option("--keep", min=1, help="How many publications to keep.")] = 7,
    full_refresh: Annotated[
        bool, typer.Option("--full-refresh", help="Rebuild the incremental models from scratch.")
    ] = False,
    dbt_vars: Annotated[str | None, typer.Option("--vars", help="dbt vars as a JSON object.")] = None,
    target_path: Annotated[
        Path, typer.Option("--target-path", help="dbt target path (artifacts, run_results.json, logs).")
    ] = PROJECT_DIR / "target" / "nightly",
    encoding: Encoding = None,
    timezone: Timezone = None,
    source_timezone: SourceTimezone = None,
    export_time: ExportTime = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Fail the load if any row would be quarantined.")
    ] = False,
    connector: Connector = False,
) -> None:
    """Load, build and publish. Exit 0 published; 1 dbt build failed; 2 load failed; 3 publication failed;
    4 another nightly run holds a lock (of the publication directory or the warehouse: nothing done), or
    another process holds the warehouse's DuckDB lock.

    A failed run leaves the current publication untouched and is logged (ops.run_log in the warehouse).

    --source salesforce --connector: the night's load is the connector's sync into the warehouse
    (scripts/load.py --connector: no files; the load records it), then build and publish as usual.
    """
    run_vars = _vars(dbt_vars)
    project_schema = project_vars().get("salesforce_schema")
    if (
        source == SourceName.salesforce
        and run_vars.get("salesforce_schema", project_schema) != project_schema
    ):
        raise typer.BadParameter(
            "--vars salesforce_schema: the load reads and writes the schema of dbt_project.yml's var "
            "salesforce_schema, so dbt would build from another; set it there instead"
        )
    if connector:
        check_connector_options(ctx.params)
    if mode is None:
        mode = Mode.upsert if source == SourceName.contract else Mode.full
    if mode == Mode.upsert and source != SourceName.contract:
        raise typer.BadParameter(f"--mode upsert is for the contract source; {source} exports load in full")
    options = NightlyOptions(
        warehouse=(warehouse or duckdb_path()).resolve(),
        publish_dir=publish_dir.resolve(),
        target_path=target_path.resolve(),
        raw_dir=raw_dir.resolve() if raw_dir else None,
        mode=mode.value,  # type: ignore[arg-type]
        keep=keep,
        full_refresh=full_refresh,
        dbt_vars=run_vars,
        encoding=tuple(encoding or ()),
        timezone=timezone,
        source_timezone=source_timezone,
        export_time=export_time,
        strict=strict,
        source=source.value,
        connector=connector,
    )
    result = run_nightly(options, Console(stderr=True))
    Console().print(status_line(result.record), highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(result.exit_code)


def status_line(record: RunRecord) -> str:
    """The last line on stdout: the run's status and its phase times, or, for a run refused because
    another run holds a lock, why it did not start."""
    if record.status == "refused":
        return f"run {record.run_id}: refused (not started: {record.reason})"
    timings = ", ".join(
        f"{name} {seconds:.1f}s"
        for name, seconds in (
            ("load", record.load_seconds),
            ("build", record.build_seconds),
            ("publish", record.publish_seconds),
        )
        if seconds is not None
    )
    return f"run {record.run_id}: {record.status} ({timings})"
