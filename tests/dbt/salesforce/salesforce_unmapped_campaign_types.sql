{{ config(severity='warn', enabled=var('crm_source', 'contract') == 'salesforce') }}
-- Campaign Types seed campaign_type_channel_map does not map (channel `other`), with counts.
with

campaigns as (
    select * from {{ ref('stg_salesforce__crm_campaigns') }}
),

final as (
    select
        campaign_type,
        count(*) as campaign_count
    from campaigns
    where not is_type_mapped
    group by campaign_type
)

select * from final
