"""Write a contract raw directory (e.g. a generated world) as Salesforce Data Loader files.

`scripts/generate.py --format salesforce` generates the world as contract files in a scratch
directory and turns them into one file per Salesforce object here, so the demo and the tests can run
the same world through either source. Ids are kept as they are (the contract's ids are shorter than
15 characters, so they match themselves); times are written in UTC as Data Loader writes them.

How the contract maps onto Salesforce objects (docs/sources/salesforce.md, "The generated world"):

- owners -> User, with one UserRole per team (Marketing, Inside Sales, Field Sales, Customer Success);
- campaigns -> Campaign, Type from the channel, ActualCost = the sum of its cost rows (Salesforce has
  no daily costs: the build spreads it evenly over StartDate..EndDate);
- leads -> Lead; a lead with opportunities is converted (contact K<lead>, account A<lead>, its first
  opportunity as ConvertedOpportunityId; later opportunities get the contact as primary contact role);
  its source campaign is a CampaignMember (Sent) created with the lead;
- lead_activities -> Task (Type = the activity type, WhatId = the campaign);
- lead_status_changes -> LeadHistory rows on Status (accepted -> Working - Contacted, rejected ->
  Closed - Not Converted, disqualified -> Unqualified, nurture -> Nurture);
- opportunity_history -> OpportunityHistory (ForecastCategory as Salesforce's API values);
- opportunities -> Opportunity (CloseDate: the expected close date while open); one with a new deal is won on the deal's signing date for the deal's
  amount; a renewal or expansion deal becomes its own won Opportunity (Type Renewal / Upsell) on the
  account of the deal it renews or of its opportunity, owned by its opportunity's owner (none without
  one). Every won Opportunity carries its deal's contract term as Contract_Start_Date__c /
  Contract_End_Date__c (the default custom fields).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from revops.rawio import sql_string

CHANNEL_TYPES = {
    "exhibition": "Trade Show",
    "webinar": "Webinar",
    "seminar": "Seminar",
    "paid_search": "Advertisement",
    "paid_social": "Banner Ads",
    "content": "Content",
    "email": "Email",
    "referral": "Referral Program",
    "outbound": "Telemarketing",
    "other": "Other",
}
TEAM_ROLES = {
    "marketing": "Marketing",
    "inside_sales": "Inside Sales",
    "field_sales": "Field Sales",
    "customer_success": "Customer Success",
}
STATUS_VALUES = {
    "accepted": "Working - Contacted",
    "rejected": "Closed - Not Converted",
    "disqualified": "Unqualified",
    "nurture": "Nurture",
}
FORECAST_CATEGORIES = {
    "pipeline": "Pipeline",
    "best_case": "BestCase",
    "commit": "Forecast",
    "closed": "Closed",
    "omitted": "Omitted",
}
CONTRACT_TABLES = (
    "owners",
    "campaigns",
    "campaign_costs",
    "leads",
    "lead_activities",
    "lead_status_changes",
    "opportunities",
    "deals",
    "opportunity_history",
)


def _case(column: str, mapping: dict[str, str], default: str = "NULL") -> str:
    whens = " ".join(f"WHEN {sql_string(key)} THEN {sql_string(value)}" for key, value in mapping.items())
    return f"CASE {column} {whens} ELSE {default} END"


def _utc(column: str) -> str:
    """A contract timestamp (ISO 8601, offset or reporting time) as Data Loader's UTC text."""
    return (
        f"strftime(CASE WHEN regexp_matches({column}, '(Z|[+-][0-9:]+)$') THEN CAST({column} AS TIMESTAMPTZ) "
        f"ELSE timezone(getvariable('reporting_timezone'), CAST({column} AS TIMESTAMP)) END, "
        "'%Y-%m-%dT%H:%M:%S.000Z')"
    )


def _jst_date(column: str) -> str:
    return (
        f"CAST(CAST(timezone(getvariable('reporting_timezone'), "
        f"CASE WHEN regexp_matches({column}, '(Z|[+-][0-9:]+)$') THEN CAST({column} AS TIMESTAMPTZ) "
        f"ELSE timezone(getvariable('reporting_timezone'), CAST({column} AS TIMESTAMP)) END) AS DATE) AS VARCHAR)"
    )


