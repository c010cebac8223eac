{{ config(severity='warn', enabled=var('crm_source', 'contract') == 'salesforce') }}
-- Responded CampaignMember Statuses seed campaign_member_status_map does not map (they became
-- `other_activity`, 0 points), with counts: add them to
-- seeds/sources/salesforce/campaign_member_status_map.csv.
with

activities as (
    select * from {{ ref('stg_salesforce__crm_lead_activities') }}
),

final as (
    select
        source_type as member_status,
        count(*) as member_count
    from activities
    where source_object = 'campaign_member'
        and not is_type_mapped
    group by source_type
)

select * from final
