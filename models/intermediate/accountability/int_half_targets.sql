-- The target of each KPI metric per fiscal half and business unit, whichever
-- team holds it in kpi_targets: the one definition of "the target of a
-- metric" that the scorecard (int_kpi_attainment), the monthly half_target
-- (mart_forward_kpi_monthly) and the plan funnel (int_shortfall_plan_vs_actual)
-- read. A metric has one target per business unit and half across teams
-- (tested: assert_kpi_targets_one_value_per_metric), so max() only collapses
-- the copies of that one value.
with

targets as (
    select * from {{ ref('int_kpi_targets') }}
),

final as (
    select
        fiscal_year,
        fiscal_half,
        business_unit,
        metric,
        max(target) as target
    from targets
    group by fiscal_year, fiscal_half, business_unit, metric
)

select * from final
