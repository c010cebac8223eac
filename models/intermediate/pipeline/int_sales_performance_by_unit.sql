-- Field-sales performance per fiscal quarter x business unit (docs/pipeline.md, "Performance"): the
-- owners' counts and amounts of int_sales_performance added up, the win rates and average won amount
-- on those sums and the median sales cycle of the unit's won closes (a median does not add up over
-- owners, so it is taken over the closes themselves). Formulas: macros/pipeline/sales_performance.sql.
with

performance as (
    select * from {{ ref('int_sales_performance') }}
),

states as (
    select * from {{ ref('int_opportunity_states') }}
),

cycles as (
    select
        closed_quarter_start as quarter_start,
        business_unit,
        {{ median_sales_cycle_days('is_won', 'created_at', 'moved_at') }} as median_sales_cycle_days
    from states
    where is_final_close
    group by closed_quarter_start, business_unit
),

totals as (
    select
        fiscal_year,
        fiscal_quarter,
        quarter_start,
        business_unit,
        sum(created_count) as created_count,
        sum(created_amount) as created_amount,
        sum(closed_count) as closed_count,
        sum(closed_amount) as closed_amount,
        sum(won_count) as won_count,
        sum(won_amount) as won_amount,
        sum(lost_count) as lost_count,
        sum(lost_amount) as lost_amount,
        -- null outside the as-of quarter, as per owner
        sum(stalled_count) as stalled_count,
        -- the var the build judged by, the same in every row
        max(stalled_opportunity_days) as stalled_opportunity_days
    from performance
    group by fiscal_year, fiscal_quarter, quarter_start, business_unit
),

final as (
    select
        totals.fiscal_year,
        totals.fiscal_quarter,
        totals.quarter_start,
        totals.business_unit,
        totals.created_count,
        totals.created_amount,
        totals.closed_count,
        totals.closed_amount,
        totals.won_count,
        totals.won_amount,
        totals.lost_count,
        totals.lost_amount,
        {{ sales_close_rates(
            'totals.won_count', 'totals.closed_count', 'totals.won_amount', 'totals.closed_amount'
        ) }},
        cycles.median_sales_cycle_days,
        totals.stalled_count,
        totals.stalled_opportunity_days
    from totals
    left join cycles
        on totals.quarter_start = cycles.quarter_start
            and totals.business_unit = cycles.business_unit
)

select * from final
