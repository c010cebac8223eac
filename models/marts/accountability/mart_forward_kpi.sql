-- The forward-KPI scorecard: one row per fiscal half x business unit x team x
-- metric the team is scored on (kpi_scorecard) or has a target for
-- (kpi_targets), plus one `blended` row per team whose attainment is the sum of
-- its weighted attainments. Actuals come from the metric catalogue
-- (int_metric_actuals_by_half): own-stage metrics count stage entries in the
-- half, forward metrics are attributed to the half of their anchor.
-- The rules: int_kpi_attainment.
with

attainment as (
    select * from {{ ref('int_kpi_attainment') }}
),

final as (
    select
        cast(fiscal_year as integer) as fiscal_year,
        cast(fiscal_half as {{ dbt.type_string() }}) as fiscal_half,
        cast(business_unit as {{ dbt.type_string() }}) as business_unit,
        cast(team as {{ dbt.type_string() }}) as team,
        cast(metric as {{ dbt.type_string() }}) as metric,
        cast(metric_order as integer) as metric_order,
        cast(metric_kind as {{ dbt.type_string() }}) as metric_kind,
        cast(actual as {{ type_money() }}) as actual,
        cast(target as {{ type_money() }}) as target,
        cast(attainment as {{ type_ratio() }}) as attainment,
        cast(weight as {{ type_ratio() }}) as weight,
        cast(weighted_attainment as {{ type_ratio() }}) as weighted_attainment,
        is_mature,
        cast(anchors as {{ dbt.type_bigint() }}) as anchors,
        cast(anchors_window_complete as {{ dbt.type_bigint() }}) as anchors_window_complete,
        cast(window_complete_share as {{ type_ratio() }}) as window_complete_share,
        cast(half_start as date) as half_start,
        cast(half_end as date) as half_end,
        cast(matures_at as {{ dbt.type_timestamp() }}) as matures_at
    from attainment
)

select * from final
