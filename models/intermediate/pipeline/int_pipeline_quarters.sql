-- The fiscal quarters the pipeline marts report (int_pipeline_weeks), each with its window as
-- instants: [window_start, window_end), cut at as_of_at for the current quarter.
with

weeks as (
    select * from {{ ref('int_pipeline_weeks') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

final as (
    select distinct
        weeks.quarter_start,
        weeks.next_quarter_start,
        weeks.fiscal_year,
        weeks.fiscal_quarter,
        cast(weeks.quarter_start as {{ dbt.type_timestamp() }}) as window_start,
        cast(weeks.next_quarter_start as {{ dbt.type_timestamp() }}) as window_end,
        as_of.as_of_at
    from weeks
    cross join as_of
)

select * from final
