with

source as (
    select * from {{ source('loader', 'business_calendar') }}
),

final as (
    select
        cast(calendar_date as date) as calendar_date,
        cast(iso_day_of_week as {{ dbt.type_int() }}) as iso_day_of_week,
        cast(is_weekend as {{ dbt.type_boolean() }}) as is_weekend,
        cast(is_public_holiday as {{ dbt.type_boolean() }}) as is_public_holiday,
        cast(holiday_name as {{ dbt.type_string() }}) as holiday_name,
        cast(holiday_name_ja as {{ dbt.type_string() }}) as holiday_name_ja,
        cast(is_business_day as {{ dbt.type_boolean() }}) as is_business_day
    from source
)

select * from final
