with

source as (
    select * from {{ source('raw', 'opportunities') }}
),

final as (
    select
        cast(opportunity_id as {{ dbt.type_string() }}) as opportunity_id,
        cast(lead_id as {{ dbt.type_string() }}) as lead_id,
        cast(business_unit as {{ dbt.type_string() }}) as business_unit,
        cast(owner_id as {{ dbt.type_string() }}) as owner_id,
        cast(created_at as {{ dbt.type_timestamp() }}) as opportunity_created_at,
        cast(stage as {{ dbt.type_string() }}) as crm_stage,
        cast(amount as {{ dbt.type_numeric() }}) as amount,
        cast(coalesce(currency, 'JPY') as {{ dbt.type_string() }}) as currency,
        cast(closed_at as {{ dbt.type_timestamp() }}) as closed_at,
        cast(is_won as {{ dbt.type_boolean() }}) as is_won
    from source
)

select * from final
