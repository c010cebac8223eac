"""Check a raw export directory against the contract without touching any warehouse.

revops validate --raw-dir DIR [--encoding [FILE=]ENC] [--strict] [--timezone TZ]
    [--source-timezone TZ] [--export-time TIME] [--source contract|salesforce]
"""

from __future__ import annotations

from typing import Annotated

import typer

from revops.cli_options import Encoding, ExportTime, MaxErrors, RawDir, Source, SourceTimezone, Timezone
from revops.loader import run_cli, validate_dir
from revops.sources import SourceName

app = typer.Typer(add_completion=False, pretty_exceptions_show_locals=False)


@app.command()
def main(
    raw_dir: RawDir,
    encoding: Encoding = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 if any row would be quarantined.")] = False,
    timezone: Timezone = None,
    source_timezone: SourceTimezone = None,
    export_time: ExportTime = None,
    max_errors: MaxErrors = 20,
    source: Source = SourceName.contract,
) -> None:
    """Run the loader's checks on --raw-dir and print the same report; open no warehouse.

    Exit codes: 0 valid (rows that would be quarantined are listed); 1 --strict and
    rows would be quarantined; 2 a file is missing, unreadable or lacks a required column.
    """
    code = run_cli(
        lambda progress: validate_dir(
            raw_dir,
            encoding,
            timezone,
            source_timezone=source_timezone,
            export_time=export_time,
            strict=strict,
            progress=progress,
            source=source,
        ),
        max_errors,
    )
    raise typer.Exit(code)
