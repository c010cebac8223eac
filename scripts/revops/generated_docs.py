"""Pages under docs/ that are generated from one source of truth, and the check that they are current."""

from __future__ import annotations

from pathlib import Path

import typer


def write_or_check(output: Path, text: str, script: str, check: bool) -> None:
    """Write `text` to `output`, or with `check` exit 1 if the file differs from it."""
    if check:
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current != text:
            typer.echo(f"{output.parent.name}/{output.name} is out of date: run {script}", err=True)
            raise typer.Exit(1)
        return
    output.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {output}")
