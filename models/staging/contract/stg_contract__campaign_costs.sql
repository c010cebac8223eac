with

source as (
    select * from {{ source('revops_contract', 'campaign_costs') }}
),

final as (
    select
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(cost_date as date) as cost_date,
        cast(amount as {{ dbt.type_numeric() }}) as amount,
        cast(coalesce(currency, {{ default_currency() }}) as {{ dbt.type_string() }}) as currency
    from source
)

select * from final
