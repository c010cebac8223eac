"""Re-render the dashboard screenshots in docs/screenshots from the demo, in one command.

Generates the demo data (scripts/demo.sh's 50,000 leads, seed 42), loads and
builds it into a scratch warehouse with the as-of date set to the last day
leads are created (2026-09-30, so the newest cohorts are immature, as in a
real nightly run), renders the page in Japanese and English and photographs
it in headless chromium with every CJK system font masked (what a machine
without Japanese fonts sees). Then it records the hash of its inputs beside
the PNGs (docs/screenshots/inputs.sha256); a test fails once they are stale.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import typer
from rich.console import Console

from revops.dashboard import write_dashboard
from revops.dashboard.browser import masked_fontconfig, screenshot
from revops.dashboard.screenshots import DEMO_AS_OF, DEMO_LEADS, DEMO_SEED, PAGES, write_manifest
from revops.dbtcli import run_dbt
from revops.settings import PROJECT_DIR

app = typer.Typer(add_completion=False, help=__doc__)
console = Console(stderr=True)


def _run(title: str, warehouse: Path, *args: str) -> None:
    console.rule(title)
    env = {**os.environ, "REVOPS_DUCKDB_PATH": str(warehouse)}
    completed = subprocess.run([sys.executable, *args], cwd=PROJECT_DIR, env=env, check=False)
    if completed.returncode != 0:
        console.print(f"[red]{title} failed (exit {completed.returncode})[/red]")
        raise typer.Exit(completed.returncode)


@app.command()
def main(
    workdir: Path = typer.Option(
        None, "--workdir", help="Scratch directory, kept (default: a temporary one, deleted when done)."
    ),
    db: Path = typer.Option(
        None, "--db", help="Skip generate/load/build: a warehouse already built from the same demo."
    ),
) -> None:
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
        _render(workdir, db)
        return
    # the scratch warehouse, raw exports and pages take about 175 MiB: deleted when done
    with tempfile.TemporaryDirectory(prefix="revops-screenshots-") as scratch:
        _render(Path(scratch), db)


def _render(work: Path, db: Path | None) -> None:
    warehouse = db or work / "revops.duckdb"
    if db is None:
        raw = work / "raw"
        _run("generate the demo", warehouse, "scripts/generate.py", "--leads", str(DEMO_LEADS), "--seed", str(DEMO_SEED),
             "--out", str(raw))  # fmt: skip
        _run("load", warehouse, "scripts/load.py", "--raw-dir", str(raw))
        console.rule("dbt build")
        built = run_dbt(
            ["build"], duckdb_path=warehouse, target_path=work / "target",
            dbt_vars={"as_of_date": DEMO_AS_OF}, echo=True,
        )  # fmt: skip
        if not built.ok:
            console.print("[red]dbt build failed; see above[/red]")
            raise typer.Exit(built.returncode)
    env = masked_fontconfig(work / "fontconfig")
    for lang, png in PAGES.items():
        html = work / f"dashboard_{lang}.html"
        rendered = write_dashboard(warehouse, html, lang)  # type: ignore[arg-type]
        if rendered.failed:
            console.print(f"[red]sections failed: {', '.join(rendered.failed)}[/red]")
            raise typer.Exit(1)
        screenshot(html, PROJECT_DIR / png, env)
        console.print(
            f"{png}: {rendered.font_bytes / 1024:.0f} KiB embedded font, page {len(rendered.html.encode()) / 2**20:.2f} MiB"
        )
    console.print(f"inputs: {write_manifest().relative_to(PROJECT_DIR)}")


if __name__ == "__main__":
    app()
