"""Keys are tested once, where the rows are made (DECISIONLOG.md D26).

The canonical stg_crm__* models select every row and column of the chosen system's staging model and
carry no key tests of their own: the system model's key test reads the same rows. Shown here: every
system model a canonical model can read has a key test, a canonical model repeats it only when it is
not a plain projection (none is today), and a duplicate key planted in raw still fails the build, in
the system model's test.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import yaml

from conftest import Warehouse
from revops.settings import PROJECT_DIR

STAGING = PROJECT_DIR / "models" / "staging"
CANONICAL = sorted((STAGING / "crm").glob("stg_crm__*.sql"))
SYSTEM_MODELS = {
    "contract": (STAGING / "contract" / "_stg_contract__models.yml", "stg_contract__{}"),
    "salesforce": (
        STAGING / "salesforce" / "mapping" / "_stg_salesforce__mapping.yml",
        "stg_salesforce__crm_{}",
    ),
}
NOT_A_PROJECTION = re.compile(r"\b(join|where|group by|distinct|union|qualify|limit|having)\b")


def key_tests(yml: Path) -> dict[str, list[str]]:
    """Model -> its key tests: `unique` on a column that is also `not_null`, or `unique_combination`."""
    found: dict[str, list[str]] = {}
    for model in yaml.safe_load(yml.read_text(encoding="utf-8"))["models"]:
        tests = [next(iter(test)) for test in model.get("data_tests") or [] if isinstance(test, dict)]
        keys = ["unique_combination"] if "unique_combination" in tests else []
        for column in model.get("columns") or []:
            names = {
                test if isinstance(test, str) else next(iter(test)) for test in column.get("data_tests") or []
            }
            if {"unique", "not_null"} <= names:
                keys.append(f"unique({column['name']})")
        found[model["name"]] = keys
    return found


def test_each_canonical_model_projects_system_models_whose_keys_are_tested() -> None:
    assert len(CANONICAL) == 9
    systems = {name: (key_tests(yml), pattern) for name, (yml, pattern) in SYSTEM_MODELS.items()}
    canonical_keys = key_tests(STAGING / "crm" / "_stg_crm__models.yml")
    for path in CANONICAL:
        table = path.stem.removeprefix("stg_crm__")
        sql = "\n".join(
            line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("--")
        )
        assert f"crm_source_relation('{table}')" in sql, path
        for system, (keys, pattern) in systems.items():
            assert keys[pattern.format(table)], f"{system}: {pattern.format(table)} has no key test"
        if NOT_A_PROJECTION.search(sql):
            assert canonical_keys[path.stem], (
                f"{path.name} is not a plain projection: it needs its own key test"
            )
        else:
            assert canonical_keys[path.stem] == [], (
                f"{path.stem}: its key is already tested in the system models"
            )


def test_a_planted_duplicate_key_still_fails_the_build(core_warehouse: Warehouse, tmp_path: Path) -> None:
    planted = Warehouse(tmp_path)
    shutil.copyfile(core_warehouse.path, planted.path)
    with duckdb.connect(str(planted.path)) as connection:
        connection.execute(
            "INSERT INTO raw.lead_activities SELECT * FROM raw.lead_activities "
            "WHERE activity_id = (SELECT min(activity_id) FROM raw.lead_activities)"
        )
    result = planted.dbt(
        "test", "--select", "stg_contract__lead_activities", "stg_crm__lead_activities", artifacts=True
    )
    assert not result.ok
    run = json.loads((planted.target / "run_results.json").read_text(encoding="utf-8"))
    statuses = {row["unique_id"].split(".")[2]: row["status"] for row in run["results"]}
    assert statuses["unique_stg_contract__lead_activities_activity_id"] == "fail"
    assert not [name for name in statuses if name.startswith("unique_stg_crm__")]
