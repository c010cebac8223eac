-- Campaign members not deleted in Salesforce (nor by the connector), renamed.
with

source as (
    {{ salesforce_select('campaign_member') }}
),

final as (
    select
        id as campaign_member_id,
        campaign_id,
        lead_id,
        contact_id,
        status as member_status,
        has_responded,
        first_responded_date,
        created_date as created_at
    from source
)

select * from final
