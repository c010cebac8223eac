"""Command-line options shared by scripts/load.py, scripts/validate.py and scripts/nightly.py
(one wording, one default), and the check of the options --connector allows."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

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
Connector = Annotated[
    bool,
    typer.Option(
        "--connector",
        help="With --source salesforce: the objects are already in the warehouse, synced by a connector "
        "(Fivetran, Airbyte) into schema var salesforce_schema. Check that the required objects are there "
        "and record the load (raw.load_metadata, raw.business_calendar, the change log) without copying or "
        "changing them. No --raw-dir. Export time: --export-time, else the connector's latest sync stamp "
        "(_fivetran_synced, _airbyte_extracted_at, _sdc_batched_at), else the data's latest "
        "SystemModstamp/LastModifiedDate/CreatedDate.",
    ),
]


def check_connector_options(params: Mapping[str, Any]) -> None:
    """--connector reads a Salesforce schema in place: no files, so no file options. `params` are the
    command's parameters by name (typer.Context.params of scripts/load.py and scripts/nightly.py, which
    name them alike)."""
    if params["source"] != SourceName.salesforce:
        raise typer.BadParameter(
            "--connector reads a schema a Salesforce connector wrote: add --source salesforce"
        )
    given = [
        name
        for name, value in (
            ("--raw-dir", params["raw_dir"] is not None),
            ("--mode upsert", params["mode"] == "upsert"),
            ("--encoding", bool(params["encoding"])),
            ("--strict", params["strict"]),
            ("--timezone", params["timezone"] is not None),
            ("--source-timezone", params["source_timezone"] is not None),
        )
        if value
    ]
    if given:
        raise typer.BadParameter(
            f"--connector reads the schema in place (no files, times in UTC as the connector keeps them): "
            f"{', '.join(given)} not allowed"
        )
