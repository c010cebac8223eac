-- Cost efficiency per marketing channel (the BI contract): the campaigns of
-- mart_campaign_efficiency added up per channel, for every business unit
-- together and for each unit, with each scope's total over every channel.
-- The rules: int_channel_efficiency.
with

channel_efficiency as (
    select * from {{ ref('int_channel_efficiency') }}
),

final as (
    select
        business_unit_scope,
        channel_scope,
        cast(campaigns as {{ dbt.type_bigint() }}) as campaigns,
        {{ cost_efficiency_totals() }},
        cost_per_lead,
        cost_per_mql,
        cost_per_sal,
        cost_per_opportunity,
        cost_per_won,
        lead_to_opportunity_rate,
        roi
    from channel_efficiency
)

select * from final
