-- The same actuals as mart_forward_kpi by fiscal month, so a half can be
-- watched while it runs: one row per fiscal month (of the anchor) x business
-- unit x catalogue metric, dense, with the half-to-date actual against the
-- half's target for the business unit (int_half_targets, the same target as
-- mart_forward_kpi's).
with

actuals_by_month as (
    select * from {{ ref('int_metric_actuals_by_month') }}
),

half_targets as (
    select * from {{ ref('int_half_targets') }}
),

half_to_date as (
    select
        actuals_by_month.fiscal_month,
        actuals_by_month.fiscal_year,
        actuals_by_month.fiscal_half,
        actuals_by_month.business_unit,
        actuals_by_month.metric,
        actuals_by_month.metric_order,
        actuals_by_month.metric_kind,
        actuals_by_month.actual,
        sum(actuals_by_month.actual) over (
            partition by
                actuals_by_month.fiscal_year,
                actuals_by_month.fiscal_half,
                actuals_by_month.business_unit,
                actuals_by_month.metric
            order by actuals_by_month.fiscal_month
            rows between unbounded preceding and current row
        ) as half_to_date_actual,
        actuals_by_month.anchors,
        actuals_by_month.outcomes,
        actuals_by_month.anchors_window_complete,
        actuals_by_month.window_complete_share,
        actuals_by_month.matures_at,
        actuals_by_month.is_mature
    from actuals_by_month
),

final as (
    select
        cast(half_to_date.fiscal_month as date) as fiscal_month,
        cast(half_to_date.fiscal_year as integer) as fiscal_year,
        cast(half_to_date.fiscal_half as {{ dbt.type_string() }}) as fiscal_half,
        cast(half_to_date.business_unit as {{ dbt.type_string() }}) as business_unit,
        cast(half_to_date.metric as {{ dbt.type_string() }}) as metric,
        cast(half_to_date.metric_order as integer) as metric_order,
        cast(half_to_date.metric_kind as {{ dbt.type_string() }}) as metric_kind,
        cast(half_to_date.actual as {{ type_money() }}) as actual,
        cast(half_to_date.half_to_date_actual as {{ type_money() }}) as half_to_date_actual,
        cast(half_targets.target as {{ type_money() }}) as half_target,
        {{ safe_divide('half_to_date.half_to_date_actual', 'half_targets.target') }} as half_to_date_attainment,
        cast(half_to_date.anchors as {{ dbt.type_bigint() }}) as anchors,
        cast(half_to_date.outcomes as {{ dbt.type_bigint() }}) as outcomes,
        cast(half_to_date.anchors_window_complete as {{ dbt.type_bigint() }}) as anchors_window_complete,
        cast(half_to_date.window_complete_share as {{ type_ratio() }}) as window_complete_share,
        cast(half_to_date.matures_at as {{ dbt.type_timestamp() }}) as matures_at,
        half_to_date.is_mature
    from half_to_date
    left join half_targets
        on half_to_date.fiscal_year = half_targets.fiscal_year
            and half_to_date.fiscal_half = half_targets.fiscal_half
            and half_to_date.business_unit = half_targets.business_unit
            and half_to_date.metric = half_targets.metric
)

select * from final
