-- The pipeline at each week's start per fiscal quarter x business unit (docs/pipeline.md, "Coverage"
-- and "Forecast accuracy"): the state carried into the week's first instant, up to as-of. Open
-- pipeline is open with its close date in the quarter; won to date is the quarter's won exits
-- (int_pipeline_movements) before the week. The forecasts: won to date + commit, and that + best case.
-- final_won_amount: the quarter's won amount once the quarter is over at as-of (period_is_over; null
-- while it is open).
-- Longer than 150 lines on purpose: coverage and the ヨミ forecasts read the same week instants and
-- states; split, each would repeat the state-at-instant join.
with

weeks as (
    select * from {{ ref('int_pipeline_weeks') }}
),

states as (
    select * from {{ ref('int_opportunity_states') }}
),

movements as (
    select * from {{ ref('int_pipeline_movements') }}
),

targets as (
    select * from {{ ref('bookings_targets') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

week_instants as (
    select
        weeks.*,
        cast(weeks.week_start as {{ dbt.type_timestamp() }}) as week_start_at,
        cast(weeks.quarter_start as {{ dbt.type_timestamp() }}) as window_start,
        cast(weeks.next_quarter_start as {{ dbt.type_timestamp() }}) as window_end,
        as_of.as_of_at
    from weeks
    cross join as_of
),

business_units as (
    select distinct business_unit from states
),

open_pipeline as (
    select
        week_instants.week_start,
        states.business_unit,
        count(*) as open_count,
        sum(coalesce(states.amount, 0)) as open_amount,
        sum(coalesce(states.amount, 0) * coalesce(states.probability, 0)) as weighted_amount,
        sum(case when states.forecast_category = 'commit' then coalesce(states.amount, 0) else 0 end)
            as commit_amount,
        sum(case when states.forecast_category = 'best_case' then coalesce(states.amount, 0) else 0 end)
            as best_case_amount
    from states
    inner join week_instants
        on states.pipeline_quarter_start = week_instants.quarter_start
            and states.valid_from < week_instants.week_start_at
            and (states.valid_to is null or states.valid_to >= week_instants.week_start_at)
    group by week_instants.week_start, states.business_unit
),

won_to_date as (
    select
        week_instants.week_start,
        movements.business_unit,
        sum(movements.amount) as won_amount
    from movements
    inner join week_instants
        on movements.quarter_start = week_instants.quarter_start
            and movements.movement = 'won'
            and movements.moved_at >= week_instants.window_start
            and movements.moved_at < week_instants.week_start_at
    group by week_instants.week_start, movements.business_unit
),

quarter_won as (
    select
        movements.quarter_start,
        movements.business_unit,
        sum(movements.amount) as won_amount
    from movements
    where movements.movement = 'won'
    group by movements.quarter_start, movements.business_unit
),

joined as (
    select
        week_instants.fiscal_year,
        week_instants.fiscal_quarter,
        week_instants.quarter_start,
        week_instants.week_of_quarter,
        week_instants.week_start,
        business_units.business_unit,
        coalesce(open_pipeline.open_count, 0) as open_count,
        coalesce(open_pipeline.open_amount, 0) as open_amount,
        coalesce(open_pipeline.weighted_amount, 0) as weighted_amount,
        coalesce(open_pipeline.commit_amount, 0) as commit_amount,
        coalesce(open_pipeline.best_case_amount, 0) as best_case_amount,
        coalesce(won_to_date.won_amount, 0) as won_to_date_amount,
        targets.target_amount,
        case
            when {{ period_is_over('week_instants.window_end', 'week_instants.as_of_at') }}
                then coalesce(quarter_won.won_amount, 0)
        end as final_won_amount
    from week_instants
    cross join business_units
    left join open_pipeline
        on week_instants.week_start = open_pipeline.week_start
            and business_units.business_unit = open_pipeline.business_unit
    left join won_to_date
        on week_instants.week_start = won_to_date.week_start
            and business_units.business_unit = won_to_date.business_unit
    left join quarter_won
        on week_instants.quarter_start = quarter_won.quarter_start
            and business_units.business_unit = quarter_won.business_unit
    left join targets
        on week_instants.fiscal_year = targets.fiscal_year
            and week_instants.fiscal_quarter = targets.fiscal_quarter
            and business_units.business_unit = targets.business_unit
),

forecasts as (
    select
        joined.*,
        joined.won_to_date_amount + joined.commit_amount as commit_forecast_amount,
        joined.won_to_date_amount + joined.commit_amount + joined.best_case_amount as best_case_forecast_amount,
        case
            when joined.target_amount - joined.won_to_date_amount > 0
                then {{ safe_divide('joined.open_amount', 'joined.target_amount - joined.won_to_date_amount') }}
        end as coverage
    from joined
),

accuracy as (
    select
        forecasts.*,
        1 - {{ safe_divide('abs(commit_forecast_amount - final_won_amount)', 'final_won_amount') }}
            as commit_accuracy,
        1 - {{ safe_divide('abs(best_case_forecast_amount - final_won_amount)', 'final_won_amount') }}
            as best_case_accuracy,
        case
            when forecasts.final_won_amount > 0
                and abs(forecasts.commit_forecast_amount - forecasts.final_won_amount)
                <= 0.1 * forecasts.final_won_amount
                then forecasts.week_of_quarter
        end as commit_within_10pct_week
    from forecasts
),

final as (
    select
        accuracy.*,
        min(accuracy.commit_within_10pct_week) over (partition by accuracy.quarter_start, accuracy.business_unit)
            as first_week_commit_within_10pct
    from accuracy
)

select * from final
