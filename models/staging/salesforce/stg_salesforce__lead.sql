-- Leads not deleted in Salesforce (nor by the connector), renamed.
with

source as (
    {{ salesforce_select('lead') }}
),

final as (
    select
        id as lead_id,
        created_date as created_at,
        company,
        website,
        email,
        status,
        owner_id,
        is_converted,
        converted_contact_id,
        converted_account_id,
        converted_opportunity_id,
        converted_date,
        business_unit_c as business_unit,
        mql_date_c as crm_mql_at,
        last_modified_date as updated_at
    from source
)

select * from final
