"""Render the generated block of docs/sources/salesforce.md (objects, fields and seed defaults)."""

from __future__ import annotations

import typer

from revops.generated_docs import write_or_check
from revops.sources.salesforce_docs import PAGE, render


def main(
    check: bool = typer.Option(False, help="Exit 1 if docs/sources/salesforce.md is out of date."),
) -> None:
    write_or_check(PAGE, render(PAGE.read_text(encoding="utf-8")), "scripts/render_salesforce_docs.py", check)


if __name__ == "__main__":
    typer.run(main)
