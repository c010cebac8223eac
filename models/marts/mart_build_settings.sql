-- One row: the instant and the settings every mart of this build was computed at, published with
-- the marts. BI and the dashboard read the build's as-of here (the publication holds schema marts
-- only, not int_as_of), the timezone every time is in, the reporting currency every amount is in,
-- and the month the fiscal year starts in, so a reader never takes them from a project file that
-- another build's --vars overrode.
with

as_of as (
    select * from {{ ref('int_as_of') }}
),

final as (
    select
        cast(as_of_at as {{ dbt.type_timestamp() }}) as as_of_at,
        cast(as_of_source as {{ dbt.type_string() }}) as as_of_source,
        cast('{{ var("reporting_timezone") }}' as {{ dbt.type_string() }}) as reporting_timezone,
        cast('{{ var("reporting_currency") }}' as {{ dbt.type_string() }}) as reporting_currency,
        cast({{ var('fiscal_year_start_month') | int }} as integer) as fiscal_year_start_month
    from as_of
)

select * from final
