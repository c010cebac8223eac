"""The main job end to end on generated demo data, into the embedded DuckDB.

generate → load (validate, quarantine) → dbt build → dashboard → funnel summary.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import typer
from rich.console import Console

from revops.cli_options import Source
from revops.dbtcli import run_dbt
from revops.settings import PROJECT_DIR, duckdb_path
from revops.sources import SourceName
from revops.summary import print_summary

app = typer.Typer(add_completion=False, help=__doc__)
console = Console()


def _step(title: str, command: list[str]) -> None:
    console.rule(title)
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=PROJECT_DIR, check=False)
    if completed.returncode != 0:
        console.print(f"[red]{title} failed (exit {completed.returncode})[/red]")
        raise typer.Exit(completed.returncode)
    console.print(f"[green]{title} done in {time.perf_counter() - started:.1f}s[/green]")


@app.command()
def main(
    leads: int = typer.Option(50_000, help="Demo leads to generate."),
    seed: int = typer.Option(42, help="Generator seed."),
    raw_dir: Path | None = typer.Option(
        None, help="Where the demo exports are written (default demo_data/raw, or demo_data/salesforce)."
    ),
    lang: str = typer.Option("ja", help="Dashboard language: ja or en."),
    source: Source = SourceName.contract,
) -> None:
    """--source salesforce runs the same demo world exported as Salesforce Data Loader files."""
    salesforce = source == SourceName.salesforce
    if raw_dir is None:
        raw_dir = PROJECT_DIR / "demo_data" / ("salesforce" if salesforce else "raw")
    python = sys.executable
    scripts = PROJECT_DIR / "scripts"
    _step(
        "generate demo data",
        [
            python,
            str(scripts / "generate.py"),
            "--leads",
            str(leads),
            "--seed",
            str(seed),
            "--out",
            str(raw_dir),
            "--format",
            "salesforce" if salesforce else "csv",
        ],
    )
    _step(
        "load raw exports",
        [python, str(scripts / "load.py"), "--raw-dir", str(raw_dir), "--source", source.value],
    )
    console.rule("dbt build")
    started = time.perf_counter()
    dbt_vars = {"crm_source": source.value} if salesforce else None
    result = run_dbt(["build"], duckdb_path=duckdb_path(), echo=True, dbt_vars=dbt_vars)
    if not result.ok:
        console.print("[red]dbt build failed; see the output above[/red]")
        raise typer.Exit(result.returncode)
    console.print(f"[green]dbt build done in {time.perf_counter() - started:.1f}s[/green]")
    dashboard = duckdb_path().parent / "dashboard.html"
    if (scripts / "dashboard.py").exists():
        _step(
            "dashboard",
            [
                python,
                str(scripts / "dashboard.py"),
                "--db",
                str(duckdb_path()),
                "--out",
                str(dashboard),
                "--lang",
                lang,
            ],
        )
    console.rule("summary")
    print_summary(duckdb_path(), console)
    console.print(f"Warehouse: {duckdb_path()}  (the build's own file; marts.* are the BI contract)")
    console.print(
        "For BI: .venv/bin/python scripts/nightly.py publishes marts.* atomically to published/revops.duckdb; "
        "connect BI there, read-only (docs/nightly.md, Publication)"
    )
    if dashboard.exists():
        console.print(f"Dashboard: {dashboard}")


if __name__ == "__main__":
    app()
