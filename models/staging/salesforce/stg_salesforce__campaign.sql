-- Campaigns not deleted in Salesforce (nor by the connector), renamed.
with

source as (
    {{ salesforce_select('campaign') }}
),

final as (
    select
        id as campaign_id,
        name as campaign_name,
        type as campaign_type,
        status as campaign_status,
        start_date,
        end_date,
        actual_cost,
        currency_iso_code,
        business_unit_c as business_unit
    from source
)

select * from final
