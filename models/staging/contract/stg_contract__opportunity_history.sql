with

source as (
    select * from {{ source('revops_contract', 'opportunity_history') }}
),

final as (
    select
        cast(opportunity_id as {{ dbt.type_string() }}) as opportunity_id,
        cast(changed_at as {{ dbt.type_timestamp() }}) as changed_at,
        cast(stage as {{ dbt.type_string() }}) as crm_stage,
        cast(amount as {{ dbt.type_numeric() }}) as amount,
        cast(currency as {{ dbt.type_string() }}) as currency,
        cast(close_date as date) as close_date,
        cast(forecast_category as {{ dbt.type_string() }}) as forecast_category
    from source
)

select * from final
