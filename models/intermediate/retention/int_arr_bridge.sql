-- The ARR and customer bridges per fiscal period (quarter, half, year) x
-- business unit. Starting = in force at the end of the day before the period
-- starts; ending = in force at the end of its last measured day (the as-of
-- date for the current period); the movements are int_arr_movements and the
-- spells of int_customer_spells that start or end within the period. The
-- in-force figures are counted from the contracts and spells themselves, so
-- the identities starting + new + expansion - contraction - churn = ending
-- (ARR) and starting + new - churned = ending (customers), tested on every
-- build, check the movements against them.
-- Longer than 150 lines on purpose: the ARR and the customer bridges share
-- their periods, in-force counts and movement joins; split, each would repeat them.
with

periods as (
    select * from {{ ref('int_fiscal_periods') }}
),

contracts as (
    select * from {{ ref('int_contracts') }}
),

movements as (
    select * from {{ ref('int_arr_movements') }}
),

spells as (
    select * from {{ ref('int_customer_spells') }}
),

business_units as (
    select distinct business_unit from contracts
),

grid as (
    select
        periods.*,
        business_units.business_unit
    from periods
    cross join business_units
),

in_force as (
    select
        grid.period_grain,
        grid.period_start,
        grid.business_unit,
        sum(
            case
                when contracts.arr_from < grid.period_start
                    and (contracts.arr_until is null or contracts.arr_until >= grid.period_start)
                    then contracts.arr
                else 0
            end
        ) as starting_arr,
        sum(
            case
                when contracts.arr_from <= grid.measured_to
                    and (contracts.arr_until is null or contracts.arr_until > grid.measured_to)
                    then contracts.arr
                else 0
            end
        ) as ending_arr
    from grid
    inner join contracts
        on grid.business_unit = contracts.business_unit
    where contracts.arr_from <= grid.measured_to
    group by grid.period_grain, grid.period_start, grid.business_unit
),

moved as (
    select
        grid.period_grain,
        grid.period_start,
        grid.business_unit,
        sum(case when movements.movement = 'new' then movements.arr_amount else 0 end) as new_arr,
        sum(case when movements.movement = 'new' and movements.is_win_back then movements.arr_amount else 0 end)
            as win_back_arr,
        sum(case when movements.movement = 'expansion' then movements.arr_amount else 0 end) as expansion_arr,
        sum(case when movements.movement = 'contraction' then movements.arr_amount else 0 end) as contraction_arr,
        sum(case when movements.movement = 'churn' then movements.arr_amount else 0 end) as churned_arr
    from grid
    inner join movements
        on grid.business_unit = movements.business_unit
            and grid.period_start <= movements.movement_on
            and grid.measured_to >= movements.movement_on
    group by grid.period_grain, grid.period_start, grid.business_unit
),

customers as (
    select
        grid.period_grain,
        grid.period_start,
        grid.business_unit,
        sum(
            case
                when spells.spell_start < grid.period_start
                    and (spells.spell_end is null or spells.spell_end >= grid.period_start)
                    then 1
                else 0
            end
        ) as starting_customers,
        sum(case when spells.spell_start >= grid.period_start then 1 else 0 end) as new_customers,
        sum(case when spells.spell_start >= grid.period_start and spells.spell_number > 1 then 1 else 0 end)
            as win_back_customers,
        sum(
            case
                when spells.spell_end >= grid.period_start and spells.spell_end <= grid.measured_to then 1
                else 0
            end
        ) as churned_customers,
        sum(case when spells.spell_end is null or spells.spell_end > grid.measured_to then 1 else 0 end)
            as ending_customers
    from grid
    inner join spells
        on grid.business_unit = spells.business_unit
            and grid.measured_to >= spells.spell_start
    group by grid.period_grain, grid.period_start, grid.business_unit
),

final as (
    select
        grid.period_grain,
        grid.period_label,
        grid.fiscal_year,
        grid.fiscal_half,
        grid.fiscal_quarter,
        grid.period_start,
        grid.period_end,
        grid.measured_to,
        grid.is_complete,
        grid.business_unit,
        cast(coalesce(in_force.starting_arr, 0) as {{ type_money() }}) as starting_arr,
        cast(coalesce(moved.new_arr, 0) as {{ type_money() }}) as new_arr,
        cast(coalesce(moved.win_back_arr, 0) as {{ type_money() }}) as win_back_arr,
        cast(coalesce(moved.expansion_arr, 0) as {{ type_money() }}) as expansion_arr,
        cast(coalesce(moved.contraction_arr, 0) as {{ type_money() }}) as contraction_arr,
        cast(coalesce(moved.churned_arr, 0) as {{ type_money() }}) as churned_arr,
        cast(coalesce(in_force.ending_arr, 0) as {{ type_money() }}) as ending_arr,
        cast(coalesce(in_force.ending_arr, 0) - coalesce(in_force.starting_arr, 0) as {{ type_money() }})
            as net_new_arr,
        cast(coalesce(customers.starting_customers, 0) as integer) as starting_customers,
        cast(coalesce(customers.new_customers, 0) as integer) as new_customers,
        cast(coalesce(customers.win_back_customers, 0) as integer) as win_back_customers,
        cast(coalesce(customers.churned_customers, 0) as integer) as churned_customers,
        cast(coalesce(customers.ending_customers, 0) as integer) as ending_customers
    from grid
    left join in_force
        on grid.period_grain = in_force.period_grain
            and grid.period_start = in_force.period_start
            and grid.business_unit = in_force.business_unit
    left join moved
        on grid.period_grain = moved.period_grain
            and grid.period_start = moved.period_start
            and grid.business_unit = moved.business_unit
    left join customers
        on grid.period_grain = customers.period_grain
            and grid.period_start = customers.period_start
            and grid.business_unit = customers.business_unit
)

select * from final
