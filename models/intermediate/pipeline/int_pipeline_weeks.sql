-- The fiscal quarters and their weeks the pipeline marts report: every quarter from the first
-- opportunity's to the as-of quarter, each week starting on the quarter's first day + 7k days
-- (the last week may be short), up to as-of. next_quarter_start bounds the quarter's window.
with

spine as (
    select * from {{ ref('int_time_spine_daily') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

opportunities as (
    select * from {{ ref('stg_crm__opportunities') }}
),

first_opportunity as (
    select min(opportunity_created_at) as first_created_at from opportunities
),

days as (
    select
        spine.date_day,
        {{ fiscal_quarter_start('spine.date_day') }} as quarter_start
    from spine
    cross join as_of
    cross join first_opportunity
    where
        spine.date_day >= {{ fiscal_quarter_start('first_opportunity.first_created_at') }}
        and cast(spine.date_day as {{ dbt.type_timestamp() }}) <= as_of.as_of_at
),

quarter_days as (
    select
        date_day,
        quarter_start,
        {{ dbt.datediff('quarter_start', 'date_day', 'day') }}
            as day_of_quarter
    from days
),

final as (
    select
        quarter_start,
        cast({{ dbt.dateadd('month', 3, 'quarter_start') }} as date) as next_quarter_start,
        {{ fiscal_year('quarter_start') }} as fiscal_year,
        {{ fiscal_quarter('quarter_start') }} as fiscal_quarter,
        cast(day_of_quarter / 7 as integer) + 1 as week_of_quarter,
        date_day as week_start
    from quarter_days
    where mod(day_of_quarter, 7) = 0
)

select * from final
