"""Write docs/contract.md from the raw contract (models/staging/_raw__sources.yml)."""

from __future__ import annotations

import typer

from revops.contract_docs import render
from revops.settings import PROJECT_DIR

OUTPUT = PROJECT_DIR / "docs" / "contract.md"


def main(check: bool = typer.Option(False, help="Exit 1 if docs/contract.md is out of date.")) -> None:
    text = render()
    if check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            typer.echo("docs/contract.md is out of date: run scripts/render_contract_docs.py", err=True)
            raise typer.Exit(1)
        return
    OUTPUT.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {OUTPUT}")


if __name__ == "__main__":
    typer.run(main)
