"""Lineage and conventions on the parsed manifest (no warehouse needed).

- Honest lineage: an incremental lead-keyed model's parents are what it reads, and no
  intermediate or mart model reads a source.
- The semantic layer and the exposures read public models (marts) only; dbt-score checks the
  exposures (revops.conventions), this file the semantic models, which dbt-score does not see.
- The conventions pass on today's staging layout (test_governance.py) and on the per-system layout
  the Salesforce work moves to: models/staging/<system>/stg_<system>__*.sql with the canonical
  models/staging/crm/stg_crm__*.sql over them. Violations are caught.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from project_copies import copy_project_parts, dbt_in
from revops.settings import PROJECT_DIR

BIN = Path(sys.executable).parent
PROJECT_PARTS = (
    "dbt_project.yml",
    "profiles.yml",
    "pyproject.toml",
    "models",
    "macros",
    "seeds",
    "snapshots",
    "tests/dbt",
)
RULES = "revops.conventions."


def copy_project(root: Path) -> Path:
    return copy_project_parts(PROJECT_PARTS, root / "project")


def parse(project: Path, target: Path) -> dict[str, Any]:
    """`dbt parse` into a temp target (a saved parse of the run reused: project_copies); the manifest."""
    result = dbt_in(project, target.parent, ["parse"], target=target)
    assert result.ok, result.output[-6000:]
    return json.loads((target / "manifest.json").read_text(encoding="utf-8"))


def score(project: Path, target: Path) -> dict[str, dict[str, str]]:
    """`dbt-score lint` with the project's config: the failing rules per evaluable."""
    completed = subprocess.run(
        [str(BIN / "dbt-score"), "lint", "--manifest", str(target / "manifest.json"), "--format", "json"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    start = completed.stdout.find("{")
    assert start >= 0, completed.stdout + completed.stderr
    report = json.loads(completed.stdout[start:])
    return {
        name: {
            rule: result["message"] for rule, result in item["results"].items() if result["result"] != "OK"
        }
        for name, item in report["evaluables"].items()
        if not item["pass"]
    }


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return parse(PROJECT_DIR, tmp_path_factory.mktemp("parse") / "target")


def parents(manifest: dict[str, Any], model: str) -> set[str]:
    node = manifest["nodes"][f"model.revops_funnel.{model}"]
    return {unique_id.split(".", 2)[2] if unique_id.startswith("source.") else unique_id.rsplit(".", 1)[1]
            for unique_id in node["depends_on"]["nodes"]}  # fmt: skip


# --------------------------------------------------------------------------- lineage


def test_an_incremental_model_depends_on_what_it_reads(manifest: dict[str, Any]) -> None:
    """int_activities_scored reads the activities and the scoring seeds; on an incremental night its
    filter reads each lead's latest event and the loader's change log. The stage registry is a parent
    whose agreement tests gate the funnel (docs/governance.md). Nothing else: no raw.leads, no other
    staging model."""
    assert parents(manifest, "int_activities_scored") == {
        "stg_crm__lead_activities",
        "mql_definition_versions",
        "mql_scoring_rules",
        "stage_definition_registry",
        "int_lead_latest_changes",
        "stg_loader__changed_leads",
    }
    assert parents(manifest, "int_lead_latest_changes") == {"int_funnel_events"}
    assert parents(manifest, "stg_loader__changed_leads") == {"loader.load_changed_leads"}


def test_every_incremental_model_reads_the_change_log_through_staging(manifest: dict[str, Any]) -> None:
    incremental = [
        node for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("incremental_strategy") == "lead_replace"
    ]  # fmt: skip
    assert len(incremental) == 19
    for node in incremental:
        depends = set(node["depends_on"]["nodes"])
        assert "model.revops_funnel.stg_loader__changed_leads" in depends, node["name"]
        assert not any(unique_id.startswith("source.") for unique_id in depends), node["name"]


def test_only_staging_reads_sources(manifest: dict[str, Any]) -> None:
    readers = {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and any(u.startswith("source.") for u in node["depends_on"]["nodes"])
    }
    assert readers and all(name.startswith("stg_") for name in readers), readers


# --------------------------------------------------------------------------- access


def test_marts_are_public_and_the_rest_protected(manifest: dict[str, Any]) -> None:
    models = [node for node in manifest["nodes"].values() if node["resource_type"] == "model"]
    for node in models:
        layer = node["original_file_path"].split("/")[1]
        assert node["access"] == ("public" if layer == "marts" else "protected"), node["name"]
        assert node["group"] == "revenue_operations", node["name"]


def test_semantic_layer_and_exposures_read_marts_only(manifest: dict[str, Any]) -> None:
    readers = [*manifest["semantic_models"].values(), *manifest["exposures"].values()]
    assert len(readers) >= 5
    for reader in readers:
        for unique_id in reader["depends_on"]["nodes"]:
            node = manifest["nodes"][unique_id]
            assert node["access"] == "public", f"{reader['name']} reads {node['name']} ({node['access']})"


def test_every_convention_exception_gives_a_reason(manifest: dict[str, Any]) -> None:
    """The exceptions in force, each with its reason (listed in DECISIONLOG.md)."""
    found = {
        (node["name"], rule): reason.strip()
        for node in manifest["nodes"].values()
        for rule, reason in ((node["config"].get("meta") or {}).get("convention_exceptions") or {}).items()
    }
    canonical = {path.stem for path in (PROJECT_DIR / "models" / "staging" / "crm").glob("stg_crm__*.sql")}
    assert len(canonical) == 9
    assert set(found) == {
        ("int_funnel_events", "has_primary_key_test"),
        ("int_campaign_attribution_by_half", "layers_flow_downstream"),
        ("int_opportunity_history", "has_primary_key_test"),
        *((name, "has_primary_key_test") for name in canonical),
    }
    assert all(len(reason) > 20 for reason in found.values())


# --------------------------------------------------------------------------- size


def test_unit_test_names_fit_postgresql_identifiers(manifest: dict[str, Any]) -> None:
    """dbt-postgres builds each unit test as a relation named after it, and PostgreSQL refuses a name over
    63 characters (the engine suite failed on one of 66)."""
    unit_tests = manifest.get("unit_tests", {}).values()
    assert unit_tests
    assert [test["name"] for test in unit_tests if len(test["name"]) > 63] == []


def test_a_model_over_150_lines_says_why_at_its_top() -> None:
    for path in sorted((PROJECT_DIR / "models").rglob("*.sql")):
        lines = path.read_text(encoding="utf-8").splitlines()
        header = "\n".join(line for line in lines[:30] if line.startswith("--"))
        if len(lines) > 150:
            assert "150 lines" in header, (
                f"{path.relative_to(PROJECT_DIR)}: {len(lines)} lines, no reason at its top"
            )


# --------------------------------------------------------------------------- docs


def test_shared_columns_take_their_wording_from_one_docs_block() -> None:
    """A column name used by more than one model is described by its {% docs %} block
    (models/docs/), in every intermediate and mart yml. (Staging yml moves with the per-system
    layout and adopts the blocks there.)"""
    documented: dict[str, list[tuple[str, str]]] = {}
    for path in sorted((PROJECT_DIR / "models").rglob("*.yml")):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models") or []:
            for column in model.get("columns") or []:
                documented.setdefault(column["name"], []).append(
                    (str(path), str(column.get("description", "")))
                )
    blocks = set(re.findall(r"{%\s*docs\s+(\w+)\s*%}", "".join(
        path.read_text(encoding="utf-8") for path in (PROJECT_DIR / "models" / "docs").glob("*.md")
    )))  # fmt: skip
    shared = {name: uses for name, uses in documented.items() if len(uses) > 1}
    assert len(shared) > 100
    for name, uses in shared.items():
        assert name in blocks, name
        for path, description in uses:
            if "/models/staging/" not in path:
                assert description == '{{ doc("' + name + '") }}', f"{path}: {name}"


# --------------------------------------------------------------------------- layouts


def per_system_layout(project: Path) -> None:
    """The Salesforce work's target: the source named after its system in models/staging/salesforce/
    with stg_salesforce__<table>, and the canonical stg_crm__<table> in models/staging/crm/ over them."""
    staging = project / "models" / "staging"
    system, canonical = staging / "salesforce", staging / "crm"
    system.mkdir()
    canonical.mkdir()
    sources = (staging / "_raw__sources.yml").read_text(encoding="utf-8")
    (system / "_salesforce__sources.yml").write_text(
        sources.replace("  - name: raw\n", "  - name: salesforce\n", 1), encoding="utf-8"
    )
    (staging / "_raw__sources.yml").unlink()
    models_yml = (staging / "_stg_crm__models.yml").read_text(encoding="utf-8")
    (system / "_stg_salesforce__models.yml").write_text(
        re.sub(r"stg_crm__(\w+)", r"stg_salesforce__\1", models_yml), encoding="utf-8"
    )
    (staging / "_stg_crm__models.yml").rename(canonical / "_stg_crm__models.yml")
    for model in sorted(staging.glob("stg_crm__*.sql")):
        table = model.stem.removeprefix("stg_crm__")
        (system / f"stg_salesforce__{table}.sql").write_text(
            model.read_text(encoding="utf-8").replace("source('raw', ", "source('salesforce', "),
            encoding="utf-8",
        )
        (canonical / model.name).write_text(
            f"with\n\nsalesforce as (\n    select * from {{{{ ref('stg_salesforce__{table}') }}}}\n),\n\n"
            "final as (\n    select * from salesforce\n)\n\nselect * from final\n",
            encoding="utf-8",
        )
        model.unlink()


def test_conventions_pass_on_the_per_system_staging_layout(tmp_path: Path) -> None:
    """Today's flat layout is rearranged into the per-system one; once the project itself is
    per-system (no models/staging/_raw__sources.yml), its own layout is the one checked."""
    project = copy_project(tmp_path)
    if (project / "models" / "staging" / "_raw__sources.yml").exists():
        per_system_layout(project)
    manifest = parse(project, tmp_path / "target")
    staging = [
        node["original_file_path"] for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["name"].startswith("stg_")
    ]  # fmt: skip
    assert any(path.startswith("models/staging/crm/stg_crm__") for path in staging), staging
    assert any(not path.startswith(("models/staging/crm/", "models/staging/loader/")) for path in staging)
    assert score(project, tmp_path / "target") == {}


def test_conventions_catch_layer_source_access_and_folder_violations(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    models = project / "models"
    # source() in intermediate; a hard-coded relation; a staging model in a folder not its own.
    (models / "staging" / "_test_system__sources.yml").write_text(
        "version: 2\nsources:\n  - name: test_system\n    schema: raw\n    tables:\n      - name: things\n",
        encoding="utf-8",
    )
    (models / "intermediate" / "int_reads_raw.sql").write_text(
        "select lead_id from {{ source('test_system', 'things') }}\nunion all\nselect lead_id from raw.leads\n"
    )
    (models / "staging" / "loader" / "stg_crm__misplaced.sql").write_text(
        "select * from {{ source('loader', 'load_changed_leads') }}\n"
    )
    # Staging reading a mart; an exposure on an intermediate model; a mart made protected.
    (models / "staging" / "stg_crm__from_mart.sql").write_text("select * from {{ ref('fct_lead_funnel') }}\n")
    (models / "_bad_exposure.yml").write_text(
        "version: 2\nexposures:\n  - name: reads_intermediate\n    type: dashboard\n    owner: {name: x}\n"
        "    depends_on: [ref('int_as_of')]\n",
        encoding="utf-8",
    )
    (models / "marts" / "mart_protected.sql").write_text(
        "{{ config(access='protected') }}\nselect 1 as id\n", encoding="utf-8"
    )
    parse(project, tmp_path / "target")
    found = score(project, tmp_path / "target")
    assert f"{RULES}source_only_in_staging" in found["model.revops_funnel.int_reads_raw"]
    assert f"{RULES}no_hard_coded_relations" in found["model.revops_funnel.int_reads_raw"]
    assert f"{RULES}name_matches_layer" in found["model.revops_funnel.stg_crm__misplaced"]
    assert f"{RULES}source_in_one_folder" in found["source.revops_funnel.test_system.things"]
    assert f"{RULES}layers_flow_downstream" in found["model.revops_funnel.stg_crm__from_mart"]
    assert f"{RULES}exposure_reads_public_models" in found["exposure.revops_funnel.reads_intermediate"]
    assert f"{RULES}access_by_layer" in found["model.revops_funnel.mart_protected"]
