"""Write docs/contract.md from the raw contract (models/staging/contract/_revops_contract__sources.yml)."""

from __future__ import annotations

import typer

from revops.contract_docs import render
from revops.generated_docs import write_or_check
from revops.settings import PROJECT_DIR

OUTPUT = PROJECT_DIR / "docs" / "contract.md"


def main(check: bool = typer.Option(False, help="Exit 1 if docs/contract.md is out of date.")) -> None:
    write_or_check(OUTPUT, render(), "scripts/render_contract_docs.py", check)


if __name__ == "__main__":
    typer.run(main)
