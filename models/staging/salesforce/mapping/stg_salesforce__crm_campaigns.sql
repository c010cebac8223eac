-- Campaigns: channel comes from seed campaign_type_channel_map on the campaign's Type; a campaign
-- without a Type, or with a Type the seed does not map, is channel `other`.
with

campaigns as (
    select * from {{ ref('stg_salesforce__campaign') }}
),

type_channels as (
    select * from {{ ref('campaign_type_channel_map') }}
),

final as (
    select
        campaigns.campaign_id,
        campaigns.campaign_name,
        coalesce(type_channels.channel, 'other') as channel,
        campaigns.business_unit,
        campaigns.start_date as started_on,
        campaigns.end_date as ended_on,
        campaigns.campaign_type,
        campaigns.campaign_type is null or type_channels.channel is not null as is_type_mapped
    from campaigns
    left join type_channels
        on campaigns.campaign_type = type_channels.campaign_type
)

select * from final
