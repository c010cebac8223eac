"""Salesforce as a source system: its raw contract and how Data Loader files are matched to it.

The contract is `models/staging/salesforce/_salesforce__sources.yml` (dbt source `salesforce`): one
snake_case table per object, as connectors sync them. Data Loader files are named by the object's API
name (`Lead.csv`, `OpportunityContactRole.parquet`) and their headers are API field names
(`ConvertedOpportunityId`, `Business_Unit__c`), upper-case ones, or snake_case names: a header matches
the contract column with the same `header_key`. Times are kept in UTC, as a connector keeps them;
staging converts them to the reporting timezone (macro utc_to_reporting).

A schema a connector already wrote is read in place (`scripts/load.py --source salesforce --connector`,
revops.loader.load_connector): `connector_schema` finds its object tables and their columns by the same
key as macro salesforce_select, and `latest_change` is when its data was last changed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import duckdb

from revops import settings
from revops.contract import Table, load_contract
from revops.rawio import sql_name, sql_string
from revops.sources import RawSource, SourceName

SOURCES_FILE = settings.PROJECT_DIR / "models" / "staging" / "salesforce" / "_salesforce__sources.yml"
SOURCE_NAME = "salesforce"
TIMEZONE = "UTC"

ID15_LENGTH = 15
"""A 15-character Id is case-sensitive; its 18-character form appends a 3-character case checksum."""
ID18_LENGTH = 18
"""An 18-character Id is case-insensitive: its last 3 characters encode the case of the first 15."""
_CHECKSUM_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_SUFFIX_CHARACTERS = frozenset(_CHECKSUM_CHARACTERS + _CHECKSUM_CHARACTERS.lower())
_ASCII_LETTERS = frozenset(string.ascii_letters)
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_UNDERSCORES = re.compile(r"_+")


def snake_case(api_name: str) -> str:
    """A Salesforce API name as connectors name its column: ConvertedOpportunityId ->
    converted_opportunity_id, Business_Unit__c -> business_unit_c (macro salesforce_field_column does
    the same in dbt)."""
    return _UNDERSCORES.sub("_", _CAMEL_BOUNDARY.sub("_", api_name.strip())).lower()


def header_key(name: str) -> str:
    """The key a header and a contract column match on: case and underscores ignored."""
    return name.strip().replace("_", "").lower()


def is_id_column(name: str) -> bool:
    """Whether a column holds a Salesforce Id: `id` and every `*_id` (as macro salesforce_select reads them)."""
    return name == "id" or name.endswith("_id")


def id18(value: str) -> str:
    """The canonical 18-character form of a Salesforce Id, as macro salesforce_id18 computes it in dbt.

    For each 5-character chunk of a 15-character Id, bit j is set when character j is an upper-case
    letter; the 5-bit number indexes ABCDEFGHIJKLMNOPQRSTUVWXYZ012345 (001A0000006Vm9r ->
    001A0000006Vm9rIAC). A 15-character Id is case-sensitive and keeps its case.

    An 18-character Id is case-insensitive: its suffix says which letters of the first 15 are upper
    case, so the suffix (upper-cased) is read and the case of those letters rebuilt from it
    (0065g00000xb001aac and 0065G00000XB001AAC -> 0065g00000xB001AAC: one record, one key). Only ASCII
    letters change case. An 18-character value whose last 3 characters are not checksum characters
    (in either case) is no Id: it, and any other length, is returned unchanged.
    """
    if len(value) == ID15_LENGTH:
        checksum = ""
        for start in range(0, ID15_LENGTH, 5):
            chunk = value[start : start + 5]
            bits = sum(1 << position for position, character in enumerate(chunk) if _is_upper(character))
            checksum += _CHECKSUM_CHARACTERS[bits]
        return value + checksum
    if len(value) != ID18_LENGTH or any(
        character not in _SUFFIX_CHARACTERS for character in value[ID15_LENGTH:]
    ):
        return value
    rebuilt = ""
    for chunk, suffix_character in enumerate(value[ID15_LENGTH:]):
        bits = _CHECKSUM_CHARACTERS.index(suffix_character.upper())
        for position in range(5):
            character = value[chunk * 5 + position]
            if character in _ASCII_LETTERS:
                character = character.upper() if bits >> position & 1 else character.lower()
            rebuilt += character
    return rebuilt + value[ID15_LENGTH:].upper()


def case_bit_characters(position: int) -> str:
    """The 16 checksum characters whose index has bit `position` set: the letter at that position of
    its chunk is upper case exactly when the chunk's suffix character is one of them (macro
    salesforce_id18 tests it with a position in this string)."""
    return "".join(character for index, character in enumerate(_CHECKSUM_CHARACTERS) if index >> position & 1)


def _is_upper(character: str) -> bool:
    """An upper-case letter: as the macro tests it (upper(c) = c and lower(c) <> c)."""
    return character.upper() == character and character.lower() != character


def owns(table: Table) -> bool:
    """Whether `table` is one of the Salesforce raw contract's tables."""
    return any(table == candidate for candidate in tables())


def field_column(var_name: str) -> str:
    """The column of the custom field a dbt var names (e.g. salesforce_business_unit_field)."""
    return snake_case(str(settings.dbt_vars()[var_name]))


