-- The forward-KPI scorecard's rules (mart_forward_kpi selects and casts it):
-- one row per fiscal half x business unit x team x metric the team is scored on (kpi_scorecard) or has a target for
-- (kpi_targets), plus one `blended` row per team whose attainment is the sum of
-- its weighted attainments. Scored rows exist for every business unit with a
-- target (any team, any metric) or an event in the half
-- (int_half_business_units_with_events). The target of a row is the business
-- unit's target for the metric in the half, whichever team holds it
-- (int_half_targets). Actuals come from the metric catalogue
-- (int_metric_actuals_by_half): own-stage metrics count stage entries in the
-- half, forward metrics are attributed to the half of their anchor.
-- Longer than 150 lines on purpose: the blended row is computed from the
-- weighted metric rows of the same scorecard, and keeping both in one model
-- lets one unit test pin attainment, weighting, blending and maturity together.
with

scorecard as (
    select * from {{ ref('int_kpi_scorecard') }}
),

targets as (
    select * from {{ ref('int_kpi_targets') }}
),

half_targets as (
    select * from {{ ref('int_half_targets') }}
),

business_units_with_events as (
    select * from {{ ref('int_half_business_units_with_events') }}
),

actuals_by_half as (
    select * from {{ ref('int_metric_actuals_by_half') }}
),

metrics as (
    select * from {{ ref('int_kpi_metrics') }}
),

fiscal_halves as (
    select * from {{ ref('int_fiscal_halves') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

half_business_units as (
    select
        fiscal_year,
        fiscal_half,
        business_unit
    from targets
    union
    select
        fiscal_year,
        fiscal_half,
        business_unit
    from business_units_with_events
),

scored_rows as (
    select
        scorecard.fiscal_year,
        scorecard.fiscal_half,
        half_business_units.business_unit,
        scorecard.team,
        scorecard.metric
    from scorecard
    inner join half_business_units
        on scorecard.fiscal_year = half_business_units.fiscal_year
            and scorecard.fiscal_half = half_business_units.fiscal_half
),

row_keys as (
    select
        fiscal_year,
        fiscal_half,
        business_unit,
        team,
        metric
    from scored_rows
    union
    select
        fiscal_year,
        fiscal_half,
        business_unit,
        team,
        metric
    from targets
),

metric_rows as (
    select
        row_keys.fiscal_year,
        row_keys.fiscal_half,
        row_keys.business_unit,
        row_keys.team,
        row_keys.metric,
        metrics.metric_order,
        metrics.metric_kind,
        coalesce(actuals_by_half.actual, 0) as actual,
        half_targets.target,
        scorecard.weight,
        coalesce(actuals_by_half.anchors, 0) as anchors,
        coalesce(actuals_by_half.anchors_window_complete, 0) as anchors_window_complete,
        actuals_by_half.window_complete_share,
        fiscal_halves.half_start,
        fiscal_halves.next_half_start,
        actuals_by_half.latest_window_ends_at
    from row_keys
    left join metrics
        on row_keys.metric = metrics.metric
    left join fiscal_halves
        on row_keys.fiscal_year = fiscal_halves.fiscal_year
            and row_keys.fiscal_half = fiscal_halves.fiscal_half
    left join actuals_by_half
        on row_keys.fiscal_year = actuals_by_half.fiscal_year
            and row_keys.fiscal_half = actuals_by_half.fiscal_half
            and row_keys.business_unit = actuals_by_half.business_unit
            and row_keys.metric = actuals_by_half.metric
    left join half_targets
        on row_keys.fiscal_year = half_targets.fiscal_year
            and row_keys.fiscal_half = half_targets.fiscal_half
            and row_keys.business_unit = half_targets.business_unit
            and row_keys.metric = half_targets.metric
    left join scorecard
        on row_keys.fiscal_year = scorecard.fiscal_year
            and row_keys.fiscal_half = scorecard.fiscal_half
            and row_keys.team = scorecard.team
            and row_keys.metric = scorecard.metric
),

metric_scores as (
    select
        metric_rows.fiscal_year,
        metric_rows.fiscal_half,
        metric_rows.business_unit,
        metric_rows.team,
        metric_rows.metric,
        metric_rows.metric_order,
        metric_rows.metric_kind,
        metric_rows.actual,
        metric_rows.target,
        {{ safe_divide('metric_rows.actual', 'metric_rows.target') }} as attainment,
        metric_rows.weight,
        metric_rows.weight * {{ safe_divide('metric_rows.actual', 'metric_rows.target') }} as weighted_attainment,
        {{ kpi_is_mature('metric_rows.next_half_start', 'metric_rows.latest_window_ends_at', 'as_of.as_of_at') }}
            as is_mature,
        metric_rows.anchors,
        metric_rows.anchors_window_complete,
        metric_rows.window_complete_share,
        metric_rows.half_start,
        metric_rows.next_half_start,
        {{ kpi_matures_at('metric_rows.next_half_start', 'metric_rows.latest_window_ends_at', 'as_of.as_of_at') }}
            as matures_at
    from metric_rows
    cross join as_of
),

blended_scores as (
    select
        fiscal_year,
        fiscal_half,
        business_unit,
        team,
        'blended' as metric,
        {{ kpi_metrics() | length + 1 }} as metric_order,
        'blended' as metric_kind,
        cast(null as {{ type_money() }}) as actual,
        cast(null as {{ type_money() }}) as target,
        -- The sum of the weighted attainments; null when any weighted metric has no attainment.
        case when count(weighted_attainment) = count(*) then sum(weighted_attainment) end as attainment,
        sum(weight) as weight,
        case when count(weighted_attainment) = count(*) then sum(weighted_attainment) end as weighted_attainment,
        min(case when is_mature then 1 else 0 end) = 1 as is_mature,
        cast(null as {{ dbt.type_bigint() }}) as anchors,
        cast(null as {{ dbt.type_bigint() }}) as anchors_window_complete,
        cast(null as {{ type_ratio() }}) as window_complete_share,
        min(half_start) as half_start,
        max(next_half_start) as next_half_start,
        case when count(matures_at) = count(*) then max(matures_at) end as matures_at
    from metric_scores
    where weight is not null
    group by fiscal_year, fiscal_half, business_unit, team
),

all_rows as (
    select * from metric_scores
    union all
    select * from blended_scores
),

final as (
    select
        fiscal_year,
        fiscal_half,
        business_unit,
        team,
        metric,
        metric_order,
        metric_kind,
        actual,
        target,
        attainment,
        weight,
        weighted_attainment,
        is_mature,
        anchors,
        anchors_window_complete,
        window_complete_share,
        half_start,
        cast({{ dbt.dateadd('day', -1, 'next_half_start') }} as date) as half_end,
        matures_at
    from all_rows
)

select * from final
