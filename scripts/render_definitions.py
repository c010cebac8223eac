"""Write docs/definitions.md (English and Japanese) from the agreed-definition seeds."""

from __future__ import annotations

import typer

from revops.definitions_docs import render
from revops.settings import PROJECT_DIR

OUTPUT = PROJECT_DIR / "docs" / "definitions.md"


def main(check: bool = typer.Option(False, help="Exit 1 if docs/definitions.md is out of date.")) -> None:
    text = render()
    if check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            typer.echo("docs/definitions.md is out of date: run scripts/render_definitions.py", err=True)
            raise typer.Exit(1)
        return
    OUTPUT.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {OUTPUT}")


if __name__ == "__main__":
    typer.run(main)
