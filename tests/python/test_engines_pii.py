"""Prospects' personal data stays in raw/staging: no mart carries it.

The raw contract marks personal columns `pii: true` (models/staging/contract/_revops_contract__sources.yml). After a
full build of the core fixture (whose leads have real-looking e-mail addresses), every table and
view of schema `marts` — today's and any added later — is scanned:
  * no column is named like a personal column (a hash of one is named `<column>_hash`);
  * no value of any column contains any personal value loaded into raw (case-insensitive), so a
    renamed, concatenated or reformatted copy is caught too.
The same scan run on schema staging must find the e-mail addresses, so the scan can fail.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conftest import Warehouse
from revops.contract import contract
from revops.rawio import sql_name


def personal_columns() -> list[tuple[str, str]]:
    return [(table.name, column.name) for table in contract() for column in table.columns if column.pii]


def personal_values_cte() -> str:
    selects = [
        f"select lower(cast({sql_name(column)} as varchar)) as value from raw.{sql_name(table)} "
        f"where {sql_name(column)} is not null and length(trim(cast({sql_name(column)} as varchar))) > 0"
        for table, column in personal_columns()
    ]
    return "personal_values as (" + " union ".join(selects) + ")"


def relations(warehouse: Warehouse, schema: str) -> list[str]:
    rows = warehouse.query(
        "select table_name from information_schema.tables where table_schema = ? order by table_name",
        [schema],
    )
    return [name for (name,) in rows]


def columns_of(warehouse: Warehouse, schema: str, relation: str) -> list[str]:
    rows = warehouse.query(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
        "order by ordinal_position",
        [schema, relation],
    )
    return [name for (name,) in rows]


def scan(warehouse: Warehouse, schema: str) -> tuple[list[str], list[str]]:
    """(columns named like a personal column, columns whose values contain personal values)."""
    personal_names = {column for _, column in personal_columns()}
    named, leaking = [], []
    for relation in relations(warehouse, schema):
        for column in columns_of(warehouse, schema, relation):
            if column.lower() in personal_names:
                named.append(f"{schema}.{relation}.{column}")
            (hits,) = warehouse.query(
                f"with {personal_values_cte()} "
                f"select count(*) from {sql_name(schema)}.{sql_name(relation)} as scanned "
                f"where exists (select 1 from personal_values "
                f"where contains(lower(cast(scanned.{sql_name(column)} as varchar)), personal_values.value))"
            )[0]
            if hits:
                leaking.append(f"{schema}.{relation}.{column} ({hits} rows)")
    return named, leaking


@pytest.fixture(scope="module")
def core_build(core_warehouse: Warehouse) -> Iterator[Warehouse]:
    """The core fixture's full build (conftest.py, shared; only read here, through one connection)."""
    with core_warehouse.reading():
        yield core_warehouse


def test_contract_marks_the_lead_email_personal() -> None:
    assert ("leads", "email") in personal_columns()


def test_fixture_has_personal_values_to_find(core_build: Warehouse) -> None:
    (count,) = core_build.query(f"with {personal_values_cte()} select count(*) from personal_values")[0]
    assert count == 14


def test_marts_carry_no_personal_data(core_build: Warehouse) -> None:
    marts = relations(core_build, "marts")
    assert "fct_lead_funnel" in marts
    named, leaking = scan(core_build, "marts")
    assert named == [], f"mart columns named like personal columns: {named}"
    assert leaking == [], f"mart columns holding personal values: {leaking}"


def test_the_scan_finds_personal_data_where_it_is(core_build: Warehouse) -> None:
    named, leaking = scan(core_build, "staging")
    assert "staging.stg_crm__leads.email" in named
    assert "staging.stg_crm__leads.email (14 rows)" in leaking
