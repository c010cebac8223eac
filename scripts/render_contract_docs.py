"""Write docs/contract.md and README.md's contract summary from the raw contract.

The contract is models/staging/contract/_revops_contract__sources.yml.
"""

from __future__ import annotations

import typer

from revops.contract_docs import render, with_readme_summary
from revops.generated_docs import write_or_check
from revops.settings import PROJECT_DIR

OUTPUT = PROJECT_DIR / "docs" / "contract.md"
README = PROJECT_DIR / "README.md"


def main(
    check: bool = typer.Option(
        False, help="Exit 1 if docs/contract.md or the README's summary is out of date."
    ),
) -> None:
    write_or_check(OUTPUT, render(), "scripts/render_contract_docs.py", check)
    write_or_check(
        README,
        with_readme_summary(README.read_text(encoding="utf-8")),
        "scripts/render_contract_docs.py",
        check,
    )


if __name__ == "__main__":
    typer.run(main)
