"""The raw contract is defined once and everything reads it."""

from __future__ import annotations

import re

from revops.contract import contract, table
from revops.contract_docs import README_END, README_START, render, with_readme_summary
from revops.settings import PROJECT_DIR


def test_contract_docs_are_generated_from_the_contract() -> None:
    committed = (PROJECT_DIR / "docs" / "contract.md").read_text(encoding="utf-8")
    assert committed == render(), "docs/contract.md is stale: run scripts/render_contract_docs.py"


def test_readme_contract_summary_is_generated_from_the_contract() -> None:
    committed = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    assert committed.count(README_START) == 1 and committed.count(README_END) == 1
    assert committed == with_readme_summary(committed), (
        "README.md's contract summary is stale: run scripts/render_contract_docs.py"
    )


def test_contract_tables_in_load_order() -> None:
    names = [t.name for t in contract()]
    assert set(names) == {
        "leads", "lead_activities", "lead_status_changes", "opportunities",
        "deals", "campaigns", "campaign_costs", "owners", "opportunity_history",
    }  # fmt: skip
    for position, current in enumerate(contract()):
        for column in current.columns:
            if column.references and column.references.table != current.name:
                assert names.index(column.references.table) < position


def test_every_raw_table_has_one_staging_model_reading_every_column() -> None:
    for raw_table in contract():
        model = PROJECT_DIR / "models" / "staging" / "contract" / f"stg_contract__{raw_table.name}.sql"
        sql = model.read_text(encoding="utf-8")
        assert f"source('revops_contract', '{raw_table.name}')" in sql
        for column in raw_table.columns:
            assert re.search(rf"\b{column.name}\b", sql), f"{model.name} does not read {column.name}"


def test_required_and_pii_flags() -> None:
    assert table("leads").required_columns == ("lead_id", "created_at", "business_unit")
    assert table("leads").column("email").pii
    assert table("deals").column("opportunity_id").required_when == {"deal_type": "new"}
    assert table("campaign_costs").column("amount").min == 0
