"""Measure the load of one very large CSV: peak memory of the whole load process tree.

    .venv/bin/python scripts/measure_big_load.py [--gib 2.0] [--table lead_activities] [--workdir /tmp/...]

Generates a raw directory in --workdir (default: a new directory under /tmp): the small tables of
tests/fixtures/loader/good, 100,000 leads, and a lead_activities.csv (or leads.csv) of --gib GiB,
then runs scripts/load.py on it in a child process (detection of each file's encoding, every
contract check, the write) and samples the RSS of its process tree every 50 ms (revops.measure).
The directory, generated file and warehouse are deleted afterwards. The figure is in
docs/contract.md ("Size"); the test suite never generates such a file.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console

from revops.measure import run_measured
from revops.rawio import sql_string
from revops.settings import PROJECT_DIR

GOOD = PROJECT_DIR / "tests" / "fixtures" / "loader" / "good"
LEADS = 100_000
app = typer.Typer(add_completion=False)


def _write_leads(path: Path, rows: int, offset: int = 0) -> None:
    with duckdb.connect() as connection:
        connection.execute(
            "COPY (SELECT 'L' || (i + 1) AS lead_id, "
            "strftime(TIMESTAMP '2026-01-01 09:00:00' + to_seconds(i % 20000000), '%Y-%m-%d %H:%M:%S') "
            "AS created_at, 'BU' || (i % 3 + 1) AS business_unit, 'C1' AS source_campaign_id, "
            "'株式会社サンプル' || i AS company_name, 'example' || i || '.co.jp' AS company_domain, "
            "'user' || i || '@example.co.jp' AS email, NULL AS crm_mql_at, NULL AS updated_at "
            f"FROM range({offset}, {offset + rows}) t(i)) TO {sql_string(str(path))} (HEADER, DELIMITER ',')"
        )


def _write_activities(path: Path, rows: int) -> None:
    with duckdb.connect() as connection:
        connection.execute(
            "COPY (SELECT 'A' || i AS activity_id, 'L' || (i % 100000 + 1) AS lead_id, "
            "strftime(TIMESTAMP '2026-01-01 09:00:00' + to_seconds(i % 20000000), '%Y/%m/%d %H:%M') "
            "AS activity_at, ['form_submit', 'page_view', 'webinar_attend', 'email_click'][i % 4 + 1] "
            "AS activity_type, CASE WHEN i % 2 = 0 THEN 'C1' END AS campaign_id "
            f"FROM range({rows}) t(i)) TO {sql_string(str(path))} (HEADER, DELIMITER ',')"
        )


@app.command()
def main(
    gib: Annotated[float, typer.Option("--gib", help="Size of the big file in GiB.")] = 2.0,
    table: Annotated[str, typer.Option("--table", help="lead_activities or leads.")] = "lead_activities",
    workdir: Annotated[Path | None, typer.Option("--workdir", help="Scratch directory (deleted).")] = None,
) -> None:
    console = Console()
    root = Path(tempfile.mkdtemp(prefix="revops-bigload-", dir=workdir))
    try:
        raw = root / "raw"
        shutil.copytree(GOOD, raw)
        target = raw / f"{table}.csv"
        # a sample fixes the bytes per row, then the whole file is written at the size asked for
        sample = root / "sample.csv"
        writer = _write_activities if table == "lead_activities" else _write_leads
        writer(sample, 100_000)
        rows = int(gib * 2**30 / (sample.stat().st_size / 100_000))
        sample.unlink()
        if table == "lead_activities":
            _write_leads(raw / "leads.csv", LEADS)
        writer(target, rows)
        size = target.stat().st_size
        console.print(f"generated {target.name}: {size / 2**30:.2f} GiB, {rows:,} rows")
        env = {**os.environ, "REVOPS_DUCKDB_PATH": str(root / "big.duckdb")}
        result = run_measured(
            "load",
            [
                sys.executable,
                str(PROJECT_DIR / "scripts" / "load.py"),
                "--raw-dir",
                str(raw),
                "--export-time",
                "2099-01-01T00:00:00+09:00",
            ],
            cwd=PROJECT_DIR,
            env=env,
            log=root / "load.log",
        )
        console.print((root / "load.log").read_text(encoding="utf-8")[-1500:], markup=False, highlight=False)
        console.print(
            f"load of a {size / 2**30:.2f} GiB {table}.csv: exit {result.returncode}, wall {result.seconds:.1f} s, "
            f"CPU {result.cpu_seconds:.1f} s, peak RSS {result.peak_rss_mib:,.0f} MiB "
            f"(DuckDB memory_limit {env.get('REVOPS_DUCKDB_MEMORY_LIMIT', '6GB')})",
            highlight=False,
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    app()
