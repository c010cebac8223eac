{#-
    kpi_actuals_by_period(period): the one query behind int_metric_actuals_by_month
    (period 'month') and int_metric_actuals_by_half (period 'half'): every
    catalogue metric per period of the anchor and business unit, the sum of the
    metric's events in int_metric_events.

    Dense: every metric for every business unit with an event, for every period
    that holds a month from the first event's month to the later of the last
    event's month and the as-of month (zero actuals are 0, a share without
    anchors null). A period is mature when it is over and every anchor's window
    has elapsed by as_of_at (kpi_matures_at, kpi_is_mature); own-stage metrics
    are mature once the period is over. Both periods sum the same events, so a
    half is the sum of its months.

    period     columns (in order, before business_unit)           grouped by               ends at
    month      fiscal_month, fiscal_year, fiscal_half             fiscal_month             next_month_start
    half       fiscal_year, fiscal_half, half_start, next_half_start  fiscal_year, fiscal_half  next_half_start
-#}
{% macro kpi_actuals_by_period(period) -%}
    {%- set periods = {
        'month': {
            'columns': ['fiscal_month', 'fiscal_year', 'fiscal_half'],
            'keys': ['fiscal_month'],
            'period_end': 'next_month_start',
        },
        'half': {
            'columns': ['fiscal_year', 'fiscal_half', 'half_start', 'next_half_start'],
            'keys': ['fiscal_year', 'fiscal_half'],
            'period_end': 'next_half_start',
        },
    } -%}
    {%- if period not in periods -%}
        {{ exceptions.raise_compiler_error("kpi_actuals_by_period: period must be 'month' or 'half', got '" ~ period ~ "'") }}
    {%- endif -%}
    {%- set columns = periods[period]['columns'] -%}
    {%- set keys = periods[period]['keys'] -%}
    {%- set period_end = periods[period]['period_end'] -%}
    {%- set grid_columns = columns if period_end in columns else columns + [period_end] -%}
    {%- set join_columns = keys + ['business_unit', 'metric'] -%}
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

grid_periods as (
    select distinct
        {%- for column in grid_columns %}
        {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from grid_months
),

business_units as (
    select distinct business_unit
    from events
),

grid as (
    select
        {%- for column in grid_columns %}
        grid_periods.{{ column }},
        {%- endfor %}
        business_units.business_unit,
        metrics.metric,
        metrics.metric_order,
        metrics.metric_kind,
        metrics.window_days
    from grid_periods
    cross join business_units
    cross join metrics
),

period_totals as (
    select
        {%- for key in keys %}
        {{ key }},
        {%- endfor %}
        business_unit,
        metric,
        sum(metric_value) as actual,
        count(*) as anchors,
        sum(case when is_outcome_in_window then 1 else 0 end) as outcomes,
        sum(case when is_window_complete then 1 else 0 end) as anchors_window_complete,
        max(window_ends_at) as latest_window_ends_at
    from events
    group by {{ keys | join(', ') }}, business_unit, metric
),

with_maturity as (
    select
        {%- for column in columns %}
        grid.{{ column }},
        {%- endfor %}
        grid.business_unit,
        grid.metric,
        grid.metric_order,
        grid.metric_kind,
        grid.window_days,
        coalesce(period_totals.actual, 0) as actual,
        coalesce(period_totals.anchors, 0) as anchors,
        coalesce(period_totals.outcomes, 0) as outcomes,
        coalesce(period_totals.anchors_window_complete, 0) as anchors_window_complete,
        period_totals.latest_window_ends_at,
        {{ kpi_matures_at('grid.' ~ period_end, 'period_totals.latest_window_ends_at', 'as_of.as_of_at') }}
            as matures_at,
        {{ kpi_is_mature('grid.' ~ period_end, 'period_totals.latest_window_ends_at', 'as_of.as_of_at') }}
            as is_mature
    from grid
    cross join as_of
    left join period_totals
        on grid.{{ join_columns[0] }} = period_totals.{{ join_columns[0] }}
        {%- for column in join_columns[1:] %}
            and grid.{{ column }} = period_totals.{{ column }}
        {%- endfor %}
),

final as (
    select
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
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
{%- endmacro %}
