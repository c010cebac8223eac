"""The source systems the loader reads (`scripts/load.py --source NAME`).

Each system has one raw contract, a dbt sources file with `meta.contract`
(revops.contract parses it), and is loaded into its own warehouse schema:

- `contract`: the project's CSV contract, schema `raw` (models/staging/contract).
- `salesforce`: Salesforce objects as Data Loader writes them, schema var
  `salesforce_schema` (models/staging/salesforce; revops.sources.salesforce).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from revops.contract import RAW_SCHEMA, Table, contract


class SourceName(StrEnum):
    contract = "contract"
    salesforce = "salesforce"


@dataclass(frozen=True)
class RawSource:
    """What the loader needs to know about one source system."""

    name: SourceName
    tables: tuple[Table, ...]
    schema: str
    timezone: str | None = None
    """The zone the loaded timestamps are kept in; None: the reporting timezone (--timezone)."""
    header_key: Callable[[str], str] | None = None
    """Matches file headers to contract columns by key; None: exact names."""
    upsert: bool = True
    """Whether `--mode upsert` (delta loads) is supported."""


def raw_source(name: SourceName | str = SourceName.contract) -> RawSource:
    """The source system called `name`."""
    if SourceName(name) == SourceName.salesforce:
        from revops.sources import salesforce

        return salesforce.raw_source()
    return RawSource(name=SourceName.contract, tables=contract(), schema=RAW_SCHEMA)