OBJECTS: dict[str, str] = {
    "UserRole": "SELECT 'ROLE-' || team AS Id, "
    + _case("team", TEAM_ROLES)
    + " AS Name FROM (SELECT DISTINCT team FROM owners) ORDER BY 1",
    "User": "SELECT owner_id AS Id, name AS Name, 'ROLE-' || team AS UserRoleId, 'true' AS IsActive, "
    "business_unit AS Business_Unit__c FROM owners ORDER BY 1",
    "Campaign": "SELECT campaigns.campaign_id AS Id, 'false' AS IsDeleted, name AS Name, "
    + _case("channel", CHANNEL_TYPES)
    + " AS Type, 'Completed' AS Status, started_on AS StartDate, ended_on AS EndDate, "
    "CAST(costs.actual_cost AS VARCHAR) AS ActualCost, costs.currency AS CurrencyIsoCode, "
    "business_unit AS Business_Unit__c FROM campaigns LEFT JOIN ("
    "SELECT campaign_id, sum(CAST(amount AS DECIMAL(20,4))) AS actual_cost, max(currency) AS currency "
    "FROM campaign_costs GROUP BY campaign_id) costs ON campaigns.campaign_id = costs.campaign_id ORDER BY 1",
    "Lead": "SELECT leads.lead_id AS Id, 'false' AS IsDeleted, "
    + _utc("leads.created_at")
    + " AS CreatedDate, company_name AS Company, company_domain AS Website, email AS Email, "
    "CAST(NULL AS VARCHAR) AS Status, CAST(NULL AS VARCHAR) AS OwnerId, "
    "CAST(first_opportunity.opportunity_id IS NOT NULL AS VARCHAR) AS IsConverted, "
    "CASE WHEN first_opportunity.opportunity_id IS NOT NULL THEN 'K' || leads.lead_id END AS ConvertedContactId, "
    "CASE WHEN first_opportunity.opportunity_id IS NOT NULL THEN 'A' || leads.lead_id END AS ConvertedAccountId, "
    "first_opportunity.opportunity_id AS ConvertedOpportunityId, "
    + _jst_date("first_opportunity.created_at")
    + " AS ConvertedDate, business_unit AS Business_Unit__c, "
    "CASE WHEN crm_mql_at IS NOT NULL THEN "
    + _utc("crm_mql_at")
    + " END AS MQL_Date__c, CASE WHEN updated_at IS NOT NULL THEN "
    + _utc("updated_at")
    + " END AS LastModifiedDate FROM leads LEFT JOIN first_opportunity "
    "ON leads.lead_id = first_opportunity.lead_id ORDER BY 1",
    "Contact": "SELECT 'K' || leads.lead_id AS Id, 'false' AS IsDeleted, "
    + _utc("first_opportunity.created_at")
    + " AS CreatedDate, 'A' || leads.lead_id AS AccountId, email AS Email, "
    "CAST(NULL AS VARCHAR) AS OwnerId, business_unit AS Business_Unit__c FROM leads "
    "JOIN first_opportunity ON leads.lead_id = first_opportunity.lead_id ORDER BY 1",
    "Account": "SELECT 'A' || leads.lead_id AS Id, 'false' AS IsDeleted, company_name AS Name, "
    "company_domain AS Website, CAST(NULL AS VARCHAR) AS OwnerId FROM leads "
    "JOIN first_opportunity ON leads.lead_id = first_opportunity.lead_id "
    "UNION ALL SELECT 'A' || opportunity_id, 'false', NULL, NULL, NULL FROM opportunities "
    "WHERE lead_id IS NULL ORDER BY 1",
    "Opportunity": "SELECT opportunities.opportunity_id AS Id, 'false' AS IsDeleted, "
    "'A' || coalesce(opportunities.lead_id, opportunities.opportunity_id) AS AccountId, "
    "opportunities.opportunity_id AS Name, 'New Business' AS Type, stage AS StageName, "
    "coalesce(won.amount, opportunities.amount) AS Amount, "
    "CASE WHEN won.opportunity_id IS NOT NULL THEN won.currency ELSE opportunities.currency END "
    "AS CurrencyIsoCode, "
    + _utc("opportunities.created_at")
    + " AS CreatedDate, coalesce(won.signed_at, CASE WHEN closed_at IS NOT NULL THEN "
    + _jst_date("closed_at")
    + " END, opportunities.close_date) AS CloseDate, "
    "CAST(won.opportunity_id IS NOT NULL OR closed_at IS NOT NULL AS VARCHAR) AS IsClosed, "
    "CAST(won.opportunity_id IS NOT NULL AS VARCHAR) AS IsWon, owner_id AS OwnerId, "
    "business_unit AS Business_Unit__c, won.contract_start AS Contract_Start_Date__c, "
    "won.contract_end AS Contract_End_Date__c FROM opportunities LEFT JOIN ("
    "SELECT opportunity_id, min(signed_at) AS signed_at, CAST(sum(CAST(amount AS DECIMAL(20,4))) AS VARCHAR) "
    "AS amount, max(currency) AS currency, min(contract_start) AS contract_start, "
    "max(contract_end) AS contract_end FROM deals WHERE deal_type = 'new' GROUP BY opportunity_id) won "
    "ON opportunities.opportunity_id = won.opportunity_id "
    "UNION ALL SELECT later.deal_id, 'false', 'A' || coalesce(renewed_opportunity.lead_id, "
    "renewed_opportunity.opportunity_id, own_opportunity.lead_id, own_opportunity.opportunity_id, later.deal_id), "
    "later.deal_id, CASE later.deal_type WHEN 'renewal' THEN 'Renewal' ELSE 'Upsell' END, 'Closed Won', "
    "later.amount, later.currency, "
    + _utc("later.signed_at || 'T00:00:00'")
    + ", later.signed_at, 'true', 'true', own_opportunity.owner_id, "
    "coalesce(renewed_opportunity.business_unit, own_opportunity.business_unit), "
    "later.contract_start, later.contract_end "
    "FROM deals later LEFT JOIN deals renewed ON later.renewed_from_deal_id = renewed.deal_id "
    "LEFT JOIN opportunities renewed_opportunity ON renewed.opportunity_id = renewed_opportunity.opportunity_id "
    "LEFT JOIN opportunities own_opportunity ON later.opportunity_id = own_opportunity.opportunity_id "
    "WHERE later.deal_type <> 'new' ORDER BY 1",
    "OpportunityContactRole": "SELECT 'OCR-' || opportunity_id AS Id, 'false' AS IsDeleted, "
    "opportunity_id AS OpportunityId, 'K' || lead_id AS ContactId, 'true' AS IsPrimary, "
    + _utc("created_at")
    + " AS CreatedDate FROM opportunities WHERE lead_id IS NOT NULL "
    "AND opportunity_id NOT IN (SELECT opportunity_id FROM first_opportunity) ORDER BY 1",
    "CampaignMember": "SELECT 'CM-' || lead_id AS Id, 'false' AS IsDeleted, source_campaign_id AS CampaignId, "
    "lead_id AS LeadId, CAST(NULL AS VARCHAR) AS ContactId, 'Sent' AS Status, 'false' AS HasResponded, "
    "CAST(NULL AS VARCHAR) AS FirstRespondedDate, "
    + _utc("created_at")
    + " AS CreatedDate FROM leads WHERE source_campaign_id IS NOT NULL ORDER BY 1",
    "Task": "SELECT activity_id AS Id, 'false' AS IsDeleted, lead_id AS WhoId, campaign_id AS WhatId, "
    "activity_type AS Type, CAST(NULL AS VARCHAR) AS Subject, CAST(NULL AS VARCHAR) AS OwnerId, "
    + _utc("activity_at")
    + " AS CreatedDate FROM lead_activities ORDER BY 1",
    "OpportunityHistory": "SELECT 'OH-' || lpad(CAST(row_number() OVER (ORDER BY opportunity_id, changed_at, stage) "
    "AS VARCHAR), 10, '0') AS Id, 'false' AS IsDeleted, opportunity_id AS OpportunityId, stage AS StageName, "
    "amount AS Amount, close_date AS CloseDate, "
    + _case("forecast_category", FORECAST_CATEGORIES)
    + " AS ForecastCategory, "
    + _utc("changed_at")
    + " AS CreatedDate FROM opportunity_history ORDER BY 1",
    "LeadHistory": "SELECT 'LH-' || lpad(CAST(row_number() OVER (ORDER BY lead_id, changed_at, status, owner_id) "
    "AS VARCHAR), 10, '0') AS Id, 'false' AS IsDeleted, lead_id AS LeadId, 'Status' AS Field, "
    "CAST(NULL AS VARCHAR) AS OldValue, "
    + _case("status", STATUS_VALUES)
    + " AS NewValue, owner_id AS CreatedById, "
    + _utc("changed_at")
    + " AS CreatedDate FROM lead_status_changes ORDER BY 1",
}


