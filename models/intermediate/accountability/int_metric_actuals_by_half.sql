-- Every KPI metric per fiscal half (of the anchor) and business unit: the sum
-- of its months in int_metric_actuals_by_month. A half is mature when it is
-- over and every anchor's window has elapsed by as_of_at (kpi_matures_at).
with

actuals_by_month as (
    select * from {{ ref('int_metric_actuals_by_month') }}
),

fiscal_months as (
    select * from {{ ref('int_fiscal_months') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

fiscal_halves as (
    select distinct
        fiscal_year,
        fiscal_half,
        half_start,
        next_half_start
    from fiscal_months
),

half_totals as (
    select
        fiscal_year,
        fiscal_half,
        business_unit,
        metric,
        metric_order,
        metric_kind,
        window_days,
        sum(actual) as actual,
        sum(anchors) as anchors,
        sum(outcomes) as outcomes,
        sum(anchors_window_complete) as anchors_window_complete,
        max(latest_window_ends_at) as latest_window_ends_at
    from actuals_by_month
    group by fiscal_year, fiscal_half, business_unit, metric, metric_order, metric_kind, window_days
),

with_bounds as (
    select
        half_totals.*,
        fiscal_halves.half_start,
        fiscal_halves.next_half_start,
        {{ kpi_matures_at('fiscal_halves.next_half_start', 'half_totals.latest_window_ends_at', 'as_of.as_of_at') }}
            as matures_at,
        {{ kpi_is_mature('fiscal_halves.next_half_start', 'half_totals.latest_window_ends_at', 'as_of.as_of_at') }}
            as is_mature
    from half_totals
    inner join fiscal_halves
        on half_totals.fiscal_year = fiscal_halves.fiscal_year
            and half_totals.fiscal_half = fiscal_halves.fiscal_half
    cross join as_of
),

final as (
    select
        fiscal_year,
        fiscal_half,
        half_start,
        next_half_start,
        business_unit,
        metric,
        metric_order,
        metric_kind,
        window_days,
        actual,
        anchors,
        outcomes,
        anchors_window_complete,
        {{ safe_divide('anchors_window_complete', 'anchors') }} as window_complete_share,
        latest_window_ends_at,
        matures_at,
        is_mature
    from with_bounds
)

select * from final
