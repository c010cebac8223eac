-- Its tests read the rows of the leads the loader changed since they last passed (macros/nightly/untested_leads.sql).
{{ loaded_lead_tests_config() }}
with

source as (
    select * from {{ source('revops_contract', 'lead_status_changes') }}
),

final as (
    select
        cast(lead_id as {{ dbt.type_string() }}) as lead_id,
        cast(changed_at as {{ dbt.type_timestamp() }}) as changed_at,
        cast(status as {{ dbt.type_string() }}) as status,
        cast(owner_id as {{ dbt.type_string() }}) as owner_id
    from source
)

select * from final
