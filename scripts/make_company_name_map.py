"""Regenerate macros/attribution/company_name_char_map.sql from jaconv.

.venv/bin/python scripts/make_company_name_map.py [--check]

The generated macro is committed; run this after changing scripts/revops/company_names.py.
With --check it writes nothing and exits 1 when the committed file is out of date.
"""

from __future__ import annotations

from typing import Annotated

import typer

from revops.company_names import MACRO_PATH, render_macro, write_macro

app = typer.Typer(add_completion=False, pretty_exceptions_show_locals=False)


@app.command()
def main(
    check: Annotated[bool, typer.Option("--check", help="Only compare with the committed file.")] = False,
) -> None:
    """Write (or check) the company-name character map macro."""
    if check:
        current = MACRO_PATH.read_text(encoding="utf-8") if MACRO_PATH.exists() else ""
        if current != render_macro():
            typer.echo(f"{MACRO_PATH} is out of date; run scripts/make_company_name_map.py")
            raise typer.Exit(1)
        typer.echo(f"{MACRO_PATH} is current")
        return
    typer.echo(f"wrote {write_macro()}")


if __name__ == "__main__":
    app()
