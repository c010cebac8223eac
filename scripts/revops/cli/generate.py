"""Generate a realistic, deterministic raw directory for the contract tables.

revops generate --leads 100000 --seed 42 --out demo_data/raw
revops generate --leads 100000 --seed 42 --out demo_data/salesforce --format salesforce
    (the same world as Salesforce Data Loader files; load with revops load --source salesforce)
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from revops.generate import DEFAULT_MONTHS, DEFAULT_START, generate
from revops.settings import reporting_timezone
from revops.sources.salesforce_export import write_salesforce_export

app = typer.Typer(add_completion=False, help=__doc__)


class FileFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"
    salesforce = "salesforce"


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {value}") from error


@app.command()
def main(
    leads: int = typer.Option(..., "--leads", min=1, help="Number of leads."),
    seed: int = typer.Option(..., "--seed", min=0, help="Random seed; the same seed gives identical files."),
    out: Path = typer.Option(..., "--out", help="Raw directory to write (created)."),
    start: str = typer.Option(
        DEFAULT_START.isoformat(), "--start", help="First day leads are created (1st of a month)."
    ),
    months: int = typer.Option(
        DEFAULT_MONTHS, "--months", min=1, help="Months over which leads are created."
    ),
    export_date: str | None = typer.Option(
        None,
        "--export-date",
        help="The day the export is taken: nothing after the end of it (JST) is written. "
        "Default: the last day leads are created (start + months - 1 day).",
    ),
    file_format: FileFormat = typer.Option(
        FileFormat.csv,
        "--format",
        help="Output: contract files as csv or parquet, or salesforce (one Data Loader CSV per object).",
    ),
    planted_rates: Path | None = typer.Option(
        None, "--planted-rates", help="Write the planted conditional stage rates and reach counts as JSON."
    ),
) -> None:
    """Write one file per contract table into OUT."""
    console = Console(stderr=True)
    began = time.perf_counter()
    with Progress(
        TextColumn("[bold]generating leads"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=not console.is_terminal,
    ) as progress:
        task = progress.add_task("leads", total=leads)
        scratch = tempfile.TemporaryDirectory(prefix="revops-generate-")
        contract_out = Path(scratch.name) if file_format == FileFormat.salesforce else out
        try:
            summary = generate(
                leads,
                seed,
                contract_out,
                start=_date(start),
                months=months,
                export_date=None if export_date is None else _date(export_date),
                file_format="csv" if file_format == FileFormat.salesforce else file_format.value,
                planted_rates=planted_rates,
                progress=lambda done: progress.update(task, completed=done),
            )
            rows = summary.rows
            if file_format == FileFormat.salesforce:
                rows = write_salesforce_export(contract_out, out, reporting_timezone())
        except ValueError as error:
            console.print(f"[red]error:[/red] {error}")
            raise typer.Exit(2) from error
        finally:
            scratch.cleanup()
    table = Table(title=f"{out} ({time.perf_counter() - began:.1f}s, seed {seed})")
    table.add_column("object" if file_format == FileFormat.salesforce else "table")
    table.add_column("rows", justify="right")
    for name, count in rows.items():
        table.add_row(name, f"{count:,}")
    console.print(table)
