"""Command-line options shared by scripts/load.py, scripts/validate.py and scripts/nightly.py
(one wording, one default)."""

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
    list[str] | None,
    typer.Option(
        "--encoding",
        help="CSV encoding. Default: detected per file (UTF-8 with or without BOM, else cp932). "
        "ENC forces it for every file (e.g. cp932); FILE=ENC for one file (e.g. campaigns.csv=cp932). Repeatable.",
    ),
]
Timezone = Annotated[
    str | None,
    typer.Option("--timezone", help="Reporting timezone for timestamps with an offset (default: dbt var)."),
]
SourceTimezone = Annotated[
    str | None,
    typer.Option(
        "--source-timezone",
        help="How timestamps without an offset are read, e.g. UTC for a connector writing naive UTC "
        "(default: the reporting timezone).",
    ),
]
ExportTime = Annotated[
    str | None,
    typer.Option(
        "--export-time",
        help="When the export was taken (ISO 8601; without an offset: source timezone). Default: now. "
        "Event times later than it + var future_tolerance_hours are quarantined.",
    ),
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