@lru_cache(maxsize=1)
def tables() -> tuple[Table, ...]:
    """The Salesforce raw contract, parsed once per process."""
    return load_contract(SOURCES_FILE, SOURCE_NAME, field_names=field_column)


def schema() -> str:
    return str(settings.dbt_vars().get("salesforce_schema", SOURCE_NAME))


def raw_source() -> RawSource:
    return RawSource(
        name=SourceName.salesforce,
        tables=tables(),
        schema=schema(),
        timezone=TIMEZONE,
        header_key=header_key,
        upsert=False,
    )


CHANGE_TIME_KEYS = ("systemmodstamp", "lastmodifieddate", "createddate")
"""The columns (by header_key) that say when a record last changed: SystemModstamp, LastModifiedDate,
CreatedDate. The latest across the objects is a connector schema's export time."""
SYNC_TIME_KEYS = ("fivetransynced", "airbyteextractedat", "sdcbatchedat")
"""The columns (by header_key) a connector stamps every row with when it synced it: Fivetran's
_fivetran_synced, Airbyte's _airbyte_extracted_at, Stitch's _sdc_batched_at. When the objects have one,
the latest is when the schema was last synced: the export time, ahead of the records' own times (a
mistyped future CreatedDate cannot become it)."""
TEMPORAL_TYPES = ("DATE", "TIMESTAMP")
"""DuckDB types (prefixes: TIMESTAMP WITH TIME ZONE, TIMESTAMP_NS ...) a date or time column may have."""


@dataclass(frozen=True)
class ConnectorColumn:
    name: str
    data_type: str

    @property
    def temporal(self) -> bool:
        return self.data_type.upper().startswith(TEMPORAL_TYPES)

    @property
    def zoned(self) -> bool:
        return self.data_type.upper() in ("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ")


@dataclass(frozen=True)
class ConnectorTable:
    """One object's table in a connector's schema: its contract and its columns by header_key."""

    contract: Table
    name: str
    columns: Mapping[str, ConnectorColumn]

    def resolved(self) -> Table:
        """The contract table with each column named as the connector wrote it, keeping only the
        columns it has; a date or time column of another type (text) is left out, since the
        calendar reads its years (revops.loadmeta.calendar_years)."""
        columns = []
        for column in self.contract.columns:
            found = self.columns.get(header_key(column.name))
            if found is None or (column.type in ("date", "timestamp") and not found.temporal):
                continue
            columns.append(dataclasses.replace(column, name=found.name))
        return dataclasses.replace(self.contract, name=self.name, columns=tuple(columns))


def connector_schema(
    connection: duckdb.DuckDBPyConnection, catalog: str, schema_name: str
) -> dict[str, ConnectorTable] | None:
    """The contract's objects found in `catalog`.`schema_name` (tables or views named as the contract
    names them, case ignored), by contract table name; None when the schema does not exist."""
    exists = connection.execute(
        "SELECT count(*) FROM information_schema.schemata WHERE catalog_name = ? AND schema_name = ?",
        [catalog, schema_name],
    ).fetchall()[0][0]
    if not exists:
        return None
    rows = connection.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_catalog = ? AND table_schema = ? ORDER BY table_name, ordinal_position",
        [catalog, schema_name],
    ).fetchall()
    by_table: dict[str, tuple[str, dict[str, ConnectorColumn]]] = {}
    for table_name, column_name, data_type in rows:
        _, columns = by_table.setdefault(str(table_name).lower(), (str(table_name), {}))
        columns.setdefault(header_key(column_name), ConnectorColumn(str(column_name), str(data_type)))
    return {
        table.name: ConnectorTable(table, *by_table[table.name])
        for table in tables()
        if table.name in by_table
    }


def latest_change(
    connection: duckdb.DuckDBPyConnection,
    qualified_schema: str,
    found: Mapping[str, ConnectorTable],
    keys: tuple[str, ...] = CHANGE_TIME_KEYS,
) -> tuple[dt.datetime, str] | None:
    """The latest value of the `keys` columns (default SystemModstamp / LastModifiedDate / CreatedDate;
    SYNC_TIME_KEYS for the connector's sync stamps) across the objects in `qualified_schema` (naive UTC:
    a column without a zone is UTC, as macro salesforce_select reads it; one with a zone is taken to
    UTC) and the column holding it (`opportunity.created_date`); None when every such column is empty
    or absent. Deleted rows count: they changed too."""
    parts = []
    for table in found.values():
        for key in keys:
            column = table.columns.get(key)
            if column is None:
                continue
            quoted = sql_name(column.name)
            value = f"timezone('UTC', {quoted})" if column.zoned else f"try_cast({quoted} AS TIMESTAMP)"
            parts.append(
                f"SELECT max({value}) AS changed_at, {sql_string(f'{table.name}.{column.name}')} AS changed_in "
                f"FROM {qualified_schema}.{sql_name(table.name)}"
            )
    if not parts:
        return None
    row = connection.execute(
        f"SELECT changed_at, changed_in FROM ({' UNION ALL '.join(parts)}) WHERE changed_at IS NOT NULL "
        "ORDER BY changed_at DESC, changed_in LIMIT 1"
    ).fetchone()
    return (row[0], str(row[1])) if row else None
