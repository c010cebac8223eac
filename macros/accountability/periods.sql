{#-
    kpi_matures_at(period_end, latest_window_end, as_of_at): when a KPI period
    is (or became) mature - no anchor can still join it and every anchor's
    window has elapsed - as a timestamp. period_end is the first day of the
    next period. Once the period is over at as_of_at (period_is_over: at its
    last instant, the last microsecond of its last day, so as_of_date
    2026-09-30 closes a half that ends on 2026-09-30, and as_of_at
    2026-09-30 23:59:59 does not): the later of that last instant and its
    anchors' latest window end (null when it has no anchors). While the
    period is still running: null, because anchors may still come.
    kpi_is_mature: not null and <= as_of_at.
-#}
{% macro kpi_matures_at(period_end, latest_window_end, as_of_at) -%}
    case
        when not {{ period_is_over(period_end, as_of_at) }} then null
        when {{ latest_window_end }} > {{ period_last_instant(period_end) }} then {{ latest_window_end }}
        else {{ period_last_instant(period_end) }}
    end
{%- endmacro %}

{% macro kpi_is_mature(period_end, latest_window_end, as_of_at) -%}
    coalesce({{ kpi_matures_at(period_end, latest_window_end, as_of_at) }} <= {{ as_of_at }}, false)
{%- endmacro %}
