with

source as (
    select * from {{ source('revops_contract', 'owners') }}
),

final as (
    select
        cast(owner_id as {{ dbt.type_string() }}) as owner_id,
        cast(name as {{ dbt.type_string() }}) as owner_name,
        cast(team as {{ dbt.type_string() }}) as team,
        cast(business_unit as {{ dbt.type_string() }}) as business_unit
    from source
)

select * from final
