"""`revops <command>`: the project's jobs behind one installed command (pip install -e .)."""

from __future__ import annotations

import typer

from revops.cli import benchmark, dashboard, generate, load, nightly, validate

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)

for name, module in (
    ("load", load),
    ("validate", validate),
    ("nightly", nightly),
    ("dashboard", dashboard),
    ("generate", generate),
    ("benchmark", benchmark),
):
    summary = (module.__doc__ or "").strip().splitlines()[0]
    app.command(name=name, help=module.main.__doc__ or summary, short_help=summary)(module.main)


def run() -> None:
    """The console-script entry point."""
    app()
