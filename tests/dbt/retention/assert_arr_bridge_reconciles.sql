-- The ARR bridge holds together across periods (docs/retention.md). Fails with
-- a row per break:
-- - continuity: a period's starting ARR and customers are the previous period's ending;
-- - roll-up: a half's (year's) movements are the sum of its quarters';
-- - reconciliation: the current period's ending ARR is the ARR of the contracts
--   of fct_contract in force at the end of the as-of date.
with

bridge as (
    select * from {{ ref('mart_arr_bridge') }}
),

contracts as (
    select * from {{ ref('fct_contract') }}
),

ordered as (
    select
        bridge.*,
        lag(bridge.ending_arr)
            over (partition by bridge.period_grain, bridge.business_unit order by bridge.period_start)
            as previous_ending_arr,
        lag(bridge.ending_customers)
            over (partition by bridge.period_grain, bridge.business_unit order by bridge.period_start)
            as previous_ending_customers
    from bridge
),

discontinuous as (
    select
        'continuity' as check_name,
        period_grain,
        period_label,
        business_unit
    from ordered
    where previous_ending_arr is not null
        and (starting_arr <> previous_ending_arr or starting_customers <> previous_ending_customers)
),

quarter_sums as (
    select
        rollup_periods.period_grain,
        rollup_periods.period_label,
        rollup_periods.business_unit,
        sum(quarters.new_arr) as new_arr,
        sum(quarters.expansion_arr) as expansion_arr,
        sum(quarters.contraction_arr) as contraction_arr,
        sum(quarters.churned_arr) as churned_arr,
        sum(quarters.new_customers) as new_customers,
        sum(quarters.churned_customers) as churned_customers
    from bridge as rollup_periods
    inner join bridge as quarters
        on rollup_periods.business_unit = quarters.business_unit
            and quarters.period_grain = 'quarter'
            and rollup_periods.period_start <= quarters.period_start
            and rollup_periods.period_end >= quarters.period_start
    where rollup_periods.period_grain in ('half', 'year')
    group by rollup_periods.period_grain, rollup_periods.period_label, rollup_periods.business_unit
),

not_rolled_up as (
    select
        'roll-up' as check_name,
        bridge.period_grain,
        bridge.period_label,
        bridge.business_unit
    from bridge
    inner join quarter_sums
        on bridge.period_grain = quarter_sums.period_grain
            and bridge.period_label = quarter_sums.period_label
            and bridge.business_unit = quarter_sums.business_unit
    where bridge.new_arr <> quarter_sums.new_arr
        or bridge.expansion_arr <> quarter_sums.expansion_arr
        or bridge.contraction_arr <> quarter_sums.contraction_arr
        or bridge.churned_arr <> quarter_sums.churned_arr
        or bridge.new_customers <> quarter_sums.new_customers
        or bridge.churned_customers <> quarter_sums.churned_customers
),

last_quarter as (
    select max(period_start) as period_start
    from bridge
    where period_grain = 'quarter'
),

current_periods as (
    select bridge.*
    from bridge
    inner join last_quarter
        on bridge.period_start = last_quarter.period_start
    where bridge.period_grain = 'quarter'
),

in_force as (
    select
        current_periods.business_unit,
        sum(contracts.arr) as arr
    from current_periods
    inner join contracts
        on current_periods.business_unit = contracts.business_unit
            and current_periods.measured_to >= contracts.arr_from
            and (contracts.arr_until is null or current_periods.measured_to < contracts.arr_until)
    group by current_periods.business_unit
),

unreconciled as (
    select
        'reconciliation' as check_name,
        current_periods.period_grain,
        current_periods.period_label,
        current_periods.business_unit
    from current_periods
    left join in_force
        on current_periods.business_unit = in_force.business_unit
    where current_periods.ending_arr <> coalesce(in_force.arr, 0)
),

final as (
    select * from discontinuous
    union all
    select * from not_rolled_up
    union all
    select * from unreconciled
)

select * from final
