-- Field-sales performance per fiscal quarter x business unit x owner (docs/pipeline.md,
-- "Performance"): opportunities created in the quarter (at their first amount), final closes in it
-- (won / lost, at their final amount), win rates (won / closed), median sales cycle of the won
-- (created to closed, days), median days of the stage runs that ended in the quarter, slipped
-- opportunities (close date moved later from one open state to the next, at least once in the
-- quarter; a reopen is not a slip), and, for the as-of quarter while it is not over (period_is_over),
-- open opportunities stalled (滞留): no state change for more than var stalled_opportunity_days at
-- as-of.
-- Longer than 150 lines on purpose: created, closed, slipped, stage-run and stalled counts are each
-- aggregated per quarter x unit x owner in their own step and joined onto one grid (the grid and its
-- joins are written once, over per_owner_steps).
{%- set per_owner_steps = ['created', 'closed', 'stage_days', 'slipped', 'stalled'] %}
{%- set stalled_days = var('stalled_opportunity_days') %}
{%- if stalled_days is not number or stalled_days | int != stalled_days or stalled_days < 1 %}
    {{ exceptions.raise_compiler_error(
        "var stalled_opportunity_days must be a whole number of days, at least 1, got " ~ stalled_days
    ) }}
{%- endif %}
with

quarters as (
    select * from {{ ref('int_pipeline_quarters') }}
),

states as (
    select * from {{ ref('int_opportunity_states') }}
),

stage_runs as (
    select * from {{ ref('int_opportunity_stage_runs') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

created as (
    select
        {{ fiscal_quarter_start('created_at') }} as quarter_start,
        business_unit,
        owner_id,
        count(*) as created_count,
        sum(coalesce(amount, 0)) as created_amount
    from states
    where state_number = 1
    group by {{ fiscal_quarter_start('created_at') }}, business_unit, owner_id
),

closed as (
    select
        closed_quarter_start as quarter_start,
        business_unit,
        owner_id,
        count(*) as closed_count,
        sum(coalesce(amount, 0)) as closed_amount,
        sum(case when is_won then 1 else 0 end) as won_count,
        sum(case when is_won then coalesce(amount, 0) else 0 end) as won_amount,
        sum(case when is_won then 0 else 1 end) as lost_count,
        sum(case when is_won then 0 else coalesce(amount, 0) end) as lost_amount,
        {{ median_sales_cycle_days('is_won', 'created_at', 'moved_at') }} as median_sales_cycle_days
    from states
    where is_final_close
    group by closed_quarter_start, business_unit, owner_id
),

stage_days as (
    select
        ended_quarter_start as quarter_start,
        business_unit,
        owner_id,
        {{ median('days_in_stage') }} as median_days_in_stage
    from stage_runs
    where ended_quarter_start is not null
    group by ended_quarter_start, business_unit, owner_id
),

close_date_changes as (
    select
        opportunity_id,
        business_unit,
        owner_id,
        valid_from,
        is_closed,
        close_date,
        lag(close_date) over (partition by opportunity_id order by valid_from) as previous_close_date,
        lag(is_closed) over (partition by opportunity_id order by valid_from) as previous_is_closed
    from states
),

slipped as (
    select
        {{ fiscal_quarter_start('valid_from') }} as quarter_start,
        business_unit,
        owner_id,
        count(distinct opportunity_id) as slipped_count
    from close_date_changes
    where not is_closed and not previous_is_closed and close_date > previous_close_date
    group by {{ fiscal_quarter_start('valid_from') }}, business_unit, owner_id
),

stalled as (
    select
        {{ fiscal_quarter_start('as_of.as_of_at') }} as quarter_start,
        states.business_unit,
        states.owner_id,
        count(*) as stalled_count
    from states
    cross join as_of
    -- The state in force at as-of (a later change, when as-of is set in the past or cut at the
    -- export time, does not count), open and unchanged for longer than the var.
    where
        not states.is_closed
        and states.valid_from <= as_of.as_of_at
        and (states.valid_to is null or states.valid_to > as_of.as_of_at)
        and {{ days_between('states.valid_from', 'as_of.as_of_at') }} > {{ stalled_days }}
    group by {{ fiscal_quarter_start('as_of.as_of_at') }}, states.business_unit, states.owner_id
),

keys as (
    {%- for step in per_owner_steps %}
        select
            quarter_start,
            business_unit,
            owner_id
        from {{ step }}
        {%- if not loop.last %}
            union
        {%- endif %}
    {%- endfor %}
),

final as (
    select
        quarters.fiscal_year,
        quarters.fiscal_quarter,
        quarters.quarter_start,
        keys.business_unit,
        keys.owner_id,
        coalesce(created.created_count, 0) as created_count,
        coalesce(created.created_amount, 0) as created_amount,
        coalesce(closed.closed_count, 0) as closed_count,
        coalesce(closed.closed_amount, 0) as closed_amount,
        coalesce(closed.won_count, 0) as won_count,
        coalesce(closed.won_amount, 0) as won_amount,
        coalesce(closed.lost_count, 0) as lost_count,
        coalesce(closed.lost_amount, 0) as lost_amount,
        {{ sales_close_rates(
            'closed.won_count', 'closed.closed_count', 'closed.won_amount', 'closed.closed_amount'
        ) }},
        closed.median_sales_cycle_days,
        stage_days.median_days_in_stage,
        coalesce(slipped.slipped_count, 0) as slipped_count,
        case
            when not {{ period_is_over('quarters.window_end', 'quarters.as_of_at') }}
                then coalesce(stalled.stalled_count, 0)
        end as stalled_count,
        {{ stalled_days }} as stalled_opportunity_days
    from keys
    inner join quarters
        on keys.quarter_start = quarters.quarter_start
    {%- for step in per_owner_steps %}
        left join {{ step }}
            on keys.quarter_start = {{ step }}.quarter_start
                and keys.business_unit = {{ step }}.business_unit
                and {{ null_safe_equal('keys.owner_id', step ~ '.owner_id') }}
    {%- endfor %}
)

select * from final
