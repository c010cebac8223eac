-- The business units with at least one KPI metric event in a fiscal half (an
-- anchor in the half, int_metric_actuals_by_half.anchors > 0). The actuals
-- are dense (every business unit with an event anywhere, in every half of the
-- grid), so a row there does not mean an event: this is the one place that
-- says which business units had one. The scorecard (int_kpi_attainment) and
-- the shortfall groups (int_shortfall_plan_vs_actual) take a business unit
-- into a half when it has a target or plan there, or is listed here.
with

actuals_by_half as (
    select * from {{ ref('int_metric_actuals_by_half') }}
),

final as (
    select distinct
        fiscal_year,
        fiscal_half,
        business_unit
    from actuals_by_half
    where anchors > 0
)

select * from final
