-- The fiscal quarters and their weeks the pipeline marts report: every quarter from the quarter of
-- the earliest instant a state counts at (int_opportunity_states: created_at, or moved_at, which is
-- closed_at for a deal entered into the CRM already closed with a close before its creation) to the
-- as-of quarter, each week starting on the quarter's first day + 7k days (the last week may be
-- short), up to as-of. next_quarter_start bounds the quarter's window.
with

spine as (
    select * from {{ ref('int_time_spine_daily') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

states as (
    select * from {{ ref('int_opportunity_states') }}
),

-- Every instant a mart places a state at: its opportunity's creation (performance's created) and the
-- instant it moves the waterfall (movements, closes, slips and stage runs; never after valid_from).
state_times as (
    select created_at as state_at from states
    union all
    select moved_at as state_at from states
),

first_state as (
    select min(state_at) as first_state_at from state_times
),

days as (
    select
        spine.date_day,
        {{ fiscal_quarter_start('spine.date_day') }} as quarter_start
    from spine
    cross join as_of
    cross join first_state
    where
        spine.date_day >= {{ fiscal_quarter_start('first_state.first_state_at') }}
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
