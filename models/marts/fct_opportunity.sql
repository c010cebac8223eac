-- One row per opportunity of the source system, whether or not a person (lead) is linked to it:
-- nothing is left out of the won amount. Amounts in the reporting currency: the opportunity's
-- amount at the rate of the month it was created (int_opportunities_reporting_currency); won_amount
-- is the sum of its deals at the rate of the month each was signed (int_deals_reporting_currency),
-- deal_type the type of its first deal (signed_on, then deal_id).
with

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

opportunities_reporting as (
    select * from {{ ref('int_opportunities_reporting_currency') }}
),

deals as (
    select * from {{ ref('int_deals_reporting_currency') }}
),

owners as (
    select * from {{ ref('stg_crm__owners') }}
),

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

lead_companies as (
    select * from {{ ref('int_account_lead_companies') }}
),

stage_runs as (
    select * from {{ ref('int_opportunity_stage_runs') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

current_stage_runs as (
    select
        opportunity_id,
        started_at as stage_entered_at
    from stage_runs
    where ended_at is null
),

opportunity_deals as (
    select
        opportunity_id,
        deal_type,
        sum(amount_reporting) over (partition by opportunity_id) as won_amount,
        row_number() over (partition by opportunity_id order by signed_on, deal_id) as deal_order
    from deals
    where opportunity_id is not null
),

final as (
    select
        opportunities.opportunity_id,
        opportunities.lead_id,
        opportunities.lead_origin,
        opportunities.account_id,
        lead_companies.company_key,
        opportunities.business_unit,
        opportunities.owner_id,
        owners.team as owner_team,
        opportunities.opportunity_created_at as created_at,
        opportunities.crm_stage as stage,
        opportunities.is_closed,
        coalesce(opportunities.is_won, false) as is_won,
        opportunities.closed_at,
        cast(opportunities_reporting.amount_reporting as {{ type_money() }}) as amount,
        cast(coalesce(opportunity_deals.won_amount, 0) as {{ type_money() }}) as won_amount,
        opportunity_deals.deal_type,
        leads.source_campaign_id,
        opportunities.close_date,
        -- Pipeline (docs/pipeline.md): days from created to closed (the sales cycle, never below 0), or
        -- to as-of while open; null when created after as-of. Days at as-of in the stage it was in then
        -- (the stage run in force at as-of: int_opportunity_stage_runs are cut there; null when it was
        -- not open at as-of).
        case
            when opportunities.opportunity_created_at > as_of.as_of_at then null
            when opportunities.is_closed
                then {{ sales_cycle_days('opportunities.opportunity_created_at', 'opportunities.closed_at') }}
            else {{ days_between('opportunities.opportunity_created_at', 'as_of.as_of_at') }}
        end as days_open,
        {{ days_between('current_stage_runs.stage_entered_at', 'as_of.as_of_at') }} as current_stage_age_days
    from opportunities
    cross join as_of
    inner join opportunities_reporting
        on opportunities.opportunity_id = opportunities_reporting.opportunity_id
    left join opportunity_deals
        on opportunities.opportunity_id = opportunity_deals.opportunity_id
            and opportunity_deals.deal_order = 1
    left join owners
        on opportunities.owner_id = owners.owner_id
    left join leads
        on opportunities.lead_id = leads.lead_id
    left join lead_companies
        on opportunities.lead_id = lead_companies.lead_id
    left join current_stage_runs
        on opportunities.opportunity_id = current_stage_runs.opportunity_id
)

select * from final
