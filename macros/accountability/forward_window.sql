{#-
    The forward-window rule, in one place (int_metric_forward_outcomes uses it
    for every forward metric's outcome and for the opportunities that make up
    pipeline_from_mqls). A window is var('forward_window_days') x 86,400
    seconds of elapsed time after the anchor, inclusive: with 90, an outcome
    exactly 90 x 24 h after the anchor is within it, one a second later is not.

    kpi_window_seconds(): the window's length in seconds.
    kpi_window_ends_at(anchor_at): the window's last instant.
    kpi_is_within_window(anchor_at, at): whether `at` is at or before the
    window's last instant (to the microsecond: a datediff in seconds would
    count second boundaries and let 90 days + 0.8 s in); false (never null)
    when `at` is null.
-#}
{% macro kpi_window_seconds() -%}
    {{ return(var('forward_window_days') | int * 86400) }}
{%- endmacro %}

{% macro kpi_window_ends_at(anchor_at) -%}
    {{ dbt.dateadd('second', kpi_window_seconds(), anchor_at) }}
{%- endmacro %}

{% macro kpi_is_within_window(anchor_at, at) -%}
    coalesce({{ at }} <= {{ kpi_window_ends_at(anchor_at) }}, false)
{%- endmacro %}
