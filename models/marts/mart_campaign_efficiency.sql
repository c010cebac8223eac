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
        {{ cost_efficiency_totals() }},
        cost_per_lead,
        cost_per_mql,
        cost_per_sal,
        cost_per_opportunity,
        cost_per_won,
        roi
    from campaign_efficiency
)

select * from final
