-- The rules of mart_channel_efficiency (which selects and casts this): the
-- campaigns of int_campaign_efficiency added up per channel, for every
-- business unit together and for each unit, with each scope's total over every
-- channel (business_unit_scope or channel_scope all_rows_label()). Campaigns
-- without a unit count only in the every-unit rows. The cost per stage is the
-- campaigns' rule (macro cost_efficiency_columns) applied to the sums.
with

campaign_efficiency as (
    select * from {{ ref('int_campaign_efficiency') }}
),

-- Every campaign counts for every unit together, and for its own unit (none
-- without one).
unit_scopes as (
    {{ all_and_own_scopes(
        'campaign_efficiency', 'campaign_id', 'business_unit', 'business_unit_scope', only_known=true
    ) }}
),

-- Every campaign counts for its channel, and for every channel together.
channel_scopes as (
    {{ all_and_own_scopes('campaign_efficiency', 'campaign_id', 'channel', 'channel_scope') }}
),

totals as (
    select
        unit_scopes.business_unit_scope,
        channel_scopes.channel_scope,
        count(*) as campaigns,
        sum(campaign_efficiency.total_cost) as total_cost,
        sum(campaign_efficiency.leads) as leads,
        sum(campaign_efficiency.mqls) as mqls,
        sum(campaign_efficiency.sals) as sals,
        sum(campaign_efficiency.opportunities) as opportunities,
        sum(campaign_efficiency.won_deals) as won_deals,
        sum(campaign_efficiency.renewals) as renewals,
        sum(campaign_efficiency.won_amount) as won_amount
    from campaign_efficiency
    inner join unit_scopes
        on campaign_efficiency.campaign_id = unit_scopes.campaign_id
    inner join channel_scopes
        on campaign_efficiency.campaign_id = channel_scopes.campaign_id
    group by unit_scopes.business_unit_scope, channel_scopes.channel_scope
),

final as (
    select
        totals.*,
        {{ cost_efficiency_columns() }}
    from totals
)

select * from final
