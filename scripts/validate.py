"""Check a raw export directory against the contract without touching any warehouse.

.venv/bin/python scripts/validate.py --raw-dir DIR [--encoding cp932] [--strict] [--timezone TZ]
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from revops.loader import run_cli, validate_dir

app = typer.Typer(add_completion=False, pretty_exceptions_show_locals=False)


@app.command()
def main(
    raw_dir: Annotated[
        Path,
        typer.Option(
            "--raw-dir", help="Directory with one <table>.csv or <table>.parquet per contract table."
        ),
    ],
    encoding: Annotated[
        str, typer.Option("--encoding", help="CSV encoding: utf-8 (BOM or not) or e.g. cp932 for Shift-JIS.")
    ] = "utf-8",
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 if any row would be quarantined.")] = False,
    timezone: Annotated[
        str | None,
        typer.Option(
            "--timezone", help="Reporting timezone for timestamps with an offset (default: dbt var)."
        ),
    ] = None,
    max_errors: Annotated[
        int, typer.Option("--max-errors", help="Quarantined rows per table printed to stderr (0: all kept).")
    ] = 20,
) -> None:
    """Run the loader's checks on --raw-dir and print the same report; write nothing.

    Exit codes: 0 valid (rows that would be quarantined are listed); 1 --strict and
    rows would be quarantined; 2 a file is missing, unreadable or lacks a required column.
    """
    code = run_cli(
        lambda progress: validate_dir(raw_dir, encoding, timezone, strict=strict, progress=progress),
        max_errors,
    )
    raise typer.Exit(code)


if __name__ == "__main__":
    app()
