"""Replay a complete raw export as an initial export plus daily delta directories.

.venv/bin/python scripts/split_deltas.py --raw-dir demo_data/raw --out demo_data/nightly --days 2

Writes OUT/initial/ (load it with `scripts/nightly.py --mode full`), one
OUT/day_<date>/ delta per day (`scripts/nightly.py --mode upsert --raw-dir ...`)
and OUT/final/ (the complete export as of the last day). See revops.deltas and
docs/nightly.md.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from revops.deltas import SplitPlan, split_raw

app = typer.Typer(add_completion=False, pretty_exceptions_show_locals=False)


@app.command()
def main(
    raw_dir: Annotated[
        Path, typer.Option("--raw-dir", help="A complete export (e.g. from scripts/generate.py).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Output directory (replaced).")],
    days: Annotated[int, typer.Option("--days", min=1, help="Daily deltas to cut off the end.")] = 2,
    end: Annotated[
        str | None,
        typer.Option("--end", help="Last day (YYYY-MM-DD); default: the last day a lead was created."),
    ] = None,
    updated_leads: Annotated[int, typer.Option("--updated-leads", help="Leads updated in the deltas.")] = 0,
    late_rows: Annotated[int, typer.Option("--late-rows", help="Activities delivered late.")] = 0,
    late_days: Annotated[int, typer.Option("--late-days", help="How many days late.")] = 2,
    cumulative: Annotated[
        bool, typer.Option("--cumulative", help="Also write full_<date>/: the complete export of each day.")
    ] = False,
    final: Annotated[bool, typer.Option("--final/--no-final", help="Write final/.")] = True,
) -> None:
    plan = SplitPlan(
        days=days,
        end=dt.date.fromisoformat(end) if end else None,
        late=((late_rows, late_days),) if late_rows else (),
        updated_leads=updated_leads,
        cumulative=cumulative,
        final=final,
    )
    split = split_raw(raw_dir, out, plan)
    table = Table(title=f"{out}", title_justify="left")
    names = list(next(iter(split.rows.values())))
    table.add_column("directory")
    for name in names:
        table.add_column(name, justify="right")
    for directory, rows in split.rows.items():
        table.add_row(directory, *(f"{rows[name]:,}" for name in names))
    Console().print(table)


if __name__ == "__main__":
    app()
