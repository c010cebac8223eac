"""Benchmark the pipeline at scale: a full build and a nightly run with one day of new data.

revops benchmark --leads 1000000 --leads 10000000 [--workdir DIR]

Per lead count: generate the exports (about eight activities per lead), cut the
last day off as a delta (scripts/split_deltas.py), then

  full     load the initial export (full), dbt build --full-refresh, publish
  nightly  load the day's delta (upsert; or with --night-export full the day's
           complete export, full), dbt build (incremental), publish
  direct   the same SQL dbt ran, directly in DuckDB in one process (the lower
           bound: models in DAG order, then data tests; revops.measure)

Prints wall time, CPU time and peak memory (RSS of the whole process tree,
sampled every 50 ms) per phase, each phase in a fresh process as at night, the
slowest models, and the goals (docs/nightly.md). Results also go to
<workdir>/leads_<N>/results.json.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import typer

from revops.benchmark import Bench, NightExport, PhaseFailed, print_summaries
from revops.settings import duckdb_memory_limit

app = typer.Typer(add_completion=False, help=__doc__)


@app.command()
def main(
    leads: list[int] = typer.Option([100_000], "--leads", help="Lead counts to benchmark (repeatable)."),
    seed: int = typer.Option(7, help="Generator seed."),
    workdir: Path | None = typer.Option(None, help="Scratch directory (default: a temp dir)."),
    direct: bool = typer.Option(True, "--direct/--no-direct", help="Also run the direct-DuckDB lower bound."),
    memory_limit: str = typer.Option(
        duckdb_memory_limit(), help="DuckDB memory_limit for the direct run (default: the dbt profile's)."
    ),
    threads: int = typer.Option(0, help="DuckDB threads for the direct run (0: default)."),
    exclude: str | None = typer.Option(
        None, help="dbt selector left out of every build (e.g. a model that fails)."
    ),
    reuse_exports: bool = typer.Option(
        False, help="Keep <workdir>/leads_<N>/exports from an earlier run instead of generating again."
    ),
    night_export: NightExport = typer.Option(
        NightExport.delta,
        help="What the night loads: the day's delta (upsert) or the day's complete export (full load).",
    ),
) -> None:
    summaries = []
    base = Path(workdir or tempfile.mkdtemp(prefix="revops_bench_"))
    for count in leads:
        root = base / f"leads_{count}"
        if root.exists():
            for item in root.iterdir():
                if reuse_exports and item.name == "exports":
                    continue
                shutil.rmtree(item) if item.is_dir() else item.unlink()
        root.mkdir(parents=True, exist_ok=True)
        try:
            summary = Bench(count, seed, root, memory_limit, threads, exclude, night_export).run(direct)
        except PhaseFailed as error:
            raise typer.Exit(1) from error
        summary["excluded"] = exclude
        (root / "results.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
        summaries.append(summary)
        print_summaries(summaries)
