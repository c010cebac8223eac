-- Every KPI metric per fiscal month (of the anchor) and business unit, dense:
-- every metric for every business unit with an event, for every month from the
-- first event's month to the later of the last event's month and the as-of
-- month (zero actuals are 0). A month is mature when it is over and every
-- anchor's window has elapsed by as_of_at (kpi_matures_at); own-stage metrics
-- are mature once the month is over.
with

events as (
    select * from {{ ref('int_metric_events') }}
),

metrics as (
    select * from {{ ref('int_kpi_metrics') }}
),

fiscal_months as (
    select * from {{ ref('int_fiscal_months') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

event_range as (
    select
        min(fiscal_month) as first_month,
        max(fiscal_month) as last_month
    from events
),

grid_months as (
    select fiscal_months.*
    from fiscal_months
    cross join event_range
    cross join as_of
    where fiscal_months.fiscal_month >= event_range.first_month
        and (
            fiscal_months.fiscal_month <= event_range.last_month
            or fiscal_months.fiscal_month <= {{ month_start('as_of.as_of_at') }}
        )
),

business_units as (
    select distinct business_unit
    from events
),

grid as (
    select
        grid_months.fiscal_month,
        grid_months.fiscal_year,
        grid_months.fiscal_half,
        grid_months.next_month_start,
        business_units.business_unit,
        metrics.metric,
        metrics.metric_order,
        metrics.metric_kind,
        metrics.window_days
    from grid_months
    cross join business_units
    cross join metrics
),

monthly as (
    select
        fiscal_month,
        business_unit,
        metric,
        sum(metric_value) as actual,
        count(*) as anchors,
        sum(case when is_outcome_in_window then 1 else 0 end) as outcomes,
        sum(case when is_window_complete then 1 else 0 end) as anchors_window_complete,
        max(window_ends_at) as latest_window_ends_at
    from events
    group by fiscal_month, business_unit, metric
),

with_maturity as (
    select
        grid.fiscal_month,
        grid.fiscal_year,
        grid.fiscal_half,
        grid.business_unit,
        grid.metric,
        grid.metric_order,
        grid.metric_kind,
        grid.window_days,
        coalesce(monthly.actual, 0) as actual,
        coalesce(monthly.anchors, 0) as anchors,
        coalesce(monthly.outcomes, 0) as outcomes,
        coalesce(monthly.anchors_window_complete, 0) as anchors_window_complete,
        monthly.latest_window_ends_at,
        {{ kpi_matures_at('grid.next_month_start', 'monthly.latest_window_ends_at', 'as_of.as_of_at') }}
            as matures_at,
        {{ kpi_is_mature('grid.next_month_start', 'monthly.latest_window_ends_at', 'as_of.as_of_at') }}
            as is_mature
    from grid
    cross join as_of
    left join monthly
        on grid.fiscal_month = monthly.fiscal_month
            and grid.business_unit = monthly.business_unit
            and grid.metric = monthly.metric
),

final as (
    select
        fiscal_month,
        fiscal_year,
        fiscal_half,
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
    from with_maturity
)

select * from final
