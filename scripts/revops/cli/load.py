"""Validate a raw export directory against the contract and load it into schema `raw`.

revops load --raw-dir DIR [--mode full|upsert] [--encoding [FILE=]ENC] [--strict] [--dry-run]
    [--timezone TZ] [--source-timezone TZ] [--export-time TIME] [--source contract|salesforce]
revops load --source salesforce --connector [--export-time TIME] [--dry-run]
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from revops.cli_options import (
    Connector,
    Encoding,
    ExportTime,
    MaxErrors,
    Source,
    SourceTimezone,
    Timezone,
    check_connector_options,
)
from revops.loader import load_connector, load_dir, run_cli
from revops.sources import SourceName
from revops.upsert import render_changes, upsert_dir

app = typer.Typer(add_completion=False, pretty_exceptions_show_locals=False)


class Mode(StrEnum):
    full = "full"
    upsert = "upsert"


RawDir = Annotated[
    Path | None,
    typer.Option(
        "--raw-dir",
        help="Directory with one <table>.csv or <table>.parquet per contract table. Required, except with "
        "--connector.",
    ),
]


@app.command()
def main(
    ctx: typer.Context,
    raw_dir: RawDir = None,
    encoding: Encoding = None,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="If any row would be quarantined, write nothing and exit 1."),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Validate and report only; write nothing.")
    ] = False,
    timezone: Timezone = None,
    source_timezone: SourceTimezone = None,
    export_time: ExportTime = None,
    max_errors: MaxErrors = 20,
    mode: Annotated[
        Mode,
        typer.Option(
            "--mode",
            help="full: the directory is a complete export and replaces schema raw; upsert: a delta merged "
            "into it (docs/nightly.md).",
        ),
    ] = Mode.full,
    source: Source = SourceName.contract,
    connector: Connector = False,
) -> None:
    """Validate every contract file in --raw-dir and replace schema raw of the warehouse
    (REVOPS_DUCKDB_PATH) with it in one transaction.

    Rows that break the contract go to raw.quarantine with the reason instead of being
    loaded; a quarantined row's line_number counts CSV records (header = line 1, a
    quoted field spanning lines counts as one line) or parquet rows (first = 1).

    Exit codes: 0 loaded (or validated with --dry-run); 1 --strict and rows would be
    quarantined: nothing is written; 2 a file is missing, unreadable or lacks a
    required column, or the write failed: nothing is written and the previous raw
    data stays exactly as it was.

    --mode upsert merges a delta directory instead (only the tables that changed: new, changed
    and `_deleted` rows), with the same checks and exit codes; see docs/nightly.md.

    --source salesforce --connector reads a schema a connector wrote in place (no --raw-dir): exit 2
    when the schema or a required object is missing (nothing is written), else 0 with the loader's
    own tables in schema raw written in one transaction; docs/sources/salesforce.md.
    """
    if connector:
        check_connector_options(ctx.params)
        code = run_cli(
            lambda progress: load_connector(export_time=export_time, dry_run=dry_run),
            max_errors,
        )
        raise typer.Exit(code)
    if raw_dir is None:
        raise typer.BadParameter(
            "--raw-dir is required (for a Salesforce schema a connector wrote: --source salesforce --connector)"
        )
    if mode == Mode.upsert and source != SourceName.contract:
        raise typer.BadParameter(f"--mode upsert is for the contract source; {source} exports load in full")
    options = {
        "encoding": encoding,
        "timezone": timezone,
        "source_timezone": source_timezone,
        "export_time": export_time,
        "strict": strict,
        "dry_run": dry_run,
    }
    if mode == Mode.upsert:
        code = run_cli(
            lambda progress: upsert_dir(raw_dir, progress=progress, **options), max_errors, render_changes
        )
    else:
        code = run_cli(
            lambda progress: load_dir(raw_dir, progress=progress, source=source, **options), max_errors
        )
    raise typer.Exit(code)
