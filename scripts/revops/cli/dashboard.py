"""Render the executive funnel dashboard: one self-contained HTML file from the marts.

Reads the marts of a built warehouse read-only and writes a page that opens
from disk with no network (plotly.js, script, styles and data inline).
Sections whose marts are not in the warehouse are left out.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from revops.dashboard import write_dashboard
from revops.dashboard.fonts import FontMissing
from revops.settings import PROJECT_DIR, duckdb_path

app = typer.Typer(add_completion=False, help=__doc__)
console = Console(stderr=True)


@app.command()
def main(
    db: Path = typer.Option(None, "--db", help="The warehouse file (default: the dbt default target's)."),
    out: Path = typer.Option(
        PROJECT_DIR / "warehouse" / "dashboard.html", "--out", help="The HTML file to write."
    ),
    lang: str = typer.Option("ja", "--lang", help="Page language: ja (default) or en."),
    screenshot: Path = typer.Option(
        None, "--screenshot", help="Also save a full-page PNG of it (headless system chromium)."
    ),
) -> None:
    if lang not in ("ja", "en"):
        raise typer.BadParameter("must be ja or en", param_hint="--lang")
    db_path = db or duckdb_path()
    if not db_path.exists():
        console.print(f"[red]no warehouse at {db_path}; build it first[/red]")
        raise typer.Exit(1)
    try:
        with console.status("rendering the dashboard"):
            rendered = write_dashboard(db_path, out, lang)  # type: ignore[arg-type]
    except FontMissing as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    console.print(f"sections: {', '.join(rendered.sections)}")
    console.print(
        f"embedded font: {rendered.font_bytes / 1024:.0f} KiB of WOFF2 (page {len(rendered.html.encode()) / 2**20:.1f} MiB)"
    )
    if rendered.omitted:
        console.print(f"[yellow]left out (mart not built): {', '.join(rendered.omitted)}[/yellow]")
    if screenshot is not None:
        from revops.dashboard.browser import screenshot as take_screenshot

        take_screenshot(out, screenshot)
        console.print(f"screenshot: {screenshot}")
    if rendered.failed:
        console.print(f"[red]failed (see above): {', '.join(rendered.failed)}[/red]")
    print(out.resolve())
    if rendered.failed:
        raise typer.Exit(1)
