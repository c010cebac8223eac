-- Its tests read the rows of the leads the loader changed since they last passed (macros/nightly/untested_leads.sql).
{{ loaded_lead_tests_config() }}
with

source as (
    select * from {{ source('revops_contract', 'leads') }}
),

final as (
    select
        cast(lead_id as {{ dbt.type_string() }}) as lead_id,
        cast(created_at as {{ dbt.type_timestamp() }}) as lead_created_at,
        cast(business_unit as {{ dbt.type_string() }}) as business_unit,
        cast(source_campaign_id as {{ dbt.type_string() }}) as source_campaign_id,
        -- the source campaign created the lead: it touched it then
        cast(created_at as {{ dbt.type_timestamp() }}) as source_touch_at,
        cast(company_name as {{ dbt.type_string() }}) as company_name,
        cast(company_domain as {{ dbt.type_string() }}) as company_domain,
        cast(email as {{ dbt.type_string() }}) as email,
        cast(crm_mql_at as {{ dbt.type_timestamp() }}) as crm_mql_at,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at
    from source
)

select * from final
