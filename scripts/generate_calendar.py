"""Generate seeds/accountability/jp_business_calendar.csv from the `holidays` library.

    .venv/bin/python scripts/generate_calendar.py [--start 2020-01-01] [--end 2030-12-31] [--out PATH]

Re-run it (and commit the result) to extend the calendar or pick up a change in
Japanese public holidays; never edit the CSV by hand. A test checks the committed
seed equals this script's output for the default range.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.console import Console

from revops.business_calendar import DEFAULT_END, DEFAULT_START, SEED_PATH, write_seed

app = typer.Typer(add_completion=False)


@app.command()
def main(
    start: str = typer.Option(DEFAULT_START.isoformat(), help="First day (YYYY-MM-DD)."),
    end: str = typer.Option(DEFAULT_END.isoformat(), help="Last day (YYYY-MM-DD), inclusive."),
    out: Path = typer.Option(SEED_PATH, help="Where to write the seed CSV."),
) -> None:
    """Write the Japanese business-day calendar seed."""
    try:
        first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    if last < first:
        raise typer.BadParameter(f"--end {last} is before --start {first}")
    days = write_seed(out, first, last)
    Console().print(f"wrote {days} days ({first} .. {last}) to {out}")


if __name__ == "__main__":
    app()
