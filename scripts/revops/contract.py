"""The raw input contracts, read from the dbt sources files.

`models/staging/contract/_revops_contract__sources.yml` is the single
definition of the CSV contract's raw tables: dbt reads it as sources, the
loader and validator read it here, and `docs/contract.md` is rendered from it.
Nothing else lists tables or columns. Other source systems have their own
sources file read the same way (`source_contract`): Salesforce's is
`models/staging/salesforce/_salesforce__sources.yml` (revops.sources.salesforce).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Literal

import yaml

from revops.settings import PROJECT_DIR

SOURCES_FILE = PROJECT_DIR / "models" / "staging" / "contract" / "_revops_contract__sources.yml"
SOURCE_NAME = "revops_contract"
RAW_SCHEMA = "raw"
"""The warehouse schema the CSV contract is loaded into."""
QUARANTINE_TABLE = "quarantine"

ColumnType = Literal["string", "timestamp", "date", "decimal", "boolean", "enum", "currency"]
COLUMN_TYPES: tuple[str, ...] = ("string", "timestamp", "date", "decimal", "boolean", "enum", "currency")


@dataclass(frozen=True)
class Reference:
    table: str
    column: str


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    description: str = ""
    required: bool = False
    required_when: dict[str, str] = field(default_factory=dict)
    values: tuple[str, ...] = ()
    references: Reference | None = None
    min: float | None = None
    pii: bool = False
    event: bool = False
    """An event time: later than the export time (+ tolerance) is a typo and quarantined."""
    when_absent: str = ""
    """Optional inputs: what the marts cannot measure when the column is absent or empty."""


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    primary_key: str | None = None
    file_stem: str = ""
    """The export file's name without extension (default: the table name; Salesforce: the API name)."""
    required: bool = True
    """The file must be in the export; a missing optional table loads empty and is reported."""

    @property
    def stem(self) -> str:
        return self.file_stem or self.name

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns if column.required)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no column {name}")


def _parse_column(raw: dict, field_names: Callable[[str], str] | None = None) -> Column:
    spec = (raw.get("meta") or {}).get("contract") or {}
    name = raw["name"]
    if spec.get("field_var") and field_names is not None:
        name = field_names(str(spec["field_var"]))
    column_type = spec.get("type", "string")
    if column_type not in COLUMN_TYPES:
        raise ValueError(f"column {raw['name']}: unknown contract type {column_type!r}")
    reference = None
    if "references" in spec:
        table, column = str(spec["references"]).split(".", 1)
        reference = Reference(table=table, column=column)
    return Column(
        name=name,
        type=column_type,
        description=str(raw.get("description", "")).strip(),
        required=bool(spec.get("required", False)),
        required_when={str(k): str(v) for k, v in (spec.get("required_when") or {}).items()},
        values=tuple(str(value) for value in spec.get("values", ())),
        references=reference,
        min=spec.get("min"),
        pii=bool(spec.get("pii", False)),
        event=bool(spec.get("event", False)),
        when_absent=str(spec.get("when_absent", "")).strip(),
    )


def load_contract(
    path: Path = SOURCES_FILE,
    source_name: str = SOURCE_NAME,
    field_names: Callable[[str], str] | None = None,
) -> tuple[Table, ...]:
    """Parse the contract tables of dbt source `source_name`, in load order (referenced tables first).

    `field_names` turns a column's `field_var` (a dbt var naming a custom field) into its column name.
    """
    with path.open(encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    source = next(src for src in document["sources"] if src["name"] == source_name)
    tables: dict[str, Table] = {}
    for raw_table in source["tables"]:
        if raw_table["name"] == QUARANTINE_TABLE:
            continue
        table_spec = (raw_table.get("meta") or {}).get("contract") or {}
        tables[raw_table["name"]] = Table(
            name=raw_table["name"],
            description=str(raw_table.get("description", "")).strip(),
            columns=tuple(_parse_column(column, field_names) for column in raw_table["columns"]),
            primary_key=table_spec.get("primary_key"),
            file_stem=str(table_spec.get("object", "")),
            required=bool(table_spec.get("required", True)),
        )
    graph = {
        name: {
            column.references.table
            for column in table.columns
            if column.references is not None and column.references.table != name
        }
        for name, table in tables.items()
    }
    return tuple(tables[name] for name in TopologicalSorter(graph).static_order())


@lru_cache(maxsize=1)
def contract() -> tuple[Table, ...]:
    """The contract, parsed once per process."""
    return load_contract()


def table(name: str) -> Table:
    for candidate in contract():
        if candidate.name == name:
            return candidate
    raise KeyError(f"no contract table {name!r}")