def write_salesforce_export(
    contract_dir: Path, out: Path, reporting_timezone: str, file_format: str = "csv"
) -> dict[str, int]:
    """Write one Data Loader file per Salesforce object into `out`; return the rows per object."""
    out.mkdir(parents=True, exist_ok=True)
    rows: dict[str, int] = {}
    with duckdb.connect() as connection:
        connection.execute("SET TimeZone = 'UTC'")
        connection.execute(f"SET VARIABLE reporting_timezone = {sql_string(reporting_timezone)}")
        for table in CONTRACT_TABLES:
            path = contract_dir / f"{table}.{file_format}"
            reader = (
                f"read_csv({sql_string(str(path))}, all_varchar = true, header = true)"
                if file_format == "csv"
                else f"read_parquet({sql_string(str(path))})"
            )
            connection.execute(f"CREATE TABLE {table} AS SELECT * FROM {reader}")
        connection.execute(
            "CREATE TABLE first_opportunity AS SELECT lead_id, arg_min(opportunity_id, "
            "(CAST(created_at AS TIMESTAMPTZ), opportunity_id)) AS opportunity_id, "
            "arg_min(created_at, (CAST(created_at AS TIMESTAMPTZ), opportunity_id)) AS created_at "
            "FROM opportunities WHERE lead_id IS NOT NULL GROUP BY lead_id"
        )
        for name, query in OBJECTS.items():
            target = out / f"{name}.{file_format}"
            options = "FORMAT csv, HEADER true, FORCE_QUOTE *" if file_format == "csv" else "FORMAT parquet"
            connection.execute(f"COPY ({query}) TO {sql_string(str(target))} ({options})")
            rows[name] = int(connection.execute(f"SELECT count(*) FROM ({query})").fetchall()[0][0])
    return rows
