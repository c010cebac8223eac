with

source as (
    select * from {{ source('revops_contract', 'deals') }}
),

final as (
    select
        cast(deal_id as {{ dbt.type_string() }}) as deal_id,
        cast(opportunity_id as {{ dbt.type_string() }}) as opportunity_id,
        cast(signed_at as date) as signed_on,
        cast(deal_type as {{ dbt.type_string() }}) as deal_type,
        cast(amount as {{ dbt.type_numeric() }}) as amount,
        cast(coalesce(currency, {{ default_currency() }}) as {{ dbt.type_string() }}) as currency,
        cast(contract_start as date) as contract_start,
        cast(contract_end as date) as contract_end,
        cast(renewed_from_deal_id as {{ dbt.type_string() }}) as renewed_from_deal_id
    from source
)

select * from final
