"""Benchmark the pipeline: generate N leads, load, dbt build.

Prints wall time and peak memory (RSS of the whole process tree, sampled
every 50 ms) per phase. Each phase runs in a fresh process, as it does at night.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from revops.measure import PhaseResult, run_measured
from revops.settings import PROJECT_DIR

app = typer.Typer(add_completion=False, help=__doc__)
console = Console()


def _phases(leads: int, seed: int, workdir: Path) -> list[tuple[str, list[str]]]:
    python = sys.executable
    scripts = PROJECT_DIR / "scripts"
    dbt = str(Path(python).with_name("dbt"))
    raw = workdir / "raw"
    return [
        ("generate", [python, str(scripts / "generate.py"), "--leads", str(leads), "--seed", str(seed), "--out", str(raw)]),
        ("load", [python, str(scripts / "load.py"), "--raw-dir", str(raw)]),
        ("dbt build", [dbt, "build", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
                       "--target-path", str(workdir / "target")]),
    ]  # fmt: skip


@app.command()
def main(
    leads: list[int] = typer.Option([100_000], "--leads", help="Lead counts to benchmark (repeatable)."),
    seed: int = typer.Option(7, help="Generator seed."),
    workdir: Path | None = typer.Option(None, help="Scratch directory (default: a temp dir)."),
) -> None:
    results: list[tuple[int, PhaseResult]] = []
    for count in leads:
        root = Path(workdir or tempfile.mkdtemp(prefix="revops_bench_")) / f"leads_{count}"
        root.mkdir(parents=True, exist_ok=True)
        env = dict(
            os.environ, REVOPS_DUCKDB_PATH=str(root / "warehouse.duckdb"), DBT_LOG_PATH=str(root / "logs")
        )
        for name, command in _phases(count, seed, root):
            console.print(f"[bold]{count:,} leads[/bold]: {name} …")
            result = run_measured(
                name, command, cwd=PROJECT_DIR, env=env, log=root / f"{name.replace(' ', '_')}.log"
            )
            results.append((count, result))
            if result.returncode != 0:
                console.print(f"[red]{name} failed; see {root}[/red]")
                raise typer.Exit(1)
    table = Table(title="revops_funnel benchmark", title_justify="left")
    for column in ("leads", "phase", "wall s", "peak RSS MiB"):
        table.add_column(column, justify="right")
    for count, result in results:
        table.add_row(f"{count:,}", result.name, f"{result.seconds:.1f}", f"{result.peak_rss_mib:,.0f}")
    for count in leads:
        total = sum(r.seconds for c, r in results if c == count)
        peak = max(r.peak_rss_mib for c, r in results if c == count)
        table.add_row(f"{count:,}", "total", f"{total:.1f}", f"{peak:,.0f}")
    console.print(table)


if __name__ == "__main__":
    app()
