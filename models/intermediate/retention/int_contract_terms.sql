-- One row per deal signed by the as-of date (int_signed_deal_anchors) with who it belongs to and its
-- term, for int_contracts (docs/retention.md):
-- - the customer: the company key of the lead on the opportunity of the deal's renewal-chain anchor
--   (int_account_lead_companies; `lead:<id>` when the lead names no company) within the
--   opportunity's business unit. An opportunity without a person (lead_origin `account`) takes the
--   customer of its account's person-linked opportunities (the won ones first, then the earliest),
--   else `account:<id>`; without an account either, `opportunity:<id>`;
-- - the anchor's owner and the lead's source channel;
-- - the term: contract_start / contract_end, or var default_contract_months from the start
--   (contract_start, else the signing date) when either date is missing or the end precedes the start.
-- A model of its own, not CTEs of int_contracts, which reads it several times: Spark plans every
-- read of a CTE anew (docs/engines.md).
with

anchored as (
    select * from {{ ref('int_signed_deal_anchors') }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

lead_companies as (
    select * from {{ ref('int_account_lead_companies') }}
),

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

campaigns as (
    select * from {{ ref('stg_crm__campaigns') }}
),

opportunity_customers as (
    -- The customer of each opportunity with a person: its lead's company key,
    -- else `lead:<id>`.
    select
        opportunities.opportunity_id,
        opportunities.account_id,
        opportunities.is_won,
        opportunities.opportunity_created_at,
        lead_companies.company_key,
        coalesce(
            lead_companies.company_key,
            {{ dbt.concat(["'lead:'", 'opportunities.lead_id']) }}
        ) as customer_key
    from opportunities
    left join lead_companies
        on opportunities.lead_id = lead_companies.lead_id
    where opportunities.lead_id is not null
),

account_customers as (
    -- The customer an account's person-linked opportunities belong to (won
    -- ones first, then the earliest), for its opportunities without a person.
    -- The CSV contract has no accounts: none.
    select
        account_id,
        company_key,
        customer_key,
        row_number() over (
            partition by account_id
            order by
                case when is_won then 0 else 1 end,
                opportunity_created_at,
                opportunity_id
        ) as account_rank
    from opportunity_customers
    where account_id is not null
),

anchor_attributes as (
    select
        anchored.deal_id,
        anchored.anchor_deal_id,
        -- an anchor whose opportunity is not loaded has no unit: var default_business_unit, the unit
        -- staging gives a record without one, never a label of its own
        coalesce(opportunities.business_unit, '{{ var("default_business_unit") }}') as business_unit,
        opportunities.owner_id as anchor_owner_id,
        opportunities.lead_id,
        coalesce(
            opportunity_customers.customer_key,
            account_customers.customer_key,
            {{ dbt.concat(["'account:'", 'opportunities.account_id']) }},
            {{ dbt.concat(["'opportunity:'", 'anchor.opportunity_id']) }},
            {{ dbt.concat(["'deal:'", 'anchored.anchor_deal_id']) }}
        ) as customer_key,
        coalesce(opportunity_customers.company_key, account_customers.company_key) as company_key,
        campaigns.channel as lead_source_channel
    from anchored
    left join anchored as anchor
        on anchored.anchor_deal_id = anchor.deal_id
    left join opportunities
        on anchor.opportunity_id = opportunities.opportunity_id
    left join opportunity_customers
        on opportunities.opportunity_id = opportunity_customers.opportunity_id
    left join account_customers
        on opportunities.lead_id is null
            and opportunities.account_id = account_customers.account_id
            and account_customers.account_rank = 1
    left join leads
        on opportunities.lead_id = leads.lead_id
    left join campaigns
        on leads.source_campaign_id = campaigns.campaign_id
),

terms as (
    select
        anchored.deal_id,
        coalesce(anchored.contract_start, anchored.signed_on) as contract_start,
        anchored.contract_start is null
        or anchored.contract_end is null
        or anchored.contract_end < coalesce(anchored.contract_start, anchored.signed_on) as is_term_defaulted
    from anchored
),

final as (
    select
        anchored.deal_id,
        anchored.opportunity_id,
        anchored.deal_type,
        anchored.signed_on,
        anchored.renewed_from_deal_id,
        anchored.currency,
        anchored.amount,
        anchored.amount_reporting,
        anchored.anchor_deal_id,
        anchor_attributes.business_unit,
        anchor_attributes.anchor_owner_id,
        anchor_attributes.customer_key,
        anchor_attributes.company_key,
        anchor_attributes.lead_source_channel,
        terms.contract_start,
        case
            when terms.is_term_defaulted
                then {{ default_contract_end('terms.contract_start') }}
            else anchored.contract_end
        end as contract_end,
        terms.is_term_defaulted
    from anchored
    inner join anchor_attributes
        on anchored.deal_id = anchor_attributes.deal_id
    inner join terms
        on anchored.deal_id = terms.deal_id
)

select * from final
