"""Command-line options shared by scripts/load.py and scripts/validate.py (one wording, one default)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from revops.sources import SourceName

RawDir = Annotated[
    Path,
    typer.Option("--raw-dir", help="Directory with one <table>.csv or <table>.parquet per contract table."),
]
Encoding = Annotated[
    str, typer.Option("--encoding", help="CSV encoding: utf-8 (BOM or not) or e.g. cp932 for Shift-JIS.")
]
Timezone = Annotated[
    str | None,
    typer.Option("--timezone", help="Reporting timezone for timestamps with an offset (default: dbt var)."),
]
MaxErrors = Annotated[
    int, typer.Option("--max-errors", help="Quarantined rows per table printed to stderr (0: all kept).")
]
Source = Annotated[
    SourceName,
    typer.Option(
        "--source",
        help="The system the files come from: contract (the CSV contract, schema raw) or salesforce "
        "(Data Loader files named by object, e.g. Lead.csv; schema var salesforce_schema).",
    ),
]
