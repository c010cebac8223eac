-- The rules of mart_campaign_efficiency (which selects and casts this): cost
-- efficiency per campaign through the funnel, what each stage reached by the
-- campaign's source leads cost (their counts: int_campaign_sourced_stages,
-- every half added up). Campaigns with cost but no leads are kept.
with

campaigns as (
    select * from {{ ref('stg_crm__campaigns') }}
),

campaign_costs as (
    select * from {{ ref('int_campaign_costs_reporting_currency') }}
),

sourced_stages as (
    select * from {{ ref('int_campaign_sourced_stages') }}
),

stages_entered as (
    select * from {{ ref('int_lead_stages_entered') }}
),

cost_totals as (
    select
        campaign_id,
        sum(amount_reporting) as total_cost
    from campaign_costs
    group by campaign_id
),

sourced_totals as (
    select
        campaign_id,
        cast(sum(sourced_leads) as {{ dbt.type_bigint() }}) as leads,
        cast(sum(sourced_mqls) as {{ dbt.type_bigint() }}) as mqls,
        cast(sum(sourced_sals) as {{ dbt.type_bigint() }}) as sals,
        cast(sum(sourced_opportunities) as {{ dbt.type_bigint() }}) as opportunities,
        cast(sum(sourced_won_deals) as {{ dbt.type_bigint() }}) as won_deals,
        cast(sum(sourced_renewals) as {{ dbt.type_bigint() }}) as renewals
    from sourced_stages
    group by campaign_id
),

-- Won amount per lead as fct_lead_funnel states it (reporting currency, money type).
won_amounts as (
    select
        source_campaign_id as campaign_id,
        sum(cast(won_amount as {{ type_money() }})) as won_amount
    from stages_entered
    where source_campaign_id is not null
    group by source_campaign_id
),

source_lead_counts as (
    select
        sourced_totals.campaign_id,
        sourced_totals.leads,
        sourced_totals.mqls,
        sourced_totals.sals,
        sourced_totals.opportunities,
        sourced_totals.won_deals,
        sourced_totals.renewals,
        won_amounts.won_amount
    from sourced_totals
    left join won_amounts
        on sourced_totals.campaign_id = won_amounts.campaign_id
),

combined as (
    select
        campaigns.campaign_id,
        campaigns.campaign_name,
        campaigns.channel,
        campaigns.business_unit,
        coalesce(cost_totals.total_cost, 0) as total_cost,
        coalesce(source_lead_counts.leads, 0) as leads,
        coalesce(source_lead_counts.mqls, 0) as mqls,
        coalesce(source_lead_counts.sals, 0) as sals,
        coalesce(source_lead_counts.opportunities, 0) as opportunities,
        coalesce(source_lead_counts.won_deals, 0) as won_deals,
        coalesce(source_lead_counts.renewals, 0) as renewals,
        coalesce(source_lead_counts.won_amount, 0) as won_amount
    from campaigns
    left join cost_totals
        on campaigns.campaign_id = cost_totals.campaign_id
    left join source_lead_counts
        on campaigns.campaign_id = source_lead_counts.campaign_id
),

final as (
    select
        campaign_id,
        campaign_name,
        channel,
        business_unit,
        {{ cost_efficiency_totals() }},
        {{ cost_efficiency_columns() }}
    from combined
)

select * from final
