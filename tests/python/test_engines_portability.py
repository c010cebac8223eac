"""Contract and seed types stay in the portable vocabulary (docs/engines.md).

dbt does no type aliasing: a mart's declared `data_type` is cast by the engine itself, so it must
be a spelling DuckDB and PostgreSQL accept as written. Spark spells two of them differently and
macros/cross_db/contract_types.sql translates those (varchar/text -> string, double precision ->
double). `double`, for one, is valid on DuckDB and Spark but not on PostgreSQL, so a contract that
uses it would break only the PostgreSQL build; this test catches it on every run.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from revops.dbtcli import run_dbt

PORTABLE_TYPE = re.compile(
    r"(varchar|text|double precision|bigint|integer|boolean|date|timestamp|decimal\(\d+, ?\d+\))"
)


def manifest(tmp_path: Path) -> dict:
    result = run_dbt(["parse"], duckdb_path=tmp_path / "parse.duckdb", target_path=tmp_path / "target")
    assert result.ok, result.output[-3000:]
    return json.loads((tmp_path / "target" / "manifest.json").read_text(encoding="utf-8"))


def test_vocabulary_accepts_what_it_should() -> None:
    for spelling in ("varchar", "double precision", "decimal(20,2)", "decimal(18, 9)", "timestamp"):
        assert PORTABLE_TYPE.fullmatch(spelling)
    for spelling in ("double", "string", "float", "numeric", "int", "decimal", "timestamptz"):
        assert not PORTABLE_TYPE.fullmatch(spelling)


def test_contract_and_seed_types_are_portable(tmp_path: Path) -> None:
    nodes = manifest(tmp_path)["nodes"].values()
    contracted = [
        node
        for node in nodes
        if node["resource_type"] == "model" and node["config"].get("contract", {}).get("enforced")
    ]
    assert any(node["name"] == "fct_lead_funnel" for node in contracted)
    offending = [
        f"{node['original_file_path']}: {node['name']}.{column['name']}: {column.get('data_type')!r}"
        for node in contracted
        for column in node["columns"].values()
        if not PORTABLE_TYPE.fullmatch(str(column.get("data_type") or "").strip().lower())
    ]
    offending += [
        f"{node['original_file_path']}: column_types.{name}: {data_type!r}"
        for node in nodes
        if node["resource_type"] == "seed"
        for name, data_type in (node["config"].get("column_types") or {}).items()
        if not PORTABLE_TYPE.fullmatch(str(data_type).strip().lower())
    ]
    assert offending == [], "types outside the portable vocabulary (docs/engines.md):\n" + "\n".join(
        offending
    )
