{{ lead_replace_config(lead_watermark='lead_created_at') }}
with

stages_entered as (
    select * from {{ ref('int_lead_stages_entered') }}
    {{- incremental_lead_filter() }}
),

campaigns as (
    select * from {{ ref('stg_crm__campaigns') }}
),

final as (
    select
        stages_entered.lead_id,
        stages_entered.business_unit,
        stages_entered.source_campaign_id,
        coalesce(campaigns.channel, 'unknown') as source_channel,
        stages_entered.lead_created_at,
        stages_entered.mql_at,
        stages_entered.sal_at,
        stages_entered.opportunity_at,
        stages_entered.won_at,
        stages_entered.renewed_at,
        stages_entered.is_mql_implied,
        stages_entered.is_sal_implied,
        stages_entered.is_opportunity_implied,
        stages_entered.is_won_implied,
        stages_entered.furthest_stage,
        cast(stages_entered.won_amount as {{ type_money() }}) as won_amount
    from stages_entered
    left join campaigns
        on stages_entered.source_campaign_id = campaigns.campaign_id
)

select * from final
