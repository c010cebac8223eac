-- Cost efficiency per campaign through the funnel (the BI contract): what
-- each stage reached by the campaign's source leads cost. The rules:
-- int_campaign_efficiency.
with

campaign_efficiency as (
    select * from {{ ref('int_campaign_efficiency') }}
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
        cost_per_lead,
        cost_per_mql,
        cost_per_sal,
        cost_per_opportunity,
        cost_per_won,
        roi
    from campaign_efficiency
)

select * from final
