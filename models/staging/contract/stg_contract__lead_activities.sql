-- Its tests read the rows of the leads the loader changed since they last passed (macros/nightly/untested_leads.sql).
{{ loaded_lead_tests_config() }}
with

source as (
    select * from {{ source('revops_contract', 'lead_activities') }}
),

final as (
    select
        cast(activity_id as {{ dbt.type_string() }}) as activity_id,
        cast(lead_id as {{ dbt.type_string() }}) as lead_id,
        cast(activity_at as {{ dbt.type_timestamp() }}) as activity_at,
        cast(activity_type as {{ dbt.type_string() }}) as activity_type,
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id
    from source
)

select * from final
