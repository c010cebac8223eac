-- Opportunities not deleted in Salesforce (nor by the connector), renamed. The contract term comes
-- from the custom fields vars salesforce_contract_start_field / _end_field name (null without them).
with

source as (
    {{ salesforce_select('opportunity') }}
),

final as (
    select
        id as opportunity_id,
        account_id,
        name as opportunity_name,
        type as opportunity_type,
        stage_name,
        amount,
        currency_iso_code,
        created_date as created_at,
        close_date,
        is_closed,
        is_won,
        owner_id,
        business_unit_c as business_unit,
        contract_start_date_c as contract_start,
        contract_end_date_c as contract_end
    from source
)

select * from final
