-- Cost efficiency per campaign through the funnel: what each stage reached by
-- the campaign's source leads cost. Campaigns with cost but no leads are kept.
with

campaigns as (
    select * from {{ ref('stg_crm__campaigns') }}
),

campaign_costs as (
    select * from {{ ref('int_campaign_costs_reporting_currency') }}
),

lead_funnel as (
    select * from {{ ref('fct_lead_funnel') }}
),

cost_totals as (
    select
        campaign_id,
        sum(amount_reporting) as total_cost
    from campaign_costs
    group by campaign_id
),

source_lead_counts as (
    select
        source_campaign_id as campaign_id,
        count(*) as leads,
        count(mql_at) as mqls,
        count(sal_at) as sals,
        count(opportunity_at) as opportunities,
        count(won_at) as won_deals,
        count(renewed_at) as renewals,
        sum(won_amount) as won_amount
    from lead_funnel
    where source_campaign_id is not null
    group by source_campaign_id
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
        cast(total_cost as {{ type_money() }}) as total_cost,
        cast(leads as {{ dbt.type_bigint() }}) as leads,
        cast(mqls as {{ dbt.type_bigint() }}) as mqls,
        cast(sals as {{ dbt.type_bigint() }}) as sals,
        cast(opportunities as {{ dbt.type_bigint() }}) as opportunities,
        cast(won_deals as {{ dbt.type_bigint() }}) as won_deals,
        cast(renewals as {{ dbt.type_bigint() }}) as renewals,
        cast(won_amount as {{ type_money() }}) as won_amount,
        {{ safe_divide('total_cost', 'leads') }} as cost_per_lead,
        {{ safe_divide('total_cost', 'mqls') }} as cost_per_mql,
        {{ safe_divide('total_cost', 'sals') }} as cost_per_sal,
        {{ safe_divide('total_cost', 'opportunities') }} as cost_per_opportunity,
        {{ safe_divide('total_cost', 'won_deals') }} as cost_per_won,
        {{ safe_divide('won_amount - total_cost', 'total_cost') }} as roi
    from combined
)

select * from final
