"""Build and test the dbt project on PostgreSQL or Spark from a raw export directory.

.venv/bin/python scripts/engine_suite.py --engine postgres|spark --raw-dir DIR [--no-scratch] [--keep]
.venv/bin/python scripts/engine_suite.py --engine spark --raw-dir DIR --local-cluster [--no-data-tests] [--no-unit-tests]
.venv/bin/python scripts/engine_suite.py --engine postgres|spark --check

Loads DIR with the loader into a temporary DuckDB, publishes its raw tables to the engine and runs
`dbt build --target <engine>` (scripts/revops/engine_suite.py). See docs/engines.md.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from contextlib import nullcontext
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from revops.engine_suite import EXIT_UNAVAILABLE, print_summary, run_suite
from revops.engines import EngineTarget
from revops.sources import SourceName
from revops.spark_cluster import ClusterError, cluster_unavailable, local_cluster

app = typer.Typer(add_completion=False, pretty_exceptions_show_locals=False)
console = Console(stderr=False, highlight=False)


class EngineName(StrEnum):
    postgres = "postgres"
    spark = "spark"


@app.command()
def main(
    engine: Annotated[EngineName, typer.Option("--engine", help="postgres or spark.")],
    raw_dir: Annotated[
        Path | None,
        typer.Option("--raw-dir", help="Raw export directory (one file per contract table)."),
    ] = None,
    source: Annotated[
        SourceName,
        typer.Option(
            "--source",
            help="The CRM source of --raw-dir (load.py --source, dbt var crm_source): contract or salesforce.",
        ),
    ] = SourceName.contract,
    check: Annotated[
        bool,
        typer.Option("--check", help="Only say whether the engine is available (exit 0) or not (exit 3)."),
    ] = False,
    scratch: Annotated[
        bool,
        typer.Option(
            "--scratch/--no-scratch",
            help="Build into a throwaway database (PostgreSQL: a new database, dropped afterwards; Spark: a "
            "temporary warehouse), or with --no-scratch into the configured one (REVOPS_PG_DBNAME, "
            "REVOPS_SPARK_DIR).",
        ),
    ] = True,
    keep: Annotated[
        bool, typer.Option("--keep", help="Keep the scratch database or warehouse and the dbt target dir.")
    ] = False,
    data_tests: Annotated[
        bool,
        typer.Option(
            "--data-tests/--no-data-tests",
            help="Run dbt's data tests on the engine too (default), or build seeds and models and run the "
            "unit tests only (the data tests run on DuckDB over the same SQL).",
        ),
    ] = True,
    unit_tests: Annotated[
        bool,
        typer.Option(
            "--unit-tests/--no-unit-tests",
            help="Run dbt's unit tests on the engine (default), or leave them out (with --no-data-tests: "
            "seeds and models only, e.g. a second build of code already tested).",
        ),
    ] = True,
    local_cluster_: Annotated[
        bool,
        typer.Option(
            "--local-cluster",
            help="Spark: start a standalone master and two 1-core workers on 127.0.0.1 (pyspark's "
            "launcher) for this run, build on it, and stop it afterwards.",
        ),
    ] = False,
    summary_json: Annotated[
        Path | None, typer.Option("--summary-json", help="Also write the summary as JSON to this file.")
    ] = None,
) -> None:
    """Load --raw-dir, publish it to the engine and run `dbt build --target <engine>`.

    Exit codes: 0 the build and every dbt test passed; 1 the load, the publication or the build
    failed (or the local cluster did not start); 3 the engine is not available (nothing was run).
    """
    target = EngineTarget.from_env(engine.value)
    if check:
        # Spark: the suite also needs pyspark's launcher to start its local standalone cluster.
        unavailable = target.unavailable() or (cluster_unavailable() if engine is EngineName.spark else None)
        if unavailable:
            console.print(f"engine {engine.value}: not available: {unavailable}")
            raise typer.Exit(EXIT_UNAVAILABLE)
        console.print(f"engine {engine.value}: available ({target.describe()})")
        raise typer.Exit(0)
    if raw_dir is None:
        raise typer.BadParameter("--raw-dir is required (or use --check)")
    if local_cluster_ and engine is not EngineName.spark:
        raise typer.BadParameter("--local-cluster is for --engine spark")

    workdir = Path(tempfile.mkdtemp(prefix=f"revops-{engine.value}-suite-"))
    try:
        cluster = local_cluster(workdir / "cluster") if local_cluster_ else nullcontext(None)
        with cluster as started:
            if started is not None:
                console.print(f"engine_suite spark: {started.describe()}")
                for note in started.notes:
                    console.print(f"[yellow]{note}[/yellow]")
            result = run_suite(
                engine.value,
                raw_dir.resolve(),
                scratch=scratch,
                keep=keep,
                workdir=workdir,
                data_tests=data_tests,
                unit_tests=unit_tests,
                source=source.value,
                spark_master=started.master_url if started is not None else None,
                console=console,
            )
    except ClusterError as error:
        console.print(f"[red]engine suite spark: the local cluster failed: {error}[/red]")
        raise typer.Exit(1) from error
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    if keep:
        console.print(f"kept: {workdir}")
    print_summary(result, console)
    if summary_json is not None:
        summary_json.write_text(json.dumps(result.as_dict(), indent=2), encoding="utf-8")
    if result.ok:
        raise typer.Exit(0)
    if result.unavailable:
        raise typer.Exit(EXIT_UNAVAILABLE)
    raise typer.Exit(1)


if __name__ == "__main__":
    app()
