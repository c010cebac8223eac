-- The pipeline waterfall per fiscal quarter x business unit (docs/pipeline.md, "Waterfall").
-- The quarter's window is [its first instant, next quarter's first instant), cut at as-of for the
-- current quarter. starting: the pipeline carried into its first instant (states begun before it);
-- movements: those in the window (int_pipeline_movements); ending: the pipeline at the window's end
-- (its last instant, or as-of). starting and ending come from the states, the movements from the
-- changes between them, so the identity tests check one against the other.
{%- set movements = pipeline_movements() %}
with

quarters as (
    select * from {{ ref('int_pipeline_quarters') }}
),

states as (
    select * from {{ ref('int_opportunity_states') }}
),

movements as (
    select * from {{ ref('int_pipeline_movements') }}
),

business_units as (
    select distinct business_unit from states
),

starting as (
    select
        quarters.quarter_start,
        states.business_unit,
        count(*) as starting_count,
        sum(coalesce(states.amount, 0)) as starting_amount
    from states
    inner join quarters
        on states.pipeline_quarter_start = quarters.quarter_start
            and states.valid_from < quarters.window_start
            and (states.valid_to is null or states.valid_to >= quarters.window_start)
    group by quarters.quarter_start, states.business_unit
),

ending as (
    select
        quarters.quarter_start,
        states.business_unit,
        count(*) as ending_count,
        sum(coalesce(states.amount, 0)) as ending_amount
    from states
    inner join quarters
        on states.pipeline_quarter_start = quarters.quarter_start
            and states.valid_from < quarters.window_end
            and states.valid_from <= quarters.as_of_at
            and (
                states.valid_to is null
                or (states.valid_to >= quarters.window_end or states.valid_to > quarters.as_of_at)
            )
    group by quarters.quarter_start, states.business_unit
),

moved as (
    select
        quarters.quarter_start,
        {%- for movement in movements %}
            sum(case when movements.movement = '{{ movement }}' then 1 else 0 end) as {{ movement }}_count,
            sum(case when movements.movement = '{{ movement }}' then movements.amount else 0 end)
                as {{ movement }}_amount,
        {%- endfor %}
        movements.business_unit
    from movements
    inner join quarters
        on movements.quarter_start = quarters.quarter_start
            and movements.moved_at >= quarters.window_start
            and movements.moved_at < quarters.window_end
            and movements.moved_at <= quarters.as_of_at
    group by quarters.quarter_start, movements.business_unit
),

final as (
    select
        quarters.fiscal_year,
        quarters.fiscal_quarter,
        quarters.quarter_start,
        business_units.business_unit,
        not {{ period_is_over('quarters.window_end', 'quarters.as_of_at') }} as is_current_quarter,
        cast(coalesce(starting.starting_count, 0) as {{ dbt.type_bigint() }}) as starting_count,
        cast(coalesce(starting.starting_amount, 0) as {{ type_money() }}) as starting_amount,
        {%- for movement in movements %}
            cast(coalesce(moved.{{ movement }}_count, 0) as {{ dbt.type_bigint() }}) as {{ movement }}_count,
            cast(coalesce(moved.{{ movement }}_amount, 0) as {{ type_money() }}) as {{ movement }}_amount,
        {%- endfor %}
        cast(coalesce(ending.ending_count, 0) as {{ dbt.type_bigint() }}) as ending_count,
        cast(coalesce(ending.ending_amount, 0) as {{ type_money() }}) as ending_amount
    from quarters
    cross join business_units
    left join starting
        on quarters.quarter_start = starting.quarter_start
            and business_units.business_unit = starting.business_unit
    left join moved
        on quarters.quarter_start = moved.quarter_start
            and business_units.business_unit = moved.business_unit
    left join ending
        on quarters.quarter_start = ending.quarter_start
            and business_units.business_unit = ending.business_unit
)

select * from final
