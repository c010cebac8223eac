-- Contacts not deleted in Salesforce (nor by the connector), renamed.
with

source as (
    {{ salesforce_select('contact') }}
),

final as (
    select
        id as contact_id,
        created_date as created_at,
        account_id,
        email,
        owner_id,
        business_unit_c as business_unit,
        mql_date_c as crm_mql_at
    from source
)

select * from final
