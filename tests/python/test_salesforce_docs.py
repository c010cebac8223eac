"""docs/sources/salesforce.md lists the objects, fields and seed defaults from their one source of truth."""

from __future__ import annotations

from revops.sources import salesforce
from revops.sources.salesforce_docs import PAGE, render


def test_salesforce_page_is_generated_from_the_contract_and_seeds() -> None:
    page = PAGE.read_text(encoding="utf-8")
    assert page == render(page), "docs/sources/salesforce.md is stale: run scripts/render_salesforce_docs.py"


def test_required_objects_are_lead_opportunity_campaign_user() -> None:
    required = {table.stem for table in salesforce.tables() if table.required}
    assert required == {"Lead", "Opportunity", "Campaign", "User"}
    assert len(salesforce.tables()) == 13
