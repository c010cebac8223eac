"""Not-null guarantees are declared once, on the column, as a `not_null` constraint, and checked where
the engine does not enforce them (README "Marts"; macros/tests/declared_not_null.sql).

- On the marts (contract-enforced tables) the engine enforces them as each mart is written: DuckDB and
  PostgreSQL enforce `not_null`; dbt-spark persists it on Delta tables only, docs/engines.md. They
  replaced 335 `not_null` data tests on the marts' columns (one dbt node and one scan each).
- Everywhere else (staging views, intermediate tables, seeds) one model-level `declared_not_null`
  test checks all of a model's declared columns in one scan. It replaced 143 `not_null` tests on 55
  models and seeds (revops.conventions requires it wherever a constraint is not enforced).

The key columns keep their `unique` + `not_null` tests. What the tests below show, on the core
fixture's build:

- every column a contract declares not null carries a NOT NULL constraint in the warehouse, so every
  row that was written passed it (dbt-duckdb creates the table with its constraints, then inserts);
- a planted null is rejected, in every column of every mart that has rows;
- every other declared column is in its model's declared_not_null test, and a planted null in a
  table, a view and a seed fails that test, naming the column and counting its nulls.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

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


def not_null_declarations(warehouse: Warehouse) -> tuple[dict[str, list[str]], dict[str, dict[str, Any]]]:
    """(node name -> its declared not-null columns, for every enabled model and seed whose constraints
    the engine does not enforce; node name -> its declared_not_null test nodes), from the build's
    manifest."""
    manifest = json.loads((warehouse.target / "manifest.json").read_text(encoding="utf-8"))
    declared: dict[str, list[str]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] not in {"model", "seed"}:
            continue
        enforced = node["config"].get("contract", {}).get("enforced") and node["config"]["materialized"] in {
            "table",
            "incremental",
        }
        columns = [
            column["name"]
            for column in node["columns"].values()
            if any(constraint["type"] == "not_null" for constraint in column.get("constraints", []))
        ]
        if columns and not enforced:
            declared[node["name"]] = columns
    tests: dict[str, dict[str, Any]] = {}
    for node in manifest["nodes"].values():
        if node.get("test_metadata", {}).get("name") == "declared_not_null" and node["config"]["enabled"]:
            attached = manifest["nodes"][node["attached_node"]]["name"]
            assert attached not in tests, f"{attached}: two declared_not_null tests"
            tests[attached] = node
    return declared, tests


def test_every_other_declared_not_null_column_is_checked(core_warehouse: Warehouse) -> None:
    declared, tests = not_null_declarations(core_warehouse)
    assert set(tests) == set(declared)
    assert sum(map(len, declared.values())) >= 140  # not an empty manifest
    for name, columns in declared.items():
        sql = tests[name]["compiled_code"]
        assert [column for column in columns if f"when {column} is null then 1" not in sql] == [], name


# A table, a view (through its raw table) and a seed, each with its planted nulls.
PLANTED_NULLS = {
    "declared_not_null_int_lead_won_deals_": (
        "update intermediate.int_lead_won_deals set lead_id = null, opportunity_id = null "
        "where rowid = (select min(rowid) from intermediate.int_lead_won_deals)",
        [("lead_id", 1), ("opportunity_id", 1)],
    ),
    "declared_not_null_stg_crm__campaign_costs_": (
        "update raw.campaign_costs set cost_date = null where rowid < 2",
        [("cost_date", 2)],
    ),
    "declared_not_null_fx_rates_": (
        "update seeds.fx_rates set rate_to_reporting = null where rowid = 0",
        [("rate_to_reporting", 1)],
    ),
}


def test_a_planted_null_fails_declared_not_null_naming_its_column(
    core_warehouse: Warehouse, tmp_path: Path
) -> None:
    warehouse = Warehouse(tmp_path)
    shutil.copyfile(core_warehouse.path, warehouse.path)
    with duckdb.connect(str(warehouse.path)) as connection:
        for statement, _ in PLANTED_NULLS.values():
            connection.execute(statement)
    result = warehouse.dbt("test", "--select", "test_name:declared_not_null", artifacts=True)
    assert not result.ok
    run = json.loads((warehouse.target / "run_results.json").read_text(encoding="utf-8"))
    failed = {
        row["unique_id"].split(".")[2]: row["failures"]
        for row in run["results"]
        if row["unique_id"].startswith("test.") and row["status"] != "pass"
    }
    # failures: the null values of all the model's columns, as its per-column not_null tests would count them
    assert failed == {name: sum(count for _, count in rows) for name, (_, rows) in PLANTED_NULLS.items()}
    assert len(run["results"]) >= 50
    for name, (_, rows) in PLANTED_NULLS.items():
        (compiled,) = (warehouse.target / "compiled").rglob(f"{name}.sql")
        assert sorted(warehouse.query(compiled.read_text(encoding="utf-8"))) == rows, name
