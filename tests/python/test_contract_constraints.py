"""The marts' not-null guarantees are contract constraints, enforced by the engine as each mart is
written (README "Marts"; DuckDB and PostgreSQL enforce `not_null`; dbt-spark persists it on Delta
tables only, docs/engines.md).

They replaced 335 `not_null` data tests on the contracted marts' columns (one dbt node and one scan
each, a third of every build's nodes). The key columns keep their `unique` + `not_null` tests. What
the tests below show, on the core fixture's build:

- every column a contract declares not null carries a NOT NULL constraint in the warehouse, so every
  row that was written passed it (dbt-duckdb creates the table with its constraints, then inserts);
- a planted null is rejected, in every column of every mart that has rows.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import Warehouse


def declared_not_null(warehouse: Warehouse) -> set[tuple[str, str]]:
    """(relation, column) for every not_null constraint of a contract-enforced table's column. (A view
    has no constraints: the one contracted view, the deprecated mart_stage_conversion_v1, passes
    v2's constrained columns through.)"""
    manifest = json.loads((warehouse.target / "manifest.json").read_text(encoding="utf-8"))
    declared = set()
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or not node["config"].get("enabled", True):
            continue
        if node["config"]["materialized"] not in {"table", "incremental"}:
            continue
        if not node["config"].get("contract", {}).get("enforced"):
            continue
        for column in node["columns"].values():
            if any(constraint["type"] == "not_null" for constraint in column.get("constraints", [])):
                declared.add((node["alias"], column["name"]))
    return declared


def enforced_not_null(path: Path) -> set[tuple[str, str]]:
    with duckdb.connect(str(path), read_only=True) as connection:
        rows = connection.execute(
            "select table_name, unnest(constraint_column_names) from duckdb_constraints() "
            "where schema_name = 'marts' and constraint_type = 'NOT NULL'"
        ).fetchall()
    return {(str(table), str(column)) for table, column in rows}


def test_every_declared_not_null_column_is_enforced_by_the_engine(core_warehouse: Warehouse) -> None:
    declared = declared_not_null(core_warehouse)
    assert len(declared) >= 300  # the marts' columns, not an empty manifest
    assert enforced_not_null(core_warehouse.path) == declared


def test_a_planted_null_is_rejected_in_every_column(core_warehouse: Warehouse, tmp_path: Path) -> None:
    copy = tmp_path / "planted.duckdb"
    shutil.copyfile(core_warehouse.path, copy)
    columns = sorted(enforced_not_null(copy))
    planted, rejected = 0, []
    with duckdb.connect(str(copy)) as connection:
        for table, column in columns:
            if connection.execute(f'select count(*) from marts."{table}"').fetchall()[0][0] == 0:
                continue
            planted += 1
            failed = re.escape(f"NOT NULL constraint failed: {table}.") + f'"?{re.escape(column)}"?$'
            with pytest.raises(duckdb.ConstraintException, match=failed):
                connection.execute(
                    f'update marts."{table}" set "{column}" = null '
                    f'where rowid = (select min(rowid) from marts."{table}")'
                )
            rejected.append((table, column))
    assert planted == len(rejected) >= 250
