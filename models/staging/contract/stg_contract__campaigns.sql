with

source as (
    select * from {{ source('revops_contract', 'campaigns') }}
),

final as (
    select
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(name as {{ dbt.type_string() }}) as campaign_name,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(business_unit as {{ dbt.type_string() }}) as business_unit,
        cast(started_on as date) as started_on,
        cast(ended_on as date) as ended_on
    from source
)

select * from final
