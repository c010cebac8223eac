"""Write docs/definitions.md (English and Japanese) from the agreed-definition seeds."""

from __future__ import annotations

import typer

from revops.definitions_docs import render
from revops.generated_docs import write_or_check
from revops.settings import PROJECT_DIR

OUTPUT = PROJECT_DIR / "docs" / "definitions.md"


def main(check: bool = typer.Option(False, help="Exit 1 if docs/definitions.md is out of date.")) -> None:
    write_or_check(OUTPUT, render(), "scripts/render_definitions.py", check)


if __name__ == "__main__":
    typer.run(main)
