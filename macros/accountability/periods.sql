{#-
    kpi_matures_at(period_end, latest_window_end, as_of_at): when a KPI period
    is (or became) mature - no anchor can still join it and every anchor's
    window has elapsed - as a timestamp. Times have one-second resolution, so
    a period is over at its last second, period_end - 1 s (period_end is the
    first day of the next period): as_of_date 2026-09-30 (as_of_at 23:59:59.999999)
    closes a half that ends on 2026-09-30. Once the period is over at as_of_at:
    the later of its last second and its anchors' latest window end (null
    when it has no anchors). While the period is still running: null, because
    anchors may still come. kpi_is_mature: not null and <= as_of_at.
-#}
{% macro kpi_period_last_second(period_end) -%}
    {{ dbt.dateadd('second', -1, 'cast(' ~ period_end ~ ' as ' ~ dbt.type_timestamp() ~ ')') }}
{%- endmacro %}

{% macro kpi_matures_at(period_end, latest_window_end, as_of_at) -%}
    case
        when {{ kpi_period_last_second(period_end) }} > {{ as_of_at }} then null
        when {{ latest_window_end }} > {{ kpi_period_last_second(period_end) }} then {{ latest_window_end }}
        else {{ kpi_period_last_second(period_end) }}
    end
{%- endmacro %}

{% macro kpi_is_mature(period_end, latest_window_end, as_of_at) -%}
    coalesce({{ kpi_matures_at(period_end, latest_window_end, as_of_at) }} <= {{ as_of_at }}, false)
{%- endmacro %}
