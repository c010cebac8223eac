with

source as (
    select * from {{ source('loader', 'load_metadata') }}
),

final as (
    select
        cast(loaded_at_utc as {{ dbt.type_timestamp() }}) as loaded_at_utc,
        cast(export_time as {{ dbt.type_timestamp() }}) as export_time,
        cast(future_tolerance_hours as {{ dbt.type_int() }}) as future_tolerance_hours,
        cast(source_timezone as {{ dbt.type_string() }}) as source_timezone,
        cast(reporting_timezone as {{ dbt.type_string() }}) as reporting_timezone,
        cast(load_mode as {{ dbt.type_string() }}) as load_mode,
        cast(raw_dir as {{ dbt.type_string() }}) as raw_dir
    from source
)

select * from final
